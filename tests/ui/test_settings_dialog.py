"""The settings dialog refuses what cannot work and says why; the window applies what it accepts."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from app.engine.settings import Settings, load_settings
from app.ui.settings_dialog import SettingsDialog


def test_dialog_disables_ok_and_says_why(qtbot, tmp_path):
    dialog = SettingsDialog(Settings(), tmp_path)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled() and dialog.problem_label.isHidden()

    dialog.proxy.setText("127.0.0.1:9050")
    assert not ok.isEnabled()
    assert "scheme" in dialog.problem_label.text()
    dialog.proxy.setText("socks5://127.0.0.1:9050")
    assert ok.isEnabled()

    dialog.window_days.setValue(1)
    dialog.flag_hours.setValue(72)
    assert not ok.isEnabled() and "time window" in dialog.problem_label.text()
    dialog.window_days.setValue(3)
    assert ok.isEnabled()

    dialog.user_agent.setText("")
    assert not ok.isEnabled() and "User-Agent" in dialog.problem_label.text()
    dialog.user_agent.setText("Desk/1.0")

    dialog.interval.setValue(0)
    assert dialog.interval.text() == "only when asked"
    dialog.min_sources.setValue(4)
    dialog.threads.setValue(2)
    result = dialog.settings()
    assert result == Settings(proxy="socks5://127.0.0.1:9050", window_days=3, flag_hours=72, user_agent="Desk/1.0",
                              fetch_interval_minutes=0, flag_min_sources=4, threads=2)
    assert not dialog.model_changed()
    dialog.model.setCurrentIndex(dialog.model.findData("minilm"))
    assert dialog.model_changed() and dialog.settings().model == "minilm"
    assert "embedded again" in dialog.model_note.text()


def test_similarity_thresholds_default_to_the_models_own_and_can_be_set(qtbot, tmp_path):
    from app.engine.clustering import thresholds_for

    dialog = SettingsDialog(Settings(), tmp_path)
    qtbot.addWidget(dialog)
    own = thresholds_for("use-multilingual")
    assert dialog.same_language.text() == f"model's own ({own.same_language:.2f})"
    dialog.model.setCurrentIndex(dialog.model.findData("minilm"))
    assert dialog.cross_language.text() == f"model's own ({thresholds_for('minilm').cross_language:.2f})"
    dialog.same_language.setValue(0.6)
    assert dialog.settings().same_language_threshold == 0.6
    assert dialog.settings().cross_language_threshold == 0.0


def test_spin_boxes_bound_what_can_be_typed(qtbot, tmp_path):
    dialog = SettingsDialog(Settings(), tmp_path)
    qtbot.addWidget(dialog)
    dialog.min_sources.setValue(1)
    assert dialog.min_sources.value() == 2, "one source is not a narrative"
    dialog.timeout.setValue(0)
    assert dialog.timeout.value() == 1


def test_window_saves_settings_and_reschedules(make_window, tmp_path):
    from app.engine.store import Store
    from app.engine.store import feeds as feed_store

    folder = tmp_path / "data"
    store = Store.open(folder)
    feed_store.add_feed(store.db, "http://127.0.0.1:9/rss", kind="http")
    store.close()
    window = make_window(folder, schedule=True)
    assert window.schedule.next_at is not None
    task = window.apply_settings(window.context.settings.replace(fetch_interval_minutes=0, proxy="socks5://h:1"))
    assert task is None
    assert load_settings(folder).proxy == "socks5://h:1"
    assert window.schedule.next_at is None
    assert window.status.next_fetch_label.text() == "Automatic fetching off"


@pytest.mark.slow
def test_a_new_model_re_embeds_every_claim_as_a_task(demo_data, make_window, qtbot):
    window = make_window(demo_data)
    claims = window.context.store.db.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    task = window.apply_settings(window.context.settings.replace(model="minilm"))
    assert task is not None
    progress = []
    task.signals.progress.connect(lambda fraction, message: progress.append(message))
    with qtbot.waitSignal(task.signals.done, timeout=600_000) as done:
        pass
    assert done.args[0].claims_embedded == claims
    assert any("re-embedding" in m for m in progress)
    models = {r[0] for r in window.context.store.db.conn.execute("SELECT DISTINCT model FROM vectors")}
    assert models == {"minilm"}


def test_choosing_another_data_folder_reopens_the_window(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "one")
    window.reopen_requested.disconnect()  # the test stands in for the app, which would open the new folder
    with qtbot.waitSignal(window.reopen_requested, timeout=2000) as asked:
        window.apply_settings(window.context.settings, tmp_path / "two")
    assert asked.args == [tmp_path / "two"]


def test_the_reviewer_name_is_set_here_and_names_the_window_s_actions(qtbot, tmp_path, monkeypatch):
    from app.engine.settings import USER_ENV
    from app.ui.context import AppContext

    monkeypatch.delenv(USER_ENV, raising=False)
    dialog = SettingsDialog(Settings(), tmp_path)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.reviewer.setText("x" * 81)
    assert not ok.isEnabled() and "reviewer" in dialog.problem_label.text()
    dialog.reviewer.setText("  Maria Lopez ")
    assert ok.isEnabled() and dialog.settings().reviewer == "Maria Lopez"
    context = AppContext(tmp_path / "data")
    try:
        context.update_settings(dialog.settings())
        assert context.reviewer == "Maria Lopez" and load_settings(context.data_dir).reviewer == "Maria Lopez"
    finally:
        context.close()

"""The window on a damaged database (recovery offered) and on a read-only folder (browse, export)."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QLabel

from app.engine import review
from app.engine.paths import DATABASE_NAME
from app.engine.store import Store


def _damage(data_dir):
    database = data_dir / DATABASE_NAME
    database.write_bytes(database.read_bytes()[:4096] + b"\0" * 8192)


def test_a_damaged_database_is_recovered_when_the_window_opens(qtbot, sample, data_dir, monkeypatch):
    from app.ui import app as ui_app
    from app.ui import recovery_dialog

    store = Store.open(data_dir)
    review.set_notes(store, sample.vaccine, "Checked with the ministry.", actor="ana")
    store.close()
    _damage(data_dir)
    asked, told = [], []
    monkeypatch.setattr(ui_app, "ask_to_recover", lambda parent, folder, exc: asked.append(str(exc)) or True)
    monkeypatch.setattr(recovery_dialog.QMessageBox, "information", lambda parent, title, text: told.append(text))

    window = ui_app.open_or_recover(data_dir)
    qtbot.addWidget(window)
    assert "damaged" in asked[0] and "damaged file is in" in told[0] and "1 narratives" in told[0]
    assert (data_dir / "damaged").is_dir()
    assert window.context.store.db.conn.execute(
        "SELECT notes FROM narratives WHERE id = ?", (sample.vaccine,)).fetchone()[0] == "Checked with the ministry."


def test_declining_recovery_leaves_the_folder_as_it_was(qtbot, sample, data_dir, monkeypatch):
    from app.ui import app as ui_app

    _damage(data_dir)
    monkeypatch.setattr(ui_app, "ask_to_recover", lambda parent, folder, exc: False)
    shown = []
    monkeypatch.setattr(ui_app.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert ui_app.run_window(data_dir) == 1
    assert "narrative-radar recover" in shown[0] and not (data_dir / "damaged").exists()


def test_a_read_only_folder_opens_for_browsing(qtbot, sample, data_dir, monkeypatch):
    from app.ui.app import open_window

    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK and real_access(path, mode))
    window = open_window(data_dir, schedule=True)
    qtbot.addWidget(window)
    assert window.context.store.read_only
    assert not any(window.actions_by_name[name].isEnabled() for name in ("fetch_all", "add_feed", "recover_database"))
    assert window.actions_by_name["export_brief"].isEnabled()
    assert window.status.findChild(QLabel, "readOnlyLabel") is not None
    assert window.narratives.model.rowCount() > 0

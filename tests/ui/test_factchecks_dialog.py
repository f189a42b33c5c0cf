"""The fact-check library dialog: import in the background, list and search, problems, remove, re-match."""

from __future__ import annotations

import json

import pytest

from app.engine.store.factchecks import count_factchecks
from app.engine.store import narratives as narrative_store
from tests.engine.helpers import add_article, add_feed
from tests.factcheck_data import FACTCHECKS, VACCINE, use_fake_thresholds
from tests.fakes import HashingEmbedder

LIBRARY = FACTCHECKS[:2]


@pytest.fixture(autouse=True)
def fake_thresholds(monkeypatch):
    use_fake_thresholds(monkeypatch)


@pytest.fixture
def context(qapp, tmp_path):
    from app.ui.context import AppContext

    ctx = AppContext(tmp_path / "data")
    ctx.pipeline._embedder = HashingEmbedder()
    ctx.isolate = False  # the fake model lives in this process only
    yield ctx
    ctx.close()


@pytest.fixture
def dialog(qtbot, context):
    from app.ui.factchecks_dialog import FactChecksDialog

    widget = FactChecksDialog(context)
    qtbot.addWidget(widget)
    return widget


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_import_lists_the_library_and_shows_problems_with_file_and_line(qtbot, dialog, tmp_path):
    assert dialog.table.rowCount() == 0 and "empty" in dialog.count_label.text()
    good = _write(tmp_path, "library.json", LIBRARY)
    bad = _write(tmp_path, "bad.csv", "claim,rating\nThe bridge closes,False\n,True\n")
    task = dialog.import_files([good, bad])
    with qtbot.waitSignal(task.signals.done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: dialog.task is None)
    assert dialog.table.rowCount() == 3 and "3 fact-checks" in dialog.count_label.text()
    assert "3 fact-check(s) added" in dialog.status.text()
    assert dialog.problems.isVisibleTo(dialog)
    assert f"{bad}, line 3: no claim text" in dialog.problems.toPlainText()
    dialog.search_edit.setText("microchips")
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 0).text() == "False" and "Corvax" in dialog.table.item(0, 5).text()
    dialog.search_edit.setText("")
    dialog.verdict_box.setCurrentIndex(dialog.verdict_box.findData("misleading"))
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "Verifica Sur"


def test_import_flags_existing_narratives_and_remove_unflags_them(qtbot, dialog, context, tmp_path):
    for hour, name in enumerate(("alpha", "beta", "gamma"), 1):
        add_article(context.pipeline.store, add_feed(context.pipeline.store, name), [VACCINE],
                    published=f"2026-11-10T0{hour}:00:00Z")
    context.pipeline.process_claims()
    [before] = narrative_store.list_narratives(context.store.db)
    assert "fact-checked" not in {f.kind for f in before.flags}
    changed = []
    dialog.library_changed.connect(lambda: changed.append(True))
    task = dialog.import_files([_write(tmp_path, "library.json", LIBRARY)])
    with qtbot.waitSignal(task.signals.done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: dialog.task is None)
    assert changed and "claims matched" in dialog.status.text()
    [after] = narrative_store.list_narratives(context.store.db)
    assert "fact-checked" in {f.kind for f in after.flags}
    dialog.search_edit.setText("microchips")
    dialog.table.selectRow(0)
    assert dialog.remove_button.isEnabled()
    task = dialog.remove_ids(dialog.selected_ids())
    with qtbot.waitSignal(task.signals.done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: dialog.task is None)
    assert count_factchecks(context.store.db) == 1
    [gone] = narrative_store.list_narratives(context.store.db)
    assert "fact-checked" not in {f.kind for f in gone.flags}
    task = dialog.match_all()
    with qtbot.waitSignal(task.signals.done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: dialog.task is None)
    assert "3 claims matched" in dialog.status.text()


def test_a_file_that_cannot_be_read_is_reported_not_raised(qtbot, dialog, tmp_path):
    task = dialog.import_files([tmp_path / "missing.json"])
    with qtbot.waitSignal(task.signals.done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: dialog.task is None)
    assert "missing.json" in dialog.problems.toPlainText() and "cannot be opened" in dialog.problems.toPlainText()
    assert "1 file(s) unreadable" in dialog.status.text()


def test_claim_stretches_link_shows_its_host_and_every_verdict_is_shown(qtbot, dialog, tmp_path, monkeypatch):
    from app.ui import factchecks_dialog
    from app.ui.factchecks_dialog import COLUMNS, URL_ROLE, link_text, verdict_text

    assert link_text("https://www.claimcheck.example/corvax?x=1") == "claimcheck.example"
    assert verdict_text("false") == "False" and verdict_text("misleading") == "Misleading"
    task = dialog.import_files([_write(tmp_path, "library.json", LIBRARY)])
    with qtbot.waitSignal(task.signals.done, timeout=20000):
        pass
    qtbot.waitUntil(lambda: dialog.task is None)
    dialog.resize(960, 600)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.search_edit.setText("microchips")
    link = dialog.table.item(0, COLUMNS.index("Link"))
    assert link.text() == "claimcheck.example" and "https://claimcheck.example/corvax" in link.toolTip()
    assert link.data(URL_ROLE) == "https://claimcheck.example/corvax"
    # Rating "False", verdict false: a blank Verdict cell read as "no verdict".
    assert dialog.table.item(0, COLUMNS.index("Rating")).text() == "False"
    assert dialog.table.item(0, COLUMNS.index("Verdict")).text() == "False"
    header = dialog.table.horizontalHeader()
    assert header.sectionSize(COLUMNS.index("Claim")) > header.sectionSize(COLUMNS.index("Link"))
    assert header.sectionSize(COLUMNS.index("Claim")) >= 300
    opened = []
    monkeypatch.setattr(factchecks_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    dialog._on_table_cell_double_clicked(0, COLUMNS.index("Claim"))
    assert opened == ["https://claimcheck.example/corvax"]
    dialog.search_edit.setText("dead voters")
    assert dialog.table.item(0, COLUMNS.index("Verdict")).text() == "Misleading"

"""The window with several reviewers on one store: its actions name the reviewer, and a change
made by someone else first is shown, not overwritten (issue 13)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.engine import review
from app.engine.settings import USER_ENV
from app.engine.store import Store
from app.engine.store import narratives as narrative_store
from app.ui.context import AppContext
from app.ui.narrative_view import NarrativeView


@pytest.fixture
def detail(qtbot, data_dir, sample, monkeypatch):
    """The detail of the vaccine narrative, in a window opened with ``--user ana``."""
    monkeypatch.setenv(USER_ENV, "someone-else")  # the option goes first
    context = AppContext(data_dir, user="ana")
    view = NarrativeView(context)
    qtbot.addWidget(view)
    view.show_narrative(sample.vaccine)
    yield view
    for box in boxes():
        box.close()
    context.close()


def boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def wait(qtbot, view, task):
    assert task is not None
    qtbot.waitUntil(lambda: task not in view._context.tasks.running, timeout=5000)


def history(view) -> list[tuple[str, str]]:
    items = (view.history.topLevelItem(i) for i in range(view.history.topLevelItemCount()))
    return [(item.text(1), item.text(2)) for item in items]


def by_maria(data_dir, change) -> None:
    """Another reviewer's change, from another process's store, while the window shows the narrative."""
    store = Store.open(data_dir)
    try:
        change(store)
    finally:
        store.close()


def test_the_history_shows_who_did_each_action(qtbot, detail, data_dir, sample):
    wait(qtbot, detail, detail.set_status("confirmed"))
    by_maria(data_dir, lambda store: review.set_notes(store, sample.vaccine, "Fake.", actor="maria"))
    detail.refresh()
    assert history(detail) == [("maria", "notes edited"), ("ana", "status new → confirmed")]


def test_a_status_changed_by_another_reviewer_is_shown_not_overwritten(qtbot, detail, data_dir, sample):
    by_maria(data_dir, lambda store: review.set_status(store, sample.vaccine, "confirmed", actor="maria"))
    assert detail.narrative.summary.status == "new"  # the window has not seen it yet
    wait(qtbot, detail, detail.set_status("dismissed"))
    [box] = boxes()
    assert f"Narrative {sample.vaccine} was changed by maria at " in box.text()
    assert "(status new → confirmed) after you opened it" in box.text()
    # reloaded: maria's status and her action in the history; nothing of ana's was written
    assert detail.status_actions["confirmed"].isChecked()
    assert history(detail) == [("maria", "status new → confirmed")]
    assert narrative_store.get_narrative(detail._context.store.db, sample.vaccine).summary.status == "confirmed"
    box.close()
    wait(qtbot, detail, detail.set_status("dismissed"))  # made again on what is shown now, it is saved
    assert history(detail)[0] == ("ana", "status confirmed → dismissed")


def test_notes_typed_over_another_reviewers_notes_are_kept_in_the_message(qtbot, detail, data_dir, sample):
    by_maria(data_dir, lambda store: review.set_notes(store, sample.vaccine, "Denied by the ministry.",
                                                      actor="maria"))
    detail.notes.setPlainText("Looks true to me.")
    wait(qtbot, detail, detail.save_notes())
    [box] = boxes()
    assert "was changed by maria" in box.text() and "(notes edited)" in box.text()
    assert box.text().endswith("Your notes, not saved:\nLooks true to me.")
    assert detail.notes.toPlainText() == "Denied by the ministry."  # reloaded: hers are shown
    assert narrative_store.get_narrative(detail._context.store.db, sample.vaccine).notes == "Denied by the ministry."


def test_quick_changes_of_one_reviewer_are_not_taken_for_someone_else_s(qtbot, detail, sample):
    # The second key is pressed before the first change is saved and the narrative re-read.
    first = detail.set_status("reviewing")
    detail.notes.setPlainText("Checking.")
    notes = detail.save_notes()
    last = detail.set_status("dismissed")
    for task in (first, notes, last):
        wait(qtbot, detail, task)
    assert boxes() == []
    assert history(detail) == [("ana", "status reviewing → dismissed"), ("ana", "notes edited"),
                               ("ana", "status new → reviewing")]
    assert detail.save_notes() is None  # nothing typed since: no write, no version
    assert detail.narrative.summary.version == 3

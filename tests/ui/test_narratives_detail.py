"""The narrative detail and its review: claims, flags, article, status, notes, merge, split, undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from app.engine import review
from app.engine.store import Store
from app.engine.store.audit import current_user
from app.engine.store import narratives as narrative_store
from app.ui.narrative_view import NarrativeView
from app.ui.narratives_model import Column
from app.ui.narratives_view import NarrativesView
from app.ui.review_dialogs import MergeDialog


@pytest.fixture
def views(qtbot, context):
    """The list and the detail, wired as the window wires them."""
    listing = NarrativesView(context)
    detail = NarrativeView(context)
    listing.narrative_selected.connect(detail.show_narrative)
    for widget in (listing, detail):
        qtbot.addWidget(widget)
    detail.resize(900, 800)
    return listing, detail


def finish(qtbot, context, task):
    assert task is not None
    qtbot.waitUntil(lambda: task not in context.tasks.running, timeout=5000)


def status_in_list(listing, narrative_id):
    return listing.model.index(listing.model.row_of(narrative_id), Column.STATUS).data()


def flag_texts(detail) -> str:
    return " ".join(detail.header.flag_texts())


def test_selecting_shows_claims_flags_article_and_timeline(views, sample):
    listing, detail = views
    assert detail.stack.currentWidget() is detail.placeholder
    listing.select_next()
    assert detail.narrative_id == sample.vaccine
    assert detail.claims_model.rowCount() == 5
    outlets = [detail.claims_model.index(r, 0).data() for r in range(5)]
    assert outlets[0] == "The Daily Ledger"  # oldest first
    assert detail.claims_model.index(1, 1).data() == "ru"
    reasons = flag_texts(detail)
    assert "Told by 5 different sources within 28 hours" in reasons
    assert "Jumped across languages: first in English" in reasons
    assert "watchlist" in reasons
    assert "5</b> sources" in detail.header.meta.text() and "Russian" in detail.header.meta.text()
    assert detail.status_actions["new"].isChecked()
    # the first claim's article, with the claim (its title) highlighted
    assert detail.article.highlighted == (0, len("Flu vaccine contains tracking microchips, post claims"))
    assert "The Daily Ledger" in detail.article.toPlainText()
    detail.claims.selectRow(1)
    assert "Вакцина" in detail.article.toPlainText()
    assert detail.timeline.lanes == []  # drawn when its tab is opened
    detail.tabs.setCurrentWidget(detail.timeline)
    assert detail.timeline.lanes == ["The Daily Ledger", "Severny Vestnik", "Open Eyes Report",
                                     "Stimme der Mitte", "Le Courrier du Lac"]
    assert len(detail.header.flag_texts()) == len(detail.narrative.summary.flags) >= 3
    listing.select_next()
    assert detail.narrative_id == sample.ballots
    listing.select_next()
    assert detail.header.flag_texts() == ["Not flagged: nothing about its spread stands out."]
    detail.show_narrative(0)
    assert detail.stack.currentWidget() is detail.placeholder


def test_status_change_updates_list_and_history(views, sample, context, qtbot):
    listing, detail = views
    listing.select_next()
    with qtbot.waitSignal(detail.narratives_changed, timeout=5000):
        task = detail.set_status("confirmed")
    finish(qtbot, context, task)
    assert status_in_list(listing, sample.vaccine) == "confirmed"
    assert detail.status_actions["confirmed"].isChecked()
    history = [detail.history.topLevelItem(i).text(2) for i in range(detail.history.topLevelItemCount())]
    assert history == ["status new → confirmed"]
    assert detail.history.topLevelItem(0).text(1) == current_user()
    assert "now confirmed" in detail.message.text()
    assert detail.set_status("confirmed") is None  # no empty change in the history
    # the action the window binds to Ctrl+2 does the same
    detail.status_actions["reviewing"].trigger()
    finish(qtbot, context, detail.last_task)
    assert status_in_list(listing, sample.vaccine) == "reviewing"
    assert listing.current_id() == sample.vaccine


def test_undo_takes_back_the_last_action(views, sample, context, qtbot):
    listing, detail = views
    listing.select_next()
    finish(qtbot, context, detail.set_status("dismissed"))
    assert status_in_list(listing, sample.vaccine) == "dismissed"
    detail.setFocus()
    finish(qtbot, context, detail.undo())
    assert status_in_list(listing, sample.vaccine) == "new"
    assert "Undone: status new → dismissed" in detail.message.text()
    assert detail.undo_action.shortcut().toString() == "Ctrl+Z"
    finish(qtbot, context, detail.undo())  # nothing left: a plain message, no traceback
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "Nothing to undo" in boxes[-1].text()
    for box in boxes:
        box.close()


def test_review_errors_are_shown_plainly(views, sample, context, qtbot):
    listing, detail = views
    assert listing.select_id(sample.bridge)
    # someone else merged it away behind our back
    review.merge(Store.open(context.data_dir), sample.vaccine, sample.bridge)
    finish(qtbot, context, detail.set_status("confirmed"))
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1
    assert boxes[0].text().startswith(f"No narrative {sample.bridge}")
    assert "Traceback" not in boxes[0].text() and "Error" not in boxes[0].text()
    assert not detail.status_actions["confirmed"].isChecked()
    boxes[0].close()


def test_notes_are_saved_on_focus_out_not_per_keystroke(views, sample, context, qtbot):
    listing, detail = views
    listing.select_next()
    detail.tabs.setCurrentIndex(2)
    detail.show()
    detail.activateWindow()
    qtbot.waitUntil(detail.isActiveWindow)
    detail.notes.setFocus()
    qtbot.waitUntil(detail.notes.hasFocus)
    qtbot.keyClicks(detail.notes, "Checked with the health office")
    assert not context.tasks.running  # nothing written while typing
    assert detail.notes_state.text() == "Not saved yet"
    detail.claims.setFocus()  # leaving the box saves
    qtbot.waitUntil(lambda: detail.notes_state.text() == "Notes saved.", timeout=5000)
    stored = narrative_store.get_narrative(context.store.db, sample.vaccine)
    assert stored.notes == "Checked with the health office"
    assert detail.history.topLevelItem(0).text(2) == "notes edited"
    # typing then switching narrative saves the notes of the one left
    detail.notes.setPlainText("Second thoughts")
    listing.select_next()
    qtbot.waitUntil(lambda: not context.tasks.running, timeout=5000)
    assert narrative_store.get_narrative(context.store.db, sample.vaccine).notes == "Second thoughts"
    assert detail.narrative_id == sample.ballots and detail.notes.toPlainText() == ""


def test_merge_two_narratives(views, sample, context, qtbot):
    listing, detail = views
    listing.select_next()
    finish(qtbot, context, detail.merge_narratives(sample.vaccine, sample.bridge))
    assert listing.model.row_of(sample.bridge) is None
    assert listing.model.rowCount() == 2
    assert detail.claims_model.rowCount() == 7
    assert detail.history.topLevelItem(0).text(2) == "merged narrative 3 in (2 claims)"
    finish(qtbot, context, detail.undo())
    assert listing.model.rowCount() == 3 and detail.claims_model.rowCount() == 5


def test_merge_dialog_picks_the_other_and_which_to_keep(qtbot, context, sample):
    vaccine, = narrative_store.list_narratives(context.store.db, narrative_store.NarrativeFilter(ids=(sample.vaccine,)))
    dialog = MergeDialog(context.store, vaccine)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    assert not ok.isEnabled() and dialog.keep_id() is None
    assert dialog.results.count() == 2  # every other narrative, best first
    dialog.search.setText("bridge")
    qtbot.waitUntil(lambda: dialog.results.count() == 1)
    dialog.results.setCurrentRow(0)
    assert ok.isEnabled()
    assert (dialog.keep_id(), dialog.other_id()) == (sample.vaccine, sample.bridge)
    dialog.keep_other.setChecked(True)
    assert (dialog.keep_id(), dialog.other_id()) == (sample.bridge, sample.vaccine)
    dialog.search.setText(f"#{sample.ballots}")
    qtbot.waitUntil(lambda: dialog.results.count() == 1
                    and dialog.results.item(0).data(Qt.UserRole).id == sample.ballots)


def test_split_selected_claims_into_a_new_narrative(views, sample, context, qtbot):
    listing, detail = views
    listing.select_next()
    assert not detail.split_action.isEnabled() or len(detail.selected_claim_ids()) == 1
    moved = sample.vaccine_claims[3:]
    detail.select_claims(moved)
    assert sorted(detail.selected_claim_ids()) == sorted(moved)
    assert detail.split_action.isEnabled() and detail.split_action.text() == "Split out 2…"
    finish(qtbot, context, detail.split_claims(moved))
    assert detail.claims_model.rowCount() == 3
    assert listing.model.rowCount() == 4
    new_id = max(listing.model.narrative_id(r) for r in range(4))
    assert f"new narrative #{new_id}" in detail.message.text()
    new = narrative_store.get_narrative(context.store.db, new_id)
    assert sorted(m.claim_id for m in new.members) == sorted(moved)
    assert "split 2 claims out" in detail.history.topLevelItem(0).text(2)
    detail.select_claims(detail.claims_model.claim_ids())
    assert not detail.split_action.isEnabled()  # not every claim: that would leave it empty
    finish(qtbot, context, detail.undo())
    assert listing.model.rowCount() == 3 and detail.claims_model.rowCount() == 5


def test_ctrl_z_undoes_review_from_the_list_but_typing_in_the_notes(qtbot, context, sample):
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    window = QWidget()
    layout = QHBoxLayout(window)
    listing, detail = NarrativesView(context), NarrativeView(context)
    listing.narrative_selected.connect(detail.show_narrative)
    layout.addWidget(listing)
    layout.addWidget(detail)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    listing.table.setFocus()
    assert listing.select_id(sample.vaccine)
    finish(qtbot, context, detail.set_status("confirmed"))
    assert status_in_list(listing, sample.vaccine) == "confirmed"
    listing.table.setFocus()
    qtbot.keyClick(listing.table, Qt.Key_Z, Qt.ControlModifier)
    qtbot.waitUntil(lambda: status_in_list(listing, sample.vaccine) == "new", timeout=5000)
    qtbot.waitUntil(lambda: not context.tasks.running)
    detail.tabs.setCurrentIndex(2)
    detail.notes.setFocus()
    qtbot.waitUntil(detail.notes.hasFocus)
    qtbot.keyClicks(detail.notes, "draft")
    qtbot.keyClick(detail.notes, Qt.Key_Z, Qt.ControlModifier)
    assert detail.notes.toPlainText() == ""  # the editor's own undo
    assert [t.title for t in context.tasks.running] == []
    assert [e.action for e in review.audit_trail(context.store, sample.vaccine)] == ["undo", "status"]


def test_a_laptop_sized_pane_fits_without_scrolling_the_page(qtbot, views, sample):
    """At about 1366x768 the detail pane is ~550x680: the tabs and their buttons show,
    the flags scroll in their own capped box, and the claim column takes the room."""
    from app.ui.claims_model import Column as ClaimColumn

    listing, detail = views
    detail.resize(520, 680)
    detail.show()
    listing.select_next()
    qtbot.waitUntil(lambda: detail.page_scroll.widget().height() == detail.page_scroll.viewport().height())
    scroll = detail.page_scroll
    assert scroll.verticalScrollBar().maximum() == 0 and scroll.horizontalScrollBar().maximum() == 0
    assert detail.header.flags_scroll.height() <= detail.header.flags_height_cap()
    assert detail.tabs.height() >= 0.4 * detail.height()
    header = detail.claims.horizontalHeader()
    assert header.sectionSize(ClaimColumn.CLAIM) > header.sectionSize(ClaimColumn.OUTLET)
    assert "1.00 = a copy" in detail.claims_model.headerData(ClaimColumn.SIMILARITY, Qt.Horizontal, Qt.ToolTipRole)


def test_a_claim_shows_why_it_was_linked(views, sample, context):
    from app.ui.claims_model import Column as ClaimColumn

    why = "like claim 1: cosine 0.71 across languages (ru, en); names: corvax"
    with context.store.db.conn:
        context.store.db.conn.execute(
            "UPDATE narrative_claims SET evidence = ? WHERE narrative_id = ? AND claim_id ="
            " (SELECT c.id FROM claims c WHERE c.language = 'ru' AND c.id IN"
            "  (SELECT claim_id FROM narrative_claims WHERE narrative_id = ?))", (why, sample.vaccine, sample.vaccine))
    listing, detail = views
    listing.select_next()
    russian = next(r for r in range(detail.claims_model.rowCount())
                   if detail.claims_model.index(r, ClaimColumn.LANGUAGE).data() == "ru")
    tip = detail.claims_model.index(russian, ClaimColumn.SIMILARITY).data(Qt.ToolTipRole)
    assert "Why linked:</b> like claim 1: cosine 0.71 across languages" in tip
    english_tip = detail.claims_model.index(0, ClaimColumn.SIMILARITY).data(Qt.ToolTipRole)
    assert "Why linked" not in english_tip and "1.00 = a copy" in english_tip
    detail.claims.selectRow(russian)
    assert f"Why linked{why}" in detail.article.toPlainText().replace("\t", "").replace("\n", "")
    detail.claims.selectRow(0)
    assert "Why linked" not in detail.article.toPlainText()


FOUR_FLAGS = (
    ("spread", "Told by 6 different sources within 43 hours: Северный вестник, Le Courrier du Lac, The Daily Ledger, "
               "Open Eyes Report and 2 more."),
    ("cross-language", "Jumped across languages: first in Russian (Северный вестник, 2026-11-09), then English, "
                       "German, Spanish."),
    ("fact-checked", "Rated False by ClaimCheck Desk (2026-11-12): https://claimcheck.example/fact-checks/"
                     "valdoria-40000-dead-voters-no-evidence (and 1 more fact-check)"),
    ("watchlist", "Carried by sources on the watchlist: El Faro Libre, Open Eyes Report, Stimme der Mitte, "
                  "Северный вестник."),
)


def test_all_four_flags_show_without_scrolling_at_1280x800(qtbot):
    """At 1280x800 the detail pane is about 560x740: four flags, each wrapped on two or three
    lines, showed two of them and hid the rest behind a scroll bar."""
    from app.engine.domain import Flag, NarrativeSummary
    from app.ui.narrative_header_view import NarrativeHeaderView

    header = NarrativeHeaderView()
    qtbot.addWidget(header)
    header.resize(540, 300)
    header.set_room(740)
    header.show()
    qtbot.waitExposed(header)
    flags = tuple(Flag(kind, reason, 1.0) for kind, reason in FOUR_FLAGS)
    header.show_summary(NarrativeSummary(1, "Valdoria vote: 40,000 ballots cast in names of dead voters", "new",
                                         18, 6, ("de", "en", "ru"), "2026-11-09T18:10:00Z",
                                         "2026-11-13T17:00:00Z", 43.5, True, flags))
    qtbot.waitUntil(lambda: header.flags_scroll.verticalScrollBar().maximum() == 0)
    assert len(header.flag_texts()) == 4
    assert header.flags_scroll.height() <= 0.3 * 740

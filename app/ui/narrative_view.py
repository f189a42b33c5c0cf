"""One narrative in detail, and the fact-checker's review of it.

Top to bottom: what it says and its numbers; why it is flagged, in plain words; the
review actions (status, merge, split, undo); its claims side by side; and, in tabs,
the article of the selected claim, the spread over time, the notes and the history.

A narrative may hold tens of thousands of claims, so nothing here reads them all: the
claims table reads a page at a time as it scrolls (:class:`ClaimsTable`), the timeline
is counted in SQL and drawn only when its tab is open, and after each background task
(``data_changed``) a cheap stamp of the narrative tells whether anything shown changed.
"""

from __future__ import annotations

import dataclasses
import json
import logging

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QHBoxLayout, QLabel, QMessageBox, QPlainTextEdit, QPushButton, QScrollArea, QSplitter, QStackedWidget,
    QTabWidget, QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from app.engine import review
from app.engine.domain import Member, Narrative
from app.engine.errors import AppError, ReviewConflict
from app.engine.store import articles as article_store
from app.engine.store import narrative_claims
from app.engine.store import narratives as narrative_store
from app.engine.store.narrative_claims import NarrativeStamp
from app.engine.store.timeline import narrative_timeline

from .article_view import ArticleView, format_time
from .claims_table import ClaimsTable
from .error_presenter import ErrorPresenter
from .factcheck_matches_view import FactCheckMatchesView
from .narrative_header_view import STATUS_TITLES, NarrativeHeaderView
from .review_dialogs import MergeDialog, run_review, show_error
from .timeline_chart import TimelineChart
from .workers import EngineTask

log = logging.getLogger(__name__)

STATUS_TIPS = {
    "new": "Not looked at yet",
    "reviewing": "Someone is checking it",
    "confirmed": "Checked: a narrative worth reporting on",
    "dismissed": "Checked: not a narrative that matters (or not one at all)",
}


class NotesEdit(QPlainTextEdit):
    """Notes that are saved when the editor loses focus, not on every keystroke."""

    focus_left = Signal()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.focus_left.emit()


class PageLayout(QVBoxLayout):
    """The detail page's layout, telling its scroll area only its minimum height.

    With word-wrapped labels inside, a layout has a height for each width, and a
    resizable scroll area makes its page that tall: the *preferred* height of every
    part, taller than a laptop screen, so the whole page scrolled and the tabs and
    their buttons fell below the fold. Without it, the page is as tall as the pane
    (the splitter of claims and tabs takes what is left) and scrolls only in a pane
    shorter than its minimum. Inside, the layout still wraps the labels to their width.
    """

    def hasHeightForWidth(self) -> bool:
        return False


CLAIMS_SHARE = 0.35
"""The claims table's share of the height it splits with the tabs, until the reader
moves the splitter (at 1366x768 the tabs get about half of the pane)."""


class NarrativeView(QWidget):
    """The detail of one narrative, with its review.

    Signals
    -------
    narratives_changed()
        A review action (status, notes, merge, split, undo) was saved.

    Attributes
    ----------
    status_actions : dict[str, QAction]
        One checkable action per status; the window may give them shortcuts.
    undo_action, merge_action, split_action, save_notes_action : QAction
    """

    narratives_changed = Signal()

    def __init__(self, context, presenter: ErrorPresenter | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._presenter = presenter
        self._narrative: Narrative | None = None  # without its members: the claims model pages them
        self._stamp: NarrativeStamp | None = None
        # The version this view's next write is made on: the one shown, plus the writes this view
        # made since (they run one after another, and the narrative is re-read only once one has
        # finished, so a second status key pressed quickly is not taken for another reviewer's change).
        self._version = 0
        self._notes_saved = ""  # the notes as shown or last saved from here: saving them again is no change
        self._timeline_stale = False
        self._notes_dirty = False
        self.last_task: EngineTask | None = None
        self._build_actions()
        self._build()
        context.data_changed.connect(self.refresh)
        self.show_narrative(None)

    # --- building -------------------------------------------------------------------

    def _build_actions(self) -> None:
        self.status_group = QActionGroup(self)
        self.status_group.setExclusive(True)
        self.status_actions: dict[str, QAction] = {}
        for number, status in enumerate(review.STATUSES, start=1):
            action = QAction(STATUS_TITLES[status], self, checkable=True)
            action.setToolTip(f"{STATUS_TIPS[status]} (Ctrl+{number})")
            action.setData(status)
            action.triggered.connect(lambda _=False, s=status: self.set_status(s))
            self.status_group.addAction(action)
            self.status_actions[status] = action
        self.merge_action = QAction("Merge…", self)
        self.merge_action.setToolTip("Merge another narrative with this one")
        self.merge_action.triggered.connect(lambda: self.merge())
        self.split_action = QAction("Split out…", self)
        self.split_action.setToolTip("Move the selected claims into a new narrative")
        self.split_action.triggered.connect(self.split_selected)
        self.undo_action = QAction("Undo", self)
        self.undo_action.setToolTip("Take back the last review action (Ctrl+Z)")
        self.undo_action.setShortcut(QKeySequence.Undo)
        # Window-wide (a reviewer works from the list); text boxes keep Ctrl+Z for their own typing.
        self.undo_action.setShortcutContext(Qt.WindowShortcut)
        self.undo_action.triggered.connect(self.undo)
        self.save_notes_action = QAction("Save notes", self)
        self.save_notes_action.setShortcut(QKeySequence.Save)
        self.save_notes_action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self.save_notes_action.triggered.connect(self.save_notes)
        self.addActions([self.undo_action, self.save_notes_action])

    def _build(self) -> None:
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.placeholder = QLabel("Select a narrative to see its claims, its sources and how it spread.")
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)  # drawn in the theme's muted text colour
        self.stack.addWidget(self.placeholder)

        page = QWidget()
        layout = PageLayout(page)
        layout.setContentsMargins(8, 6, 8, 4)
        layout.setSpacing(6)
        self.header = NarrativeHeaderView()
        layout.addWidget(self.header)

        # The status buttons and the review actions: on one line, or, in a narrow pane,
        # the actions on a second line (rather than the page scrolling sideways).
        self.review_bar = QWidget()
        self._bar_layout = QGridLayout(self.review_bar)
        self._bar_layout.setContentsMargins(0, 0, 0, 0)
        self._bar_layout.setSpacing(2)
        self._status_group = QWidget()
        bar = QHBoxLayout(self._status_group)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        bar.addWidget(QLabel("Status:"))
        self.status_buttons: dict[str, QToolButton] = {}
        for status, action in self.status_actions.items():
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonTextOnly)
            button.setAutoRaise(False)
            self.status_buttons[status] = button
            bar.addWidget(button)
        self._actions_group = QWidget()
        bar = QHBoxLayout(self._actions_group)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        for action in (self.merge_action, self.split_action, self.undo_action):
            button = QToolButton()
            button.setDefaultAction(action)
            bar.addWidget(button)
        self._bar_wrapped: bool | None = None
        self._wrap_review_bar(False)
        self.review_bar.setMinimumWidth(max(self._status_group.sizeHint().width(),
                                            self._actions_group.sizeHint().width()))
        self.review_bar.installEventFilter(self)
        layout.addWidget(self.review_bar)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.message)

        self.claims = ClaimsTable(self._context.store)
        self.claims_model = self.claims.claims_model
        self.claims_model.load_failed.connect(self._on_claims_model_load_failed)
        self.claims.member_shown.connect(self._show_article)
        self.claims.claims_selected.connect(self._update_split_action)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.article = ArticleView()
        self.timeline = TimelineChart()
        notes_page = QWidget()
        notes_layout = QVBoxLayout(notes_page)
        notes_layout.setContentsMargins(0, 4, 0, 0)
        self.notes = NotesEdit()
        self.notes.setPlaceholderText("Notes for the team: what was checked, sources, next steps. "
                                      "Saved when you leave this box, or with Save (Ctrl+S).")
        self.notes.textChanged.connect(self._on_notes_text_changed)
        self.notes.focus_left.connect(self._on_notes_focus_left)
        notes_bar = QHBoxLayout()
        self.notes_state = QLabel()
        self.notes_state.setEnabled(False)
        self.save_button = QPushButton("Save notes")
        self.save_button.clicked.connect(self.save_notes)
        notes_bar.addWidget(self.notes_state, 1)
        notes_bar.addWidget(self.save_button)
        notes_layout.addWidget(self.notes)
        notes_layout.addLayout(notes_bar)
        self.history = QTreeWidget()
        self.history.setRootIsDecorated(False)
        self.history.setHeaderLabels(["When (UTC)", "Who", "What"])
        self.history.header().setStretchLastSection(True)
        metrics = self.fontMetrics()
        self.history.header().resizeSection(0, metrics.horizontalAdvance("2026-11-10 08:00") + 24)
        self.history.header().resizeSection(1, metrics.horizontalAdvance("reviewer-name") + 16)
        self.tabs.addTab(self.article, "Article")
        self.tabs.addTab(self.timeline, "Spread over time")
        self.tabs.addTab(notes_page, "Notes")
        self.tabs.addTab(self.history, "History")
        self.factchecks = FactCheckMatchesView(self._context, self._presenter)
        self.factchecks.count_changed.connect(
            lambda n: self.tabs.setTabText(self.tabs.indexOf(self.factchecks),
                                           f"Fact-checks ({n})" if n else "Fact-checks"))
        self.tabs.addTab(self.factchecks, "Fact-checks")
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

        self.splitter = QSplitter(Qt.Vertical)
        self.splitter.addWidget(self.claims)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.claims.setMinimumHeight(self.claims.verticalHeader().defaultSectionSize() * 3)
        self.tabs.setMinimumHeight(120)
        self._splitter_moved = False  # by the reader: then the heights are theirs
        self.splitter.splitterMoved.connect(self._on_splitter_moved)
        self.splitter.installEventFilter(self)
        layout.addWidget(self.splitter, 1)
        # Only in a pane shorter than the page's minimum (a tiny window, or the detail
        # under the list) does the page scroll, rather than forcing the window to grow.
        self.page_scroll = QScrollArea()
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.NoFrame)
        self.page_scroll.setWidget(page)
        self.stack.addWidget(self.page_scroll)

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        self._splitter_moved = True

    def _wrap_review_bar(self, wrapped: bool) -> None:
        if wrapped == self._bar_wrapped:
            return
        self._bar_wrapped = wrapped
        grid = self._bar_layout
        grid.removeWidget(self._status_group)
        grid.removeWidget(self._actions_group)
        grid.addWidget(self._status_group, 0, 0, Qt.AlignLeft)
        grid.addWidget(self._actions_group, 1 if wrapped else 0, 0 if wrapped else 1, Qt.AlignLeft)
        self._actions_group.layout().setContentsMargins(0 if wrapped else 10, 0, 0, 0)
        for column in range(3):
            grid.setColumnStretch(column, 0)
        grid.setColumnStretch(0 if wrapped else 2, 1)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.header.set_room(event.size().height())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.review_bar and event.type() == QEvent.Resize:
            one_line = self._status_group.sizeHint().width() + self._actions_group.sizeHint().width() + 12
            if not self._bar_wrapped:
                one_line -= 10  # the actions' margin is in their size hint already
            self._wrap_review_bar(event.size().width() < one_line)
        elif watched is getattr(self, "splitter", None) and event.type() == QEvent.Resize and not self._splitter_moved:
            total = event.size().height() - self.splitter.handleWidth()
            if total > 0:
                claims = max(self.claims.minimumHeight(), round(total * CLAIMS_SHARE))
                self.splitter.setSizes([claims, max(self.tabs.minimumHeight(), total - claims)])
        return super().eventFilter(watched, event)

    # --- showing --------------------------------------------------------------------

    @property
    def narrative_id(self) -> int | None:
        return self._narrative.summary.id if self._narrative else None

    @property
    def narrative(self) -> Narrative | None:
        return self._narrative

    def show_narrative(self, narrative_id: int | None) -> None:
        """Show a narrative (None or 0: nothing). Unsaved notes of the previous one are saved."""
        if self._notes_dirty and self._narrative is not None and narrative_id != self.narrative_id:
            self.save_notes()
        self._say("")
        self._load(narrative_id or None)

    def refresh(self) -> None:
        """Re-read the narrative shown (after the data changed), keeping the selected claims
        and the scroll position; does nothing when the narrative did not change."""
        self._load(self.narrative_id, keep_selection=True)

    def _load(self, narrative_id: int | None, keep_selection: bool = False) -> None:
        narrative, stamp = None, None
        same_id = narrative_id is not None and narrative_id == self.narrative_id
        if narrative_id is not None:
            try:
                stamp = narrative_claims.narrative_stamp(self._context.store.db, narrative_id)
                if keep_selection and same_id and stamp == self._stamp:
                    return  # nothing shown has changed: the common case after a scheduled fetch
                narrative = narrative_store.get_narrative(self._context.store.db, narrative_id, members=False)
            except AppError as exc:
                show_error(self, "Reading the narrative failed", exc, self._presenter, doing="reading the narrative")
        same = narrative is not None and same_id
        if narrative is not None and self._is_merged(narrative.summary.id):
            narrative = None  # merged into another: no longer a narrative of its own
        members_changed = not (same and keep_selection and self._stamp is not None
                               and stamp.members == self._stamp.members)
        self._narrative, self._stamp = narrative, (stamp if narrative is not None else None)
        self._update_actions()
        if narrative is None:
            self.stack.setCurrentWidget(self.placeholder)
            self.claims_model.set_narrative(None, None)
            self.article.clear_article()
            self.timeline.clear()
            self._timeline_stale = False
            self._set_notes("")
            self.history.clear()
            self.factchecks.show_narrative(None)
            return
        self.stack.setCurrentWidget(self.page_scroll)
        self.header.show_summary(narrative.summary)
        if members_changed:
            self.claims.show_claims(self._context.store, narrative.summary.id, keep=same and keep_selection)
            self._timeline_stale = True
            if self.tabs.currentWidget() is self.timeline:
                self._show_timeline()
            elif not same:
                self.timeline.clear()  # not another narrative's spread, even unseen
        if not same or narrative.summary.version > self._version:
            self._version = narrative.summary.version
        if not same:
            self._set_notes(narrative.notes)
        elif not self._notes_dirty and self.notes.toPlainText() != narrative.notes:
            self._set_notes(narrative.notes)  # changed elsewhere (an undo); unsaved typing is never lost
        self._show_history(narrative.summary.id)
        self.factchecks.show_narrative(narrative.summary.id)

    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.timeline and self._timeline_stale:
            self._show_timeline()

    def _show_timeline(self) -> None:
        """Draw the shown narrative's spread (counted in SQL: a few hundred points at most)."""
        self._timeline_stale = False
        if self._narrative is None:
            self.timeline.clear()
            return
        try:
            self.timeline.set_timeline(narrative_timeline(self._context.store.db, self._narrative.summary.id))
        except AppError as exc:
            log.warning("reading the timeline failed: %s", exc)
            self.timeline.clear()

    def _on_claims_model_load_failed(self, message: str) -> None:
        self._say(f"Reading the claims failed: {message}")

    def _is_merged(self, narrative_id: int) -> bool:
        return narrative_store.merged_into(self._context.store.db, narrative_id) is not None

    def _show_history(self, narrative_id: int) -> None:
        self.history.clear()
        try:
            entries = review.audit_trail(self._context.store, narrative_id)
        except AppError as exc:
            log.warning("reading the audit trail failed: %s", exc)
            entries = []
        for entry in entries:
            item = QTreeWidgetItem([format_time(entry.at), entry.actor, review.describe(entry)])
            item.setToolTip(2, review.describe(entry))
            self.history.addTopLevelItem(item)
        self.tabs.setTabText(3, f"History ({len(entries)})" if entries else "History")

    def _update_actions(self) -> None:
        shown = self._narrative is not None
        status = self._narrative.summary.status if shown else None
        for name, action in self.status_actions.items():
            action.setEnabled(shown)
            action.setChecked(name == status)
            if hasattr(self, "status_buttons"):
                font = QFont(self.font())
                font.setBold(name == status)  # a checked button alone is faint in some themes
                self.status_buttons[name].setFont(font)
        self.merge_action.setEnabled(shown)
        self._update_split_action()

    def _update_split_action(self) -> None:
        count = len(self.claims.selectionModel().selectedRows()) if hasattr(self, "claims") else 0
        total = self.claims_model.total if self._narrative else 0
        self.split_action.setEnabled(0 < count < total)
        self.split_action.setText(f"Split out {count}…" if count > 1 else "Split out…")

    # --- claims and article ---------------------------------------------------------

    def selected_claim_ids(self) -> list[int]:
        return self.claims.selected_claim_ids()

    def select_claims(self, claim_ids: list[int]) -> None:
        """Select these claims (reading pages until they are loaded), the first one current."""
        self.claims.select_claims(claim_ids)

    def _show_article(self, member: Member | None) -> None:
        if member is None:
            self.article.clear_article()
            return
        try:
            article = article_store.get_article(self._context.store.db, member.article_id)
        except AppError as exc:
            log.warning("reading article %s failed: %s", member.article_id, exc)
            article = None
        self.article.show_article(article, member.text, member.evidence)

    # --- review ---------------------------------------------------------------------

    def _review(self, title: str, work, on_done=None) -> EngineTask:
        busy = [t for t in self._context.tasks.running if t is not self.last_task]
        self._say(f"{title}… (waits for the running update to finish)" if busy else f"{title}…")

        def done(result) -> None:
            self._say("")
            if on_done is not None:
                on_done(result)
            self.narratives_changed.emit()

        def failed(_error) -> None:
            self._say("")
            if self._narrative is not None:
                self._version = self._narrative.summary.version  # a conflict re-reads it (run_review)
            self._update_actions()  # the status buttons show the stored status again

        self.last_task = run_review(self._context, self, title, work, done, presenter=self._presenter,
                                    on_failed=failed)
        return self.last_task

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_status(self, status: str) -> EngineTask | None:
        """Set the shown narrative's review status (new, reviewing, confirmed, dismissed)."""
        if self._narrative is None:
            return None
        if status not in review.STATUSES:
            show_error(self, "Setting the status failed",
                       review.ReviewError(f"There is no status {status!r}."), self._presenter)
            return None
        narrative_id, actor = self._narrative.summary.id, self._context.reviewer
        old = self._narrative.summary.status
        if status == old:
            self._update_actions()
            return None
        version = self._next_version()
        return self._review(
            "Setting the status",
            lambda store: review.set_status(store, narrative_id, status, actor=actor, expected_version=version),
            lambda _r: self._say(
                f"#{narrative_id} is now {STATUS_TITLES[status].lower()} (was {old}). Ctrl+Z undoes it."),
        )

    def save_notes(self) -> EngineTask | None:
        """Save the notes now (they are also saved when the editor loses focus)."""
        if self._narrative is None or not self._notes_dirty:
            return None
        narrative_id, notes, actor = self._narrative.summary.id, self.notes.toPlainText(), self._context.reviewer
        self._notes_dirty = False
        if notes == self._notes_saved:
            self.notes_state.setText("")
            return None
        self._notes_saved, version = notes, self._next_version()
        self.notes_state.setText("Saving…")

        def save(store) -> None:
            try:
                review.set_notes(store, narrative_id, notes, actor=actor, expected_version=version)
            except ReviewConflict as exc:
                # The editor then shows the stored notes: the text typed here must not be lost.
                raise ReviewConflict(f"{exc}\n\nYour notes, not saved:\n{notes}", narrative_id=exc.narrative_id,
                                     version=exc.version) from exc

        return self._review("Saving the notes", save, lambda _r: self.notes_state.setText("Notes saved."))

    def merge(self, other_id: int | None = None) -> EngineTask | None:
        """Ask which narrative to merge with the shown one (and which to keep), then merge."""
        if self._narrative is None:
            return None
        other = None
        if other_id is not None:
            found = narrative_store.list_narratives(self._context.store.db, narrative_store.NarrativeFilter(ids=(other_id,)))
            other = found[0] if found else None
        shown = dataclasses.replace(self._narrative.summary, version=self._version)
        dialog = MergeDialog(self._context.store, shown, other, self)
        if dialog.exec() != MergeDialog.Accepted or dialog.keep_id() is None:
            return None
        return self.merge_narratives(dialog.keep_id(), dialog.other_id(), dialog.versions())

    def merge_narratives(self, keep_id: int, other_id: int,
                         versions: tuple[int, int] | None = None) -> EngineTask:
        """Move every claim of ``other_id`` into ``keep_id`` (no questions asked), if the two
        are still at ``versions`` (kept, other) when given."""
        settings, actor = self._context.settings, self._context.reviewer
        keep_version, other_version = versions or (None, None)
        if self.narrative_id in (keep_id, other_id):
            self._version += 1

        def done(_r) -> None:
            self._say(f"Merged #{other_id} into #{keep_id}. Ctrl+Z undoes it.")
            if self.narrative_id == other_id:
                self._load(keep_id)

        return self._review("Merging narratives",
                            lambda store: review.merge(store, keep_id, other_id, settings=settings, actor=actor,
                                                       expected_version=keep_version, other_version=other_version),
                            done)

    def split_selected(self) -> EngineTask | None:
        """Ask, then move the selected claims into a new narrative."""
        claim_ids = self.selected_claim_ids()
        if self._narrative is None or not claim_ids:
            return None
        answer = QMessageBox.question(
            self, "Split out claims",
            f"Move the {len(claim_ids)} selected claim(s) out of #{self.narrative_id} into a new narrative?",
            QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Yes)
        if answer != QMessageBox.Yes:
            return None
        return self.split_claims(claim_ids)

    def split_claims(self, claim_ids: list[int]) -> EngineTask | None:
        """Move these claims of the shown narrative into a new narrative (no questions asked)."""
        if self._narrative is None:
            return None
        narrative_id, settings, actor = self._narrative.summary.id, self._context.settings, self._context.reviewer
        version = self._next_version()
        return self._review(
            "Splitting the narrative",
            lambda store: review.split(store, narrative_id, claim_ids, settings=settings, actor=actor,
                                       expected_version=version),
            lambda new_id: self._say(
                f"Moved {len(claim_ids)} claim(s) into the new narrative #{new_id}. Ctrl+Z undoes it."),
        )

    def undo(self) -> EngineTask:
        """Take back the last review action (on any narrative)."""
        settings, actor = self._context.settings, self._context.reviewer

        def done(entry) -> None:
            self._say(f"Undone: {review.describe(entry)} ({entry.subject.replace('narrative:', '#')}).")
            if entry.action == "split" and self.narrative_id == json_int(entry.detail, "into"):
                self._load(int(entry.subject.split(":")[1]))

        return self._review("Undoing", lambda store: review.undo_last(store, settings=settings, actor=actor), done)

    # --- notes ----------------------------------------------------------------------

    def _next_version(self) -> int:
        """The version to make a write on; the writes after it expect the one it makes."""
        self._version += 1
        return self._version - 1

    def _set_notes(self, text: str) -> None:
        self._notes_saved = text
        self.notes.blockSignals(True)
        self.notes.setPlainText(text)
        self.notes.blockSignals(False)
        self._notes_dirty = False
        self.notes_state.setText("")

    def _on_notes_text_changed(self) -> None:
        self._notes_dirty = True
        self.notes_state.setText("Not saved yet")

    def _on_notes_focus_left(self) -> None:
        if self._notes_dirty:
            self.save_notes()


def json_int(detail: str, key: str) -> int | None:
    try:
        value = json.loads(detail or "{}").get(key)
    except ValueError:
        return None
    return int(value) if value is not None else None

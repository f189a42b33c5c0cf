"""The fact-checks a narrative matches, with confirm and reject, in the narrative detail."""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QEvent, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from app.engine.errors import AppError
from app.engine.factchecks.library import narrative_factchecks, set_match_status

from .review_dialogs import run_review

log = logging.getLogger(__name__)

COLUMNS = ["Rating", "Publisher", "Date", "Score", "State", "Claim checked"]
CLAIM_COLUMN = COLUMNS.index("Claim checked")


def state_words(status: str, flagging: bool) -> str:
    """A match's state in plain words: whether a reviewer decided, and whether it flags."""
    if status == "confirmed":
        return "Match confirmed"
    if status == "rejected":
        return "Match rejected"
    return "Suggested — flags it" if flagging else "Suggested"


def state_tip(status: str, flagging: bool) -> str:
    if status == "confirmed":
        return "A reviewer confirmed this match: the narrative is flagged as fact-checked."
    if status == "rejected":
        return "A reviewer rejected this match: it does not flag the narrative."
    if flagging:
        return "A close match, not yet reviewed: it flags the narrative as fact-checked until rejected."
    return "A weaker match, not yet reviewed: shown for reference; it does not flag the narrative."


def verdict_words(text: str) -> str:
    """A rating as shown: the publisher's own wording, or our verdict, with a capital letter."""
    text = (text or "").strip()
    return text[:1].upper() + text[1:]


class FactCheckMatchesView(QWidget):
    """A list of matched fact-checks (rating, publisher, date, score, state) and their decisions."""

    count_changed = Signal(int)

    def __init__(self, context, presenter=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._presenter = presenter
        self._narrative_id: int | None = None
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(COLUMNS)
        header = self.list.header()
        header.setStretchLastSection(True)
        # The claim checked takes the room; the short columns are as wide as their contents
        # (see _fit_columns), cut only where the claim would otherwise get too little.
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.Stretch if column == CLAIM_COLUMN
                                        else QHeaderView.Interactive)
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.viewport().installEventFilter(self)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda item, _c: self._open_link(item))
        self.empty = QLabel("No known fact-check matches this narrative. Import fact-checks from "
                            "Data ▸ Fact-check library.")
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.claim = QLabel()  # the selected fact-check's claim, whole (the column may be narrow)
        self.claim.setWordWrap(True)
        self.claim.setTextFormat(Qt.PlainText)
        self.claim.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.claim.setVisible(False)
        self.link = QLabel()
        self.link.setTextFormat(Qt.RichText)
        self.link.setOpenExternalLinks(False)
        self.link.linkActivated.connect(self._open_url)
        self.confirm_button = QPushButton("Confirm match")
        self.reject_button = QPushButton("Reject match")
        self.reset_button = QPushButton("Undecided")
        self.confirm_button.clicked.connect(lambda: self._decide("confirmed"))
        self.reject_button.clicked.connect(lambda: self._decide("rejected"))
        self.reset_button.clicked.connect(lambda: self._decide("new"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.link, 1)
        for button in (self.confirm_button, self.reject_button, self.reset_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.claim)
        layout.addLayout(buttons)
        self._update_buttons()

    def show_narrative(self, narrative_id: int | None) -> None:
        self._narrative_id = narrative_id
        self.list.clear()
        matches = []
        if narrative_id is not None:
            try:
                matches = narrative_factchecks(self._context.store.db, narrative_id)
            except AppError as exc:
                log.warning("reading fact-check matches failed: %s", exc)
        # Matches that flag the narrative first, then weak suggestions, then rejected ones;
        # those that do not flag are greyed, not hidden.
        matches = sorted(matches, key=lambda m: (not m.flagging, m.status == "rejected", -m.score))
        secondary = self.list.palette().color(QPalette.PlaceholderText)
        for match in matches:
            fc = match.factcheck
            item = QTreeWidgetItem([verdict_words(fc.rating or fc.verdict), fc.publisher or "",
                                    (fc.review_date or "")[:10], f"{match.score:.2f}",
                                    state_words(match.status, match.flagging), fc.claim])
            item.setData(0, Qt.UserRole, fc.id)
            item.setData(1, Qt.UserRole, fc.url or "")
            item.setData(4, Qt.UserRole, match.flagging)
            item.setToolTip(4, state_tip(match.status, match.flagging))
            item.setToolTip(CLAIM_COLUMN, fc.claim)
            item.setTextAlignment(3, Qt.AlignRight | Qt.AlignVCenter)
            if not match.flagging:
                for column in range(len(COLUMNS)):
                    item.setForeground(column, secondary)
            item.setToolTip(1, fc.publisher or "")
            self.list.addTopLevelItem(item)
        self._fit_columns()
        self.empty.setVisible(not matches)
        self.list.setVisible(bool(matches))
        self.count_changed.emit(len(matches))
        self._update_buttons()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.list.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Short columns at their contents' width; when the panel is narrow, the state and the
        publisher give way (elided, whole in their tooltips) so the claim keeps a third of it."""
        if self.list.topLevelItemCount() == 0:
            return
        header = self.list.header()
        room = self.list.viewport().width()
        widths = {c: max(self.list.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in range(CLAIM_COLUMN)}
        metrics = self.list.fontMetrics()
        floors = {1: metrics.horizontalAdvance("Publisher…") + 12, 0: metrics.horizontalAdvance("Rating…") + 12,
                  4: metrics.horizontalAdvance("Suggested…") + 12}
        excess = sum(widths.values()) + max(120, room // 3) - room
        for column in (1, 0, 4):  # the state is cut last
            if excess <= 0:
                break
            cut = max(0, min(excess, widths[column] - floors[column]))
            widths[column] -= cut
            excess -= cut
        for column, width in widths.items():
            header.resizeSection(column, width)

    def _selected(self) -> QTreeWidgetItem | None:
        items = self.list.selectedItems()
        return items[0] if items else None

    def _update_buttons(self) -> None:
        item = self._selected()
        for button in (self.confirm_button, self.reject_button, self.reset_button):
            button.setEnabled(item is not None)
        url = item.data(1, Qt.UserRole) if item else ""
        claim = item.text(CLAIM_COLUMN) if item else ""
        self.claim.setText(f"Claim checked: {claim}" if claim else "")
        self.claim.setVisible(bool(claim))
        # Only web links are offered, and they open only when clicked.
        if url.lower().startswith(("http://", "https://")):
            self.link.setText(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        else:
            self.link.setText("")

    def _open_url(self, url: str) -> None:
        if url.lower().startswith(("http://", "https://")):
            QDesktopServices.openUrl(QUrl(url))

    def _open_link(self, item: QTreeWidgetItem) -> None:
        self._open_url(item.data(1, Qt.UserRole) or "")

    def _decide(self, status: str):
        item = self._selected()
        if item is None or self._narrative_id is None:
            return None
        narrative_id, factcheck_id = self._narrative_id, int(item.data(0, Qt.UserRole))
        settings, actor = self._context.settings, self._context.reviewer
        titles = {"confirmed": "Confirming the match", "rejected": "Rejecting the match",
                  "new": "Resetting the match"}
        return run_review(self._context, self, titles[status],
                          lambda store: set_match_status(store, narrative_id, factcheck_id, status,
                                                         settings=settings, actor=actor),
                          presenter=self._presenter)

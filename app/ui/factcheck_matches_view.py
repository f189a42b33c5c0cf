"""The fact-checks a narrative matches, with confirm and reject, in the narrative detail."""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from app.engine.errors import AppError
from app.engine.factchecks import narrative_factchecks, set_match_status

from .review_dialogs import run_review

log = logging.getLogger(__name__)

STATE_WORDS = {"confirmed": "confirmed", "rejected": "rejected", "new": "suggested"}


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
        self.list.setHeaderLabels(["Rating", "Publisher", "Date", "Score", "State", "Claim checked"])
        self.list.header().setStretchLastSection(True)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.itemDoubleClicked.connect(lambda item, _c: self._open_link(item))
        self.empty = QLabel("No known fact-check matches this narrative. Import fact-checks from "
                            "Data ▸ Fact-check library.")
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
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
        for match in matches:
            fc = match.factcheck
            item = QTreeWidgetItem([fc.rating or fc.verdict, fc.publisher or "", (fc.review_date or "")[:10],
                                    f"{match.score:.2f}", STATE_WORDS.get(match.status, match.status)
                                    + (" · flags" if match.flagging else ""), fc.claim])
            item.setData(0, Qt.UserRole, fc.id)
            item.setData(1, Qt.UserRole, fc.url or "")
            item.setToolTip(5, fc.claim)
            self.list.addTopLevelItem(item)
        self.empty.setVisible(not matches)
        self.list.setVisible(bool(matches))
        self.count_changed.emit(len(matches))
        self._update_buttons()

    def _selected(self) -> QTreeWidgetItem | None:
        items = self.list.selectedItems()
        return items[0] if items else None

    def _update_buttons(self) -> None:
        item = self._selected()
        for button in (self.confirm_button, self.reject_button, self.reset_button):
            button.setEnabled(item is not None)
        url = item.data(1, Qt.UserRole) if item else ""
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
        settings = self._context.settings
        titles = {"confirmed": "Confirming the match", "rejected": "Rejecting the match",
                  "new": "Resetting the match"}
        return run_review(self._context, self, titles[status],
                          lambda store: set_match_status(store, narrative_id, factcheck_id, status,
                                                         settings=settings),
                          presenter=self._presenter)

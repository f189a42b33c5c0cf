"""A narrative's claims side by side, read from the store a page at a time.

A narrative can hold tens of thousands of claims: the table holds the pages the
reader has scrolled through, and sorting is done by SQL (clicking a column header
re-reads from the first page), as in the narratives list.
"""

from __future__ import annotations

import html
from enum import IntEnum

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from app.engine.domain import Member
from app.engine.errors import AppError
from app.engine.flags import language_name
from app.engine.store import Store
from app.engine.store import narrative_claims

from .article_view import format_time
from .paged_model import PagedTableModel


class ClaimRole(IntEnum):
    """Data roles beyond Qt's own."""

    MEMBER = Qt.UserRole + 1    # Member
    CLAIM_ID = Qt.UserRole + 2  # int


class Column(IntEnum):
    OUTLET = 0
    LANGUAGE = 1
    PUBLISHED = 2
    SIMILARITY = 3
    CLAIM = 4


HEADERS = ("Outlet", "Lang.", "Published", "Sim.", "Claim")
HEADER_TIPS = (
    "The outlet (feed) that carried the claim.",
    "The claim's language.",
    "When the article was published, in UTC.",
    "Similarity: how close this claim is to the centre of its cluster: 1.00 = a copy. Point at a value to see why the claim was linked.",
    "The claim as written; point at one for its full text.",
)
"""The short headers keep the numbers' columns narrow: each says in full what it is here."""
SORT_KEYS = ("outlet", "language", "published", "similarity", "text")
"""The sort key (:data:`narrative_claims.CLAIM_SORT_COLUMNS`) of each column."""

_DISPLAY, _TOOLTIP, _ALIGNMENT = int(Qt.DisplayRole), int(Qt.ToolTipRole), int(Qt.TextAlignmentRole)
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


class ClaimsModel(PagedTableModel):
    """A narrative's claims: outlet, language, published, similarity, text; loaded lazily."""

    def __init__(self, store: Store | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent, sort="published", descending=False)
        self._store = store
        self._narrative_id: int | None = None
        self.total = 0

    # --- what to show ---------------------------------------------------------------

    @property
    def narrative_id(self) -> int | None:
        return self._narrative_id

    def set_narrative(self, store: Store | None, narrative_id: int | None, keep: int = 0) -> None:
        """Show this narrative's claims (None: none), loading at least ``keep`` rows."""
        self._store, self._narrative_id = store, narrative_id
        self.reload(keep)

    def reload(self, keep: int = 0) -> None:
        if self._store is None or self._narrative_id is None:
            self.total = 0
            self.clear_rows()
            self.headerDataChanged.emit(Qt.Horizontal, Column.CLAIM, Column.CLAIM)
            return
        try:
            self.total = narrative_claims.count_claims(self._store.db, self._narrative_id)
        except AppError:
            self.total = 0  # the page read below reports the failure
        super().reload(keep)
        self.headerDataChanged.emit(Qt.Horizontal, Column.CLAIM, Column.CLAIM)

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        if not 0 <= column < len(SORT_KEYS):
            return
        key, descending = SORT_KEYS[column], order == Qt.DescendingOrder
        if (key, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = key, descending
        if self._narrative_id is not None:
            self.reload()

    def read_page(self, after: tuple | None, limit: int):
        page = narrative_claims.page_claims(self._store.db, self._narrative_id, sort=self._sort,
                                            descending=self._descending, after=after, limit=limit)
        return page.members, page.after

    def row_key(self, row: Member) -> int:
        return row.claim_id

    # --- lookups --------------------------------------------------------------------

    def member(self, row: int) -> Member | None:
        return self.row_at(row)

    def claim_ids(self) -> list[int]:
        """The claims loaded so far, in the table's order."""
        return [m.claim_id for m in self._rows]

    # --- Qt model -------------------------------------------------------------------

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation != Qt.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.DisplayRole:
            if section == Column.CLAIM and self.total > self.page_size:  # read as it scrolls: say how many
                return f"Claim ({self.total:,} in all)"
            return HEADERS[section]
        if role == Qt.ToolTipRole:
            loaded = (f" {len(self._rows):,} of {self.total:,} are read so far; more as you scroll."
                      if len(self._rows) < self.total else "")
            return f"{HEADER_TIPS[section]} Click to sort.{loaded}"
        if role == Qt.TextAlignmentRole and section == Column.SIMILARITY:
            return _RIGHT
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        role = int(role)
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        m = self._rows[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return (m.feed_title, m.language or "?", format_time(m.published_at), f"{m.similarity:.2f}",
                    " ".join(m.text.split()))[column]
        if role == _ALIGNMENT:
            return _RIGHT if column == Column.SIMILARITY else None
        if role == ClaimRole.MEMBER:
            return m
        if role == ClaimRole.CLAIM_ID:
            return m.claim_id
        if role == _TOOLTIP:
            if column == Column.LANGUAGE:
                return language_name(m.language)
            if column == Column.SIMILARITY:
                why = f"<p><b>Why linked:</b> {html.escape(m.evidence)}</p>" if m.evidence else ""
                return f"{why}<p>{html.escape(HEADER_TIPS[Column.SIMILARITY])}</p>"
            outlet = f"<p><b>{html.escape(m.feed_title)}</b></p>" if column == Column.OUTLET else ""
            return f"{outlet}<p>{html.escape(m.text)}</p><p><i>{html.escape(m.article_title)}</i></p>"
        return None

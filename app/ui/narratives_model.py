"""The narratives list as a lazy Qt table model over the store.

Rows are read a page at a time as the view scrolls (:class:`PagedTableModel`).
Filters and sorts are done by SQL, so 100,000 narratives cost no more than the pages
the user looks at.
"""

from __future__ import annotations

import html
from enum import IntEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from app.engine.domain import NarrativeSummary
from app.engine.errors import AppError
from app.engine.flags import language_name
from app.engine.store import Store
from app.engine.store import narratives as narrative_store
from app.engine.flags import GROWTH_HOURS
from app.engine.store.narratives import NarrativeFilter, NarrativeRow

from .article_view import format_time
from .flag_icons import flag_text
from .paged_model import PagedTableModel


class NarrativeRole(IntEnum):
    """Data roles beyond Qt's own."""

    ID = Qt.UserRole + 1
    SUMMARY = Qt.UserRole + 2       # NarrativeSummary
    FLAGS = Qt.UserRole + 3         # tuple[Flag, ...]
    RECENT_CLAIMS = Qt.UserRole + 4  # int


class Column(IntEnum):
    FLAGS = 0
    LABEL = 1
    STATUS = 2
    SOURCES = 3
    CLAIMS = 4
    LANGUAGES = 5
    FIRST_SEEN = 6
    LAST_SEEN = 7
    GROWTH = 8
    SCORE = 9


HEADERS = {
    Column.FLAGS: "Flags", Column.LABEL: "Narrative", Column.STATUS: "Status", Column.SOURCES: "Sources",
    Column.CLAIMS: "Claims", Column.LANGUAGES: "Languages", Column.FIRST_SEEN: "First seen",
    Column.LAST_SEEN: "Last seen", Column.GROWTH: "Last day", Column.SCORE: "Score",
}
HEADER_TIPS = {
    Column.FLAGS: "Why the narrative deserves a look (hover a row's badges for the reasons)",
    Column.SOURCES: "How many different sources told it",
    Column.CLAIMS: "How many claims it holds",
    Column.FIRST_SEEN: "When the first of its claims was published (UTC)",
    Column.LAST_SEEN: "When the latest of its claims was published (UTC)",
    Column.LABEL: "What the narrative says (hover a row for the full label)",
    Column.GROWTH: (f"Claims published in the last {GROWTH_HOURS} hours of this narrative's activity "
                    "(up to its latest claim, not up to now)"),
    Column.SCORE: "Rank: grows with its flags and, more slowly, its sources",
}
HIDDEN_BY_DEFAULT = (Column.CLAIMS, Column.LAST_SEEN, Column.SCORE)
SORT_TITLES = {"score": "Rank (score)", "sources": "Sources", "claims": "Claims", "first_seen": "First seen",
               "last_seen": "Last seen", "status": "Status"}
SORT_KEYS = {
    Column.STATUS: "status", Column.SOURCES: "sources", Column.CLAIMS: "claims",
    Column.FIRST_SEEN: "first_seen", Column.LAST_SEEN: "last_seen", Column.SCORE: "score",
}
"""The columns the list can be sorted by (in SQL), and their sort keys."""

NUMERIC = frozenset(int(c) for c in (Column.SOURCES, Column.CLAIMS, Column.GROWTH, Column.SCORE))

_DISPLAY, _TOOLTIP, _ALIGNMENT = int(Qt.DisplayRole), int(Qt.ToolTipRole), int(Qt.TextAlignmentRole)
_FONT, _FOREGROUND = int(Qt.FontRole), int(Qt.ForegroundRole)
_HANDLED_ROLES = frozenset({_DISPLAY, _TOOLTIP, _ALIGNMENT, _FONT, _FOREGROUND, *(int(r) for r in NarrativeRole)})
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


def flags_tooltip(flags) -> str:
    """The reasons for a narrative's flags, in plain words, as rich text."""
    if not flags:
        return ""
    return "".join(f"<p>{flag_text(f)}</p>" for f in flags)


class NarrativesModel(PagedTableModel):
    """Narratives that pass a filter, in a server-side sort order, loaded lazily."""

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent, sort="score", descending=True)
        self._store = store
        self._filter = NarrativeFilter()
        self._flagged_first = True
        self._bold = QFont()
        self._bold.setBold(True)

    # --- what to show ---------------------------------------------------------------

    @property
    def filters(self) -> NarrativeFilter:
        return self._filter

    def set_filter(self, filters: NarrativeFilter, keep: int = 0) -> None:
        """Show the narratives that pass ``filters`` (re-reads from the first page)."""
        self._filter = filters
        self.reload(keep)

    def set_sort(self, key: str, descending: bool = True) -> None:
        if key not in narrative_store.SORT_COLUMNS:
            raise ValueError(f"cannot sort by {key!r}")
        self._sort, self._descending = key, descending
        self.reload()

    def set_flagged_first(self, on: bool) -> None:
        self._flagged_first = on
        self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        key = SORT_KEYS.get(Column(column)) if 0 <= column < len(Column) else None
        if key is None:
            return  # not sortable: the view puts its indicator back
        self.set_sort(key, order == Qt.DescendingOrder)

    def read_page(self, after: tuple | None, limit: int):
        page = narrative_store.page_narratives(
            self._store.db, self._filter, sort=self._sort, descending=self._descending,
            flagged_first=self._flagged_first, after=after, limit=limit,
        )
        return page.rows, page.after

    def row_key(self, row: NarrativeRow) -> int:
        return row.summary.id

    # --- lookups --------------------------------------------------------------------

    def narrative_id(self, row: int) -> int | None:
        found = self.summary(row)
        return found.id if found is not None else None

    def summary(self, row: int) -> NarrativeSummary | None:
        found = self.row_at(row)
        return found.summary if found is not None else None

    def total_count(self) -> int:
        """How many narratives pass the filter (loaded or not)."""
        try:
            return narrative_store.count_narratives(self._store.db, self._filter)
        except AppError:
            return len(self._rows)

    # --- Qt model -------------------------------------------------------------------

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation != Qt.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ToolTipRole:
            tip = HEADER_TIPS.get(Column(section))
            sortable = "Click to sort." if Column(section) in SORT_KEYS else "Not sortable."
            return f"{tip}. {sortable}" if tip else sortable
        if role == Qt.TextAlignmentRole and section in NUMERIC:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        # Called tens of thousands of times while scrolling: plain ints, early exits.
        role = int(role)
        if role not in _HANDLED_ROLES or not index.isValid():
            return None
        number = index.row()
        if not 0 <= number < len(self._rows):
            return None
        row = self._rows[number]
        s = row.summary
        column = index.column()
        if role == _DISPLAY:
            return self._display(row, column)
        if role == _ALIGNMENT:
            return _RIGHT if column in NUMERIC else None
        if role == _FONT:
            return self._bold if column == Column.LABEL and s.flagged and s.status in ("new", "reviewing") else None
        if role == _FOREGROUND:
            return QApplication.palette().color(QPalette.Disabled, QPalette.Text) if s.status == "dismissed" else None
        if role == _TOOLTIP:
            return self._tooltip(row, Column(column))
        if role == NarrativeRole.ID:
            return s.id
        if role == NarrativeRole.SUMMARY:
            return s
        if role == NarrativeRole.FLAGS:
            return s.flags
        if role == NarrativeRole.RECENT_CLAIMS:
            return row.recent_claims
        return None

    @staticmethod
    def _display(row: NarrativeRow, column: int):
        show = _SHOW[column] if 0 <= column < len(_SHOW) else None
        return show(row) if show is not None else None

    @staticmethod
    def _tooltip(row: NarrativeRow, column: Column):
        s = row.summary
        if column == Column.FLAGS:
            return flags_tooltip(s.flags) or "No flags: nothing about its spread stands out."
        if column == Column.LABEL:
            label = s.label or f"Narrative {s.id}"
            return f"<p><b>#{s.id}</b>: {html.escape(label)}</p>{flags_tooltip(s.flags)}"
        if column == Column.LANGUAGES:
            return ", ".join(language_name(code) for code in s.languages)
        if column == Column.FIRST_SEEN:
            return f"First claim published {format_time(s.first_seen)} UTC"
        if column == Column.LAST_SEEN:
            return f"Latest claim published {format_time(s.last_seen)} UTC"
        if column == Column.GROWTH:
            return (f"Last day: {row.recent_claims} of its {s.size} claims were published in the last "
                    f"{GROWTH_HOURS} hours of this narrative's activity, the {GROWTH_HOURS} hours before its "
                    f"latest claim ({format_time(s.last_seen)} UTC).")
        return None


def _languages(s) -> str:
    shown = ", ".join(s.languages[:3])
    return shown + (f" +{len(s.languages) - 3}" if len(s.languages) > 3 else "")


# What each column shows, by column number (the flags column is painted by its delegate).
_SHOW = (
    None,
    lambda r: r.summary.label or f"Narrative {r.summary.id}",
    lambda r: r.summary.status,
    lambda r: r.summary.sources,
    lambda r: r.summary.size,
    lambda r: _languages(r.summary),
    lambda r: format_time(r.summary.first_seen)[:10],
    lambda r: format_time(r.summary.last_seen)[:10],
    lambda r: f"+{r.recent_claims}" if r.recent_claims else "",
    lambda r: f"{r.summary.score:.1f}",
)
assert len(_SHOW) == len(Column)

"""A table model that reads its rows from the store a page at a time, as the view scrolls.

As in Qt's *fetchmore* example: ``rowCount`` counts the rows loaded so far,
``canFetchMore`` says whether the store has more, and ``fetchMore`` appends one page
(keyset paging, so every page costs the same however far the reader scrolls). A
subclass says how to read a page (:meth:`PagedTableModel.read_page`) and what
identifies a row (:meth:`PagedTableModel.row_key`), and shows the rows.

The sort order is held here, not only by the subclass, because a keyset is a position
in one order: a subclass that changes :attr:`sort_key` or :attr:`descending` must
:meth:`reload` from the first page.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QItemSelection, QModelIndex, QPersistentModelIndex, Signal

from app.engine.errors import AppError

log = logging.getLogger(__name__)

PAGE = 200


class PagedTableModel(QAbstractTableModel):
    """Rows read lazily, a page at a time.

    Signals
    -------
    load_failed(str)
        Reading the store failed; the message is in plain words.
    """

    load_failed = Signal(str)

    def __init__(self, parent=None, *, page: int = PAGE, sort: str, descending: bool) -> None:
        super().__init__(parent)
        self.page_size = page
        self._sort, self._descending = sort, descending
        self._rows: list[Any] = []
        self._row_of: dict[Hashable, int] = {}
        self._after: tuple | None = None
        self._done = True
        self.pages_loaded = 0

    @property
    def sort_key(self) -> str:
        return self._sort

    @property
    def descending(self) -> bool:
        return self._descending

    # --- what a subclass says -------------------------------------------------------

    def read_page(self, after: tuple | None, limit: int) -> tuple[Iterable[Any], tuple | None]:
        """Return ``(rows, after)``: the rows after ``after`` and where they ended (None: no more).
        May raise :class:`AppError`."""
        raise NotImplementedError

    def row_key(self, row: Any) -> Hashable:
        """What identifies a row (for :meth:`row_of`)."""
        raise NotImplementedError

    # --- reading --------------------------------------------------------------------

    def reload(self, keep: int = 0) -> None:
        """Read again from the first page, loading at least ``keep`` rows (the rows the
        reader has scrolled through, and with them the selection)."""
        self.beginResetModel()
        self._rows, self._row_of, self._after, self._done = [], {}, None, False
        self.pages_loaded = 0
        self._append(self._read(max(self.page_size, keep)))
        self.endResetModel()

    def clear_rows(self) -> None:
        """No rows, and nothing more to fetch."""
        self.beginResetModel()
        self._rows, self._row_of, self._after, self._done = [], {}, None, True
        self.pages_loaded = 0
        self.endResetModel()

    def _read(self, limit: int) -> list[Any]:
        try:
            rows, after = self.read_page(self._after, limit)
        except AppError as exc:
            log.warning("reading a page failed: %s", exc)
            self._done = True
            self.load_failed.emit(str(exc))
            return []
        self._after = after
        self._done = after is None
        self.pages_loaded += 1
        return list(rows)

    def _append(self, rows: list[Any]) -> None:
        start = len(self._rows)
        self._rows.extend(rows)
        for offset, row in enumerate(rows):
            self._row_of[self.row_key(row)] = start + offset

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._done

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:
        if parent.isValid() or self._done:
            return
        rows = self._read(self.page_size)
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
        self._append(rows)
        self.endInsertRows()

    def fetch_until_loaded(self, keys: Iterable[Hashable], max_rows: int = 10_000) -> None:
        """Fetch pages until these rows are loaded, the store has no more, or ``max_rows`` are."""
        missing = {k for k in keys if k not in self._row_of}
        while missing and self.canFetchMore() and len(self._rows) < max_rows:
            self.fetchMore()
            missing = {k for k in missing if k not in self._row_of}

    # --- lookups --------------------------------------------------------------------

    def row_of(self, key: Hashable) -> int | None:
        """The row of this key among those loaded so far, or None."""
        return self._row_of.get(key)

    def rows_of(self, keys: Iterable[Hashable]) -> list[int]:
        """The rows of these keys among those loaded so far, in order."""
        return sorted(r for r in (self._row_of.get(k) for k in keys) if r is not None)

    def selection_of_rows(self, rows: Iterable[int]) -> QItemSelection:
        """Whole rows as a selection, contiguous rows as one range (thousands stay quick)."""
        selection = QItemSelection()
        last = self.columnCount() - 1
        start = previous = None
        for row in [*sorted(rows), None]:
            if row is not None and previous is not None and row == previous + 1:
                previous = row
                continue
            if start is not None:
                selection.select(self.index(start, 0), self.index(previous, last))
            start = previous = row
        return selection

    def row_at(self, number: int) -> Any | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def loaded_count(self) -> int:
        return len(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

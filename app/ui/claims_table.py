"""The table of a narrative's claims in the detail view: read a page at a time as it
scrolls (:class:`ClaimsModel`), sorted by a click on a column, and with a selection,
current claim and scroll position that survive re-reading the narrative."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.engine.domain import Member
from app.engine.store import Store

from .claims_model import ClaimRole, ClaimsModel, Column


class ClaimsTable(QTableView):
    """A narrative's claims side by side.

    Signals
    -------
    member_shown(object)
        The claim whose article goes with the table now (a :class:`Member`), or None.
    claims_selected()
        The selected claims changed.
    """

    member_shown = Signal(object)
    claims_selected = Signal()

    def __init__(self, store: Store | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.claims_model = ClaimsModel(store, self)
        self.setModel(self.claims_model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setSortingEnabled(True)
        self.sortByColumn(Column.PUBLISHED, Qt.AscendingOrder)
        # Two lines a row, the claim wrapped (a laptop's pane showed its first two words);
        # fixed heights keep a narrative of thousands of claims smooth to scroll. The whole
        # claim is in the tooltip and, highlighted, in the article tab.
        self.setWordWrap(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.verticalHeader().setDefaultSectionSize(2 * self.fontMetrics().lineSpacing() + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setTextElideMode(Qt.ElideRight)
        # The claim takes the room; the other columns are as narrow as their contents
        # (the outlet, at most a fifth of the width: elided, in full in its tooltip).
        header.setSectionResizeMode(Column.CLAIM, QHeaderView.Stretch)
        header.setMinimumSectionSize(24)
        self.setTextElideMode(Qt.ElideRight)
        self._fitting = False
        self._user_sized = False  # once the reader drags a column, the widths are theirs
        header.sectionResized.connect(self._on_section_resized)
        self.claims_model.modelReset.connect(self.fit_columns)
        self.fit_columns()
        self.selectionModel().selectionChanged.connect(lambda *_: self.claims_selected.emit())
        self.selectionModel().currentRowChanged.connect(self._on_current_changed)

    # --- column widths --------------------------------------------------------------

    def fit_columns(self) -> None:
        """Outlet, language, published and similarity as narrow as their contents; the claim
        gets the rest. Reads only the rows loaded (at most a few hundred)."""
        if self._user_sized:
            return
        metrics = self.fontMetrics()
        header = self.horizontalHeader()
        pad = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 12
        arrow = header.style().pixelMetric(header.style().PixelMetric.PM_HeaderMarkSize) + 10

        def head(column: int) -> int:
            return metrics.horizontalAdvance(str(self.claims_model.headerData(column, Qt.Horizontal))) + arrow

        model = self.claims_model
        rows = [model.member(r) for r in range(min(model.rowCount(), 200))]
        outlets = max((metrics.horizontalAdvance(m.feed_title) for m in rows), default=0) + pad
        widths = {
            Column.OUTLET: max(head(Column.OUTLET), min(outlets, max(90, self.viewport().width() // 5))),
            Column.LANGUAGE: max(head(Column.LANGUAGE), metrics.horizontalAdvance("xx") + pad),
            # The day on the first line, the time wrapped under it.
            Column.PUBLISHED: max(head(Column.PUBLISHED), metrics.horizontalAdvance("2026-11-10") + pad),
            Column.SIMILARITY: max(head(Column.SIMILARITY), metrics.horizontalAdvance("0.00") + pad),
        }
        self._fitting = True
        try:
            for column, width in widths.items():
                if header.sectionSize(column) != width:
                    header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != Column.CLAIM:
            self._user_sized = True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_columns()

    def show_claims(self, store: Store, narrative_id: int, keep: bool) -> None:
        """Read the claims' first pages again; with ``keep``, as many rows as were loaded,
        the same selection, current claim and scroll position."""
        selected = self.selected_claim_ids() if keep else []
        current = self.current_member() if keep else None
        scroll = self.verticalScrollBar().value() if keep else 0
        loaded = self.claims_model.loaded_count() if keep else 0
        self.claims_model.set_narrative(store, narrative_id, keep=loaded)
        self._restore(selected, current.claim_id if current else None)
        if scroll:
            self.doItemsLayout()  # the scroll bar learns its new range now, not at the next paint
            self.verticalScrollBar().setValue(scroll)

    def selected_claim_ids(self) -> list[int]:
        rows = self.selectionModel().selectedRows()
        return [self.claims_model.data(index, ClaimRole.CLAIM_ID) for index in rows]

    def select_claims(self, claim_ids: list[int]) -> None:
        """Select these claims (reading pages until they are loaded), the first one current."""
        self.claims_model.fetch_until_loaded(claim_ids)
        self._restore(claim_ids, claim_ids[0] if claim_ids else None)

    def current_member(self) -> Member | None:
        index = self.selectionModel().currentIndex()
        return self.claims_model.data(index, ClaimRole.MEMBER) if index.isValid() else None

    def _restore(self, claim_ids: list[int], current: int | None) -> None:
        """Select the claims among those loaded, make ``current`` (else the first row) current
        and show its article."""
        selection = self.selectionModel()
        model = self.claims_model
        rows = model.rows_of(claim_ids)
        current_row = model.row_of(current) if current is not None else None
        if current_row is None:
            current_row = rows[0] if rows else (0 if model.rowCount() else None)
        if not rows and current_row is not None:
            rows = [current_row]
        selection.select(model.selection_of_rows(rows), QItemSelectionModel.ClearAndSelect)
        if current_row is not None:
            selection.setCurrentIndex(model.index(current_row, 0), QItemSelectionModel.NoUpdate)
            # Said here too: Qt says nothing when the row was current already.
            self.member_shown.emit(model.member(current_row))
        else:
            self.member_shown.emit(None)
        self.claims_selected.emit()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.member_shown.emit(self.claims_model.member(current.row()))

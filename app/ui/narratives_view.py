"""The narratives list: a filter bar over a lazily loaded, server-sorted table."""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QMenu, QPushButton, QTableView,
    QToolButton, QVBoxLayout, QWidget,
)

from app.engine import review
from app.engine.domain import NarrativeSummary
from app.engine.store import narratives as narrative_store
from app.engine.store.narratives import NarrativeFilter

from .error_presenter import ErrorPresenter
from .flag_icons import BADGE, BADGE_GAP, FlagsDelegate
from .narrative_filters_view import NarrativeFiltersView
from .narratives_model import (
    HEADERS, HIDDEN_BY_DEFAULT, SORT_KEYS, SORT_TITLES, Column, NarrativeRole, NarrativesModel,
)
from .review_dialogs import MergeDialog, run_review
from .workers import EngineTask

log = logging.getLogger(__name__)

MIN_LABEL_WIDTH = 200
FOLD_ORDER = (Column.FIRST_SEEN, Column.LANGUAGES, Column.STATUS, Column.GROWTH)
COLUMNS_KEY = "narratives/columns"  # the columns the user showed or hid, per user


def chosen_columns() -> dict[Column, bool]:
    """The columns the user showed or hid from the header's menu, as saved (unknown names are skipped)."""
    chosen = {}
    for item in str(QSettings().value(COLUMNS_KEY, "") or "").split(","):
        name, _, on = item.partition("=")
        if name in Column.__members__ and on in ("0", "1"):
            chosen[Column[name]] = on == "1"
    return chosen
"""Columns hidden, in this order, when the panel is too narrow for the label."""


class NarrativesView(QWidget):
    """Filter bar and list of narratives, flagged first.

    Signals
    -------
    narrative_selected(int)
        The current narrative changed (0: none).
    search_cleared()
        The user dropped the search restriction with the list's own "Show all" button.
    """

    narrative_selected = Signal(int)
    search_cleared = Signal()

    def __init__(self, context, presenter: ErrorPresenter | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._presenter = presenter
        self._search_ids: tuple[int, ...] | None = None
        self._current_id = 0
        self._restoring = False
        self.last_task: EngineTask | None = None
        self.model = NarrativesModel(context.store, self)
        self.model.load_failed.connect(lambda message: self.count_label.setText(message))
        self._build()
        self.filters.fill(context.store.db)
        self.model.reload()
        self._update_count()
        context.data_changed.connect(self.refresh)

    # --- building -------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.filters = NarrativeFiltersView()
        layout.addWidget(self.filters)
        self.flagged_first = QCheckBox("Flagged first")
        self.flagged_first.setChecked(True)
        self.flagged_first.setToolTip("Keep flagged narratives at the top, whatever the sort")
        self.clear_button = QPushButton("Clear filters")

        info = QHBoxLayout()
        info.setContentsMargins(6, 0, 4, 0)
        self.count_label = QLabel()
        self.search_label = QLabel()
        self.show_all_button = QPushButton("Show all")
        self.show_all_button.setToolTip("Drop the search and list every narrative again")
        self.show_all_button.clicked.connect(self._on_show_all_clicked)
        info.addWidget(self.count_label)
        info.addWidget(self.search_label)
        info.addWidget(self.show_all_button)
        info.addStretch(1)
        info.addWidget(QLabel("Sort:"))
        self.sort_combo = QComboBox()
        self.sort_combo.setToolTip("Sort the list (or click a column header)")
        for column, key in SORT_KEYS.items():
            self.sort_combo.addItem(SORT_TITLES[key], int(column))
        self.order_button = QToolButton()
        self.order_button.setCheckable(True)
        self.order_button.setChecked(True)
        self.order_button.setToolTip("Largest or latest first")
        self.order_button.setArrowType(Qt.DownArrow)
        info.addWidget(self.sort_combo)
        info.addWidget(self.order_button)
        info.addWidget(self.flagged_first)
        info.addWidget(self.clear_button)
        layout.addLayout(info)
        self.search_label.hide()
        self.show_all_button.hide()

        table = self.table = QTableView()
        table.setModel(self.model)
        table.setItemDelegateForColumn(Column.FLAGS, FlagsDelegate(NarrativeRole.FLAGS, table))
        table.setSelectionBehavior(QAbstractItemView.SelectRows)
        table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        # Two lines a row, the label wrapped: one line showed a title's first few words in a
        # laptop's pane. Every row is as tall (fixed heights keep long lists smooth); a longer
        # title ends in "…", and is whole in its tooltip and the detail.
        table.setWordWrap(True)
        table.setTextElideMode(Qt.ElideRight)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setVerticalScrollMode(QAbstractItemView.ScrollPerPixel)
        table.setContextMenuPolicy(Qt.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_table_context_menu)
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.Fixed)  # fixed heights: 100,000 rows stay smooth
        vertical.setDefaultSectionSize(max(BADGE + 6, 2 * self.fontMetrics().lineSpacing() + 8))
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_context_menu)
        metrics = self.fontMetrics()
        text = metrics.horizontalAdvance
        widths = {
            Column.FLAGS: 8 + 4 * (BADGE + BADGE_GAP), Column.STATUS: text("reviewing") + 20,
            Column.SOURCES: text("Sources") + 22, Column.CLAIMS: text("Claims") + 22,
            Column.LANGUAGES: text("de, en, fr +1") + 16,
            Column.FIRST_SEEN: text("2026-11-10") + 16, Column.LAST_SEEN: text("2026-11-10") + 16,
            Column.GROWTH: max(text("+888"), text(HEADERS[Column.GROWTH])) + 18, Column.SCORE: text("Score") + 22,
        }
        for column, width in widths.items():
            header.resizeSection(column, width)
        self._widths = widths
        header.setMinimumSectionSize(metrics.horizontalAdvance("24 h") + 12)
        header.resizeSection(Column.LABEL, metrics.horizontalAdvance("x") * 48)
        header.setSectionResizeMode(Column.LABEL, QHeaderView.Stretch)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(Column.SCORE, Qt.DescendingOrder)
        header.sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)
        self._sort_column, self._sort_order = int(Column.SCORE), Qt.DescendingOrder
        table.viewport().installEventFilter(self)
        self._chosen_columns: dict[Column, bool] = chosen_columns()
        for column in Column:
            table.setColumnHidden(column, not self._chosen_columns.get(column, column not in HIDDEN_BY_DEFAULT))
        self.sort_combo.setCurrentIndex(self.sort_combo.findData(int(Column.SCORE)))
        self.sort_combo.currentIndexChanged.connect(self._on_sort_controls_changed)
        self.order_button.toggled.connect(self._on_sort_controls_changed)
        table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        table.activated.connect(lambda index: self._emit_current(force=True))
        layout.addWidget(table, 1)

        self.filters.filters_changed.connect(self._on_filter_changed)
        self.flagged_first.toggled.connect(self.model.set_flagged_first)
        self.flagged_first.toggled.connect(lambda _: self._after_reset())
        self.clear_button.clicked.connect(self.clear_filters)

    def current_filter(self) -> NarrativeFilter:
        return self.filters.current_filter(self._search_ids)

    def clear_filters(self) -> None:
        self.filters.clear()

    def _on_filter_changed(self) -> None:
        self.model.set_filter(self.current_filter())
        self._after_reset()

    def set_search_results(self, ids: list[int] | None) -> None:
        """Restrict the list to these narratives (search results); None shows all again."""
        self._search_ids = None if ids is None else tuple(int(i) for i in ids)
        searching = self._search_ids is not None
        self.search_label.setVisible(searching)
        self.show_all_button.setVisible(searching)
        if searching:
            self.search_label.setText(f"· search results only ({len(self._search_ids)})")
        self._on_filter_changed()

    def _on_show_all_clicked(self) -> None:
        self.set_search_results(None)
        self.search_cleared.emit()

    # --- sorting --------------------------------------------------------------------

    def _on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        if self._restoring:
            return
        header = self.table.horizontalHeader()
        if Column(column) not in SORT_KEYS:
            self._restoring = True
            header.setSortIndicator(self._sort_column, self._sort_order)  # not sortable: put it back
            self._restoring = False
            return
        self._sort_column, self._sort_order = column, order
        self.model.sort(column, order)
        self.sort_combo.blockSignals(True)
        self.order_button.blockSignals(True)
        self.sort_combo.setCurrentIndex(self.sort_combo.findData(int(column)))
        self.order_button.setChecked(order == Qt.DescendingOrder)
        self.order_button.setArrowType(Qt.DownArrow if order == Qt.DescendingOrder else Qt.UpArrow)
        self.sort_combo.blockSignals(False)
        self.order_button.blockSignals(False)
        self._after_reset()

    def _on_sort_controls_changed(self, *_) -> None:
        order = Qt.DescendingOrder if self.order_button.isChecked() else Qt.AscendingOrder
        self.order_button.setArrowType(Qt.DownArrow if order == Qt.DescendingOrder else Qt.UpArrow)
        self.table.horizontalHeader().setSortIndicator(self.sort_combo.currentData(), order)

    def _on_header_context_menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addSection("Columns")
        for column in Column:
            if column in (Column.LABEL,):
                continue
            action = menu.addAction(HEADERS[column])
            action.setCheckable(True)
            action.setChecked(not self.table.isColumnHidden(column))
            action.toggled.connect(lambda on, c=column: self.set_column_shown(c, on))
        menu.popup(self.table.horizontalHeader().mapToGlobal(pos))

    def set_column_shown(self, column: Column, shown: bool) -> None:
        """Show or hide a column by the user's choice (it is then never hidden for room)."""
        self._chosen_columns[column] = shown
        QSettings().setValue(COLUMNS_KEY, ",".join(f"{c.name}={int(on)}" for c, on in self._chosen_columns.items()))
        self.table.setColumnHidden(column, not shown)
        self._fit_columns()

    def eventFilter(self, watched, event) -> bool:
        # The table's viewport, not this widget: its width settles after the layout and
        # changes again when the scroll bar appears, and only then is the room known.
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """Keep the label readable in a narrow panel: hide the least needed columns
        (those the user has not chosen) until the label has room, show them again when
        it widens."""
        header = self.table.horizontalHeader()
        room = self.table.viewport().width() or self.width()

        def width(column: Column) -> int:
            # a hidden section reports 0: use its width when shown
            return header.sectionSize(column) or self._widths.get(column, 0)

        wanted = [c for c in Column if self._chosen_columns.get(c, c not in HIDDEN_BY_DEFAULT)]
        shown = set(wanted)
        for column in FOLD_ORDER:
            used = sum(width(c) for c in shown if c != Column.LABEL)
            if room - used >= MIN_LABEL_WIDTH or column not in shown or column in self._chosen_columns:
                continue
            shown.discard(column)
        for column in Column:
            self.table.setColumnHidden(column, column not in shown)

    def sort_by(self, column: Column, order: Qt.SortOrder = Qt.DescendingOrder) -> None:
        """Sort by a column (as clicking its header does)."""
        self.table.horizontalHeader().setSortIndicator(column, order)

    # --- selection ------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        return [summary.id for summary in self.selected_summaries()]

    def selected_summaries(self) -> list[NarrativeSummary]:
        """The selected narratives as the list shows them (with the version shown)."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [s for s in map(self.model.summary, rows) if s is not None]

    def current_id(self) -> int:
        return self._current_id

    def select_id(self, narrative_id: int) -> bool:
        """Select a narrative if it is in the list (loading pages until it is found)."""
        row = self.model.row_of(narrative_id)
        while row is None and self.model.canFetchMore():
            self.model.fetchMore()
            row = self.model.row_of(narrative_id)
        if row is None:
            return False
        self._select_row(row)
        return True

    def select_next(self) -> None:
        self._step(+1)

    def select_previous(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        current = self.table.currentIndex().row()
        row = 0 if current < 0 else current + delta
        if row >= self.model.rowCount() and self.model.canFetchMore():
            self.model.fetchMore()
        if 0 <= row < self.model.rowCount():
            self._select_row(row)

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, Column.LABEL)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        self.table.scrollTo(index)

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._restoring:
            self._emit_current()

    def _emit_current(self, force: bool = False) -> None:
        index = self.table.currentIndex()
        narrative_id = self.model.narrative_id(index.row()) if index.isValid() else None
        narrative_id = narrative_id or 0
        if narrative_id != self._current_id or force:
            self._current_id = narrative_id
            self.narrative_selected.emit(narrative_id)

    def _after_reset(self) -> None:
        """After a new filter or sort: keep the current narrative selected if still listed."""
        self._update_count()
        self._restore([self._current_id] if self._current_id else [], self._current_id, fallback_row=None)

    def refresh(self) -> None:
        """Re-read the list after the data changed, keeping the selection and scroll position.

        When the current narrative left the list (merged, or no longer passing the
        filter), the row that took its place becomes current, as in a mail reader.
        """
        selected = self.selected_ids()
        current_row = self.table.currentIndex().row()
        scroll = self.table.verticalScrollBar().value()
        self.filters.fill(self._context.store.db)
        self._restoring = True
        try:
            # the choices may have changed (a feed removed): the model follows what is shown
            self.model.set_filter(self.current_filter(), keep=self.model.loaded_count())
        finally:
            self._restoring = False
        self._update_count()
        self._restore(selected, self._current_id, fallback_row=current_row if current_row >= 0 else None)
        self.table.verticalScrollBar().setValue(scroll)

    def _restore(self, selected: list[int], current_id: int, fallback_row: int | None) -> None:
        selection = self.table.selectionModel()
        self._restoring = True
        try:
            selection.clearSelection()
            for narrative_id in selected:
                row = self.model.row_of(narrative_id)
                if row is not None:
                    selection.select(self.model.index(row, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
            row = self.model.row_of(current_id) if current_id else None
            if row is None and fallback_row is not None and self.model.rowCount():
                row = min(fallback_row, self.model.rowCount() - 1)
                selection.select(self.model.index(row, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)
            if row is not None:
                selection.setCurrentIndex(self.model.index(row, Column.LABEL), QItemSelectionModel.NoUpdate)
            else:
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.NoUpdate)
        finally:
            self._restoring = False
        self._emit_current()

    def _update_count(self) -> None:
        total = self.model.total_count()
        self.count_label.setText(f"{total:,} narrative{'s' if total != 1 else ''}")

    # --- context menu: review several at once ---------------------------------------

    def _on_table_context_menu(self, pos) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        menu = QMenu(self)
        merge = menu.addAction("Merge the two selected…")
        merge.setEnabled(len(ids) == 2)
        merge.triggered.connect(self.merge_selected)
        status_menu = menu.addMenu(f"Set status of {len(ids)} selected" if len(ids) > 1 else "Set status")
        for status in review.STATUSES:
            action = status_menu.addAction(status.capitalize())
            action.triggered.connect(lambda _=False, s=status: self.set_status_of_selected(s))
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def merge_selected(self) -> EngineTask | None:
        """Merge the two selected narratives, asking which one to keep."""
        ids = self.selected_ids()
        if len(ids) != 2:
            return None
        summaries = {s.id: s for s in narrative_store.list_narratives(self._context.store.db, narrative_store.NarrativeFilter(ids=tuple(ids)))}
        if len(summaries) != 2:
            return None
        current = summaries[self._current_id] if self._current_id in summaries else summaries[ids[0]]
        other = summaries[ids[1] if current.id == ids[0] else ids[0]]
        dialog = MergeDialog(self._context.store, current, other, self)
        if dialog.exec() != MergeDialog.Accepted or dialog.keep_id() is None:
            return None
        keep_id, other_id, settings = dialog.keep_id(), dialog.other_id(), self._context.settings
        (keep_version, other_version), actor = dialog.versions(), self._context.reviewer
        self.last_task = run_review(self._context, self, "Merging narratives",
                                    lambda store: review.merge(store, keep_id, other_id, settings=settings,
                                                               actor=actor, expected_version=keep_version,
                                                               other_version=other_version),
                                    presenter=self._presenter)
        return self.last_task

    def set_status_of_selected(self, status: str) -> EngineTask | None:
        """Give every selected narrative this review status, in one background task."""
        shown = self.selected_summaries()
        if not shown:
            return None
        actor = self._context.reviewer

        def work(store) -> None:
            for summary in shown:  # one already in that status is left as it is (the engine's rule)
                review.set_status(store, summary.id, status, actor=actor, expected_version=summary.version)

        self.last_task = run_review(self._context, self, "Setting the status", work, presenter=self._presenter)
        return self.last_task

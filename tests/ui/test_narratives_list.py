"""The narratives list: lazy pages, filters, server-side sorts, selection, search results."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.engine.store import Store
from app.engine.store.narratives import NarrativeFilter
from app.ui.context import AppContext
from app.ui.narratives_model import Column, NarrativeRole, NarrativesModel
from app.ui.narratives_view import NarrativesView
from app.ui.paged_model import PAGE
from tests.narrative_data import bulk_narratives


@pytest.fixture
def view(qtbot, context):
    widget = NarrativesView(context)
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    return widget


def listed(view) -> list[int]:
    return [view.model.narrative_id(row) for row in range(view.model.rowCount())]


def test_model_loads_pages_of_200_lazily(qtbot, qtmodeltester, memory_store):
    ids = bulk_narratives(memory_store, 1100)
    model = NarrativesModel(memory_store)
    model.reload()
    assert model.rowCount() == PAGE and model.canFetchMore()
    inserted = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE
    assert inserted == [(200, 399)]  # beginInsertRows(n, n + k - 1), not one too many
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 1100 and model.pages_loaded == 6
    assert inserted[-1] == (1000, 1099)
    assert sorted(model.narrative_id(r) for r in range(1100)) == sorted(ids)
    flagged = [model.index(r, 0).data(NarrativeRole.SUMMARY).flagged for r in range(1100)]
    assert flagged == sorted(flagged, reverse=True)  # flagged first
    model.set_filter(NarrativeFilter(language="fr"))  # a new filter starts again from one page
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == sum(1 for i in range(1100) if i % 3 == 1) and not model.canFetchMore()
    # Qt's tester calls fetchMore from its reset handler before it notes the reset has
    # ended, so it is attached only once every page is loaded.
    qtmodeltester.check(model)


def test_scrolling_the_view_fetches_more(qtbot, data_dir):
    store = Store.open(data_dir)
    bulk_narratives(store, 1000)
    store.close()
    context = AppContext(data_dir)
    try:
        view = NarrativesView(context)
        qtbot.addWidget(view)
        view.resize(800, 500)
        view.show()
        assert view.model.rowCount() == PAGE
        assert view.count_label.text() == "1,000 narratives"
        view.table.scrollToBottom()
        qtbot.waitUntil(lambda: view.model.rowCount() >= 2 * PAGE)
        assert view.model.rowCount() < 1000  # only what was scrolled to
        for _ in range(view.model.rowCount() + 5):
            view.select_next()  # stepping past the loaded rows loads the next page
        assert view.model.rowCount() > 2 * PAGE
    finally:
        context.close()


def test_filters(view, sample, qtbot):
    assert listed(view) == [sample.vaccine, sample.ballots, sample.bridge]

    def choose(combo, data):
        index = combo.findData(data)
        assert index >= 0, f"{data!r} is not offered"
        combo.setCurrentIndex(index)

    choose(view.filters.language_combo, "ru")
    assert listed(view) == [sample.vaccine]
    assert view.count_label.text() == "1 narrative"
    choose(view.filters.language_combo, None)
    choose(view.filters.tag_combo, "fact-checker")
    assert listed(view) == [sample.ballots]
    choose(view.filters.tag_combo, None)
    choose(view.filters.flag_combo, "cross-language")
    assert listed(view) == [sample.vaccine]
    choose(view.filters.flag_combo, "*")
    assert listed(view) == [sample.vaccine, sample.ballots]
    choose(view.filters.source_combo, sample.feeds["Le Courrier du Lac"])
    assert listed(view) == [sample.vaccine]
    view.clear_filters()
    assert listed(view) == [sample.vaccine, sample.ballots, sample.bridge]
    view.filters.since_check.setChecked(True)
    view.filters.since_date.setDate(view.filters.since_date.date().fromString("2026-11-12", "yyyy-MM-dd"))
    assert listed(view) == [sample.ballots]
    view.clear_filters()
    choose(view.filters.status_combo, "confirmed")
    assert listed(view) == []
    view.clear_filters()
    assert view.current_filter() == NarrativeFilter()


def test_sorting_is_done_by_the_store(view, sample):
    view.sort_by(Column.FIRST_SEEN, Qt.AscendingOrder)
    assert view.model.sort_key == "first_seen" and not view.model.descending
    assert listed(view) == [sample.vaccine, sample.ballots, sample.bridge]  # flagged first, then oldest
    view.flagged_first.setChecked(False)
    assert listed(view) == [sample.bridge, sample.vaccine, sample.ballots]
    assert view.sort_combo.currentData() == Column.FIRST_SEEN and not view.order_button.isChecked()
    view.order_button.setChecked(True)  # the sort controls drive the header too
    assert listed(view) == [sample.ballots, sample.vaccine, sample.bridge]
    view.sort_by(Column.LANGUAGES)  # not sortable: nothing changes
    header = view.table.horizontalHeader()
    assert header.sortIndicatorSection() == Column.FIRST_SEEN
    assert listed(view) == [sample.ballots, sample.vaccine, sample.bridge]
    view.sort_combo.setCurrentIndex(view.sort_combo.findData(int(Column.SOURCES)))
    assert view.model.sort_key == "sources"
    # Most sources first (a fact-checker repeating a claim is not one of its sources).
    sources = [view.model.index(r, Column.SOURCES).data() for r in range(view.model.rowCount())]
    assert sources == sorted(sources, reverse=True) and listed(view)[0] == sample.vaccine


def test_rows_show_flags_growth_and_reasons(view, sample):
    model = view.model
    row = model.row_of(sample.vaccine)
    tip = model.index(row, Column.FLAGS).data(Qt.ToolTipRole)
    assert "Told by 5 different sources" in tip and "Jumped across languages" in tip and "watchlist" in tip
    assert model.index(row, Column.SOURCES).data() == 5
    assert model.index(row, Column.GROWTH).data() == "+3"
    assert model.index(row, Column.LANGUAGES).data() == "de, en, fr +1"
    assert "Russian" in model.index(row, Column.LANGUAGES).data(Qt.ToolTipRole)
    assert model.index(row, Column.FIRST_SEEN).data() == "2026-11-10"
    bridge = model.row_of(sample.bridge)
    assert model.index(bridge, Column.FLAGS).data(NarrativeRole.FLAGS) == ()
    assert "No flags" in model.index(bridge, Column.FLAGS).data(Qt.ToolTipRole)
    delegate = view.table.itemDelegateForColumn(Column.FLAGS)
    assert delegate.sizeHint(_option(view), model.index(row, Column.FLAGS)).width() >= 4 * 16


def _option(view):
    from PySide6.QtWidgets import QStyleOptionViewItem

    option = QStyleOptionViewItem()
    option.initFrom(view.table)
    return option


def test_selection_signal_and_keyboard_steps(view, sample, qtbot):
    with qtbot.waitSignal(view.narrative_selected) as signal:
        view.select_next()
    assert signal.args == [sample.vaccine]
    with qtbot.waitSignal(view.narrative_selected) as signal:
        view.select_next()
    assert signal.args == [sample.ballots]
    view.select_previous()
    assert view.current_id() == sample.vaccine
    assert view.selected_ids() == [sample.vaccine]
    view.table.selectAll()
    assert view.selected_ids() == [sample.vaccine, sample.ballots, sample.bridge]


def test_search_results_restrict_the_list(view, sample, qtbot):
    view.set_search_results([sample.bridge, sample.ballots])
    assert sorted(listed(view)) == sorted([sample.bridge, sample.ballots])
    assert view.show_all_button.isVisibleTo(view)
    view.set_search_results([])
    assert listed(view) == []
    with qtbot.waitSignal(view.search_cleared):
        view.show_all_button.click()
    assert len(listed(view)) == 3 and not view.show_all_button.isVisibleTo(view)


def test_refresh_keeps_the_selection(view, sample, context, qtbot):
    assert view.select_id(sample.ballots)
    view.table.scrollToTop()
    with qtbot.assertNotEmitted(view.narrative_selected):
        context.data_changed.emit()
    assert view.current_id() == sample.ballots and view.selected_ids() == [sample.ballots]


def test_current_narrative_leaving_the_list_moves_to_the_next(view, sample, context, qtbot):
    view.filters.status_combo.setCurrentIndex(view.filters.status_combo.findData("new"))
    assert view.select_id(sample.vaccine)
    context.store.db.conn.execute("UPDATE narratives SET status = 'confirmed' WHERE id = ?", (sample.vaccine,))
    with qtbot.waitSignal(view.narrative_selected) as signal:
        view.refresh()
    assert signal.args == [sample.ballots]
    assert listed(view) == [sample.ballots, sample.bridge]


def test_status_of_several_selected(view, sample, context, qtbot):
    view.table.selectAll()
    task = view.set_status_of_selected("dismissed")
    qtbot.waitUntil(lambda: task not in context.tasks.running, timeout=5000)
    assert [view.model.index(r, Column.STATUS).data() for r in range(3)] == ["dismissed"] * 3
    assert view.selected_ids() == [sample.vaccine, sample.ballots, sample.bridge]


def test_narrow_panel_keeps_the_label_readable(view):
    from app.ui.narratives_view import MIN_LABEL_WIDTH

    view.show()
    view.resize(1200, 600)
    shown = [c for c in Column if not view.table.isColumnHidden(c)]
    assert shown == [Column.FLAGS, Column.LABEL, Column.STATUS, Column.SOURCES, Column.LANGUAGES,
                     Column.FIRST_SEEN, Column.GROWTH]
    view.resize(560, 600)
    assert view.table.columnWidth(Column.LABEL) >= MIN_LABEL_WIDTH
    assert view.table.isColumnHidden(Column.FIRST_SEEN) and not view.table.isColumnHidden(Column.SOURCES)
    view.set_column_shown(Column.FIRST_SEEN, True)  # the user's choice wins
    assert not view.table.isColumnHidden(Column.FIRST_SEEN)
    view.set_column_shown(Column.SCORE, True)
    view.resize(1400, 600)
    assert not view.table.isColumnHidden(Column.SCORE) and not view.table.isColumnHidden(Column.LANGUAGES)


def test_the_label_keeps_its_room_inside_a_laid_out_window(context, qtbot):
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from app.ui.narratives_view import MIN_LABEL_WIDTH

    host = QWidget()
    qtbot.addWidget(host)
    QHBoxLayout(host).addWidget(view := NarrativesView(context))
    host.resize(540, 600)
    host.show()
    qtbot.waitExposed(host)
    qtbot.waitUntil(lambda: view.table.columnWidth(Column.LABEL) >= MIN_LABEL_WIDTH, timeout=2000)


def test_columns_the_user_shows_or_hides_are_remembered(view, context, qtbot):
    view.set_column_shown(Column.SCORE, True)
    view.set_column_shown(Column.GROWTH, False)
    again = NarrativesView(context)
    qtbot.addWidget(again)
    again.show()
    again.resize(1400, 600)
    assert not again.table.isColumnHidden(Column.SCORE)
    assert again.table.isColumnHidden(Column.GROWTH)


def test_headers_and_filters_read_plainly(view, sample):
    from app.engine.review import STATUSES

    model = view.model
    assert model.headerData(Column.GROWTH, Qt.Horizontal).split() == ["Last", "day"]
    assert "last 24 hours of this narrative's activity" in model.headerData(Column.GROWTH, Qt.Horizontal,
                                                                              Qt.ToolTipRole)
    row = model.row_of(sample.vaccine)
    label = model.index(row, Column.LABEL).data()
    assert label and label in model.index(row, Column.LABEL).data(Qt.ToolTipRole)
    combo = view.filters.status_combo
    assert [combo.itemData(i) for i in range(1, combo.count())] == list(STATUSES)  # all four, present or not
    flag = view.filters.flag_combo
    assert flag.minimumSizeHint().width() >= flag.fontMetrics().horizontalAdvance("Matches a fact-check")

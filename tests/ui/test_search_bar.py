"""The search box takes the engine's rule for what is a search."""

import pytest

from app.engine.search import QueryError, keyword_search


def test_a_blank_search_clears_the_results_in_the_window_and_is_refused_by_the_engine(make_window, sample,
                                                                                     data_dir, qtbot):
    window = make_window(data_dir)
    window.search_bar.edit.setText("vaccine")
    with qtbot.waitSignal(window.search_bar.searched) as found:
        window.search_bar.search()
    assert found.args[1]
    window.search_bar.edit.setText("   ")
    with qtbot.waitSignal(window.search_bar.searched) as cleared:
        window.search_bar.search()
    assert cleared.args == ["", None] and not window.results_dock.isVisible()
    with pytest.raises(QueryError, match="Nothing to search for"):
        keyword_search(window.context.store, "   ")

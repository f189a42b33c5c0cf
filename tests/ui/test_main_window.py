"""The window driven headless: first start, feeds and their errors, search, shortcuts, long work."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from app.engine.errors import Cancelled
from app.engine.settings import Settings, save_settings
from app.engine.store import Store
from app.engine.store import feeds as feed_store
from app.engine.store import narratives as narrative_store
from app.ui.feeds_model import UNTAGGED, FeedRole
from app.ui.main_window import ask_about_local_paths
from tests.engine.helpers import add_article, add_feed

LONG = 120_000  # ms: loading the model on a slow CI machine


@pytest.mark.slow
def test_first_start_offers_the_demo_and_shows_flagged_narratives(demo_template, demo_data, make_window):
    _folder, facts = demo_template
    assert facts["offered"] and facts["demo_button_enabled"] and facts["task_started"]
    assert "done" in facts["outcome"], facts["outcome"]
    assert facts["page_after"] == "main"
    assert facts["narratives_listed"] > 0
    assert facts["selected_after"] > 0, "the first narrative is selected once the demo is in"
    print(f"demo loaded through the window in {facts['seconds']:.1f} s")

    window = make_window(demo_data)
    assert window.pages.currentWidget() is window.splitter
    flagged = narrative_store.list_narratives(window.context.store.db, narrative_store.NarrativeFilter(flagged_only=True))
    assert len(flagged) >= 3
    window.step_narrative(+1)
    first = window.narratives.current_id()
    assert first == flagged[0].id
    assert window.detail.narrative_id == first


@pytest.mark.slow
def test_a_broken_feed_shows_its_error_on_that_feed(demo_data, make_window, qtbot, tmp_path):
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"\x00\x01 this is <not a feed at all \xff\xfe")
    window = make_window(demo_data)
    with qtbot.waitSignal(window.fetch_finished, timeout=LONG):
        window.add_sources([str(garbage)], tags=("broken",))
    feed = feed_store.get_feed(window.context.store.db, str(garbage.resolve()))
    assert feed.health == "error" and feed.last_error
    assert not window.presenter.open_boxes(), "a feed's error belongs on the feed, not in a message box"

    [index] = [i for i in window.feeds.model.indexes_of(feed.id)]
    assert index.parent().data(FeedRole.TAG) == "broken"
    assert index.data(FeedRole.HEALTH) == "error"
    assert feed.last_error in index.data(Qt.ItemDataRole.ToolTipRole)
    assert window.feeds.current_feed().id == feed.id, "the new feed is selected"
    assert feed.last_error in window.feeds.details.status_label.text()
    assert "failed" in window.status.task_label.text()


def test_feeds_are_grouped_by_tag_with_untagged_last(make_window, tmp_path):
    folder = tmp_path / "data"
    store = Store.open(folder)
    feed_store.add_feed(store.db, "https://a.example/rss", kind="http", title="Alpha", tags=["watchlist", "ru"])
    feed_store.add_feed(store.db, "https://b.example/rss", kind="http", title="Beta")
    store.close()
    window = make_window(folder)
    groups = window.feeds.model.groups()
    assert list(groups) == ["ru", "watchlist", UNTAGGED]
    model = window.feeds.model
    titles = {tag: [model.index(r, 0, index).data() for r in range(model.rowCount(index))]
              for tag, index in groups.items()}
    assert titles == {"ru": ["Alpha"], "watchlist": ["Alpha"], UNTAGGED: ["Beta"]}
    assert window.pages.currentWidget() is window.splitter


def test_looking_at_a_feed_reads_nothing_opening_an_article_reads_it(make_window, tmp_path):
    """As in a feed reader: a feed's headlines stay new until opened; "Mark all as read" reads them all."""
    folder = tmp_path / "data"
    store = Store.open(folder)
    feed = add_feed(store, "alpha")
    other = add_feed(store, "beta")
    for n in range(3):
        add_article(store, feed, [f"Headline number {n} about the dam"], published=f"2026-11-1{n}T08:00:00Z")
    add_article(store, other, ["Another outlet's headline about the dam"])
    store.close()
    window = make_window(folder)
    model, details = window.feeds.model, window.feeds.details

    def unread(feed_id):
        return model.indexes_of(feed_id)[0].data(FeedRole.UNREAD)

    assert unread(feed.id) == 3 and model.total_unread() == 4
    window.feeds.select_feed(feed.id)
    window.feeds.select_feed(other.id)
    window.feeds.select_feed(feed.id)
    assert unread(feed.id) == 3, "looking at a feed is not reading its articles"
    assert details.articles.count() == 3 and all(details.articles.item(r).font().bold() for r in range(3))
    item = details.articles.item(1)
    details.articles.itemActivated.emit(item)
    [dialog] = [d for d in window.findChildren(QDialog) if d.isVisible()]
    assert dialog.windowTitle() in item.text()
    dialog.close()
    assert unread(feed.id) == 2 and not item.font().bold()
    details.articles.itemActivated.emit(item)  # opened again: still one article read
    for dialog in [d for d in window.findChildren(QDialog) if d.isVisible()]:
        dialog.close()
    window.feeds.select_feed(other.id)
    window.feeds.select_feed(feed.id)
    assert unread(feed.id) == 2
    assert [details.articles.item(r).font().bold() for r in range(3)].count(True) == 2
    window.feeds.mark_all_read()
    assert unread(feed.id) == 0 and unread(other.id) == 0


@pytest.mark.slow
def test_cancel_button_stops_loading_the_demo(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "empty")
    assert window.pages.currentWidget() is window.welcome
    window.welcome.demo_button.click()
    task = window.demo_task
    assert task is not None and not window.welcome.demo_button.isEnabled()
    qtbot.waitUntil(lambda: window.status.cancel_button.isVisible(), timeout=5000)
    with qtbot.waitSignal(task.signals.cancelled, timeout=LONG):
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.status.cancel_button.isVisible(), timeout=5000)
    assert "cancelled" in window.status.task_label.text()
    assert window.demo_task is None and window.fetch_task is None
    assert window.welcome.demo_button.isEnabled() or window.pages.currentWidget() is window.splitter


def test_cancel_stops_a_long_job_and_the_window_stays_responsive(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "data")
    ticks = []

    def long_job(progress, cancel: threading.Event):
        for step in range(3000):
            if cancel.is_set():
                raise Cancelled("Stopped.")
            progress(step / 3000, f"step {step}")
            time.sleep(0.01)
        return "finished"

    task = window.run_job("Counting slowly", "counting", long_job)
    qtbot.waitUntil(lambda: window.status.progress_bar.value() > 0, timeout=5000)
    assert window.status.cancel_button.isVisible()
    assert "Counting slowly" in window.status.task_label.text()
    started = time.monotonic()
    while time.monotonic() - started < 0.3:  # the GUI thread keeps running while the job does
        QApplication.processEvents()
        ticks.append(time.monotonic())
    assert len(ticks) > 10
    with qtbot.waitSignal(task.signals.cancelled, timeout=5000):
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.status.progress_bar.isVisible(), timeout=5000)
    assert "cancelled" in window.status.task_label.text()
    assert not window.presenter.open_boxes()


def test_engine_work_runs_in_a_child_process_with_progress_and_cancel(make_window, qtbot, tmp_path):
    from tests.engine.test_child_process import wait_for_cancel

    window = make_window(tmp_path / "data")
    assert window.context.isolate, "the window runs long engine work outside its own interpreter"
    task = window.run_job("Waiting in a child", "waiting", window.context.engine_work(wait_for_cancel))
    qtbot.waitUntil(lambda: window.status.progress_bar.value() > 0, timeout=30_000)
    with qtbot.waitSignal(task.signals.cancelled, timeout=10_000):
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in window.status.task_label.text(), timeout=5000)
    assert not window.presenter.open_boxes()


@pytest.mark.slow
def test_a_review_is_saved_while_a_long_fetch_runs_in_its_child(demo_data, make_window, qtbot):
    from tests.engine.test_child_process import wait_for_cancel

    window = make_window(demo_data)
    fetch = window.run_job("Fetching slowly", "fetching", window.context.engine_work(wait_for_cancel))
    qtbot.waitUntil(lambda: window.status.progress_bar.value() > 0, timeout=30_000)
    window.step_narrative(+1)
    narrative_id = window.detail.narrative_id
    with qtbot.waitSignal(window.detail.narratives_changed, timeout=10_000):
        window.detail.set_status("confirmed")
    stored = narrative_store.get_narrative(window.context.store.db, narrative_id, members=False)
    assert stored.summary.status == "confirmed"
    assert fetch in window.context.tasks.running, "the review did not wait for the fetch to end"
    with qtbot.waitSignal(fetch.signals.cancelled, timeout=10_000):
        fetch.cancel()


def test_a_failed_task_is_told_in_plain_words(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "data")

    def broken(progress, cancel):
        raise KeyError("internal_table_name")

    with qtbot.waitSignal(window.presenter.presented, timeout=5000) as shown:
        window.run_job("Doing something", "doing something", broken)
    title, message = shown.args
    assert "failed" in title.lower()
    assert "doing something" in message and "Traceback" not in message and "internal_table_name" not in message
    [box] = window.presenter.open_boxes()
    assert box.text() == message
    window.presenter.present(KeyError("again"), "doing something")
    assert len(window.presenter.open_boxes()) == 1, "the same message is not stacked twice"


def test_close_cancels_running_work_within_three_seconds(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "data")
    seen_cancel = threading.Event()

    def stubborn(progress, cancel):
        while not cancel.wait(0.05):
            pass
        seen_cancel.set()
        raise Cancelled()

    window.run_job("Waiting", "waiting", stubborn)
    qtbot.waitUntil(lambda: bool(window.context.tasks.running), timeout=2000)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 3.5
    assert seen_cancel.is_set()


@pytest.mark.slow
def test_keyword_search_filters_the_narratives_list(demo_data, make_window, qtbot):
    window = make_window(demo_data)
    everything = window.narratives.model.total_count()
    window.focus_search()
    window.search_bar.edit.setText("agriculture minister")
    window.search_bar.search()
    assert window.results_dock.isVisible()
    hits = window.results.tree.topLevelItemCount()
    assert hits > 0
    listed = window.narratives.model.total_count()
    assert 0 < listed < everything
    window.results.tree.setCurrentItem(window.results.tree.topLevelItem(0))
    assert window.detail.narrative_id == window.results.tree.topLevelItem(0).data(0, Qt.ItemDataRole.UserRole)
    window.search_bar.edit.clear()
    assert not window.results_dock.isVisible()
    assert window.narratives.model.total_count() == everything
    assert "every narrative" in window.status.task_label.text()


@pytest.mark.slow
def test_a_search_shows_its_best_narrative_when_the_one_read_is_not_a_result(demo_data, make_window, qtbot):
    window = make_window(demo_data)
    model = window.narratives.model
    other = next(model.narrative_id(r) for r in range(model.rowCount())
                 if "agricultur" not in model.index(r, 1).data().lower())
    window.narratives.select_id(other)
    assert window.detail.narrative_id == other
    window.search_bar.edit.setText("agriculture minister")
    window.search_bar.search()
    listed = [model.narrative_id(r) for r in range(model.rowCount())]
    assert other not in listed
    assert window.detail.narrative_id in listed, "the detail shows a result, not an empty page"


def test_a_search_that_finds_nothing_says_so(qapp, qtbot):
    from app.ui.search_view import SearchHits, SearchResultsView

    results = SearchResultsView()
    qtbot.addWidget(results)
    results.show()
    results.show_hits("zzqxq", SearchHits([], by_meaning=False))
    assert results.nothing.isVisible() and not results.tree.isVisible()
    assert "No claim contains “zzqxq”" in results.nothing.text() and "By meaning" in results.nothing.text()
    results.show_hits("zzqxq", SearchHits([], by_meaning=True, left_out=200))
    assert "close enough to" in results.nothing.text() and "200 weaker match(es) left out" in results.summary.text()
    results.show_hits("", None)
    assert results.tree.isVisible() and not results.nothing.isVisible()


def test_feeds_sort_naturally_and_a_failing_feed_says_why_in_one_line(qapp, qtbot, tmp_path):
    from PySide6.QtWidgets import QWidget

    from app.engine.domain import Feed
    from app.ui.context import AppContext
    from app.ui.error_presenter import ErrorPresenter
    from app.ui.feeds_model import natural_key
    from app.ui.feeds_view import FeedsView, health_line

    assert sorted(["outlet 10", "Outlet 2", "outlet 1", "Beta"], key=natural_key) == [
        "Beta", "outlet 1", "Outlet 2", "outlet 10"]
    context = AppContext(tmp_path / "data")
    try:
        for number in (10, 2, 1):
            feed_store.add_feed(context.store.db, f"https://example.org/{number}.xml", kind="http",
                                title=f"outlet {number}")
        host = QWidget()
        qtbot.addWidget(host)
        view = FeedsView(context, ErrorPresenter(host), host)
        group = view.model.groups()[UNTAGGED]
        titles = [view.model.index(r, 0, group).data() for r in range(view.model.rowCount(group))]
        assert titles == ["outlet 1", "outlet 2", "outlet 10"]
        host.show()
        details = view.details
        assert details.placeholder.isVisible() and "Select a feed" in details.placeholder.text()
        assert not details.articles.isVisible()
    finally:
        context.close()
    broken = Feed(id=1, url="https://example.org/x.xml", kind="http", title="x", tags=(), enabled=True,
                  added_at="2026-11-10T00:00:00Z", last_fetch_at="2026-11-10T00:00:00Z", last_success_at=None,
                  last_error="HTTP 404", failures=1, next_fetch_at=None, entries=0)
    assert health_line(broken) == "<b>Not working:</b> HTTP 404"


def search_by_meaning(window, qtbot, text: str):
    """The hits the window's search by meaning emits for ``text``."""
    window.search_bar.meaning.setChecked(True)
    window.search_bar.edit.setText(text)
    with qtbot.waitSignal(window.search_bar.searched, timeout=LONG) as found:
        window.search_bar.search()
    return found.args[1]


@pytest.mark.slow
def test_semantic_search_runs_as_a_task(demo_data, make_window, qtbot):
    hits = search_by_meaning(make_window(demo_data), qtbot, "the farming minister said small farmers should vanish")
    assert hits and any("Aldous" in h.text or "agricultur" in h.text.lower() for h in hits[:10])


@pytest.mark.slow
def test_a_search_by_meaning_shows_what_passes_the_bar_and_counts_the_rest(demo_data, make_window, qtbot):
    window = make_window(demo_data)
    hits = search_by_meaning(window, qtbot, "vacunas con microchips")
    # Every hit is about the vaccine's microchips, none about the dogs' microchips below them.
    assert hits and all("Corvax" in h.text or "vacuna" in h.text.lower() for h in hits), [h.text for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits.left_out > 0
    assert f"{hits.left_out} weaker match(es) left out" in window.results.summary.text()


@pytest.mark.slow
def test_shortcuts_move_through_narratives_and_set_the_status(demo_data, make_window, qtbot):
    window = make_window(demo_data)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.narratives.table.setFocus()
    qtbot.keyClick(window.narratives.table, Qt.Key.Key_J)
    first = window.narratives.current_id()
    assert first > 0 and window.detail.narrative_id == first
    qtbot.keyClick(window.narratives.table, Qt.Key.Key_J)
    second = window.narratives.current_id()
    assert second not in (0, first)
    qtbot.keyClick(window.narratives.table, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert window.narratives.current_id() == first
    qtbot.keyClick(window.narratives.table, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: narrative_store.get_narrative(window.context.store.db, first).summary.status
                    == "reviewing", timeout=10000)
    qtbot.keyClick(window.narratives.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: narrative_store.get_narrative(window.context.store.db, first).summary.status
                    == "dismissed", timeout=10000)
    qtbot.keyClick(window.narratives.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.edit.hasFocus()
    qtbot.keyClicks(window.search_bar.edit, "jk12")
    assert window.search_bar.edit.text() == "jk12", "letters typed in the search box are not shortcuts"


def test_window_layout_is_remembered(make_window, qtbot, tmp_path):
    folder = tmp_path / "data"
    window = make_window(folder)
    window.actions_by_name["detail_below"].trigger()
    assert window.splitter.orientation() == Qt.Orientation.Vertical
    assert window.minimumSizeHint().width() < 800, "with the detail below, the window fits a small screen"
    window.resize(760, 601)
    window.feeds_dock.hide()
    window.close()
    assert isinstance(QSettings().value("window/state"), QByteArray)
    again = make_window(folder)
    assert (again.size().width(), again.size().height()) == (760, 601)
    assert not again.feeds_dock.isVisible()
    assert again.splitter.orientation() == Qt.Orientation.Vertical
    assert again.actions_by_name["detail_below"].isChecked()
    again.feeds_dock.show()
    again.close()


def test_opml_export_and_import_from_the_window(make_window, qtbot, tmp_path, monkeypatch):
    source = tmp_path / "source"
    store = Store.open(source)
    # Port 9 (discard) refuses at once: the imported feeds get their error without a network.
    feed_store.add_feed(store.db, "http://127.0.0.1:9/state.xml", kind="http", title="State wire",
                        tags=["state-media", "watchlist"])
    feed_store.add_feed(store.db, "http://127.0.0.1:9/plain.xml", kind="http", title="Plain news")
    store.close()
    exported = tmp_path / "feeds.opml"
    window = make_window(source)
    assert window.export_opml(exported) == 2
    assert b"State wire" in exported.read_bytes()

    other = make_window(tmp_path / "other")
    asked = []
    monkeypatch.setattr("app.ui.main_window.ask_about_local_paths", lambda parent, paths: asked.append(paths) or True)
    with qtbot.waitSignal(other.fetch_finished, timeout=LONG):
        other.import_opml(exported)
    assert sorted(asked[0]) == ["http://127.0.0.1:9/plain.xml", "http://127.0.0.1:9/state.xml"], "on this computer"
    feeds = {f.title: f for f in other.feeds.model.feeds()}
    assert set(feeds) == {"State wire", "Plain news"}
    assert feeds["State wire"].tags == ("state-media", "watchlist")
    assert feeds["State wire"].health == "error", "each imported feed was read, and its failure kept on it"
    assert list(other.feeds.model.groups()) == ["state-media", "watchlist", UNTAGGED]
    assert other.pages.currentWidget() is other.splitter


def test_opml_import_asks_before_following_local_paths(make_window, qtbot, tmp_path, monkeypatch):
    saved = tmp_path / "saved.xml"
    saved.write_bytes(b'<rss version="2.0"><channel><title>Saved</title></channel></rss>')
    listing = tmp_path / "colleague.opml"
    listing.write_bytes(b'<opml version="2.0"><body><outline text="Web" xmlUrl="http://127.0.0.1:9/web.xml"/>'
                        b'<outline text="Saved" xmlUrl="saved.xml"/><outline text="Keys" xmlUrl="~/no such folder here"/>'
                        b"</body></opml>")
    window = make_window(tmp_path / "data")
    asked = []
    monkeypatch.setattr("app.ui.main_window.ask_about_local_paths", lambda parent, paths: asked.append(paths))
    assert window.import_opml(listing) is None, "cancelled: nothing starts"
    assert asked == [["http://127.0.0.1:9/web.xml", "saved.xml", "~/no such folder here"]]
    assert window.feeds.model.feeds() == []

    monkeypatch.setattr("app.ui.main_window.ask_about_local_paths", lambda parent, paths: False)
    with qtbot.waitSignal(window.fetch_finished, timeout=LONG):
        window.import_opml(listing)
    assert window.feeds.model.feeds() == []
    [box] = window.presenter.open_boxes()
    assert "saved.xml: a local path" in box.text() and "~/no such folder here: a local path" in box.text()
    assert "web.xml: an address on this computer or its local network" in box.text()
    box.close()

    monkeypatch.setattr("app.ui.main_window.ask_about_local_paths", lambda parent, paths: True)
    with qtbot.waitSignal(window.fetch_finished, timeout=LONG):
        window.import_opml(listing)
    assert {f.url for f in window.feeds.model.feeds()} == {str(saved.resolve()), "http://127.0.0.1:9/web.xml"}


@pytest.mark.parametrize(("button", "answer"), [("Add them too", True), ("Web feeds only", False), ("Cancel", None)])
def test_the_local_paths_question_lists_them_and_says_what_was_chosen(qtbot, button, answer):
    paths = [f"/home/someone/feed{n}.xml" for n in range(25)]
    seen = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        seen.append(box.informativeText())
        next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    QTimer.singleShot(0, click)
    assert ask_about_local_paths(None, paths) is answer
    assert "/home/someone/feed19.xml" in seen[0] and "feed20" not in seen[0] and "5 more" in seen[0]


def test_an_opml_file_over_the_cap_lists_the_first_outlines_left_out(make_window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("app.ui.main_window.ask_about_local_paths", lambda parent, paths: True)
    save_settings(tmp_path / "data", Settings(max_feeds_per_import=2))
    listing = tmp_path / "big.opml"
    listing.write_bytes(b'<opml version="2.0"><body>' + b"".join(
        b'<outline text="F%d" xmlUrl="http://127.0.0.1:9/f%d.xml"/>' % (n, n) for n in range(30)) + b"</body></opml>")
    window = make_window(tmp_path / "data")
    with qtbot.waitSignal(window.fetch_finished, timeout=LONG):
        window.import_opml(listing)
    assert len(window.feeds.model.feeds()) == 2
    [box] = window.presenter.open_boxes()
    assert "f2.xml: one import adds at most 2 feeds" in box.text() and "… and 8 more" in box.text()


def test_export_to_an_unwritable_place_is_a_plain_message(make_window, tmp_path):
    window = make_window(tmp_path / "data")
    assert window.export_opml(tmp_path / "no such folder" / "feeds.opml") is None
    [box] = window.presenter.open_boxes()
    assert "feeds.opml" in box.text() and "Traceback" not in box.text()


def test_removing_a_feed_asks_first(make_window, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    store = Store.open(folder)
    feed, _ = feed_store.add_feed(store.db, "https://gone.example/rss", kind="http", title="Gone")
    store.close()
    window = make_window(folder)
    asked = []
    monkeypatch.setattr("app.ui.feeds_view.confirm", lambda *args: asked.append(args) or False)
    window.feeds.remove_feeds([feed.id])
    assert asked and window.feeds.model.feed(feed.id) is not None
    monkeypatch.setattr("app.ui.feeds_view.confirm", lambda *args: True)
    with qtbot.waitSignal(window.context.data_changed, timeout=5000):
        window.feeds.remove_feeds([feed.id])
    assert window.feeds.model.feed(feed.id) is None
    assert window.pages.currentWidget() is window.welcome, "no feeds left: the first page again"


def test_tags_and_enabling_are_saved(make_window, qtbot, tmp_path):
    folder = tmp_path / "data"
    store = Store.open(folder)
    feed, _ = feed_store.add_feed(store.db, "https://x.example/rss", kind="http", title="X")
    store.close()
    window = make_window(folder)
    with qtbot.waitSignal(window.context.data_changed, timeout=5000):
        window.feeds.set_tags(feed.id, ("fact-checker", "EU desk"))
    assert list(window.feeds.model.groups()) == ["eu-desk", "fact-checker"]
    with qtbot.waitSignal(window.context.data_changed, timeout=5000):
        window.feeds.set_enabled([feed.id], False)
    assert window.feeds.model.feed(feed.id).enabled is False
    index = window.feeds.model.indexes_of(feed.id)[0]
    assert "(off)" in index.data() and "Disabled" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_scheduled_fetch_runs_in_the_background_without_forcing(make_window, qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    store = Store.open(folder)
    feed_store.add_feed(store.db, "http://127.0.0.1:9/rss", kind="http", title="Local")
    store.close()
    window = make_window(folder, schedule=True)
    assert window.schedule.next_at is not None
    assert "Next fetch" in window.status.next_fetch_label.text()
    calls = []
    window.context.isolate = False  # the patched job below lives in this process only
    monkeypatch.setattr("app.ui.jobs.fetch", lambda pipeline, feed_ids, *, force, progress, cancel: calls.append(
        (feed_ids, force)))
    with qtbot.waitSignal(window.fetch_finished, timeout=5000):
        window.schedule.due.emit()
    assert calls == [(None, False)]
    assert window.schedule.next_at is not None


def test_export_brief_and_fact_check_library_open_from_the_window(demo_data, make_window, qtbot):
    from app.ui.brief_dialog import BriefDialog
    from app.ui.factchecks_dialog import FactChecksDialog

    window = make_window(demo_data)
    qtbot.waitUntil(lambda: window.narratives.model.rowCount() > 0, timeout=5000)
    window.narratives.select_next()
    window.actions_by_name["export_brief"].trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(BriefDialog)), timeout=3000)
    for dialog in window.findChildren(BriefDialog):
        # A brief lists suggested fact-checks only when asked.
        assert not dialog.suggestions_check.isChecked() and "suggest" in dialog.suggestions_check.text()
        dialog.close()
    window.actions_by_name["factchecks"].trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(FactChecksDialog)), timeout=3000)
    for dialog in window.findChildren(FactChecksDialog):
        dialog.close()


def test_matched_fact_checks_show_in_the_detail_and_can_be_rejected(demo_data, make_window, qtbot):
    window = make_window(demo_data)
    flagged = [s.id for s in narrative_store.list_narratives(window.context.store.db, narrative_store.NarrativeFilter(flagged_only=True))
               if any(f.kind == "fact-checked" for f in s.flags)]
    assert flagged, "the demo has narratives matching its fact-checks"
    window.detail.show_narrative(flagged[0])
    view = window.detail.factchecks
    assert view.list.topLevelItemCount() >= 1
    view.list.setCurrentItem(view.list.topLevelItem(0))
    assert view.reject_button.isEnabled() and "https://" in view.link.text()
    ids = [view.list.topLevelItem(row).data(0, Qt.UserRole) for row in range(view.list.topLevelItemCount())]
    for factcheck_id in ids:
        window.detail.show_narrative(flagged[0])
        item = next(view.list.topLevelItem(r) for r in range(view.list.topLevelItemCount())
                    if view.list.topLevelItem(r).data(0, Qt.UserRole) == factcheck_id)
        view.list.setCurrentItem(item)
        with qtbot.waitSignal(window.context.data_changed, timeout=10000):
            view.reject_button.click()
    window.detail.show_narrative(flagged[0])
    summary = narrative_store.list_narratives(window.context.store.db, narrative_store.NarrativeFilter(ids=(flagged[0],)))[0]
    assert "fact-checked" not in {f.kind for f in summary.flags}, "a rejected match stops flagging"
    assert "rejected" in view.list.topLevelItem(0).text(4)


def test_every_shortcut_is_listed_once(make_window, tmp_path):
    from app.ui.window_menus import shortcut_rows

    window = make_window(tmp_path / "data")
    rows = dict(shortcut_rows(window))
    for what in ("Next narrative", "Previous narrative", "Fetch now", "Search", "Settings…", "Quit"):
        assert what in rows
    assert rows["Next narrative"] == "J or Ctrl+Down"
    keys = [k for action in window.actions_by_name.values() for k in action.shortcuts()]
    assert len(keys) == len(set(keys)), "no key is bound twice"


def test_narratives_show_while_a_fetch_is_still_running(make_window, qtbot, tmp_path, monkeypatch):
    import threading

    from tests.narrative_data import sample_store

    folder = tmp_path / "data"
    Store.open(folder).close()
    window = make_window(folder)
    window.live_refresh.setInterval(50)
    window.context.isolate = False  # the job below lives in this process only
    committed, finish = threading.Event(), threading.Event()

    def fetch(pipeline, feed_ids, *, force, progress, cancel):
        writer = Store.open(folder)  # as the child process writes: another connection
        sample_store(writer)
        writer.close()
        committed.set()
        finish.wait(10)

    monkeypatch.setattr("app.ui.jobs.fetch", fetch)
    task = window.fetch_all()
    assert committed.wait(10)
    qtbot.waitUntil(lambda: window.narratives.model.total_count() == 3, timeout=5000)
    assert window.fetch_task is task, "the list was read only when the fetch ended"
    finish.set()
    with qtbot.waitSignal(window.fetch_finished, timeout=5000):
        pass
    assert not window.live_refresh.isActive()


def test_at_1280x800_titles_and_claims_get_two_lines_and_the_room(make_window, data_dir, sample, qtbot):
    """At 1280x800 a narrative's title showed its first few words, a claim its first two."""
    from app.ui.claims_model import Column as ClaimColumn
    from app.ui.main_window import window_settings
    from app.ui.narratives_model import Column

    for key in ("window/geometry", "window/state", "window/mainSplitter", "window/feedsSplitter"):
        window_settings().remove(key)
    window = make_window(data_dir)
    assert (window.width(), window.height()) == (1280, 800)
    window.narratives.select_id(sample.vaccine)
    listing, claims = window.narratives.table, window.detail.claims
    qtbot.waitUntil(lambda: window.detail.claims_model.rowCount() > 0)
    for table in (listing, claims):
        assert table.wordWrap()
        assert table.verticalHeader().defaultSectionSize() >= 2 * table.fontMetrics().lineSpacing()

    def fits_in_two_lines(table, column, text) -> bool:
        return table.fontMetrics().horizontalAdvance(text) <= 2 * (table.columnWidth(column) - 12)

    label = window.narratives.model.index(window.narratives.model.row_of(sample.vaccine), Column.LABEL).data()
    assert fits_in_two_lines(listing, Column.LABEL, label), label
    claim = window.detail.claims_model.index(0, ClaimColumn.CLAIM).data()
    assert fits_in_two_lines(claims, ClaimColumn.CLAIM, claim), claim
    assert window.feeds_dock.width() <= 260, "feed names are short: the width goes to titles and claims"

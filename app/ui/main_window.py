"""The main window: feeds on the left, narratives in the middle, the chosen narrative on the right.

The window is a shell. It lays out the views, owns the window-level actions and
their shortcuts, runs long work through :meth:`AppContext.run` (progress and
Cancel in the status bar), sends every failure to the one error presenter, and
remembers its geometry, splitters and docks in QSettings.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDialog, QDockWidget, QFileDialog, QMainWindow, QMessageBox, QSplitter, QStackedWidget,
    QVBoxLayout, QWidget,
)

from app.engine import opml_import
from app.engine.opml_export import export_opml
from app.engine.store import articles as article_store
from app.engine.store import feeds as feed_store

from . import jobs
from .article_view import ArticleView
from .context import AppContext
from .error_presenter import ErrorPresenter
from .feed_dialog import AddFeedDialog
from .feeds_view import FeedsView
from .fetch_schedule import FetchSchedule
from .narrative_view import NarrativeView
from .narratives_view import NarrativesView
from .recovery_dialog import show_read_only
from .search_view import SearchBar, SearchResultsView, narrative_ids
from .settings_dialog import SettingsDialog
from .status_bar import TaskStatusBar
from .welcome_view import WelcomeView
from .window_menus import build_actions, build_menus_and_toolbar
from .workers import EngineTask

log = logging.getLogger(__name__)

CLOSE_WAIT_MS = 3000
# While feeds are read, the views re-read what the fetch has committed so far: a first fetch of
# hundreds of feeds shows its first narratives (the newest stories come first) long before it ends.
LIVE_REFRESH_MS = 5000
SHARED_REFRESH_MS = 15000
OPML_FILTER = "OPML files (*.opml *.xml);;All files (*)"
LOCAL_PATHS_SHOWN = 20
SKIPPED_SHOWN = 20  # a large OPML file can leave hundreds out; a message box shows the first
STATE_VERSION = 1
FEEDS_WIDTH = 250  # the feeds dock at first start: an outlet's name and its count fit


def window_settings() -> QSettings:
    """Window geometry, splitters and docks: per user, not per data folder."""
    return QSettings()


def ask_about_local_paths(parent: QWidget, paths: list[str]) -> bool | None:
    """Whether to follow the local paths an OPML file lists: True, False (web feeds only) or None (cancel).

    Tests replace this function.
    """
    shown = "\n".join(paths[:LOCAL_PATHS_SHOWN])
    if len(paths) > LOCAL_PATHS_SHOWN:
        shown += f"\n… and {len(paths) - LOCAL_PATHS_SHOWN} more"
    box = QMessageBox(QMessageBox.Icon.Warning, "Files and addresses on this computer",
                      f"This OPML file lists {len(paths)} file(s), folder(s) or address(es) on this computer "
                      "or its local network, not feeds on the web. Reading files keeps copies of them with the "
                      "feeds' evidence; reading addresses there reaches your own devices. "
                      "Add them only if you trust the file.", parent=parent)
    box.setInformativeText(shown)
    add = box.addButton("Add them too", QMessageBox.ButtonRole.AcceptRole)
    web_only = box.addButton("Web feeds only", QMessageBox.ButtonRole.RejectRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(web_only)
    box.exec()
    if box.clickedButton() is add:
        return True
    return False if box.clickedButton() is web_only else None


def rules(settings) -> tuple:
    """What decides narratives and their flags; a change applies to all of them only after a re-cluster."""
    return (settings.flag_min_sources, settings.flag_hours, settings.window_days,
            settings.same_language_threshold, settings.cross_language_threshold)


class MainWindow(QMainWindow):
    """Narrative Radar's window over one data folder (an :class:`AppContext`)."""

    reopen_requested = Signal(Path)  # the person chose another data folder
    fetch_finished = Signal(object)  # PipelineReport | None, after any fetch ends

    def __init__(self, context: AppContext, parent: QWidget | None = None, *, schedule: bool = True) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(f"Narrative Radar — {context.store.location}")
        self.setObjectName("mainWindow")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks)
        self.presenter = ErrorPresenter(self)
        self.status = TaskStatusBar(context.tasks, self)
        self.setStatusBar(self.status)
        self.fetch_task: EngineTask | None = None
        self._closing = False
        # A read-only folder is not fetched on a schedule: nothing fetched could be kept.
        self._scheduling = schedule and not context.store.read_only
        self.demo_task: EngineTask | None = None

        self.narratives = NarrativesView(context, self.presenter)
        self.detail = NarrativeView(context, self.presenter)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.narratives)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.welcome = WelcomeView()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.splitter)
        self.setCentralWidget(self.pages)

        self.feeds = FeedsView(context, self.presenter)
        self.feeds_dock = self._dock("Feeds", "feedsDock", self.feeds, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.search_bar = SearchBar(context, self.presenter)
        self.results = SearchResultsView()
        self.results_dock = self._dock("Search results", "searchResultsDock", self.results,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.results_dock.hide()

        self.schedule = FetchSchedule(self)
        self.live_refresh = QTimer(self)
        self.live_refresh.setInterval(LIVE_REFRESH_MS)
        self.live_refresh.timeout.connect(self.context.data_changed.emit)
        self.actions_by_name: dict[str, QAction] = build_actions(self)
        self.toolbar = build_menus_and_toolbar(self)
        if context.store.read_only:
            show_read_only(self)
        # On a newsroom store other reviewers and workers change things too: the views
        # read again now and then, as they do while this window fetches.
        self.shared_refresh = QTimer(self)
        self.shared_refresh.setInterval(SHARED_REFRESH_MS)
        self.shared_refresh.timeout.connect(self.context.data_changed.emit)
        if context.store.shared:
            self.status.show_store(context.store.location)
            self.shared_refresh.start()
        self._connect()
        self._restore_state()
        self._update_page()
        self.schedule.changed.connect(self._on_schedule_changed)
        self.schedule.due.connect(self._on_schedule_due)
        self._plan_fetches()

    # Building

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def export_brief(self) -> None:
        """Export the narratives selected in the list (the current one if none is)."""
        from .brief_dialog import open_brief_dialog

        ids = self.narratives.selected_ids()
        if not ids and self.narratives.current_id():
            ids = [self.narratives.current_id()]
        open_brief_dialog(self, self.context, ids)

    def open_factchecks(self) -> None:
        from .factchecks_dialog import FactChecksDialog

        dialog = FactChecksDialog(self.context, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # window-modal, without a nested event loop

    def _connect(self) -> None:
        self.narratives.narrative_selected.connect(self._on_narratives_narrative_selected)
        self.narratives.search_cleared.connect(self._on_narratives_search_cleared)
        self.feeds.fetch_requested.connect(self.fetch)
        self.feeds.add_requested.connect(self.add_feed)
        self.feeds.article_activated.connect(self.show_article)
        self.search_bar.searched.connect(self._on_search_bar_searched)
        self.results.narrative_activated.connect(self.show_narrative)
        self.welcome.demo_requested.connect(self.load_demo)
        self.welcome.add_feed_requested.connect(self.add_feed)
        self.welcome.import_opml_requested.connect(self.import_opml)
        self.context.data_changed.connect(self._update_page)
        self.context.tasks.started.connect(lambda _task: self._update_actions())
        self.context.tasks.finished.connect(lambda _task: self._update_actions())

    # Pages and narratives

    def _update_page(self) -> None:
        has_feeds = bool(self.feeds.model.feeds())
        loading = self.demo_task is not None
        self.pages.setCurrentWidget(self.splitter if has_feeds and not loading else self.welcome)
        self.welcome.set_loading(loading)

    def _update_actions(self) -> None:
        can_fetch = self.fetch_task is None and not self.context.store.read_only
        self.actions_by_name["fetch_all"].setEnabled(can_fetch)
        self.actions_by_name["fetch_selected"].setEnabled(can_fetch)

    def _on_narratives_narrative_selected(self, narrative_id: int) -> None:
        self.detail.show_narrative(narrative_id or None)

    def show_narrative(self, narrative_id: int) -> None:
        """Select a narrative in the list (or, when filters hide it there, show it in the detail alone)."""
        if not self.narratives.select_id(narrative_id):
            self.detail.show_narrative(narrative_id)

    def step_narrative(self, step: int) -> None:
        """Select the next (+1) or previous (-1) narrative of the list."""
        (self.narratives.select_next if step > 0 else self.narratives.select_previous)()

    def set_detail_below(self, below: bool) -> None:
        """Put the narrative detail under the list (narrow screens) or beside it."""
        self.splitter.setOrientation(Qt.Orientation.Vertical if below else Qt.Orientation.Horizontal)
        self.actions_by_name["detail_below"].setChecked(below)
        self.layout().activate()  # the smallest window size changes now, not at the next event

    # Search

    def focus_search(self) -> None:
        self.search_bar.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_bar.edit.selectAll()

    def clear_search(self) -> None:
        self.search_bar.edit.clear()

    def _on_narratives_search_cleared(self) -> None:
        self.search_bar.edit.blockSignals(True)
        self.search_bar.edit.clear()
        self.search_bar.edit.blockSignals(False)
        self.results.show_hits("", None)
        self.results_dock.hide()

    def _on_search_bar_searched(self, query: str, hits) -> None:
        self.results.show_hits(query, hits)
        if hits is None:
            self.narratives.set_search_results(None)
            self.results_dock.hide()
            self.status.show_result("Search cleared: every narrative is listed again.")
            return
        self.narratives.set_search_results(narrative_ids(hits))
        self.results_dock.show()
        if hits and not self.narratives.current_id():
            self.step_narrative(+1)  # the narrative read before is not a result: show the best one
        self.status.show_result(f"{len(hits)} claim(s) found for “{query}”.")

    # Running work

    def run_job(self, title: str, doing: str, work: Callable[..., Any], *,
                on_done: Callable[[Any], None] | None = None, writes: bool = True) -> EngineTask:
        """Run work in the background; on any outcome the views re-read what may have changed."""
        task = self.context.run(title, work, writes=writes)

        def done(result: Any) -> None:
            if self._closing:
                return
            self.context.data_changed.emit()
            if on_done is not None:
                on_done(result)
            else:
                self.status.show_result(f"{title}: done.")

        def failed(error: object) -> None:
            if self._closing:
                return
            self.status.show_result(f"{title}: failed.")
            self.presenter.present(error, doing)
            self.context.data_changed.emit()

        def cancelled() -> None:
            if self._closing:
                return
            self.status.show_result(f"{title}: cancelled. Work already done is kept.")
            self.context.data_changed.emit()

        task.signals.done.connect(done)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(cancelled)
        return task

    def _fetch_done(self, result) -> None:
        report = getattr(result, "report", result)
        self.status.show_result(jobs.describe_report(report))
        self.fetch_finished.emit(report)

    def _track_fetch(self, task: EngineTask) -> EngineTask:
        self.fetch_task = task

        def ended(*_args) -> None:
            if self._closing:
                return
            if self.fetch_task is task:
                self.fetch_task = None
                self.live_refresh.stop()
            if task is self.demo_task:
                self.demo_task = None
            self._plan_fetches(after_fetch=True)
            self._update_actions()
            self._update_page()

        for signal in (task.signals.done, task.signals.failed, task.signals.cancelled):
            signal.connect(ended)
        self.live_refresh.start()
        self._update_actions()
        return task

    def fetch(self, feed_ids: list[int] | None = None, *, force: bool = True) -> EngineTask | None:
        """Read feeds now (None: every enabled feed); feeds backing off are tried too unless scheduled."""
        if self.fetch_task is not None:
            self.status.show_result("Feeds are being read already.")
            return None
        title = "Fetching feeds" if feed_ids is None else f"Fetching {len(feed_ids)} feed(s)"
        return self._track_fetch(self.run_job(
            title, "reading the feeds",
            self.context.engine_work(partial(jobs.fetch, feed_ids=feed_ids, force=force)),
            on_done=self._fetch_done))

    def fetch_all(self) -> EngineTask | None:
        return self.fetch(None)

    def fetch_selected(self) -> EngineTask | None:
        ids = self.feeds.selected_feed_ids()
        if not ids:
            self.status.show_result("Select one or more feeds (or a tag) first.")
            return None
        return self.fetch(ids)

    def _plan_fetches(self, *, after_fetch: bool = False) -> None:
        """(Re)arm the background fetch timer, unless this window was opened without one (tests)."""
        if not self._scheduling:
            self.status.set_next_fetch(None)
            return
        feeds = feed_store.list_feeds(self.context.store.db)
        interval = self.context.settings.fetch_interval_minutes
        (self.schedule.after_fetch if after_fetch else self.schedule.plan)(interval, feeds)

    def _on_schedule_changed(self, when) -> None:
        interval_set = self._scheduling and self.context.settings.fetch_interval_minutes > 0
        self.status.set_next_fetch(when, nothing_to_fetch=interval_set)

    def _on_schedule_due(self) -> None:
        if self.fetch_task is None:
            self.fetch(None, force=False)

    def load_demo(self) -> EngineTask | None:
        """Add the bundled demo outlets and read them, with progress in the status bar."""
        if self.demo_task is not None:
            return self.demo_task
        self.demo_task = self._track_fetch(self.run_job(
            "Loading the demo data", "loading the demo data",
            self.context.engine_work(jobs.load_demo),
            on_done=self._on_demo_done))
        self._update_page()
        return self.demo_task

    def _on_demo_done(self, result: jobs.FeedsAdded) -> None:
        self._fetch_done(result)
        self.demo_task = None
        self._update_page()
        QTimer.singleShot(0, lambda: self.step_narrative(+1))

    def add_feed(self) -> None:
        dialog = AddFeedDialog(self.feeds.model.tags(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_sources([dialog.source()], tags=dialog.tags(), title=dialog.feed_title())

    def add_sources(self, sources: list[str], *, tags: tuple[str, ...] = (), title: str | None = None) -> EngineTask:
        """Add feeds and read them; a feed that fails shows its error on itself in the feeds panel."""
        return self._track_fetch(self.run_job(
            "Adding feeds", "adding the feed",
            self.context.engine_work(partial(jobs.add_and_fetch, sources=sources, tags=tags, title=title)),
            on_done=self._on_feeds_added))

    def _on_feeds_added(self, result: jobs.FeedsAdded) -> None:
        self._fetch_done(result)
        if result.skipped:
            lines = [f"{source}: {why}" for source, why in result.skipped[:SKIPPED_SHOWN]]
            if len(result.skipped) > SKIPPED_SHOWN:
                lines.append(f"… and {len(result.skipped) - SKIPPED_SHOWN} more")
            self.presenter.show_message("Some feeds were not added", "\n".join(lines))
        if result.feeds:
            self.feeds.select_feed(result.feeds[-1].id)

    def import_opml(self, path: str | Path | None = None) -> EngineTask | None:
        """Import an OPML file's feeds; asks first whether the paths on this machine it lists are followed."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import feeds from OPML", "", OPML_FILTER)
            if not path:
                return None
        try:
            local = opml_import.local_paths(Path(path))
        except Exception as exc:  # an entry point: a file the person chose
            self.presenter.present(exc, "importing the OPML file")
            return None
        allow = ask_about_local_paths(self, local) if local else False
        if allow is None:
            return None
        return self._track_fetch(self.run_job(
            "Importing OPML", "importing the OPML file",
            self.context.engine_work(partial(jobs.import_opml, path=Path(path), allow_local_paths=allow)),
            on_done=self._on_feeds_added))

    def export_opml(self, path: str | Path | None = None) -> int | None:
        """Write the feed list as OPML (a quick read: done on the GUI thread)."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export feeds as OPML", "feeds.opml", OPML_FILTER)
            if not path:
                return None
        try:
            count = export_opml(self.context.store, Path(path))
        except Exception as exc:  # an entry point: a file the person chose
            self.presenter.present(exc, "exporting the feeds")
            return None
        self.status.show_result(f"Exported {count} feed(s) to {path}.")
        return count

    def reindex(self) -> EngineTask:
        return self.run_job(
            "Re-indexing claims", "rebuilding the index",
            self.context.engine_work(jobs.reindex),
            on_done=lambda n: self.status.show_result(f"Index rebuilt: {n} claim vector(s)."))

    def recluster(self) -> EngineTask:
        return self.run_job(
            "Re-clustering narratives", "re-clustering the narratives",
            self.context.engine_work(jobs.recluster),
            on_done=lambda touched: self.status.show_result(f"Narratives rebuilt: {len(touched)} narrative(s)."))

    def show_article(self, article_id: int) -> QDialog | None:
        """Open a stored article (from the feed's list) in its own window, offline."""
        article = article_store.get_article(self.context.store.db, article_id)
        if article is None:
            self.status.show_result("That article is no longer stored.")
            return None
        dialog = QDialog(self)
        dialog.setWindowTitle(article.title)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view = ArticleView(dialog)
        view.show_article(article)
        layout = QVBoxLayout(dialog)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(view)
        dialog.resize(760, 640)
        dialog.show()
        return dialog

    def edit_current_tags(self) -> None:
        feed = self.feeds.current_feed()
        if feed is None:
            self.status.show_result("Select a feed first.")
        else:
            self.feeds.edit_tags(feed.id)

    # Settings

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.context.settings, self.context.data_dir, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_settings(dialog.settings(), dialog.new_data_dir)

    def apply_settings(self, settings, new_data_dir: Path | None = None) -> EngineTask | None:
        """Save settings; a new model re-embeds every claim as a task; a new folder reopens the window."""
        old = self.context.settings
        try:
            self.context.update_settings(settings)
        except Exception as exc:  # an entry point: writing the settings file
            self.presenter.present(exc, "saving the settings")
            return None
        self._plan_fetches()
        task = None
        if (settings.model or "") != (old.model or ""):
            task = self.run_job(
                "Re-embedding claims for the new model", "re-embedding the claims",
                self.context.engine_work(jobs.reembed),
                on_done=lambda report: self.status.show_result(
                    f"Re-embedded {report.claims_embedded} claim(s) with the new model."))
        elif rules(settings) != rules(old):
            self.status.show_result("Flag rules saved: they apply as narratives grow; "
                                    "Data ▸ Re-cluster applies them to every narrative now.")
        else:
            self.status.show_result("Settings saved.")
        if new_data_dir is not None and Path(new_data_dir) != self.context.data_dir:
            QTimer.singleShot(0, lambda: self.reopen_requested.emit(Path(new_data_dir)))
        return task

    # State

    def _restore_state(self) -> None:
        state = window_settings()
        # Splitters first: their orientation sets the smallest width the geometry may have.
        for splitter in (self.splitter, self.feeds.splitter):
            sizes = state.value(f"window/{splitter.objectName()}")
            if isinstance(sizes, QByteArray) and not sizes.isEmpty():
                splitter.restoreState(sizes)  # restores the orientation too
        self.actions_by_name["detail_below"].setChecked(self.splitter.orientation() == Qt.Orientation.Vertical)
        docks = state.value("window/state")
        has_docks = isinstance(docks, QByteArray) and not docks.isEmpty()
        if has_docks:
            self.restoreState(docks, STATE_VERSION)
        geometry = state.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        if not has_docks:
            # Feed names are short; the narratives' titles and claims need the width.
            self.resizeDocks([self.feeds_dock], [FEEDS_WIDTH], Qt.Orientation.Horizontal)
            self.splitter.setSizes([420, 560])
            self.feeds.splitter.setSizes([400, 320])

    def save_state(self) -> None:
        state = window_settings()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/state", self.saveState(STATE_VERSION))
        for splitter in (self.splitter, self.feeds.splitter):
            state.setValue(f"window/{splitter.objectName()}", splitter.saveState())
        state.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, cancel every task and give them up to 3 s to stop."""
        self.save_state()
        self._closing = True
        # Results still queued from the stopping tasks must not make the views read a closed database.
        self.context.blockSignals(True)
        self.schedule.plan(0, [])
        deadline = time.monotonic() + CLOSE_WAIT_MS / 1000
        tasks = self.context.tasks
        for task in list(tasks.running):
            task.cancel()
        for pool in (*tasks.pools, QThreadPool.globalInstance()):
            pool.waitForDone(max(0, int((deadline - time.monotonic()) * 1000)))
        if any(pool.activeThreadCount() for pool in tasks.pools):
            log.warning("closing with work still running; it stops at its next check")
        else:
            self.context.close()
        event.accept()


"""The feeds panel: feeds by tag with health and unread counts, and the selected feed's details."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHeaderView, QLabel, QListWidget, QListWidgetItem, QMenu, QMessageBox,
    QSplitter, QTreeView, QVBoxLayout, QWidget,
)

from app.engine.domain import Feed
from app.engine.store import articles as article_store
from app.engine.store import feeds as feed_store

from .context import AppContext
from .error_presenter import ErrorPresenter
from .feed_dialog import TagsDialog
from .feeds_model import HEALTH_WORDS, FeedRole, FeedsModel, SeenMarkers, health_icon, local_time

ARTICLES_SHOWN = 50


def confirm(parent: QWidget, title: str, question: str) -> bool:
    """Ask yes or no (tests replace this function)."""
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def health_line(feed: Feed) -> str:
    """How the feed is doing, in one line of rich text: the reason when it fails."""
    reason = html.escape(feed.last_error or "")
    if feed.health in ("error", "backing-off"):
        return f"<b>Not working:</b> {reason}" if reason else "<b>Not working.</b>"
    if feed.health == "warning" or (reason and feed.health == "ok"):
        return f"<b>Works, with a problem:</b> {reason}" if reason else "<b>Works, with a problem.</b>"
    if reason:  # a new feed whose first read failed
        return f"<b>Not working:</b> {reason}" if feed.failures else f"<b>Problem:</b> {reason}"
    return f"<b>Health:</b> {html.escape(HEALTH_WORDS.get(feed.health, feed.health))}"


class FeedDetails(QWidget):
    """The selected feed: address, health in words (the full error), latest articles, unread ones bold."""

    article_activated = Signal(int)
    article_read = Signal(int)  # an unread article was opened

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        font = QFont(self.title_label.font())
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.articles = QListWidget()
        self.articles.setUniformItemSizes(True)
        self.articles.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.articles.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.articles.itemActivated.connect(self._on_articles_item_activated)
        # Stands in for the article list when there is nothing to list, so the box is never blank.
        self.placeholder = QLabel()
        self.placeholder.setObjectName("feedArticlesPlaceholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)  # the palette's muted text
        self.unread_ids: set[int] = set()  # of the articles listed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.articles, 1)
        layout.addWidget(self.placeholder, 1)
        self.show_feed(None, None)

    def show_placeholder(self, text: str | None) -> None:
        """Show ``text`` instead of the article list, or the list again (None)."""
        self.placeholder.setText(text or "")
        self.placeholder.setVisible(text is not None)
        self.articles.setVisible(text is None)

    def show_feed(self, feed: Feed | None, context: AppContext | None, seen: SeenMarkers | None = None) -> None:
        self.articles.clear()
        self.unread_ids = set()
        if feed is None or context is None:
            self.title_label.setText("No feed selected")
            self.status_label.setText("Select a feed to see whether it works and its latest articles.")
            self.show_placeholder("Select a feed to see its latest articles")
            return
        self.title_label.setText(feed.display_title)
        unread = seen.unread(feed) if seen else 0
        lines = [html.escape(feed.url), health_line(feed)]
        if feed.health in ("error", "backing-off"):
            lines.append(f"<b>Next try:</b> {local_time(feed.next_fetch_at)} (Fetch now tries at once)")
        lines.append(f"<b>Last read:</b> {local_time(feed.last_success_at)}. "
                     f"{feed.entries} article(s), {unread} new.")
        if not feed.enabled:
            lines.append("<b>Disabled:</b> scheduled fetches skip it.")
        self.status_label.setText("<br>".join(lines))
        found = article_store.list_articles(context.store.db, feed_id=feed.id, limit=ARTICLES_SHOWN)
        self.show_placeholder(None if found else "No articles from this feed yet")
        self.unread_ids = seen.unread_ids(feed, [a.id for a in found]) if seen else set()
        for article in found:
            item = QListWidgetItem(f"{local_time(article.published_at)}  {article.title}")
            item.setData(Qt.ItemDataRole.UserRole, article.id)
            item.setToolTip(article.text[:400] + ("…" if len(article.text) > 400 else ""))
            self._set_unread(item, article.id in self.unread_ids)
            self.articles.addItem(item)

    @staticmethod
    def _set_unread(item: QListWidgetItem, unread: bool) -> None:
        font = QFont(item.font())
        font.setBold(unread)
        item.setFont(font)

    def _on_articles_item_activated(self, item: QListWidgetItem) -> None:
        article_id = int(item.data(Qt.ItemDataRole.UserRole))
        if article_id in self.unread_ids:
            self.unread_ids.discard(article_id)
            self._set_unread(item, False)
            self.article_read.emit(article_id)
        self.article_activated.emit(article_id)


class FeedsView(QWidget):
    """Feeds grouped by tag; context menu for fetch, tags, enable, remove.

    Small writes run on the writer pool like everything else that writes, so they
    never wait on (or block) a fetch holding the database.
    """

    feed_selected = Signal(object)    # a feed id, or None
    fetch_requested = Signal(object)  # a list of feed ids
    add_requested = Signal()
    article_activated = Signal(int)

    def __init__(self, context: AppContext, presenter: ErrorPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.presenter = presenter
        self.model = FeedsModel(context.store, SeenMarkers(context.data_dir), self)
        self.tree = QTreeView()
        self.tree.setObjectName("feedsTree")
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.details = FeedDetails()
        self.details.article_activated.connect(self.article_activated)
        self.details.article_read.connect(self._on_details_article_read)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("feedsSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        context.data_changed.connect(self.refresh)
        self.refresh()
        self.tree.expandAll()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # light <-> dark: redraw the health dots
            health_icon.cache_clear()
            self.model.refresh(reread=False)

    # Reading

    def refresh(self) -> None:
        known = set(self.model.groups())
        self.model.refresh()
        for tag, index in self.model.groups().items():
            if tag not in known:
                self.tree.expand(index)
        self._show_current()

    def current_feed(self) -> Feed | None:
        return self.model.feed_at(self.tree.currentIndex())

    def selected_feed_ids(self) -> list[int]:
        """The selected feeds; a selected tag stands for all its feeds."""
        ids: dict[int, None] = {}
        for index in self.tree.selectionModel().selectedRows(0):
            if index.data(FeedRole.IS_GROUP):
                for row in range(self.model.rowCount(index)):
                    ids[self.model.index(row, 0, index).data(FeedRole.FEED_ID)] = None
            elif index.data(FeedRole.FEED_ID) is not None:
                ids[index.data(FeedRole.FEED_ID)] = None
        return list(ids)

    def select_feed(self, feed_id: int) -> bool:
        found = self.model.indexes_of(feed_id)
        if not found:
            return False
        self.tree.selectionModel().setCurrentIndex(
            found[0], QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.tree.scrollTo(found[0])
        return True

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_current()
        feed = self.model.feed_at(current)
        self.feed_selected.emit(feed.id if feed else None)

    def _show_current(self) -> None:
        index = self.tree.currentIndex()
        feed = self.model.feed_at(index)
        if feed is None:
            if index.isValid() and index.siblingAtColumn(0).data(FeedRole.IS_GROUP):
                tag = index.siblingAtColumn(0).data(FeedRole.TAG)
                self.details.show_feed(None, None)
                count = self.model.rowCount(index.siblingAtColumn(0))
                self.details.title_label.setText(tag)
                self.details.status_label.setText(
                    f"{count} feed(s), {index.siblingAtColumn(0).data(FeedRole.UNREAD) or 0} new article(s).")
            else:
                self.details.show_feed(None, None)
            return
        self.details.show_feed(feed, self.context, self.model.seen)

    def _on_details_article_read(self, article_id: int) -> None:
        feed = self.current_feed()
        if feed is not None:
            self.model.mark_opened(feed.id, article_id)

    # Writing

    def _write(self, title: str, doing: str, work: Callable[[Any], Any]) -> None:
        task = self.context.run(title, lambda progress, cancel: work(self.context.pipeline.store.db))
        task.signals.done.connect(lambda _result: self.context.data_changed.emit())
        task.signals.failed.connect(lambda error: self.presenter.present(error, doing))

    def remove_feeds(self, feed_ids: list[int], *, ask: bool = True) -> None:
        feeds = [f for f in (self.model.feed(i) for i in feed_ids) if f is not None]
        if not feeds:
            return
        names = feeds[0].display_title if len(feeds) == 1 else f"these {len(feeds)} feeds"
        if ask and not confirm(self, "Remove feed",
                               f"Remove {names}? Their stored articles and claims are deleted too; "
                               "narratives keep the claims of other feeds."):
            return
        for feed in feeds:
            self.model.seen.forget(feed.id)

        def work(db) -> None:
            for feed in feeds:
                feed_store.remove_feed(db, feed.id)

        self._write("Removing feeds", "removing the feed", work)

    def edit_tags(self, feed_id: int) -> None:
        feed = self.model.feed(feed_id)
        if feed is None:
            return
        dialog = TagsDialog(feed.display_title, feed.tags, self.model.tags(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_tags(feed_id, dialog.tags())

    def set_tags(self, feed_id: int, tags: tuple[str, ...]) -> None:
        self._write("Saving tags", "saving the tags", lambda db: feed_store.set_feed_tags(db, feed_id, tags))

    def set_enabled(self, feed_ids: list[int], enabled: bool) -> None:
        def work(db) -> None:
            for feed_id in feed_ids:
                feed_store.update_feed(db, feed_id, enabled=enabled)

        self._write("Enabling feeds" if enabled else "Disabling feeds",
                    "changing the feed", work)

    def mark_all_read(self) -> None:
        for feed in self.model.feeds():
            self.model.seen.mark(feed)
        self.model.refresh(reread=False)

    # Menu

    def _on_tree_context_menu_requested(self, position: QPoint) -> None:
        ids = self.selected_feed_ids()
        menu = QMenu(self)
        feed = self.current_feed()
        if ids:
            menu.addAction("Fetch now", lambda: self.fetch_requested.emit(ids))
        if feed is not None:
            menu.addAction("Edit tags…", lambda: self.edit_tags(feed.id))
        if ids:
            feeds = [self.model.feed(i) for i in ids]
            enabled = all(f.enabled for f in feeds if f)
            toggle = QAction("Disable" if enabled else "Enable", menu)
            toggle.triggered.connect(lambda: self.set_enabled(ids, not enabled))
            menu.addAction(toggle)
            menu.addSeparator()
            menu.addAction("Remove…", lambda: self.remove_feeds(ids))
        menu.addSeparator()
        menu.addAction("Add feed…", self.add_requested.emit)
        menu.addAction("Mark all as read", self.mark_all_read)
        menu.exec(self.tree.viewport().mapToGlobal(position))

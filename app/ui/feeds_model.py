"""The feeds panel's model: feeds grouped by tag, with unread counts and health.

A feed with several tags shows under each of its tags; feeds without tags under
"Untagged". Groups keep their items across refreshes (rows are updated in place,
added or removed), so the tree keeps what the person expanded and selected.

"Unread" counts the articles the person has not opened (:class:`SeenMarkers`), kept
per data folder in ``ui-state.ini`` (a QSettings file next to the database, so another
data folder has its own).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import IntEnum
from functools import cache, cmp_to_key, lru_cache
from pathlib import Path

from PySide6.QtCore import QCollator, QLocale, QModelIndex, QObject, QSettings, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPalette, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication

from app.engine.domain import Feed
from app.engine.store import Store
from app.engine.store import feeds as feed_store

UNTAGGED = "Untagged"
UI_STATE_NAME = "ui-state.ini"

# Traffic-light hues read on light and dark palettes alike; everything else comes from the palette.
HEALTH_COLOURS = {"ok": "#2e9d4a", "warning": "#d08a00", "error": "#d0312d", "backing-off": "#d0312d"}
HEALTH_WORDS = {"new": "not read yet", "ok": "OK", "warning": "read, with a problem", "error": "error",
                "backing-off": "backing off"}


@cache
def _collator() -> QCollator:
    locale = QLocale()
    if locale.language() == QLocale.Language.C:  # the C locale compares code points, numbers digit by digit
        locale = QLocale(QLocale.Language.English)
    collator = QCollator(locale)
    collator.setNumericMode(True)  # "outlet 2" before "outlet 10"
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return collator


def natural_key(text: str):
    """A sort key that orders names as people do: case-insensitively, numbers by their value."""
    return _natural_key(text)


_natural_key = cmp_to_key(lambda a, b: _collator().compare(a, b))


class FeedRole(IntEnum):
    FEED_ID = Qt.ItemDataRole.UserRole + 1
    TAG = Qt.ItemDataRole.UserRole + 2
    UNREAD = Qt.ItemDataRole.UserRole + 3
    HEALTH = Qt.ItemDataRole.UserRole + 4
    IS_GROUP = Qt.ItemDataRole.UserRole + 5


def ui_state(data_dir: Path) -> QSettings:
    """The per-data-folder window state file (seen markers, whether the demo was offered)."""
    return QSettings(str(Path(data_dir) / UI_STATE_NAME), QSettings.Format.IniFormat)


class SeenMarkers:
    """Which of a feed's articles the person has read.

    A feed's articles are read up to a mark (how many it had at "Mark all as read"),
    and past it each one opened: opening an article reads it, looking at the feed
    does not (readers of feeds expect a list of headlines to stay new until read).
    The articles past the mark are the feed's newest by id; the unread ones are those
    not opened.
    """

    def __init__(self, data_dir: Path) -> None:
        self._settings = ui_state(data_dir)

    def seen(self, feed_id: int) -> int:
        return int(self._settings.value(f"seen/{feed_id}", 0))

    def opened(self, feed_id: int) -> set[int]:
        """The articles opened past the feed's mark."""
        text = str(self._settings.value(f"opened/{feed_id}", "") or "")
        return {int(part) for part in text.split(",") if part}

    def unread(self, feed: Feed) -> int:
        return max(0, feed.entries - self.seen(feed.id) - len(self.opened(feed.id)))

    def unread_ids(self, feed: Feed, article_ids: list[int]) -> set[int]:
        """Which of ``article_ids`` (some of the feed's articles) are unread."""
        past_mark = sorted(article_ids, reverse=True)[:max(0, feed.entries - self.seen(feed.id))]
        return set(past_mark) - self.opened(feed.id)

    def mark(self, feed: Feed) -> None:
        self._settings.setValue(f"seen/{feed.id}", feed.entries)
        self._settings.remove(f"opened/{feed.id}")

    def mark_opened(self, feed_id: int, article_id: int) -> None:
        """Read one unread article (one of :meth:`unread_ids`)."""
        opened = self.opened(feed_id) | {article_id}
        self._settings.setValue(f"opened/{feed_id}", ",".join(map(str, sorted(opened))))

    def forget(self, feed_id: int) -> None:
        self._settings.remove(f"seen/{feed_id}")
        self._settings.remove(f"opened/{feed_id}")


def local_time(text: str | None) -> str:
    """Stored UTC text as the person's local time, short."""
    if not text:
        return "never"
    return _local_time(text, datetime.now().astimezone().date())


@lru_cache(maxsize=4096)
def _local_time(text: str, today: date) -> str:
    # Every refresh formats each feed's times again (strptime is slow); most have not changed.
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).astimezone()
    except ValueError:
        return text
    return moment.strftime("%H:%M") if moment.date() == today else moment.strftime("%d %b %Y %H:%M")


def health_tooltip(feed: Feed) -> str:
    """What a feed's health means, in words: the error itself, or when it is tried again."""
    lines = [feed.display_title]
    if feed.url != feed.display_title:
        lines.append(feed.url)
    health = feed.health
    if health == "new":
        lines.append("Not read yet.")
    elif health == "ok":
        lines.append(f"OK: read at {local_time(feed.last_success_at)}; {feed.entries} article(s) stored.")
    elif health == "warning":
        lines.append(f"Read at {local_time(feed.last_fetch_at)}, with a problem: {feed.last_error}")
    elif health == "error":
        lines.append(f"Not working: {feed.last_error}")
        lines.append(f"Tried at {local_time(feed.last_fetch_at)}; next try at {local_time(feed.next_fetch_at)}.")
    else:
        lines.append(f"Failed {feed.failures} times in a row: {feed.last_error}")
        lines.append(f"Backing off: next try at {local_time(feed.next_fetch_at)} (Fetch now tries at once).")
    if not feed.enabled:
        lines.append("Disabled: not read by scheduled fetches.")
    if feed.tags:
        lines.append("Tags: " + ", ".join(feed.tags))
    return "\n".join(lines)


@cache
def health_icon(health: str, enabled: bool = True) -> QIcon:
    """A dot: green OK, amber warning, red error, a red ring when backing off, hollow when new."""
    palette = QApplication.palette()
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(HEALTH_COLOURS.get(health, palette.color(QPalette.ColorRole.PlaceholderText).name()))
    if not enabled:
        colour.setAlpha(90)
    if health in ("new", "backing-off"):
        painter.setPen(colour)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = painter.pen()
        pen.setWidthF(2.0)
        painter.setPen(pen)
        painter.drawEllipse(3, 3, 10, 10)
        if health == "backing-off":
            painter.drawLine(8, 5, 8, 8)
            painter.drawLine(8, 8, 10, 10)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(3, 3, 10, 10)
    painter.end()
    return QIcon(pixmap)


class FeedsModel(QStandardItemModel):
    """Two columns, name and unread count; tags at the top level, feeds below them."""

    def __init__(self, store: Store, seen: SeenMarkers, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.store = store
        self.seen = seen
        self._feeds: dict[int, Feed] = {}
        self._groups: dict[str, QStandardItem] = {}

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("Feed", "New")[section]
        return super().headerData(section, orientation, role)

    def feeds(self) -> list[Feed]:
        return list(self._feeds.values())

    def feed(self, feed_id: int | None) -> Feed | None:
        return self._feeds.get(feed_id) if feed_id is not None else None

    def feed_at(self, index: QModelIndex) -> Feed | None:
        return self.feed(index.siblingAtColumn(0).data(FeedRole.FEED_ID)) if index.isValid() else None

    def tags(self) -> list[str]:
        return sorted({tag for feed in self._feeds.values() for tag in feed.tags})

    def groups(self) -> dict[str, QModelIndex]:
        """The tag rows, by tag."""
        return {tag: item.index() for tag, item in self._groups.items()}

    def indexes_of(self, feed_id: int) -> list[QModelIndex]:
        found = []
        for group in self._groups.values():
            for row in range(group.rowCount()):
                if group.child(row).data(FeedRole.FEED_ID) == feed_id:
                    found.append(group.child(row).index())
        return found

    def total_unread(self) -> int:
        return sum(self.seen.unread(f) for f in self._feeds.values())

    def mark_opened(self, feed_id: int, article_id: int) -> None:
        """The person opened this unread article of the feed."""
        self.seen.mark_opened(feed_id, article_id)
        self.refresh(reread=False)

    def refresh(self, *, reread: bool = True) -> None:
        """Re-read the feeds (a quick query) and bring the tree up to date in place."""
        if reread:
            self._feeds = {f.id: f for f in feed_store.list_feeds(self.store.db)}
        wanted: dict[str, list[Feed]] = {}
        for feed in self._feeds.values():
            for tag in feed.tags or (UNTAGGED,):
                wanted.setdefault(tag, []).append(feed)
        for feeds in wanted.values():
            feeds.sort(key=lambda f: (natural_key(f.display_title), f.id))
        order = sorted((t for t in wanted if t != UNTAGGED), key=natural_key)
        if UNTAGGED in wanted:
            order.append(UNTAGGED)
        for tag in [t for t in self._groups if t not in wanted]:
            self.removeRow(self._groups.pop(tag).row())
        for position, tag in enumerate(order):
            group = self._groups.get(tag)
            if group is None:
                group = self._groups[tag] = QStandardItem(tag)
                group.setEditable(False)
                group.setData(True, FeedRole.IS_GROUP)
                group.setData(tag, FeedRole.TAG)
                count = QStandardItem()
                count.setEditable(False)
                self.insertRow(position, [group, count])
            elif group.row() != position:
                row = self.takeRow(group.row())
                self.insertRow(position, row)
            self._update_group(group, wanted[tag])

    def _update_group(self, group: QStandardItem, feeds: list[Feed]) -> None:
        ids = [f.id for f in feeds]
        current = [group.child(r).data(FeedRole.FEED_ID) for r in range(group.rowCount())]
        if current != ids:
            group.removeRows(0, group.rowCount())
            for feed in feeds:
                name, count = QStandardItem(), QStandardItem()
                for item in (name, count):
                    item.setEditable(False)
                    item.setData(feed.id, FeedRole.FEED_ID)
                group.appendRow([name, count])
        unread_total = 0
        for row, feed in enumerate(feeds):
            unread = self.seen.unread(feed)
            unread_total += unread
            self._fill(group.child(row, 0), group.child(row, 1), feed, unread)
        tag_count = self.item(group.row(), 1)
        self._set_count(group, tag_count, unread_total)
        group.setToolTip(f"{group.text()}: {len(feeds)} feed(s), {unread_total} new article(s)")

    def _fill(self, name: QStandardItem, count: QStandardItem, feed: Feed, unread: int) -> None:
        title = feed.display_title if feed.enabled else f"{feed.display_title} (off)"
        if name.text() != title:
            name.setText(title)
        name.setIcon(health_icon(feed.health, feed.enabled))
        name.setToolTip(health_tooltip(feed))
        name.setData(feed.health, FeedRole.HEALTH)
        count.setToolTip(f"{unread} article(s) not opened yet" if unread else "")
        muted = QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        name.setData(QBrush(muted) if not feed.enabled else None, Qt.ItemDataRole.ForegroundRole)
        self._set_count(name, count, unread)

    @staticmethod
    def _set_count(name: QStandardItem, count: QStandardItem, unread: int) -> None:
        count.setText(str(unread) if unread else "")
        count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        count.setData(unread, FeedRole.UNREAD)
        name.setData(unread, FeedRole.UNREAD)
        font = QFont(name.font())
        if font.bold() != bool(unread):
            font.setBold(bool(unread))
            name.setFont(font)
            count.setFont(font)

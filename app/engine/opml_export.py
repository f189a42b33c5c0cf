"""Exporting the feeds as an OPML subscription list, each with its title and tags.

Both faces call it: the window's File > Export OPML and ``feeds export-opml``.
"""

from __future__ import annotations

from pathlib import Path

from .atomic_file import atomic_write
from .errors import AppError
from .feeds.opml import OpmlFeed, write_opml
from .store import Store
from .store import feeds as feed_store

__all__ = ["export_opml", "opml_document"]


def opml_document(store: Store) -> tuple[bytes, int]:
    """The OPML of every feed, and how many feeds it lists."""
    entries = [OpmlFeed(url=f.url, title=f.title, tags=f.tags) for f in feed_store.list_feeds(store.db)]
    return write_opml(entries), len(entries)


def export_opml(store: Store, path: Path) -> int:
    """Write every feed to an OPML file, whole or not at all; return how many.

    Raises
    ------
    AppError
        The file cannot be written (the message names it and says why).
    """
    data, count = opml_document(store)
    try:
        atomic_write(Path(path), data)
    except OSError as exc:
        raise AppError(f"Could not write {path}: {exc.strerror or exc}.") from exc
    return count

"""Importing an OPML subscription list as feeds: a trust boundary.

An OPML file often comes from someone else. Its web feeds are added as they are;
its local paths (``~/...``, ``/etc/...``, ``file:`` URLs, paths relative to the file)
would make the app read, and keep copies of, files on this machine, and its addresses
on this computer or its network (``http://127.0.0.1:8080/``, ``http://192.168.1.1/``)
would make it probe them, so both are only followed when the person importing says so
(:func:`local_paths` lists them first).
One import adds at most ``max_feeds_per_import`` feeds (a setting, 500), so a folder such
as ``/`` listed in a file cannot turn into a walk of the whole disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .domain import Feed
from .errors import AppError, ImportFileError
from .feeds.http import points_into_local_network
from .feeds.opml import OpmlFeed, read_opml
from .ingest import add_source, is_url
from .settings import Settings
from .store import Store

__all__ = ["LOCAL_ADDRESS_REFUSED", "LOCAL_PATH_REFUSED", "OpmlImport", "import_opml", "local_paths"]

LOCAL_PATH_REFUSED = "a local path; not followed unless local paths are allowed"
LOCAL_ADDRESS_REFUSED = "an address on this computer or its local network; not followed unless local paths are allowed"


@dataclass(frozen=True)
class OpmlImport:
    """What one OPML import did.

    ``feeds`` are the feeds added or already there (to read next), ``added`` how many
    of them are new; ``skipped`` holds each outline not followed, with why.
    """

    feeds: tuple[Feed, ...]
    added: int
    skipped: tuple[tuple[str, str], ...]  # (outline's address, why)


def local_paths(path: Path) -> list[str]:
    """The local paths and local-network addresses an OPML file lists, as written in it.

    Asked about before an import.

    Raises
    ------
    ImportFileError
        The file cannot be read or is not OPML.
    """
    return [entry.url for entry in _read(path) if _refusal(entry.url)]


def import_opml(store: Store, path: Path, *, tags: Iterable[str] = (), allow_local_paths: bool = False,
                max_feeds: int = Settings().max_feeds_per_import) -> OpmlImport:
    """Add the feeds an OPML file lists; nested outlines become tags.

    Parameters
    ----------
    allow_local_paths
        Also add the files and folders (every feed file in them) it lists; relative
        paths are taken relative to the OPML file, ``~`` is the home folder.
    max_feeds
        Stop once this many feeds were added or found already there; the outlines
        left are reported as skipped.

    Raises
    ------
    ImportFileError
        The file cannot be read or is not OPML.
    """
    feeds: dict[int, Feed] = {}
    added = 0
    skipped: list[tuple[str, str]] = []
    extra_tags = tuple(tags)
    for entry in _read(path):
        if len(feeds) >= max_feeds:
            skipped.append((entry.url, f"one import adds at most {max_feeds} feeds"))
            continue
        refusal = _refusal(entry.url)
        if refusal and not allow_local_paths:
            skipped.append((entry.url, refusal))
            continue
        source = entry.url if is_url(entry.url) else str(_local_path(path, entry))
        try:
            found = add_source(store, source, tags=(*entry.tags, *extra_tags), title=entry.title,
                               limit=max_feeds - len(feeds))
        except AppError as exc:
            skipped.append((entry.url, str(exc)))
            continue
        skipped += [(file, f"not a feed ({why})") for file, why in found.skipped]
        for feed, created in found.feeds:
            if feed.id not in feeds:
                feeds[feed.id] = feed
                added += created
    return OpmlImport(tuple(feeds.values()), added, tuple(skipped))


def _refusal(url: str) -> str | None:
    """Why an outline is not followed unless local paths are allowed, or None for a web feed."""
    if not is_url(url):
        return LOCAL_PATH_REFUSED
    return LOCAL_ADDRESS_REFUSED if points_into_local_network(url) else None


def _read(path: Path) -> list[OpmlFeed]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFileError(str(path), exc.strerror or str(exc)) from exc
    return read_opml(data, path=str(path))


def _local_path(opml: Path, entry: OpmlFeed) -> Path:
    return (Path(opml).parent / Path(entry.url).expanduser()).resolve()

"""The bundled demo: eight team-written outlets in six languages and a fact-check library."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import Feed
from .factchecks.importer import ImportReport, import_factchecks
from .feeds.opml import read_opml
from .ingest import add_sources
from .paths import demo_dir
from .store import Store


@dataclass(frozen=True)
class Demo:
    """What adding the demo did: its feeds (to ingest next) and the fact-check import."""

    feeds: tuple[Feed, ...]
    library: ImportReport


def add_demo(store: Store) -> Demo:
    """Add the demo outlets (tagged as in its OPML) and import its fact-checks.

    The library comes first, so that claims are matched against it as they are processed.
    """
    folder = demo_dir()
    opml = folder / "outlets.opml"
    feeds: list[Feed] = []
    for entry in read_opml(opml.read_bytes(), path=str(opml)):
        feeds += add_sources(store, [str((folder / entry.url).resolve())], tags=entry.tags, title=entry.title)
    library = import_factchecks(store, [folder / "factchecks.json"])
    return Demo(tuple(feeds), library)

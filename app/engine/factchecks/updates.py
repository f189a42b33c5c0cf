"""Changing the fact-check library, and matching the claims that may repeat what changed.

The use cases both faces offer (the window's library dialog and ``factchecks import``):
one call each, which imports or removes, then matches or refreshes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .claims import MatchReport, match_all, match_library_changes
from .importer import ImportReport, import_factchecks
from .library import refresh_narratives, remove_factchecks
from ..pipeline import Pipeline
from ..progress import Progress, part

__all__ = ["LibraryUpdate", "import_and_match", "rematch", "remove"]


@dataclass(frozen=True)
class LibraryUpdate:
    """What an import (and the matching after it) did."""

    imported: ImportReport | None
    matched: MatchReport | None


def import_and_match(pipeline: Pipeline, paths: Sequence[Path], *, match: bool = True,
                     progress: Progress | None = None, cancel: threading.Event | None = None) -> LibraryUpdate:
    """Import fact-check files, then (unless ``match`` is False) match again the stored claims
    that may repeat what changed."""
    report = import_factchecks(pipeline.store, paths, progress=part(progress, 0.0, 0.3), cancel=cancel)
    matched = None
    if match and report.stored and pipeline.store.counts()["claims"]:
        matched = match_library_changes(pipeline.store, pipeline.embedder, report.factcheck_ids,
                                        index=pipeline.index(part(progress, 0.3, 0.4), cancel),
                                        settings=pipeline.settings, progress=part(progress, 0.4, 1.0), cancel=cancel)
    return LibraryUpdate(report, matched)


def rematch(pipeline: Pipeline, *, progress: Progress | None = None,
            cancel: threading.Event | None = None) -> LibraryUpdate:
    """Match every claim against the library again."""
    return LibraryUpdate(None, match_all(pipeline.store, pipeline.embedder, settings=pipeline.settings,
                                         progress=progress, cancel=cancel))


def remove(pipeline: Pipeline, ids: Sequence[int], *, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> LibraryUpdate:
    """Remove fact-checks and refresh the flags of the narratives that matched them."""
    refresh_narratives(pipeline.store, sorted(remove_factchecks(pipeline.store, ids)), pipeline.settings)
    return LibraryUpdate(None, None)

"""The fact-check library's background work: plain functions over a pipeline, no widgets.

Module-level, so that :meth:`AppContext.engine_work <app.ui.context.AppContext.engine_work>`
can run them in a child process while the window stays responsive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.engine.factcheck_claims import MatchReport, match_all, match_library_changes
from app.engine.factcheck_import import ImportReport, import_factchecks
from app.engine.factchecks import refresh_narratives, remove_factchecks
from app.engine.pipeline import Pipeline

Progress = Callable[[float, str], None]



@dataclass(frozen=True)
class LibraryUpdate:
    """What an import (and the matching after it) did."""

    imported: ImportReport | None
    matched: MatchReport | None


def _part(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction, message: progress(start + (end - start) * fraction, message)


def import_and_match(pipeline: Pipeline, paths: Sequence[Path], *, progress: Progress | None = None,
                     cancel: threading.Event | None = None) -> LibraryUpdate:
    """Import fact-check files, then match again the claims that may repeat what changed."""
    report = import_factchecks(pipeline.store, paths, progress=_part(progress, 0.0, 0.3), cancel=cancel)
    matched = None
    if report.stored and pipeline.store.counts()["claims"]:
        matched = match_library_changes(pipeline.store, pipeline.embedder, report.factcheck_ids,
                                        index=pipeline.index(_part(progress, 0.3, 0.4), cancel),
                                        settings=pipeline.settings, progress=_part(progress, 0.4, 1.0), cancel=cancel)
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

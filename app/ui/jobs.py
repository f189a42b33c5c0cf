"""The work the window hands to background tasks: plain functions over the engine.

Each takes a :class:`~app.engine.pipeline.Pipeline` (or store) plus the ``progress``
and ``cancel`` that :class:`~app.ui.workers.EngineTask` passes, and returns a frozen
dataclass the window turns into a status message. Nothing here touches a widget, and
the pipeline jobs are module-level functions, so they can run in a child process
(:meth:`AppContext.engine_work <app.ui.context.AppContext.engine_work>`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.engine import opml_import
from app.engine.demo import add_demo
from app.engine.domain import Feed
from app.engine.errors import AppError, Cancelled, ImportFileError
from app.engine.ingest import add_source
from app.engine.pipeline import Pipeline, PipelineReport
from app.engine.search import MeaningSearch, semantic_search
from app.engine.store import Store
from app.engine.store import feeds as feed_store
from app.engine.progress import Progress


@dataclass(frozen=True)
class FeedsAdded:
    """Feeds added (and then read) by one action, and what could not be added."""

    feeds: tuple[Feed, ...]
    skipped: tuple[tuple[str, str], ...]  # (source, why)
    report: PipelineReport | None


def load_demo(pipeline: Pipeline, *, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> FeedsAdded:
    """Add the bundled demo outlets and fact-checks and ingest them, as ``main.py demo`` does."""
    demo = add_demo(pipeline.store)
    report = pipeline.run(list(demo.feeds), force=True, progress=progress, cancel=cancel)
    return FeedsAdded(demo.feeds, (), report)


def fetch(pipeline: Pipeline, feed_ids: Sequence[int] | None = None, *, force: bool = False,
          progress: Progress | None = None, cancel: threading.Event | None = None) -> PipelineReport:
    """Read the given feeds (None: every enabled feed), then embed and cluster their claims."""
    feeds = None
    if feed_ids is not None:
        feeds = [feed_store.get_feed(pipeline.store.db, feed_id) for feed_id in feed_ids]
    return pipeline.run(feeds, force=force, progress=progress, cancel=cancel)


def add_and_fetch(pipeline: Pipeline, sources: Sequence[str], *, tags: Sequence[str] = (),
                  title: str | None = None, progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> FeedsAdded:
    """Add URLs, files or folders as feeds and read them at once.

    A feed that cannot be read keeps its error on the feed; sources that cannot even
    be added (no such file) and files of a folder that are not feeds come back in ``skipped``.
    """
    feeds: list[Feed] = []
    skipped: list[tuple[str, str]] = []
    for source in sources:
        try:
            added = add_source(pipeline.store, source, tags=tags, title=title,
                               max_bytes=pipeline.settings.max_feed_bytes)
        except AppError as exc:
            skipped.append((source, str(exc)))
            continue
        feeds += [feed for feed, _ in added.feeds]
        skipped += [(path, f"not a feed ({why})") for path, why in added.skipped]
    if cancel is not None and cancel.is_set():
        raise Cancelled("Stopped; the feeds were added and will be read at the next fetch.")
    report = pipeline.run(feeds, force=True, progress=progress, cancel=cancel) if feeds else None
    return FeedsAdded(tuple(feeds), tuple(skipped), report)


def import_opml(pipeline: Pipeline, path: Path, *, tags: Sequence[str] = (), allow_local_paths: bool = False,
                progress: Progress | None = None, cancel: threading.Event | None = None) -> FeedsAdded:
    """Add the feeds an OPML file lists (nested outlines become tags) and read them.

    Local paths in the file are followed only with ``allow_local_paths`` (the window asks
    first); relative ones are taken relative to the OPML file, as the command line does.

    Raises
    ------
    ImportFileError
        The file cannot be read or is not OPML.
    """
    result = opml_import.import_opml(pipeline.store, path, tags=tags, allow_local_paths=allow_local_paths,
                                     max_feeds=pipeline.settings.max_feeds_per_import)
    if cancel is not None and cancel.is_set():
        raise Cancelled("Stopped; the feeds were added and will be read at the next fetch.")
    feeds = list(result.feeds)
    report = pipeline.run(feeds, force=True, progress=progress, cancel=cancel) if feeds else None
    return FeedsAdded(result.feeds, result.skipped, report)


def reindex(pipeline: Pipeline, *, progress: Progress | None = None,
            cancel: threading.Event | None = None) -> int:
    """Rebuild the vector index from the stored vectors; return how many."""
    return pipeline.reindex(progress=progress, cancel=cancel)


def recluster(pipeline: Pipeline, *, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> set[int]:
    """Rebuild every narrative the reviewers have not touched."""
    return pipeline.recluster(progress=progress, cancel=cancel)


def reembed(pipeline: Pipeline, *, progress: Progress | None = None,
            cancel: threading.Event | None = None) -> PipelineReport:
    """Embed and cluster the claims that have no vector of the current model (after a model switch)."""
    return pipeline.process_claims(progress=progress, cancel=cancel)


def search_meaning(pipeline: Pipeline, text: str, *, limit: int = 100, progress: Progress | None = None,
                   cancel: threading.Event | None = None) -> MeaningSearch:
    """Claims closest in meaning to ``text`` that pass the model's bar (the model loads on first use)."""
    if progress:
        progress(0.0, "loading the model and the index")
    index = pipeline.index(cancel=cancel)
    if cancel is not None and cancel.is_set():
        raise Cancelled("Search cancelled.")
    return semantic_search(pipeline.store, index, pipeline.embedder, text, limit=limit)


def describe_report(report: PipelineReport | None) -> str:
    """One status-bar line for a pipeline run."""
    if report is None or report.ingest is None:
        return "Nothing to read."
    ingest = report.ingest
    parts = [f"{ingest.feeds} feed(s) checked", f"{ingest.articles_new} new article(s)"]
    if report.claims_embedded:
        parts.append(f"{report.claims_embedded} claim(s) embedded")
    if report.narratives_touched:
        parts.append(f"{len(report.narratives_touched)} narrative(s) new or grown")
    if ingest.skipped_backoff:
        parts.append(f"{ingest.skipped_backoff} backing off")
    text = ", ".join(parts) + "."
    if ingest.failed:
        text += f" {ingest.failed} feed(s) failed: see the feed list."
    return text

"""Workers: fetch the due feeds and process the new claims, several at once on one newsroom store.

Each worker, on any machine, takes a due feed by writing its name and an expiry into the
feed's row with one conditional UPDATE (:func:`take_lease`): one row changed means the feed
is this worker's, none means another worker has it. The lease is taken again for each small
batch of feeds and let go when the batch is stored; a worker killed mid-batch leaves leases
that simply expire (:data:`LEASE_MINUTES`), after which another worker takes those feeds.

Clustering new claims must not run twice at once (two workers would each start a narrative
for the same story): on PostgreSQL a worker holds an advisory lock around it and, when
another worker holds it, leaves its new claims to that one, which takes every claim without
a vector. On SQLite the store's write transactions already take turns.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .domain import Feed
from .errors import AppError, Cancelled
from .ingest import IngestReport, ingest
from .pipeline import Pipeline
from .progress import Progress
from .settings import Settings
from .store import Store
from .store import feeds as feed_store
from .store import leases
from .store.leases import CLUSTER_LOCK, release_lease

__all__ = ["CLUSTER_LOCK", "LEASE_MINUTES", "RoundReport", "due_feeds", "release_lease", "run_round", "run_worker",
           "take_lease", "worker_name"]

log = logging.getLogger(__name__)

LEASE_MINUTES = 10


def worker_name() -> str:
    """This worker's name in the leases: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def take_lease(db, feed_id: int, owner: str, *, now: datetime | None = None,
               minutes: float = LEASE_MINUTES) -> bool:
    """Take (or renew) the lease of feed ``feed_id`` for ``owner``; return whether it is ours
    (of two workers asking at once exactly one wins)."""
    return leases.take_lease(db, feed_id, owner, now=now or datetime.now(timezone.utc), minutes=minutes)


def due_feeds(db, *, now: datetime | None = None) -> list[Feed]:
    """Enabled feeds whose next fetch time has come and that no worker's running lease holds."""
    free = leases.due_feed_ids(db, now=now or datetime.now(timezone.utc))
    return [f for f in feed_store.list_feeds(db, enabled_only=True) if f.id in free]


@dataclass
class RoundReport:
    """What one round of a worker did."""

    feeds_taken: int = 0
    feeds_left: int = 0          # due, but another worker took them first
    ingest: IngestReport = field(default_factory=IngestReport)
    claims_embedded: int = 0
    narratives_touched: int = 0
    clustering_skipped: bool = False   # another worker was clustering; it takes our claims


def run_round(store: Store, pipeline: Pipeline, owner: str, *, settings: Settings,
              progress: Progress | None = None, cancel: threading.Event | None = None) -> RoundReport:
    """Fetch what is due, a batch of leased feeds at a time, then process the new claims."""
    report = RoundReport()
    due = due_feeds(store.db)
    batch_size = max(1, settings.max_concurrent_fetches)
    for start in range(0, len(due), batch_size):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Stopped; feeds already read are kept.")
        batch = [f for f in due[start:start + batch_size] if take_lease(store.db, f.id, owner)]
        report.feeds_left += len(due[start:start + batch_size]) - len(batch)
        if not batch:
            continue
        report.feeds_taken += len(batch)
        try:
            _add(report.ingest, ingest(store, batch, settings=settings, cancel=cancel))
        finally:
            for feed in batch:
                release_lease(store.db, feed.id, owner)
        if progress:
            progress(min(start + batch_size, len(due)) / max(1, len(due)) * 0.5,
                     f"{report.feeds_taken} feed(s) read")
    _process_claims(store, pipeline, report, progress, cancel)
    return report


def _process_claims(store: Store, pipeline: Pipeline, report: RoundReport, progress, cancel) -> None:
    def process() -> None:
        # Other workers may have embedded claims since this one's index was loaded.
        pipeline.catch_up_index()
        done = pipeline.process_claims(cancel=cancel)
        report.claims_embedded = done.claims_embedded
        report.narratives_touched = len(done.narratives_touched)

    if not leases.try_cluster_lock(store.db):
        log.info("another worker is clustering: it takes the new claims")
        report.clustering_skipped = True
        return
    try:
        process()
    finally:
        leases.release_cluster_lock(store.db)


def _add(total: IngestReport, one: IngestReport) -> None:
    for name, value in one.__dict__.items():
        mine = getattr(total, name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            setattr(total, name, mine + value)
        elif isinstance(value, list):
            mine.extend(value)
        elif isinstance(value, set):
            mine |= value


def run_worker(open_store: Callable[[], Store], settings: Settings, *, once: bool, interval: float,
               owner: str | None = None, report_round: Callable[[RoundReport], None] | None = None,
               report_error: Callable[[str], None] | None = None, stop: threading.Event | None = None,
               embedder=None) -> RoundReport | None:
    """Run rounds until ``stop`` is set (or one round with ``once``); return the last round.

    A store that fails (the server restarted, the network dropped) is reported, closed and
    opened again at the next round; with ``once`` the error is raised.
    """
    owner = owner or worker_name()
    stop = stop or threading.Event()
    store: Store | None = None
    pipeline: Pipeline | None = None
    last = None
    try:
        while True:
            try:
                if store is None:
                    store = open_store()
                    pipeline = Pipeline(store, settings, embedder=embedder)
                last = run_round(store, pipeline, owner, settings=settings, cancel=stop)
                if report_round:
                    report_round(last)
            except Cancelled:
                return last
            except AppError as exc:
                if once:
                    raise
                if report_error:
                    report_error(str(exc))
                if store is not None:
                    embedder = pipeline._embedder if pipeline is not None else embedder
                    _close(store)
                    store, pipeline = None, None
            if once or stop.wait(interval):
                return last
    finally:
        if store is not None:
            _close(store)


def _close(store: Store) -> None:
    try:
        store.close()
    except Exception:  # a connection already gone
        log.debug("closing a failed store", exc_info=True)

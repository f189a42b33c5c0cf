"""The whole flow: ingest -> claims -> embed -> index -> narratives, with progress and cancel.

Vectors and narrative assignments of a batch of claims are written in one
transaction, so a crash loses at most the batch in flight; the index file is
derived data, saved atomically at the end and rebuilt from the stored vectors
whenever it is missing, damaged or does not match them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .clustering import Clusterer
from .domain import Feed
from .embedding import DEFAULT_MODEL, Embedder, load_embedder
from .embedding_queue import EmbeddedBatch, EmbeddingQueue
from .errors import Cancelled, VectorIndexError
from .factchecks.claims import match_new_claims
from .index import VectorIndex
from .ingest import IngestReport, ingest
from .memory import release_freed_memory
from .settings import Settings
from .store import Store, write_transaction
from .store import memberships as members
from .store import narratives as narrative_store
from .store import vectors as vector_store
from .progress import Progress, part

log = logging.getLogger(__name__)

FLAGGED = narrative_store.NarrativeFilter(flagged_only=True)


# Large batches let the model group texts of like length (measured: about twice the
# claims/s of 256); a crash loses at most one batch, which is embedded again.
EMBED_BATCH = 4096
# The first batch of a large backlog: the newest titles, few enough to be embedded and clustered
# in seconds (a thousand titles with their leads take about 10 CPU-seconds).
FIRST_BATCH = 1024
# Where each stage of processing claims ends, as shares of the whole: matching with the fact-check
# library takes the last tenth (less its final percent, which says that everything is done), and
# after a model switch re-clustering every claim takes what embedding leaves. Each stage starts
# where the one before ended, so progress never goes back and reaches 100% only at the end.
INDEXED, RE_EMBEDDED, CLUSTERED, MATCHED = 0.1, 0.5, 0.9, 0.99


@dataclass
class PipelineReport:
    """What a run did after ingest: claims embedded and narratives touched."""

    ingest: IngestReport | None = None
    claims_embedded: int = 0
    narratives_touched: set[int] = field(default_factory=set)
    index_rebuilt: bool = False


def _check(cancel: threading.Event | None, message: str) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(message)


class Pipeline:
    """One data folder's embedder and index, loaded once and kept for many runs.

    The window keeps one in its worker; the command line makes one per command.
    """

    def __init__(self, store: Store, settings: Settings, embedder: Embedder | None = None) -> None:
        self.store = store
        self.settings = settings
        self._embedder = embedder
        self._index: VectorIndex | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.model or DEFAULT_MODEL,
                                           threads=self.settings.threads or None)
        return self._embedder

    def index(self, progress: Progress | None = None, cancel: threading.Event | None = None) -> VectorIndex:
        """The vector index: loaded from its file, or rebuilt from stored vectors."""
        if self._index is None:
            self._index, _ = self._open_index(progress, cancel)
        return self._index

    def forget_index(self) -> None:
        """Drop the index kept in memory: another process has changed it; the next use reloads it."""
        self._index = None

    def catch_up_index(self) -> int:
        """Bring the index kept in memory up to the stored vectors (other workers on a newsroom
        store embedded claims since): add the ones it lacks; rebuild it when it holds vectors the
        store no longer has. Return how many vectors were added (-1: rebuilt on next use)."""
        if self._index is None:
            return 0
        if len(self._index) == vector_store.count_vectors(self.store.db, self.embedder.name):
            return 0
        added = self._catch_up(self._index)
        if added < 0:
            self._index = None
        else:
            self._save(self._index)
        return added

    def _catch_up(self, index: VectorIndex) -> int:
        embedder = self.embedder
        stored = vector_store.vector_ids(self.store.db, embedder.name)
        missing = np.setdiff1d(stored, index.ids(), assume_unique=True)
        if len(index) + len(missing) != len(stored):
            return -1
        for start in range(0, len(missing), vector_store.BATCH):
            ids = missing[start:start + vector_store.BATCH]
            found = vector_store.model_vectors(self.store.db, embedder.name, ids.tolist(), embedder.dim)
            index.add(ids, np.stack([found[int(i)] for i in ids]))
        return len(missing)

    def _open_index(self, progress, cancel) -> tuple[VectorIndex, bool]:
        embedder = self.embedder
        path = self.store.index_path
        stored = vector_store.count_vectors(self.store.db, embedder.name)
        if path is not None and path.exists():
            try:
                index = VectorIndex.load(path, model=embedder.name, dim=embedder.dim)
                if len(index) == stored:
                    return index, False
                # A cache behind the store (another worker's claims, a crash before the save)
                # takes only what it lacks; one that holds vectors the store lost is rebuilt.
                if (added := self._catch_up(index)) >= 0:
                    log.info("index brought up to date with %d stored vector(s)", added)
                    self._save(index)
                    return index, False
                log.warning("index holds %d vectors, database %d: rebuilding", len(index), stored)
            except VectorIndexError as exc:
                log.warning("index unusable (%s): rebuilding from stored vectors", exc)
        return self._rebuild(progress, cancel), True

    def _rebuild(self, progress, cancel) -> VectorIndex:
        embedder = self.embedder
        chunks_ids, chunks = [], []
        total = max(1, vector_store.count_vectors(self.store.db, embedder.name))
        for ids, vectors in vector_store.iter_vectors(self.store.db, embedder.name, embedder.dim):
            _check(cancel, "Index rebuild cancelled.")
            chunks_ids.append(ids)
            chunks.append(vectors)
            if progress:
                progress(sum(len(c) for c in chunks_ids) / total * 0.5, "reading stored vectors")
        ids = np.concatenate(chunks_ids) if chunks_ids else np.zeros(0, dtype=np.int64)
        vectors = np.concatenate(chunks) if chunks else np.zeros((0, embedder.dim), dtype=np.float32)
        index = VectorIndex.build(ids, vectors, model=embedder.name, dim=embedder.dim,
                                  progress=part(progress, 0.5, 1.0), cancel=cancel)
        self._save(index)
        return index

    def _save(self, index: VectorIndex) -> None:
        if self.store.index_path is not None:
            index.save(self.store.index_path)

    def run(self, feeds: Sequence[Feed] | None = None, *, force: bool = False,
            progress: Progress | None = None, cancel: threading.Event | None = None) -> PipelineReport:
        """Ingest feeds, then embed, index and cluster the new claims."""
        report = PipelineReport()
        report.ingest = ingest(self.store, feeds, settings=self.settings, force=force,
                               progress=part(progress, 0.0, 0.4), cancel=cancel)
        self.process_claims(report, progress=part(progress, 0.4, 1.0), cancel=cancel)
        return report

    def process_claims(self, report: PipelineReport | None = None, *, progress: Progress | None = None,
                       cancel: threading.Event | None = None) -> PipelineReport:
        """Embed every claim that has no vector of the current model, index and cluster it."""
        report = report or PipelineReport()
        embedder = self.embedder
        switching = [m for m in vector_store.stored_models(self.store.db) if m != embedder.name]
        index = self.index(part(progress, 0.0, INDEXED), cancel)
        embedded_part = part(progress, INDEXED, RE_EMBEDDED if switching else CLUSTERED)
        clusterer = Clusterer(self.store, index, model=embedder.name, dim=embedder.dim, settings=self.settings)
        verb = f"re-embedding claims for {embedder.name}" if switching else "embedding new claims"
        # A first fetch of hundreds of feeds: the newest stories are clustered (and flagged)
        # within a minute, not after every claim of every feed.
        order = vector_store.processing_order(self.store.db, embedder.name, newest_titles=FIRST_BATCH,
                                              backlog=EMBED_BATCH)
        first = FIRST_BATCH if len(order) > EMBED_BATCH else EMBED_BATCH
        batches = [order[:first]] + [order[n:n + EMBED_BATCH] for n in range(first, len(order), EMBED_BATCH)]
        total, done = len(order), 0
        try:
            with EmbeddingQueue(self.store, embedder, cancel) as queue:
                ahead = queue.submit(batches[0]) if order else None
                for n in range(len(batches) if order else 0):
                    _check(cancel, "Stopped; claims processed so far are kept.")
                    batch, ahead = ahead, queue.submit(batches[n + 1]) if n + 1 < len(batches) else None

                    def embedding(fraction: float, size: int = len(batch.ids)) -> None:
                        if embedded_part:
                            embedded = done + int(fraction * size)
                            embedded_part(embedded / total, f"{verb}: {embedded}/{total}")

                    try:
                        vectors = queue.take(batch, embedding)
                    except Cancelled:
                        raise Cancelled("Stopped; claims processed so far are kept.") from None
                    self._index_and_cluster(batch, vectors, clusterer, switching, report)
                    release_freed_memory()
                    done += len(batch.ids)
                    if embedded_part:
                        flagged = "" if switching else (
                            f", {narrative_store.count_narratives(self.store.db, FLAGGED)} narratives flagged")
                        embedded_part(done / total, f"{verb}: {done}/{total}{flagged}")
        finally:
            if report.claims_embedded:
                self._save(index)
        if switching:
            self._finish_switch(switching, report, part(progress, RE_EMBEDDED, CLUSTERED), cancel)
        # Fact-checkers' feeds into the library, then the new claims against it.
        report.narratives_touched |= match_new_claims(self.store, embedder, self.settings, index=self._index,
                                                      progress=part(progress, CLUSTERED, MATCHED), cancel=cancel)
        if progress:
            progress(1.0, "done")
        return report

    def _index_and_cluster(self, batch: EmbeddedBatch, vectors: np.ndarray, clusterer: Clusterer,
                           switching: list[str], report: PipelineReport) -> None:
        """Add a batch to the index, store its vectors and cluster it, all or nothing."""
        index, ids = self._index, batch.ids
        index.add(ids, vectors)
        try:
            with write_transaction(self.store.db) as conn:
                vector_store.save_vectors(conn, self.embedder.name, ids, vectors, batch.keys)
                if not switching:
                    claims = clusterer.in_order(ids)
                    report.narratives_touched |= clusterer.assign_within(
                        claims, {int(i): v for i, v in zip(ids, vectors)})
        except BaseException:
            index.remove(ids)
            raise
        report.claims_embedded += len(ids)

    def _finish_switch(self, old_models: list[str], report: PipelineReport, progress, cancel) -> None:
        """After re-embedding for a new model: drop the old vectors and cluster anew."""
        with write_transaction(self.store.db) as conn:
            vector_store.delete_models(conn, old_models)
        report.narratives_touched |= self.recluster(progress=progress, cancel=cancel)

    def reindex(self, *, progress: Progress | None = None, cancel: threading.Event | None = None) -> int:
        """Rebuild the vector index from the stored vectors; return how many it holds."""
        self._index = self._rebuild(progress, cancel)
        return len(self._index)

    def recluster(self, *, progress: Progress | None = None, cancel: threading.Event | None = None) -> set[int]:
        """Cluster every claim again, in the order a first fetch of them all would (see
        :func:`~app.engine.store.vectors.processing_order`).

        Narratives a reviewer has touched (a status, a note, a merge or split) keep
        their ids and members; the others are rebuilt from scratch.
        """
        embedder = self.embedder
        index = self.index(part(progress, 0.0, 0.1), cancel)
        with write_transaction(self.store.db) as conn:
            kept = members.drop_unreviewed(conn)
            for narrative_id in kept:
                self._recompute_centroid(conn, narrative_id)
        clusterer = Clusterer(self.store, index, model=embedder.name, dim=embedder.dim, settings=self.settings)
        vectors = {}
        for ids, chunk in vector_store.iter_vectors(self.store.db, embedder.name, embedder.dim):
            vectors.update(zip(ids.tolist(), chunk))
        if not vectors:
            return set()
        order = vector_store.processing_order(self.store.db, embedder.name, embedded=True,
                                              newest_titles=FIRST_BATCH, backlog=EMBED_BATCH)
        touched = clusterer.assign(order, vectors, progress=part(progress, 0.1, 1.0), cancel=cancel)
        with write_transaction(self.store.db):
            clusterer.refresh_within(kept)
        return touched | set(kept)

    def _recompute_centroid(self, conn, narrative_id: int) -> None:
        embedder = self.embedder
        members.recompute(conn, narrative_id, embedder.dim,
                          lambda ids: vector_store.load_vectors(self.store.db, ids, embedder.dim))
        members.set_model(conn, narrative_id, embedder.name)

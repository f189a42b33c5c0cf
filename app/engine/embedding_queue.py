"""Embedding the claims of the next batch while the current one is clustered.

Embedding is numpy work that leaves the interpreter free, clustering is Python and SQL: run one
after the other they keep one core busy at a time. Here one thread embeds batch *n + 1* while the
caller clusters batch *n*, so a 2-core laptop does both at once, the model on one core (see
``embedding.py``: the automatic thread count leaves a core free) and the rest on the other.

Each text is embedded once: a text that comes several times in a batch, that came in the batch
still in flight, or that was stored before (by any claim, in any fetch; see
``vectors.text_key``) reuses that vector.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np

from .embedding import Embedder
from .errors import Cancelled
from .store import Store
from .store import vectors as vector_store
from .progress import Progress

__all__ = ["EmbeddingQueue", "EmbeddedBatch", "encode_by_length"]


# How often the caller, waiting for a batch, reports its progress and looks at cancel.
POLL_SECONDS = 0.25


def encode_by_length(embedder: Embedder, texts: Sequence[str], cancel: threading.Event | None,
                     progress: Progress | None = None) -> np.ndarray:
    """Encode texts shortest first, so each model batch pads to similar lengths; rows in input order.

    A text that comes several times (a wire story in ten feeds, a sentence every copy keeps) is
    encoded once and its vector shared: texts equal but for their spacing are one text.
    """
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    keys = [vector_store.normalised(text) for text in texts]
    unique = sorted(set(keys), key=lambda k: (len(k), k))
    vectors = embedder.encode(unique, cancel=cancel, progress=progress)
    row = {key: n for n, key in enumerate(unique)}
    return vectors[[row[key] for key in keys]]


@dataclass
class EmbeddedBatch:
    """One batch of claims on its way through the queue; ``vectors`` once :meth:`EmbeddingQueue.take` returns."""

    ids: np.ndarray
    keys: list[bytes]
    stored: dict[int, np.ndarray]  # row -> a vector stored before
    borrowed: dict[int, tuple[EmbeddedBatch, int]]  # row -> the batch in flight that embeds its text, and its row
    fresh: list[int]  # rows embedded here
    future: Future | None = None
    done_fraction: float = 0.0
    vectors: np.ndarray | None = field(default=None, repr=False)


class _Stop:
    """Set when the caller cancels or the queue closes: the embedding in flight stops at its next model batch."""

    def __init__(self, cancel: threading.Event | None) -> None:
        self.cancel = cancel
        self.closed = threading.Event()

    def is_set(self) -> bool:
        return self.closed.is_set() or (self.cancel is not None and self.cancel.is_set())


class EmbeddingQueue:
    """Embeds submitted batches of claims in order, one at a time, in a background thread.

    Use as a context manager; :meth:`submit` the next batch before :meth:`take` the current one.
    """

    def __init__(self, store: Store, embedder: Embedder, cancel: threading.Event | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self._stop = _Stop(cancel)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding")
        self._in_flight: EmbeddedBatch | None = None

    def __enter__(self) -> EmbeddingQueue:
        return self

    def __exit__(self, *exc) -> None:
        self._stop.closed.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, ids: Sequence[int]) -> EmbeddedBatch:
        """Read the texts of these claims and start embedding the ones not embedded before (a claim
        deleted since the order was read is left out of the batch)."""
        found = vector_store.texts_to_embed(self.store.db, ids)
        texts = list(found.values())
        keys = [vector_store.text_key(text) for text in texts]
        known = vector_store.vectors_by_text(self.store.db, self.embedder.name, keys, self.embedder.dim)
        ahead = self._in_flight
        # Only texts the batch in flight embeds itself: what it found stored, this one finds too.
        ahead_rows = {ahead.keys[n]: n for n in ahead.fresh} if ahead is not None else {}
        batch = EmbeddedBatch(ids=np.fromiter(found, dtype=np.int64, count=len(found)), keys=keys,
                              stored={}, borrowed={}, fresh=[])
        for n, key in enumerate(keys):
            if key in known:
                batch.stored[n] = known[key]
            elif key in ahead_rows:
                batch.borrowed[n] = (ahead, ahead_rows[key])
            else:
                batch.fresh.append(n)
        if batch.fresh:
            batch.future = self._pool.submit(self._encode, batch, [texts[n] for n in batch.fresh])
        self._in_flight = batch
        return batch

    def _encode(self, batch: EmbeddedBatch, texts: list[str]) -> np.ndarray:
        def progress(fraction: float, _message: str) -> None:
            batch.done_fraction = fraction

        return encode_by_length(self.embedder, texts, self._stop, progress)

    def take(self, batch: EmbeddedBatch, progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Wait for a batch's vectors (rows in the order of its ids), reporting the share embedded.

        Raises
        ------
        Cancelled
            The caller's cancel was set.
        """
        if batch.future is not None:
            while not wait([batch.future], timeout=POLL_SECONDS).done:
                if self._stop.is_set():
                    raise Cancelled()
                if progress is not None:
                    progress(batch.done_fraction)
        vectors = np.zeros((len(batch.ids), self.embedder.dim), dtype=np.float32)
        if batch.fresh:
            vectors[batch.fresh] = batch.future.result()
        for n, vector in batch.stored.items():
            vectors[n] = vector
        for n, (ahead, row) in batch.borrowed.items():
            vectors[n] = ahead.vectors[row]
        # Only the vectors are kept (the next batch may borrow them): holding the batch before
        # it would chain every batch of the run in memory.
        batch.vectors, batch.stored, batch.borrowed, batch.future = vectors, {}, {}, None
        return vectors

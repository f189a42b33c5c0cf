"""The FAISS index over claim vectors, keyed by claim id, and its file.

Vectors are unit length, so the inner product is the cosine similarity.

Two kinds of index, picked by size (``bench/index.py`` measured the choice,
results in ``bench/results/index.md``):

``flat``
    Below :data:`FLAT_LIMIT` vectors: exact search over float32 vectors
    (``IndexIDMap2`` over ``IndexFlatIP``). At 10k x 512 it is 20 MB and
    under 1 ms a query, and needs no training.
``ivf-sq8``
    From :data:`FLAT_LIMIT` vectors on: an inverted file of ``nlist`` k-means
    cells (about ``2 * sqrt(n)``) whose vectors are stored as 8-bit
    scalar-quantised codes (``IndexIVFScalarQuantizer``: one byte a dimension,
    a quarter of float32); a query scans the ``nprobe`` nearest cells.
    ``nprobe`` is calibrated on the index's own vectors to reach recall@10 of
    :data:`TARGET_RECALL` against exact search, because how clustered sentence
    vectors are differs between models and corpora. At 1M x 512 (real text
    vectors plus synthetic ones made from them): 524 MB, about 5-7 ms a query,
    recall@10 0.97 on held-out queries, 70 s to build on two cores.

Both kinds support ``remove_ids`` (HNSW does not, which rules it out: claims
are deleted when their feed is). IVF-PQ would be smaller, but needs a
re-ranking store of exact vectors to keep recall at 0.95; SQ8 keeps it with no
second store. The index grows in place: crossing :data:`FLAT_LIMIT` converts
flat to IVF, and an IVF index that grows to :data:`REGROW_FACTOR` times the
size it was trained for re-clusters itself (that one ``add`` then takes
seconds, about 8 s at 100k vectors). Codes are stored without the cell
residual, so they decode to their vectors without their cell, which is what
lets the index re-cluster from its own contents without the original vectors.

The file holds a small JSON header (model, dim, count, kind, checksum) and the
FAISS bytes, written atomically: a temporary file in the same folder, fsync,
then ``os.replace``. A crash leaves either the old file or the new one.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.atomic_file import replacing
from app.engine.errors import Cancelled, VectorIndexError
from app.engine.progress import Progress
from app.engine.memory import release_freed_memory

__all__ = ["FLAT_LIMIT", "REGROW_FACTOR", "TARGET_RECALL", "IndexInfo", "VectorIndex", "nlist_for"]

log = logging.getLogger(__name__)


def _not_a_missing_faiss_build(record: logging.LogRecord) -> bool:
    """False for faiss's note that a CPU-specific build (AVX512, AVX2, SVE) is not installed.

    faiss probes those builds in turn and logs each absent one with its
    ``ModuleNotFoundError``; the generic build then loads, so the lines are harmless
    but read as failures in the log. Any other loader message, and a build that is
    present but fails to load, still get through.
    """
    message = record.getMessage()
    return not (message.startswith("Could not load library with")
                and "ModuleNotFoundError" in message and "No module named 'faiss.swigfaiss_" in message)


logging.getLogger("faiss.loader").addFilter(_not_a_missing_faiss_build)


# Below this many vectors exact search is fast (0.5 ms of CPU a query at 10k x 512,
# so about 1 ms at the limit), exact, and needs no training.
FLAT_LIMIT = 20_000
# An IVF index re-clusters itself once it holds this many times the vectors it
# was trained on: its cells would otherwise grow long and queries slow.
REGROW_FACTOR = 4

# Searches, adds and removals of fewer items than this run on one OpenMP
# thread. Measured: one query on a 10k flat index took 0.5 ms on one thread
# and 9-15 ms on two while the cores were busy with other work (the threads
# wait for each other); one query at 1M IVF took 5.2 ms either way.
_THREADED_BATCH = 16

_MAGIC = b"NRVI1\n"
_HEADER_LEN = 8  # bytes of the big-endian JSON header length after the magic
_ADD_CHUNK = 65_536


@dataclass(frozen=True)
class IndexInfo:
    """What an index holds, as recorded in its file."""

    model: str
    dim: int
    count: int
    kind: str
    nlist: int
    nprobe: int


def nlist_for(n: int) -> int:
    """Number of IVF cells for ``n`` vectors: about ``2 * sqrt(n)``.

    Measured at 1M real-text vectors (bench/index.py): 2048 cells build in
    half the time of 4096 (k-means and assigning each vector to its cell both
    scale with the cell count) and reach the same recall at the same probe
    count, so more cells would buy nothing.
    """
    return int(min(8192, max(64, 2 * math.sqrt(max(n, 1)))))


# Probe counts tried by calibration, smallest first.
_NPROBE_LADDER = (8, 12, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512)
# Recall@10 that calibration aims for (against exact search), with a margin
# over the 0.95 we promise, since its sample is small.
TARGET_RECALL = 0.96
_CALIBRATION_QUERIES = 200
# Vectors read at once when the index re-clusters from its own contents (8 MB of float32 at 512).
_CHUNK = 4096
# k-means needs ~40 points a cell to place it; more only costs time.
_TRAINING_POINTS = 40


class VectorIndex:
    """Nearest-neighbour search over unit vectors keyed by int64 claim id.

    Safe to share between threads: every call holds the index's lock.

    Examples
    --------
    >>> index = VectorIndex(model="use-multilingual", dim=512)
    >>> index.add(np.array([7, 9]), vectors)
    >>> scores, ids = index.search(query_vectors, k=5)
    >>> index.save(folder / "claims.faiss")
    """

    def __init__(self, *, model: str, dim: int) -> None:
        import faiss

        if dim < 1:
            raise VectorIndexError(f"A vector index needs a positive dimension, not {dim}.")
        self.model = model
        self.dim = int(dim)
        self._lock = threading.RLock()
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._kind = "flat"
        self._trained_for = 0
        # Sorted ids held, to replace on re-add and to answer ``ids()``
        # without walking FAISS's internals (8 bytes a vector).
        self._ids = np.empty(0, dtype=np.int64)

    # ------------------------------------------------------------------ info

    def __len__(self) -> int:
        return int(self._ids.size)

    def __contains__(self, claim_id: object) -> bool:
        try:
            key = np.int64(claim_id)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            return False
        pos = np.searchsorted(self._ids, key)
        return bool(pos < self._ids.size and self._ids[pos] == key)

    @property
    def kind(self) -> str:
        """``"flat"`` or ``"ivf-sq8"``."""
        return self._kind

    @property
    def info(self) -> IndexInfo:
        """Model, dimension, count and kind of the index."""
        nlist, nprobe = (self._index.nlist, self._index.nprobe) if self._kind != "flat" else (0, 0)
        return IndexInfo(self.model, self.dim, len(self), self._kind, int(nlist), int(nprobe))

    def ids(self) -> np.ndarray:
        """All claim ids in the index, sorted (a copy)."""
        with self._lock:
            return self._ids.copy()

    # ---------------------------------------------------------------- change

    def add(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        """Add vectors under claim ids; an id already present is replaced.

        Parameters
        ----------
        ids
            Claim ids, int64, unique within the call.
        vectors
            Shape ``(len(ids), dim)``, unit rows (float32 or convertible).
        progress, cancel
            For large adds and for the training that crossing
            :data:`FLAT_LIMIT` starts.

        Raises
        ------
        VectorIndexError
            Shapes do not match, ids repeat, or FAISS fails.
        Cancelled
            ``cancel`` was set; the index may then hold part of the batch.
        """
        ids, vectors = self._check(ids, vectors)
        if ids.size and np.unique(ids).size != ids.size:
            raise VectorIndexError("The same claim id appears twice in one add.")
        with self._lock:
            if ids.size == 0:
                return
            present = ids[self._has(ids)]
            if present.size:
                self._remove_known(present)
            try:
                with _few_threads(ids.size):
                    _add_in_chunks(self._index, ids, vectors, progress, cancel)
            except BaseException:
                # Part of the batch may be in; ask FAISS what it holds.
                self._ids = self._ids_from_faiss()
                raise
            new = np.sort(ids)
            # A merge, not a sort of everything: adding one id stays O(n) copy.
            self._ids = np.insert(self._ids, np.searchsorted(self._ids, new), new)
            self._grow(progress, cancel)

    def remove(self, ids: np.ndarray) -> int:
        """Remove claim ids; ids not in the index are ignored.

        Returns
        -------
        int
            How many vectors were removed.

        Raises
        ------
        VectorIndexError
            FAISS failed.
        """
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))
        with self._lock:
            known = np.unique(ids[self._has(ids)])
            if known.size == 0:
                return 0
            return self._remove_known(known)

    # ---------------------------------------------------------------- search

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Find the ``k`` nearest claims of each query vector.

        Parameters
        ----------
        vectors
            One vector ``(dim,)`` or many ``(n, dim)``, unit length.
        k
            Neighbours wanted per query.

        Returns
        -------
        scores, ids
            Both shape ``(n, k)``: cosine similarities (float32, best first)
            and claim ids (int64). Where fewer than ``k`` claims are found the
            id is -1 and the score ``-inf``.

        Raises
        ------
        VectorIndexError
            The vectors do not have the index's dimension.
        """
        queries = np.asarray(vectors, dtype=np.float32)
        if queries.ndim == 1:
            queries = queries[None, :]
        if queries.ndim != 2 or queries.shape[1] != self.dim:
            raise VectorIndexError(
                f"Query vectors have shape {queries.shape}; the index holds {self.dim}-dim vectors."
            )
        k = int(k)
        if k < 1 or queries.shape[0] == 0:
            return (np.empty((queries.shape[0], max(k, 0)), np.float32),
                    np.empty((queries.shape[0], max(k, 0)), np.int64))
        with self._lock:
            if len(self) == 0:
                scores = np.full((queries.shape[0], k), -np.inf, dtype=np.float32)
                return scores, np.full((queries.shape[0], k), -1, dtype=np.int64)
            with _few_threads(queries.shape[0]):
                scores, found = self._index.search(np.ascontiguousarray(queries), k)
        scores[found < 0] = -np.inf
        return scores, found

    # ------------------------------------------------------------- internals

    def _check(self, ids: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))
        vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
        if vectors.ndim == 1 and ids.size == 1:
            vectors = vectors[None, :]
        if vectors.ndim != 2 or vectors.shape != (ids.size, self.dim):
            raise VectorIndexError(
                f"Expected {ids.size} vectors of {self.dim} numbers, got shape {vectors.shape}."
            )
        if not np.isfinite(vectors).all():
            raise VectorIndexError("Vectors contain NaN or infinite numbers.")
        return ids, vectors

    def _has(self, ids: np.ndarray) -> np.ndarray:
        if self._ids.size == 0:
            return np.zeros(ids.size, dtype=bool)
        pos = np.minimum(np.searchsorted(self._ids, ids), self._ids.size - 1)
        return self._ids[pos] == ids

    def _remove_known(self, ids: np.ndarray) -> int:
        import faiss

        try:
            with _few_threads(ids.size):
                removed = int(self._index.remove_ids(faiss.IDSelectorBatch(ids.size, faiss.swig_ptr(ids))))
        except RuntimeError as exc:
            raise VectorIndexError(f"Could not remove vectors from the index: {exc}") from exc
        self._ids = np.delete(self._ids, np.searchsorted(self._ids, ids))
        return removed

    def _ids_from_faiss(self) -> np.ndarray:
        import faiss

        if self._kind == "flat":
            return np.sort(faiss.vector_to_array(self._index.id_map).astype(np.int64))
        invlists = self._index.invlists
        parts = [
            faiss.rev_swig_ptr(invlists.get_ids(c), invlists.list_size(c)).copy()
            for c in range(self._index.nlist)
            if invlists.list_size(c)
        ]
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64)

    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The (ids, vectors) held, :data:`_CHUNK` at a time: exact for flat, decoded 8-bit codes
        for IVF. Read so, re-clustering holds one chunk of float vectors, not the whole index."""
        import faiss

        if self._kind == "flat":
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            flat = faiss.downcast_index(self._index.index)
            for start in range(0, flat.ntotal, _CHUNK):
                count = min(_CHUNK, flat.ntotal - start)
                yield ids[start:start + count], flat.reconstruct_n(start, count)
            return
        invlists, code_size = self._index.invlists, self._index.code_size
        ids_held, codes_held, held = [], [], 0
        for c in range(self._index.nlist):
            size = invlists.list_size(c)
            if not size:
                continue
            ids_held.append(faiss.rev_swig_ptr(invlists.get_ids(c), size).copy())
            codes_held.append(faiss.rev_swig_ptr(invlists.get_codes(c), size * code_size).reshape(size, code_size).copy())
            held += size
            if held >= _CHUNK:
                yield np.concatenate(ids_held), self._index.sq.decode(np.concatenate(codes_held))
                ids_held, codes_held, held = [], [], 0
        if held:
            yield np.concatenate(ids_held), self._index.sq.decode(np.concatenate(codes_held))

    def _sample(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` of the (ids, vectors) held (all, if fewer), drawn evenly at random, one chunk at a time
        into one array: the sample and a chunk are what it holds at once."""
        n = len(self)
        rows = np.sort(np.random.default_rng(0).choice(n, min(size, n), replace=False))
        ids = np.empty(rows.size, dtype=np.int64)
        vectors = np.empty((rows.size, self.dim), dtype=np.float32)
        start = 0
        for chunk_ids, chunk in self._chunks():
            lo, hi = np.searchsorted(rows, [start, start + len(chunk_ids)])
            ids[lo:hi] = chunk_ids[rows[lo:hi] - start]
            vectors[lo:hi] = chunk[rows[lo:hi] - start]
            start += len(chunk_ids)
        return ids, vectors

    def _grow(self, progress: Progress | None, cancel: threading.Event | None) -> None:
        """Switch flat to IVF past FLAT_LIMIT; re-cluster IVF past REGROW_FACTOR.

        Memory stays bounded by a sample and a chunk, not the index: k-means places the cells
        from a sample of the vectors held, every vector then moves into the new index a chunk at
        a time, and the probe count is calibrated with sampled queries against exact answers
        read a chunk at a time.
        """
        n = len(self)
        if self._kind == "flat" and n < FLAT_LIMIT:
            return
        if self._kind != "flat" and n < REGROW_FACTOR * self._trained_for:
            return
        log.info("re-clustering the vector index at %d vectors (was %s)", n, self._kind)
        sample_ids, sample = self._sample(_TRAINING_POINTS * nlist_for(n))
        # Fill a new index and swap it in only when complete, so that a cancel
        # leaves the old one whole (it will grow on a later add).
        grown = _train_ivf(self.dim, sample, progress, cancel, n=n)
        # Calibration asks a few hundred queries, not the k-means sample: the rest goes before
        # the new index fills beside the old one.
        rows = np.random.default_rng(1).choice(len(sample), min(_CALIBRATION_QUERIES, len(sample)), replace=False)
        query_ids, queries = sample_ids[rows], sample[rows]
        del sample_ids, sample
        for ids, vectors in self._chunks():
            _add_in_chunks(grown, ids, vectors, None, cancel)
        # The old index goes before calibration reads the new one's vectors back.
        self._index, self._kind, self._trained_for = grown, "ivf-sq8", n
        _calibrate_nprobe(grown, query_ids, queries, self._chunks)
        release_freed_memory()

    # ---------------------------------------------------------- build, files

    @classmethod
    def build(
        cls,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        model: str,
        dim: int,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> VectorIndex:
        """Build an index from scratch, of the kind its size calls for.

        Parameters
        ----------
        ids, vectors
            All claim ids and their unit vectors (as stored in the database).
        model, dim
            The embedding model the vectors come from, recorded in the file.
        progress, cancel
            Reported between training and chunks of adding.

        Returns
        -------
        VectorIndex

        Raises
        ------
        VectorIndexError
            Shapes do not match, ids repeat, or FAISS fails.
        Cancelled
            ``cancel`` was set.

        Examples
        --------
        >>> index = VectorIndex.build(ids, vectors, model="use-multilingual", dim=512)
        """
        index = cls(model=model, dim=dim)
        ids, vectors = index._check(ids, vectors)
        if np.unique(ids).size != ids.size:
            raise VectorIndexError("The same claim id appears twice.")
        if ids.size >= FLAT_LIMIT:
            index._index = _train_ivf(dim, vectors, progress, cancel)
            index._kind = "ivf-sq8"
            index._trained_for = int(ids.size)
        _add_in_chunks(index._index, ids, vectors, progress, cancel)
        if index._kind != "flat":
            _calibrate_nprobe(index._index, ids, vectors)
        index._ids = np.sort(ids)
        if progress is not None:
            progress(1.0, "indexing")
        return index

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` atomically.

        The bytes go to a temporary file in the same folder, are flushed to
        disk, then replace ``path`` in one step: a crash leaves the old file.

        Raises
        ------
        VectorIndexError
            The file could not be written.
        """
        import faiss

        path = Path(path)
        with self._lock:
            try:
                data = faiss.serialize_index(self._index)
            except RuntimeError as exc:
                raise VectorIndexError(f"Could not serialise the vector index: {exc}") from exc
            header = {
                "format": 1,
                "model": self.model,
                "dim": self.dim,
                "count": len(self),
                "kind": self._kind,
                "trained_for": self._trained_for,
                "faiss_bytes": int(data.size),
                "crc32": zlib.crc32(data),
            }
        blob = json.dumps(header, sort_keys=True).encode("utf-8")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with replacing(path, mode=None) as temporary, temporary.open("wb") as f:
                f.write(_MAGIC)
                f.write(len(blob).to_bytes(_HEADER_LEN, "big"))
                f.write(blob)
                f.write(memoryview(data))
        except OSError as exc:
            raise VectorIndexError(f"Could not save the vector index to {path}: {exc}") from exc
        log.info("saved vector index (%d vectors, %s) to %s", header["count"], self._kind, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, model: str, dim: int) -> VectorIndex:
        """Read an index saved by :meth:`save`, for the given model.

        Parameters
        ----------
        path
            The index file.
        model, dim
            The model the caller embeds with; an index made with another model
            or dimension is refused.

        Returns
        -------
        VectorIndex

        Raises
        ------
        VectorIndexError
            The file is missing, unreadable, corrupt, or was made for another
            model or dimension. The caller then rebuilds from the database.

        Examples
        --------
        >>> index = VectorIndex.load(folder / "claims.faiss", model="use-multilingual", dim=512)
        """
        import faiss

        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise VectorIndexError(f"There is no vector index at {path}.") from exc
        except OSError as exc:
            raise VectorIndexError(f"Could not read the vector index {path}: {exc}") from exc
        header = _read_header(raw, path)
        if header.get("model") != model or header.get("dim") != dim:
            raise VectorIndexError(
                f"The vector index {path} was made with model '{header.get('model')}' "
                f"({header.get('dim')} dims), not '{model}' ({dim} dims)."
            )
        start = len(_MAGIC) + _HEADER_LEN + int.from_bytes(raw[len(_MAGIC) : len(_MAGIC) + _HEADER_LEN], "big")
        data = np.frombuffer(raw, dtype=np.uint8, offset=start)
        if data.size != header.get("faiss_bytes") or zlib.crc32(data) != header.get("crc32"):
            raise VectorIndexError(f"The vector index {path} is damaged (checksum mismatch).")
        try:
            inner = faiss.deserialize_index(data)
        except RuntimeError as exc:
            raise VectorIndexError(f"The vector index {path} is damaged: {exc}") from exc
        kind = header.get("kind")
        expected = {"flat": faiss.IndexIDMap2, "ivf-sq8": faiss.IndexIVFScalarQuantizer}.get(kind)
        if expected is None or not isinstance(inner, expected):
            raise VectorIndexError(f"The vector index {path} is of an unknown kind '{kind}'.")
        index = cls(model=model, dim=dim)
        index._index = inner
        index._kind = kind
        index._trained_for = int(header.get("trained_for", 0))
        if index._index.d != dim or index._index.ntotal != header.get("count"):
            raise VectorIndexError(f"The vector index {path} does not match its own header.")
        index._ids = index._ids_from_faiss()
        return index


def _read_header(raw: bytes, path: Path) -> dict[str, Any]:
    if not raw.startswith(_MAGIC) or len(raw) < len(_MAGIC) + _HEADER_LEN:
        raise VectorIndexError(f"{path} is not a Narrative Radar vector index.")
    size = int.from_bytes(raw[len(_MAGIC) : len(_MAGIC) + _HEADER_LEN], "big")
    body = raw[len(_MAGIC) + _HEADER_LEN : len(_MAGIC) + _HEADER_LEN + size]
    try:
        header = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VectorIndexError(f"The vector index {path} has a damaged header.") from exc
    if not isinstance(header, dict) or header.get("format") != 1:
        raise VectorIndexError(f"The vector index {path} is of an unknown format.")
    return header


def _add_in_chunks(
    index: Any, ids: np.ndarray, vectors: np.ndarray, progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    for start in range(0, ids.size, _ADD_CHUNK):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        end = min(start + _ADD_CHUNK, ids.size)
        try:
            index.add_with_ids(vectors[start:end], ids[start:end])
        except RuntimeError as exc:
            raise VectorIndexError(f"Could not add vectors to the index: {exc}") from exc
        if progress is not None and ids.size > _ADD_CHUNK:
            progress(end / ids.size, "indexing")


def _train_ivf(
    dim: int, vectors: np.ndarray, progress: Progress | None, cancel: threading.Event | None,
    *, n: int | None = None,
) -> Any:
    """An empty IVF-SQ8 index for ``n`` vectors (default: as many as given), its cells placed
    by k-means on a sample of ``vectors``."""
    import faiss

    if cancel is not None and cancel.is_set():
        raise Cancelled()
    nlist = nlist_for(n or vectors.shape[0])
    n = vectors.shape[0]
    index = faiss.IndexIVFScalarQuantizer(
        faiss.IndexFlatIP(dim), dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    # Codes of whole vectors, not of residuals: decodable without their cell,
    # so the index can re-cluster from its own contents (see _grow).
    index.by_residual = False
    sample_size = min(n, _TRAINING_POINTS * nlist)
    rng = np.random.default_rng(0)
    sample = vectors[np.sort(rng.choice(n, sample_size, replace=False))] if sample_size < n else vectors
    if progress is not None:
        progress(0.0, "training the index")
    try:
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    except RuntimeError as exc:
        raise VectorIndexError(f"Could not train the vector index: {exc}") from exc
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    return index


def _calibrate_nprobe(index: Any, ids: np.ndarray, vectors: np.ndarray,
                      corpus: Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]] | None = None) -> int:
    """Set and return the smallest probe count reaching :data:`TARGET_RECALL`.

    How many cells a query must visit depends on how clustered the vectors
    are, which differs between models and corpora, so it is measured on the
    index's own contents: a sample of its vectors as queries, their exact
    10 nearest (leaving out themselves) as the truth. This costs one exact
    search of ~200 queries, a few seconds at 1M vectors. The queries are drawn from
    ``ids, vectors``; the truth is searched among them, or, given ``corpus``, among every
    chunk it yields (all the vectors indexed, without holding them at once).
    """
    n = vectors.shape[0]
    k = 10
    if n <= k + 1:
        index.nprobe = index.nlist
        return int(index.nlist)
    rng = np.random.default_rng(1)
    rows = rng.choice(n, min(_CALIBRATION_QUERIES, n), replace=False)
    queries = np.ascontiguousarray(vectors[rows])
    chunks = corpus() if corpus is not None else iter([(ids, vectors)])
    truth = _exact_top(chunks, queries, k + 1)
    truth_ids = [set(t.tolist()) - {ids[r]} for t, r in zip(truth, rows)]
    chosen = index.nlist
    for nprobe in _NPROBE_LADDER:
        if nprobe >= index.nlist:
            break
        index.nprobe = nprobe
        _, found = index.search(queries, k + 1)
        recall = np.mean([len((set(f.tolist()) - {ids[r]}) & t) / max(1, len(t))
                          for f, t, r in zip(found, truth_ids, rows)])
        if recall >= TARGET_RECALL:
            chosen = nprobe
            break
    index.nprobe = int(chosen)
    log.info("IVF index: %d cells, probing %d", index.nlist, index.nprobe)
    return int(chosen)


def _exact_top(chunks: Iterator[tuple[np.ndarray, np.ndarray]], queries: np.ndarray, k: int) -> np.ndarray:
    """Ids of the exact top ``k`` of each query among the chunks of ``(ids, vectors)``."""
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.full((len(queries), k), -1, dtype=np.int64)
    for ids, vectors in chunks:
        for start in range(0, len(vectors), _CHUNK):
            sims = queries @ vectors[start : start + _CHUNK].T
            kk = min(k, sims.shape[1])
            part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
            all_s = np.concatenate([best_s, np.take_along_axis(sims, part, axis=1)], axis=1)
            all_i = np.concatenate([best_i, ids[start:start + _CHUNK][part]], axis=1)
            top = np.argpartition(-all_s, k - 1, axis=1)[:, :k]
            best_s = np.take_along_axis(all_s, top, axis=1)
            best_i = np.take_along_axis(all_i, top, axis=1)
    return best_i


@contextmanager
def _few_threads(batch: int) -> Iterator[None]:
    """Run a FAISS call on one OpenMP thread when its batch is small."""
    if batch >= _THREADED_BATCH:
        yield
        return
    import faiss

    # OpenMP keeps the thread count per calling thread; restore it after.
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)



"""Matching claims against the fact-check library: lexical and semantic evidence fused.

Claim-matching research found keyword search (BM25) as good as or better than
multilingual embeddings within one language, and embeddings needed across
languages. So candidates come from both, then are re-ranked:

1. **Candidates**: the ``POOL`` best fact-checks by FTS5 BM25 over their claim and
   title, and the ``POOL`` nearest by embedding cosine (a FAISS index over the
   fact-checks' vectors, built in memory from the stored ones).
2. **Score** of each candidate, in [0, 1]: within one language, a weighted sum of
   the IDF-weighted word overlap (:mod:`.lexical`, with word frequencies from the
   library) and the cosine, plus reciprocal-rank credit from the two lists;
   across languages (where words are not shared) the cosine alone, shifted so
   that the model's cross-language cosine bar lands on the same flag threshold.
   Claims stating different numbers (2.3% and 4%) never match.

Weights and thresholds per model are in :data:`app.engine.factchecks.MODEL_THRESHOLDS`,
tuned on the CLEF-2020 CheckThat! train tweets and reported on its dev tweets by
``bench/factchecks.py``.

Examples
--------
>>> matcher = FactCheckMatcher(store, load_embedder())
>>> matcher.prepare()
>>> [m.factcheck.rating for m in matcher.match_texts(["Vaccines contain microchips"], top=3)[0]]
['False']
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from .errors import Cancelled
from .factcheck_import import sync_feed_factchecks
from .factchecks import (COLUMNS, FactCheck, MatchThresholds, count_factchecks, refresh_narratives,
                         thresholds_for)
from .lexical import idf, numbers_disagree, tokens, weighted_cosine
from .store import Store, store_errors, utc_now, write_transaction

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]

POOL = 30  # candidates from each of BM25 and the vectors
RRF_K = 60  # reciprocal-rank fusion's usual constant
KEEP_PER_CLAIM = 3  # matches stored per claim, best first
BATCH = 256
# A word in more than this share of the library says nothing about which fact-check
# is meant, and makes the full-text query slow: leave it out of the query.
COMMON_WORD_SHARE = 0.05


@dataclass(frozen=True)
class Candidate:
    """The evidence that a text repeats one fact-check."""

    factcheck_id: int
    cosine: float
    lexical: float
    bm25_rank: int | None  # 1 = best by BM25; None: not among its POOL best
    vector_rank: int | None
    cross_language: bool
    numbers_disagree: bool


def fused_score(candidate: Candidate, thresholds: MatchThresholds) -> float:
    """The candidate's score in [0, 1]; from ``thresholds.flag`` on, it flags.

    Within one language: ``w * lexical + (1 - w) * cosine``, plus a small credit
    for ranking high in both lists (reciprocal-rank fusion). Across languages the
    cosine alone, shifted so that ``thresholds.cross_language`` maps to the flag
    threshold. A candidate stating other numbers scores nothing.
    """
    if candidate.numbers_disagree:
        return 0.0
    if candidate.cross_language:
        score = candidate.cosine - thresholds.cross_language + thresholds.flag
    else:
        w = thresholds.lexical_weight
        score = w * candidate.lexical + (1 - w) * candidate.cosine
        score += thresholds.rank_weight * RRF_K * sum(
            1.0 / (RRF_K + rank) for rank in (candidate.bm25_rank, candidate.vector_rank) if rank) / 2
    return float(min(1.0, max(0.0, score)))


@dataclass(frozen=True)
class FactCheckMatch:
    """A fact-check a text repeats, with the score and the evidence behind it."""

    factcheck: FactCheck
    score: float
    cosine: float
    lexical: float

    @property
    def factcheck_id(self) -> int:
        return self.factcheck.id

    def as_json(self) -> dict:
        """The documented JSON of a match (README, "Fact-checks")."""
        fc = self.factcheck
        return {"factcheck_id": fc.id, "external_id": fc.external_id, "score": round(self.score, 4),
                "claim": fc.claim, "rating": fc.rating, "verdict": fc.verdict, "publisher": fc.publisher,
                "url": fc.url, "date": fc.review_date, "language": fc.language}


def library_frequencies(db: sqlite_utils.Database):
    """Document frequencies of words among the fact-checks (claim and title), from the FTS index."""

    def frequencies(words):
        words = list(words)
        n_docs = db.conn.execute("SELECT count(*) FROM factchecks").fetchone()[0]
        found: dict[str, int] = {}
        for start in range(0, len(words), 900):
            chunk = words[start:start + 900]
            found.update(db.conn.execute(
                f"SELECT term, doc FROM factchecks_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk))
        return found, n_docs

    return frequencies


class FactCheckMatcher:
    """Matches texts against one store's fact-check library with one embedding model.

    Build it once for many texts: :meth:`prepare` embeds the fact-checks that have
    no vector of this model yet and loads them into an in-memory index.
    """

    def __init__(self, store: Store, embedder, *, thresholds: MatchThresholds | None = None,
                 pool: int = POOL) -> None:
        self.store = store
        self.embedder = embedder
        self.thresholds = thresholds or thresholds_for(embedder.name)
        self.pool = pool
        self._index = None
        self._frequencies = library_frequencies(store.db)

    # ------------------------------------------------------------------ library vectors

    def prepare(self, *, progress: Progress | None = None, cancel: threading.Event | None = None) -> int:
        """Embed fact-checks without a vector of this model, and load the index; return how many were embedded.

        Raises
        ------
        Cancelled
            ``cancel`` was set; vectors stored so far are kept.
        ModelError, StoreError
            The model or the database failed.
        """
        from .index import VectorIndex

        model, db = self.embedder.name, self.store.db
        missing_sql = ("SELECT f.id, f.claim FROM factchecks f WHERE NOT EXISTS (SELECT 1 FROM factcheck_vectors v"
                       " WHERE v.factcheck_id = f.id AND v.model = ?) ORDER BY f.id LIMIT ?")
        with store_errors():
            total = db.conn.execute(missing_sql.replace("f.id, f.claim", "count(*)").replace(" ORDER BY f.id LIMIT ?", ""),
                                    (model,)).fetchone()[0]
        done = 0
        while done < total:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Stopped; the fact-checks embedded so far are kept.")
            with store_errors():
                rows = db.conn.execute(missing_sql, (model, BATCH)).fetchall()
            if not rows:
                break
            vectors = self.embedder.encode([r[1] for r in rows], cancel=cancel)
            with write_transaction(db) as conn:
                conn.executemany("INSERT OR REPLACE INTO factcheck_vectors (factcheck_id, model, vector) VALUES (?, ?, ?)",
                                 [(r[0], model, v.astype(np.float32).tobytes()) for r, v in zip(rows, vectors)])
            done += len(rows)
            if progress:
                progress(done / total, f"embedding fact-checks: {done}/{total}")
        ids, vectors = self._stored_vectors()
        self._index = VectorIndex.build(ids, vectors, model=model, dim=self.embedder.dim) if len(ids) else None
        return done

    def _stored_vectors(self, ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        dim = self.embedder.dim
        sql = "SELECT factcheck_id, vector FROM factcheck_vectors WHERE model = ?"
        params: list = [self.embedder.name]
        if ids is not None:
            sql += " AND factcheck_id IN (SELECT value FROM json_each(?))"
            params.append("[" + ",".join(str(int(i)) for i in ids) + "]")
        with store_errors():
            rows = self.store.db.conn.execute(sql, params).fetchall()
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
        return (np.fromiter((r[0] for r in rows), np.int64, len(rows)),
                np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dim))

    # ------------------------------------------------------------------ candidates

    def _bm25(self, text: str, n_docs: int) -> list[int]:
        """The ``pool`` best fact-checks by BM25 over claim and title, best first."""
        words = sorted(tokens(text))
        if not words:
            return []
        df, _ = self._frequencies(words)
        limit = max(2, COMMON_WORD_SHARE * n_docs)
        useful = [w for w in words if df.get(w, 0) and df[w] <= limit] or [w for w in words if df.get(w, 0)]
        if not useful:
            return []
        query = " OR ".join(f'"{w}"' for w in useful)
        with store_errors():
            rows = self.store.db.conn.execute(
                "SELECT rowid FROM factchecks_fts WHERE factchecks_fts MATCH ? ORDER BY bm25(factchecks_fts, 1.0, 0.5)"
                " LIMIT ?", (query, self.pool)).fetchall()
        return [r[0] for r in rows]

    def candidates(self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str | None],
                   exclude_articles: Sequence[int | None] | None = None) -> list[list[Candidate]]:
        """The candidates of each text with their evidence (unsorted)."""
        if self._index is None and count_factchecks(self.store.db):
            self.prepare()
        n_docs = count_factchecks(self.store.db)
        if not n_docs or not len(texts):
            return [[] for _ in texts]
        by_vector: list[list[int]] = [[] for _ in texts]
        if self._index is not None:
            _, found = self._index.search(np.asarray(vectors, np.float32), min(self.pool, len(self._index)))
            by_vector = [[int(i) for i in row if i >= 0] for row in found]
        by_words = [self._bm25(text, n_docs) for text in texts]
        wanted = sorted({i for ids in by_vector + by_words for i in ids})
        info = self._library_rows(wanted)
        ids, stored = self._stored_vectors(wanted)
        vector_of = dict(zip(ids.tolist(), stored))
        all_tokens = {i: tokens(f"{row[1]} {row[2] or ''}") for i, row in info.items()}
        result = []
        for n, text in enumerate(texts):
            pool = [i for i in dict.fromkeys(by_words[n] + by_vector[n]) if i in info]
            if exclude_articles is not None and exclude_articles[n] is not None:
                pool = [i for i in pool if info[i][4] != exclude_articles[n]]
            query = tokens(text)
            vocabulary = set(query).union(*(all_tokens[i] for i in pool)) if pool else set(query)
            df, total = self._frequencies(vocabulary)
            weights = {w: idf(df.get(w, 0), total) for w in vocabulary}
            word_rank = {i: r for r, i in enumerate(by_words[n], 1)}
            vector_rank = {i: r for r, i in enumerate(by_vector[n], 1)}
            found = []
            for i in pool:
                _, claim, _, language, _ = info[i]
                vector = vector_of.get(i)
                cosine = float(np.dot(vectors[n], vector)) if vector is not None else 0.0
                found.append(Candidate(
                    factcheck_id=i, cosine=cosine, lexical=weighted_cosine(query, all_tokens[i], weights),
                    bm25_rank=word_rank.get(i), vector_rank=vector_rank.get(i),
                    cross_language=bool(languages[n] and language and languages[n] != language),
                    numbers_disagree=numbers_disagree(text, claim),
                ))
            result.append(found)
        return result

    def _library_rows(self, ids: Sequence[int]) -> dict[int, tuple]:
        with store_errors():
            rows = self.store.db.conn.execute(
                "SELECT id, claim, title, language, article_id FROM factchecks WHERE id IN (SELECT value FROM json_each(?))",
                ("[" + ",".join(str(int(i)) for i in ids) + "]",)).fetchall()
        return {r[0]: r for r in rows}

    # ------------------------------------------------------------------ ranking

    def rank(self, candidates: Sequence[Candidate]) -> list[tuple[Candidate, float]]:
        """Candidates with their scores, best first."""
        scored = [(c, fused_score(c, self.thresholds)) for c in candidates]
        scored.sort(key=lambda pair: (-pair[1], pair[0].factcheck_id))
        return scored

    def match_texts(self, texts: Sequence[str], *, top: int = 5, languages: Sequence[str | None] | None = None,
                    min_score: float = 0.0, vectors: np.ndarray | None = None) -> list[list[FactCheckMatch]]:
        """The ``top`` fact-checks each text repeats, best first.

        Parameters
        ----------
        texts
            Claims, in any language.
        languages
            Their language codes; detected when not given.
        min_score
            Leave out matches scoring less (``thresholds.flag`` keeps only those that flag).

        Raises
        ------
        ModelError, StoreError
            The model or the database failed.
        """
        from .text import detect_language

        if languages is None:
            languages = [detect_language(t) for t in texts]
        if vectors is None:
            vectors = self.embedder.encode(list(texts)) if texts else np.zeros((0, self.embedder.dim), np.float32)
        results = []
        for found in self.candidates(texts, vectors, languages):
            ranked = [(c, s) for c, s in self.rank(found) if s >= min_score][:top]
            factchecks = _factchecks_by_id(self.store.db, [c.factcheck_id for c, _ in ranked])
            results.append([FactCheckMatch(factchecks[c.factcheck_id], round(s, 4), round(c.cosine, 4),
                                           round(c.lexical, 4)) for c, s in ranked])
        return results


def _factchecks_by_id(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, FactCheck]:
    if not ids:
        return {}
    with store_errors():
        rows = db.conn.execute(f"SELECT {COLUMNS} FROM factchecks WHERE id IN (SELECT value FROM json_each(?))",
                               ("[" + ",".join(str(int(i)) for i in ids) + "]",)).fetchall()
    return {r[0]: FactCheck(*r) for r in rows}


# --------------------------------------------------------------------------- claims of the store


@dataclass(frozen=True)
class MatchReport:
    """What a matching run did."""

    claims_checked: int
    matches: int  # claim-fact-check pairs stored (new or still standing)
    flagging: int  # of which score at least the flag threshold
    narratives_touched: frozenset[int]
    seconds: float


def _unchecked_claims(db: sqlite_utils.Database, model: str, limit: int) -> list[tuple]:
    return db.conn.execute(
        "SELECT c.id, c.text, c.language, c.article_id FROM claims c LEFT JOIN factcheck_checked k"
        " ON k.claim_id = c.id AND k.model = ? WHERE k.claim_id IS NULL ORDER BY c.id LIMIT ?",
        (model, limit)).fetchall()


def _claim_vectors(db: sqlite_utils.Database, model: str, dim: int, ids: Sequence[int]) -> dict[int, np.ndarray]:
    rows = db.conn.execute(
        "SELECT claim_id, vector FROM vectors WHERE model = ? AND claim_id IN (SELECT value FROM json_each(?))",
        (model, "[" + ",".join(str(int(i)) for i in ids) + "]")).fetchall()
    return {r[0]: np.frombuffer(r[1], np.float32, count=dim) for r in rows}


def match_claims(store: Store, embedder, *, settings=None, progress: Progress | None = None,
                 cancel: threading.Event | None = None, matcher: FactCheckMatcher | None = None) -> MatchReport:
    """Match every claim not yet checked with this model against the library, and flag their narratives.

    Each claim keeps its :data:`KEEP_PER_CLAIM` best matches scoring at least the
    model's ``suggest`` threshold; matches a reviewer confirmed or rejected keep
    their status. Claims are remembered as checked, so a run after a cancel goes on
    where it stopped. With an empty library nothing is checked (the first import
    then reaches every claim).

    Raises
    ------
    Cancelled
        ``cancel`` was set; claims checked so far are kept.
    ModelError, StoreError
        The model or the database failed.
    """
    started = time.perf_counter()
    db = store.db
    if not count_factchecks(db):
        return MatchReport(0, 0, 0, frozenset(), 0.0)
    matcher = matcher or FactCheckMatcher(store, embedder)
    if matcher._index is None:
        matcher.prepare(progress=_part(progress, 0.0, 0.2), cancel=cancel)
    thresholds = matcher.thresholds
    with store_errors():
        total = db.conn.execute(
            "SELECT count(*) FROM claims c LEFT JOIN factcheck_checked k ON k.claim_id = c.id AND k.model = ?"
            " WHERE k.claim_id IS NULL", (embedder.name,)).fetchone()[0]
    checked = stored = flagging = 0
    touched: set[int] = set()
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled("Stopped; the claims matched so far are kept.")
        with store_errors():
            batch = _unchecked_claims(db, embedder.name, BATCH)
        if not batch:
            break
        ids = [r[0] for r in batch]
        known = _claim_vectors(db, embedder.name, embedder.dim, ids)
        missing = [r for r in batch if r[0] not in known]
        if missing:
            known.update(zip((r[0] for r in missing), embedder.encode([r[1] for r in missing], cancel=cancel)))
        vectors = np.stack([known[i] for i in ids])
        found = matcher.candidates([r[1] for r in batch], vectors, [r[2] for r in batch], [r[3] for r in batch])
        now = utc_now()
        with write_transaction(db) as conn:
            before = {r[0] for r in conn.execute(
                "SELECT DISTINCT claim_id FROM factcheck_matches WHERE claim_id IN (SELECT value FROM json_each(?))",
                ("[" + ",".join(map(str, ids)) + "]",))}
            for claim_id, candidates in zip(ids, found):
                kept = [(c, s) for c, s in matcher.rank(candidates) if s >= thresholds.suggest][:KEEP_PER_CLAIM]
                conn.execute("DELETE FROM factcheck_matches WHERE claim_id = ? AND status = 'new'", (claim_id,))
                conn.executemany(
                    "INSERT INTO factcheck_matches (claim_id, factcheck_id, model, score, status, matched_at)"
                    " VALUES (?, ?, ?, ?, 'new', ?) ON CONFLICT (claim_id, factcheck_id) DO UPDATE SET"
                    " score = excluded.score, model = excluded.model, matched_at = excluded.matched_at",
                    [(claim_id, c.factcheck_id, embedder.name, s, now) for c, s in kept])
                stored += len(kept)
                flagging += sum(s >= thresholds.flag for _, s in kept)
                if kept:
                    before.add(claim_id)
            conn.executemany("INSERT OR REPLACE INTO factcheck_checked (claim_id, model, checked_at) VALUES (?, ?, ?)",
                             [(i, embedder.name, now) for i in ids])
            if before:
                touched |= {r[0] for r in conn.execute(
                    "SELECT DISTINCT narrative_id FROM narrative_claims WHERE claim_id IN (SELECT value FROM json_each(?))",
                    ("[" + ",".join(map(str, sorted(before))) + "]",))}
        checked += len(batch)
        if progress:
            progress(0.2 + 0.75 * checked / max(total, 1), f"matching claims with fact-checks: {checked}/{total}")
    refresh_narratives(store, sorted(touched), settings)
    if progress:
        progress(1.0, "claims matched with fact-checks")
    return MatchReport(checked, stored, flagging, frozenset(touched), round(time.perf_counter() - started, 3))


def match_all(store: Store, embedder, *, settings=None, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> MatchReport:
    """Match every claim again (after the library changed); reviewed matches keep their status.

    Raises
    ------
    Cancelled
        ``cancel`` was set; a later :func:`match_claims` goes on where it stopped.
    ModelError, StoreError
        The model or the database failed.
    """
    with write_transaction(store.db) as conn:
        conn.execute("DELETE FROM factcheck_checked")
    return match_claims(store, embedder, settings=settings, progress=progress, cancel=cancel)


def match_new_claims(store: Store, embedder, settings=None, *, progress: Progress | None = None,
                     cancel: threading.Event | None = None) -> set[int]:
    """The pipeline's step after clustering: fact-checkers' feeds into the library, then new claims matched.

    Returns the narratives whose flags were refreshed.
    """
    added = sync_feed_factchecks(store)
    if added:
        # New fact-checks concern old claims too.
        with write_transaction(store.db) as conn:
            conn.execute("DELETE FROM factcheck_checked")
    return set(match_claims(store, embedder, settings=settings, progress=progress, cancel=cancel).narratives_touched)


def _part(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction, message: progress(start + (end - start) * fraction, message)


__all__ = ["Candidate", "FactCheckMatch", "FactCheckMatcher", "MatchReport", "fused_score", "library_frequencies",
           "match_all", "match_claims", "match_new_claims"]

"""Matching the store's claims against the fact-check library, and keeping the matches.

New claims are matched as the pipeline processes them; when fact-checks are added
(an import, a fact-checker's feed) the claims that may repeat them are checked
again; :func:`match_all` checks every claim (after another model, say). Each claim
keeps its best matches with their scores, reviewed matches keep their status, and
the narratives whose matches changed get their flags refreshed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from ..errors import Cancelled
from .importer import sync_feed_factchecks
from .match import FactCheckMatcher
from .library import count_factchecks, refresh_narratives
from ..progress import Progress, part
from ..store import Store, store_errors, utc_now, write_transaction


BATCH = 256
KEEP_PER_CLAIM = 3  # matches stored per claim, best first


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
    with store_errors():
        total = db.conn.execute(
            "SELECT count(*) FROM claims c LEFT JOIN factcheck_checked k ON k.claim_id = c.id AND k.model = ?"
            " WHERE k.claim_id IS NULL", (embedder.name,)).fetchone()[0]
    if not total:
        return MatchReport(0, 0, 0, frozenset(), round(time.perf_counter() - started, 3))
    matcher = matcher or FactCheckMatcher(store, embedder)
    if matcher._index is None:
        matcher.prepare(progress=part(progress, 0.0, 0.2), cancel=cancel)
    thresholds = matcher.thresholds
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


NEAR_CLAIMS = 50  # claims re-checked per changed fact-check, from each of BM25 and the vectors


def claims_near(store: Store, embedder, factcheck_ids: Sequence[int], *, index=None) -> set[int]:
    """Claims that may repeat these fact-checks: the best by BM25 and the nearest in ``index`` (the claims' index).

    Raises
    ------
    StoreError, ModelError
        The database or the model failed.
    """
    from ..search import fts_query

    db = store.db
    found: set[int] = set()
    with store_errors():
        rows = db.conn.execute(
            "SELECT id, claim, coalesce(title, '') FROM factchecks WHERE id IN (SELECT value FROM json_each(?))",
            ("[" + ",".join(str(int(i)) for i in factcheck_ids) + "]",)).fetchall()
        for _, claim, title in rows:
            words = fts_query(f"{claim} {title}")
            if words:
                found.update(r[0] for r in db.conn.execute(
                    "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ? ORDER BY bm25(claims_fts) LIMIT ?",
                    (" OR ".join(words.split(" ")), NEAR_CLAIMS)))
    if index is not None and len(index) and rows:
        vectors = embedder.encode([r[1] for r in rows])
        _, ids = index.search(vectors, min(NEAR_CLAIMS, len(index)))
        found.update(int(i) for i in ids.ravel() if i >= 0)
    return found


def match_library_changes(store: Store, embedder, factcheck_ids: Sequence[int], *, index=None, settings=None,
                          progress: Progress | None = None, cancel: threading.Event | None = None) -> MatchReport:
    """After fact-checks were added or changed: check again the claims that may repeat them, and the unchecked.

    Much cheaper than :func:`match_all` on a large store; the claims re-checked are
    found by :func:`claims_near`, so a claim far from every new fact-check by both
    words and meaning keeps its earlier matches.

    Raises
    ------
    Cancelled
        ``cancel`` was set; a later :func:`match_claims` goes on where it stopped.
    ModelError, StoreError
        The model or the database failed.
    """
    near = claims_near(store, embedder, factcheck_ids, index=index) if factcheck_ids else set()
    if near:
        with write_transaction(store.db) as conn:
            conn.execute("DELETE FROM factcheck_checked WHERE claim_id IN (SELECT value FROM json_each(?))",
                         ("[" + ",".join(map(str, sorted(near))) + "]",))
    return match_claims(store, embedder, settings=settings, progress=progress, cancel=cancel)


def match_new_claims(store: Store, embedder, settings=None, *, index=None, progress: Progress | None = None,
                     cancel: threading.Event | None = None) -> set[int]:
    """The pipeline's step after clustering: fact-checkers' feeds into the library, then new claims matched.

    ``index`` (the claims' vector index) helps find the old claims that repeat a
    fact-check just read from a feed. Returns the narratives whose flags were refreshed.
    """
    added = sync_feed_factchecks(store)
    return set(match_library_changes(store, embedder, added, index=index, settings=settings, progress=progress,
                                     cancel=cancel).narratives_touched)


__all__ = ["MatchReport", "claims_near", "match_all", "match_claims", "match_library_changes", "match_new_claims"]

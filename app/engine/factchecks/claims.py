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

from ..errors import Cancelled
from .importer import sync_feed_factchecks
from .match import FactCheckMatcher
from .library import refresh_narratives
from ..progress import Progress, part
from ..store import Store, store_errors, utc_now, write_transaction
from ..store import factcheck_matches, memberships
from ..store import factchecks as library_store
from ..store.fulltext import claims_by_words
from ..store.vectors import model_vectors


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
    if not library_store.count_factchecks(db):
        return MatchReport(0, 0, 0, frozenset(), 0.0)
    total = factcheck_matches.count_unchecked(db, embedder.name)
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
        batch = factcheck_matches.unchecked_claims(db, embedder.name, BATCH)
        if not batch:
            break
        ids = [r[0] for r in batch]
        known = model_vectors(db, embedder.name, ids, embedder.dim)
        missing = [r for r in batch if r[0] not in known]
        if missing:
            known.update(zip((r[0] for r in missing), embedder.encode([r[1] for r in missing], cancel=cancel)))
        vectors = np.stack([known[i] for i in ids])
        found = matcher.candidates([r[1] for r in batch], vectors, [r[2] for r in batch], [r[3] for r in batch])
        now = utc_now()
        with write_transaction(db) as conn:
            before = factcheck_matches.claims_with_matches(conn, ids)
            for claim_id, candidates in zip(ids, found):
                kept = [(c, s) for c, s in matcher.rank(candidates) if s >= thresholds.suggest][:KEEP_PER_CLAIM]
                factcheck_matches.replace_new_matches(conn, claim_id, embedder.name,
                                                      [(c.factcheck_id, s) for c, s in kept], now)
                stored += len(kept)
                flagging += sum(s >= thresholds.flag for _, s in kept)
                if kept:
                    before.add(claim_id)
            factcheck_matches.mark_checked(conn, embedder.name, ids, now)
            if before:
                touched |= memberships.narratives_of_claims(conn, before)
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
        factcheck_matches.forget_checked(conn)
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
        rows = library_store.texts(db, factcheck_ids)
        for _, claim, title in rows:
            words = fts_query(f"{claim} {title}")
            if words:
                found.update(claims_by_words(db, " OR ".join(words.split(" ")), NEAR_CLAIMS))
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
            factcheck_matches.forget_checked(conn, near)
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

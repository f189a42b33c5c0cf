"""A narrative's label, statistics and flags, recomputed from its members.

Clustering refreshes what a batch touched; a review (merge, split) and a fact-check
decision refresh the narratives they changed. The rules are the same whoever asks, so
they live here, below clustering, review and fact-checks, which all use it. Flags that
need more than the members come from the caller: the fact-check matches (``factcheck_flags``)
and, where a vector index is at hand, the doubt about the first source (``origin_doubt``,
see ``clustering.Clusterer``); without it, the doubt found when the narrative was last
clustered is kept.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

import numpy as np

from .domain import Flag
from .flags import FlagRules, Sighting, evaluate, source_count
from .settings import Settings
from .store import Store
from .store import memberships as members
from .store.vectors import load_vectors

FactCheckFlags = Callable[[sqlite3.Connection, int], list[Flag]]
OriginDoubt = Callable[[int, set[int], str], Flag | None]

LABEL_SAMPLE = 500
# The note that a flagged narrative's first source is uncertain (see Clusterer._origin_doubt):
# a note, not a flag, so it weighs nothing in the score.
ORIGIN_DOUBT = "origin"


class NarrativeState:
    """Refreshes narratives of one store, for vectors of ``dim`` dimensions."""

    def __init__(self, store: Store, *, dim: int, settings: Settings, factcheck_flags: FactCheckFlags,
                 origin_doubt: OriginDoubt | None = None) -> None:
        self.store = store
        self.dim = dim
        self.rules = FlagRules(min_sources=settings.flag_min_sources, hours=settings.flag_hours)
        self.factcheck_flags = factcheck_flags
        self.origin_doubt = origin_doubt

    def refresh_within(self, narrative_ids: set[int] | Sequence[int]) -> None:
        """Recompute label, statistics and flags of narratives, inside the caller's transaction."""
        conn = self.store.db.conn
        for narrative_id in narrative_ids:
            rows = members.sighting_rows(conn, narrative_id)
            if not rows:
                members.save_state(conn, narrative_id, label_claim_id=None, flags=[], score=0, flagged=False,
                                   sources=0)
                continue
            sightings = [Sighting(r[1], r[2], tuple(r[5].split("\x1f")) if r[5] else (), r[3], r[4])
                         for r in rows]
            # A match with a known fact-check (not rejected by a reviewer) is a flag of its own.
            flags, score, flagged = evaluate(sightings, self.rules, extra=self.factcheck_flags(conn, narrative_id))
            if flagged:
                doubt = (self.origin_doubt(narrative_id, {r[0] for r in rows}, rows[-1][4]) if self.origin_doubt
                         else members.stored_flag(conn, narrative_id, ORIGIN_DOUBT))
                flags = flags + ([doubt] if doubt else [])
            members.save_state(conn, narrative_id, label_claim_id=self._most_central(narrative_id), flags=flags,
                               score=score, flagged=flagged, sources=source_count(sightings))

    def _most_central(self, narrative_id: int) -> int | None:
        """The claim closest to the centre of the facet told by the most sources: its core assertion."""
        conn = self.store.db.conn
        facet_id = members.busiest_facet(conn, narrative_id)
        if facet_id is None:
            return None
        centroid = members.facet_centroids(conn, [facet_id], self.dim)[facet_id]
        claim_ids = members.newest_members(conn, facet_id, LABEL_SAMPLE)
        vectors = load_vectors(self.store.db, claim_ids, self.dim)
        if not vectors:
            return None
        return max(vectors, key=lambda cid: (float(np.dot(vectors[cid], centroid)), -cid))


def refresh_stored(store: Store, narrative_ids: Sequence[int], settings: Settings,
                   factcheck_flags: FactCheckFlags) -> None:
    """Refresh narratives (inside the caller's transaction) with the model each was made with."""
    conn = store.db.conn
    for narrative_id in narrative_ids:
        dim = members.vector_dim(conn, narrative_id)
        if dim is not None:
            NarrativeState(store, dim=dim, settings=settings,
                           factcheck_flags=factcheck_flags).refresh_within([narrative_id])

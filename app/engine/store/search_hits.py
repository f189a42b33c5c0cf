"""Claims as search results: each with its article, feed and narrative.

The full-text search that finds them by their words is in :mod:`.fulltext`; the
search by meaning finds ids in the vector index and reads them here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from ..domain import SearchHit
from .database import store_errors

HIT_COLUMNS = """
    c.id, c.text, c.language, a.id, a.title, a.link, coalesce(f.title, f.url), a.published_at, nc.narrative_id
"""
HIT_JOINS = """
    JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id
    LEFT JOIN narrative_claims nc ON nc.claim_id = c.id
"""


def search_hit(row: Sequence, score: float) -> SearchHit:
    """The hit of a row of :data:`HIT_COLUMNS`, with its score."""
    return SearchHit(
        claim_id=row[0], text=row[1], language=row[2], score=round(score, 4), article_id=row[3],
        article_title=row[4], article_link=row[5], feed_title=row[6], published_at=row[7], narrative_id=row[8],
    )


def hits_for(db: sqlite_utils.Database, scored: Sequence[tuple[int, float]]) -> list[SearchHit]:
    """Return search hits for ``(claim_id, score)`` pairs, in the given order (a claim deleted meanwhile is left out)."""
    if not scored:
        return []
    ids = [claim_id for claim_id, _ in scored]
    with store_errors():
        rows = db.conn.execute(
            f"SELECT {HIT_COLUMNS} FROM claims c {HIT_JOINS} WHERE c.id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
    by_id = {r[0]: r for r in rows}
    return [search_hit(by_id[i], score) for i, score in scored if i in by_id]

"""Full-text queries: BM25 searches and word statistics over the FTS5 indexes.

The schema keeps three FTS5 indexes, filled by triggers: ``claims_fts`` over the
claims, ``factchecks_fts`` over the fact-checks' claim and title, and
``factchecks_stem`` over the same text stemmed (for matching claims with
fact-checks); the ``fts5vocab`` tables ``claims_vocab`` and ``factchecks_vocab``
give each word's document frequency. Every statement that uses them (``MATCH``,
``bm25``, the vocabularies) is here, one function per query, so that another
database's full-text dialect can stand beside each.

A query is FTS5 syntax: quoted words (see :func:`app.engine.search.fts_query`),
joined by spaces (all of them) or ``OR`` (any).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlite_utils

from ..domain import SearchHit
from .database import store_errors
from .search_hits import HIT_COLUMNS, HIT_JOINS, search_hit


def search_claims(db: sqlite_utils.Database, query: str, limit: int) -> list[SearchHit]:
    """The claims matching ``query``, best BM25 match first (its score negated, higher is better)."""
    with store_errors():
        rows = db.conn.execute(
            f"SELECT {HIT_COLUMNS}, bm25(claims_fts) AS rank FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid"
            f" {HIT_JOINS} WHERE claims_fts MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        ).fetchall()
    return [search_hit(r[:9], -float(r[9])) for r in rows]


def claims_by_words(db: sqlite_utils.Database, query: str, limit: int) -> list[int]:
    """The ids of the ``limit`` claims matching ``query`` best by BM25, best first."""
    return [r[0] for r in db.conn.execute(
        "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ? ORDER BY bm25(claims_fts) LIMIT ?", (query, limit))]


def factcheck_words_condition() -> str:
    """A condition on ``factchecks f`` with one ``?`` for a query: the fact-check's claim or
    title matches it (:func:`.factchecks.list_factchecks` filters with it)."""
    return "f.id IN (SELECT rowid FROM factchecks_fts WHERE factchecks_fts MATCH ?)"


def best_factchecks(db: sqlite_utils.Database, query: str, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` fact-checks best matching ``query`` by BM25 over their stemmed claim and
    title (weighted alike), with their scores (higher is better), best first."""
    with store_errors():
        rows = db.conn.execute(
            "SELECT rowid, -bm25(factchecks_stem, 1.0, 1.0) AS score FROM factchecks_stem"
            " WHERE factchecks_stem MATCH ? ORDER BY score DESC LIMIT ?", (query, limit)).fetchall()
    return [(r[0], float(r[1])) for r in rows]


def claim_frequencies(db: sqlite_utils.Database) -> tuple[dict[str, int], int]:
    """``({word: claims holding it}, claims)``: every word's document frequency among the
    claims, and the number of claims."""
    total = db.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    return dict(db.conn.execute("SELECT term, doc FROM claims_vocab")), total


def factcheck_frequencies(db: sqlite_utils.Database, words: Sequence[str]) -> dict[str, int]:
    """``{word: fact-checks holding it}`` for those of ``words`` any fact-check's claim or title holds."""
    found: dict[str, int] = {}
    for start in range(0, len(words), 900):
        chunk = list(words[start:start + 900])
        found.update(db.conn.execute(
            f"SELECT term, doc FROM factchecks_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk))
    return found

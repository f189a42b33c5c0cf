"""Full-text queries: BM25 searches and word statistics over the FTS5 indexes.

The schema keeps three FTS5 indexes, filled by triggers: ``claims_fts`` over the
claims, ``factchecks_fts`` over the fact-checks' claim and title, and
``factchecks_stem`` over the same text stemmed (for matching claims with
fact-checks); the ``fts5vocab`` tables ``claims_vocab`` and ``factchecks_vocab``
give each word's document frequency. Every statement that uses them (``MATCH``,
``bm25``, the vocabularies) is here, one function per query, so that another
database's full-text dialect can stand beside each.

A query is FTS5 syntax: quoted words (see :func:`app.engine.search.fts_query`),
joined by spaces (all of them) or ``OR`` (any). On PostgreSQL the same query becomes a
``tsquery`` over the generated ``words`` (and ``stems``) columns, ranked by ``ts_rank``
where SQLite ranks by BM25; word frequencies come from ``ts_stat``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlite_utils

from ..domain import SearchHit
from .database import store_errors
from .postgres import is_postgres
from .search_hits import HIT_COLUMNS, HIT_JOINS, search_hit


def search_claims(db: sqlite_utils.Database, query: str, limit: int) -> list[SearchHit]:
    """The claims matching ``query``, best BM25 match first (its score negated, higher is better)."""
    with store_errors():
        if is_postgres(db):
            rows = db.conn.execute(
                f"SELECT {HIT_COLUMNS}, -ts_rank(c.words, q) AS rank FROM claims c"
                f" {HIT_JOINS} CROSS JOIN to_tsquery('simple', ?) AS q WHERE c.words @@ q ORDER BY rank, c.id LIMIT ?",
                (tsquery(query), limit)).fetchall()
            return [search_hit(r[:9], -float(r[9])) for r in rows]
        rows = db.conn.execute(
            f"SELECT {HIT_COLUMNS}, bm25(claims_fts) AS rank FROM claims_fts JOIN claims c ON c.id = claims_fts.rowid"
            f" {HIT_JOINS} WHERE claims_fts MATCH ? ORDER BY rank LIMIT ?",
            (query, limit),
        ).fetchall()
    return [search_hit(r[:9], -float(r[9])) for r in rows]


def claims_by_words(db: sqlite_utils.Database, query: str, limit: int) -> list[int]:
    """The ids of the ``limit`` claims matching ``query`` best by BM25, best first."""
    if is_postgres(db):
        return [r[0] for r in db.conn.execute(
            "SELECT c.id FROM claims c, to_tsquery('simple', ?) AS q WHERE c.words @@ q"
            " ORDER BY ts_rank(c.words, q) DESC, c.id LIMIT ?", (tsquery(query), limit))]
    return [r[0] for r in db.conn.execute(
        "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ? ORDER BY bm25(claims_fts) LIMIT ?", (query, limit))]


def factcheck_words_condition(db: sqlite_utils.Database, query: str) -> tuple[str, str]:
    """A condition on ``factchecks f`` with one ``?``, and its parameter: the fact-check's
    claim or title matches ``query`` (:func:`.factchecks.list_factchecks` filters with it)."""
    if is_postgres(db):
        return "f.words @@ to_tsquery('simple', ?)", tsquery(query)
    return "f.id IN (SELECT rowid FROM factchecks_fts WHERE factchecks_fts MATCH ?)", query


def best_factchecks(db: sqlite_utils.Database, query: str, limit: int) -> list[tuple[int, float]]:
    """The ``limit`` fact-checks best matching ``query`` by BM25 over their stemmed claim and
    title (weighted alike), with their scores (higher is better), best first."""
    with store_errors():
        if is_postgres(db):
            rows = db.conn.execute(
                "SELECT f.id, ts_rank(f.stems, q) AS score FROM factchecks f, to_tsquery('english', ?) AS q"
                " WHERE f.stems @@ q ORDER BY score DESC, f.id LIMIT ?", (tsquery(query), limit)).fetchall()
            return [(r[0], float(r[1])) for r in rows]
        rows = db.conn.execute(
            "SELECT rowid, -bm25(factchecks_stem, 1.0, 1.0) AS score FROM factchecks_stem"
            " WHERE factchecks_stem MATCH ? ORDER BY score DESC LIMIT ?", (query, limit)).fetchall()
    return [(r[0], float(r[1])) for r in rows]


def claim_frequencies(db: sqlite_utils.Database) -> tuple[dict[str, int], int]:
    """``({word: claims holding it}, claims)``: every word's document frequency among the
    claims, and the number of claims."""
    total = db.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    if is_postgres(db):
        return dict(db.conn.execute("SELECT word, ndoc FROM ts_stat('SELECT words FROM claims')")), total
    return dict(db.conn.execute("SELECT term, doc FROM claims_vocab")), total


def factcheck_frequencies(db: sqlite_utils.Database, words: Sequence[str]) -> dict[str, int]:
    """``{word: fact-checks holding it}`` for those of ``words`` any fact-check's claim or title holds."""
    found: dict[str, int] = {}
    if is_postgres(db):
        return dict(db.conn.execute("SELECT word, ndoc FROM ts_stat('SELECT words FROM factchecks')"
                                    " WHERE word = ANY(?)", (list(words),)))
    for start in range(0, len(words), 900):
        chunk = list(words[start:start + 900])
        found.update(db.conn.execute(
            f"SELECT term, doc FROM factchecks_vocab WHERE term IN ({','.join('?' * len(chunk))})", chunk))
    return found


_QUOTED = re.compile(r'"((?:[^"]|"")*)"')


def tsquery(query: str) -> str:
    r"""An FTS5 query of quoted words as PostgreSQL ``to_tsquery`` text: each word a quoted
    lexeme, joined by ``&`` (all of them) or ``|`` (``OR``: any).

    >>> tsquery('"cash" "ban"'), tsquery('"cash" OR "it\'s"')
    ("'cash' & 'ban'", "'cash' | 'it''s'")
    """
    words = ["'" + w.replace('""', '"').replace("\\", "\\\\").replace("'", "''") + "'"
             for w in _QUOTED.findall(query)]
    return (" | " if " OR " in query else " & ").join(words)

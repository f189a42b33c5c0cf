"""The fact-check library as the database holds it: the fact-checks and their vectors.

Which stored fact-check an imported one updates, and how values merge, is decided
in :mod:`app.engine.factchecks.library`; its matches with claims are in
:mod:`.factcheck_matches`, the search by words in :mod:`.fulltext`. Functions taking
a connection run inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

import numpy as np
import sqlite_utils

from ..domain import FactCheck
from .database import store_errors
from .fulltext import factcheck_words_condition

COLUMNS = ("id, external_id, claim, title, claimant, claim_date, rating, verdict, publisher, publisher_site, url,"
           " review_date, language, source, article_id, imported_at, updated_at")
"""The columns of a :class:`~app.engine.domain.FactCheck`, in its fields' order."""
WIDTH = len(COLUMNS.split(","))
WRITABLE = ("external_id", "url", "claim", "title", "claimant", "claim_date", "rating", "publisher",
            "publisher_site", "review_date", "language")
"""The columns an import gives."""


def prefixed(prefix: str) -> str:
    """:data:`COLUMNS` of the table called ``prefix`` in a join."""
    return ", ".join(f"{prefix}.{c.strip()}" for c in COLUMNS.split(","))


def _ids_json(ids: Sequence[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


# --------------------------------------------------------------------------- writing


def id_by_external_id(conn: sqlite3.Connection, external_id: str) -> int | None:
    """The first fact-check with this publisher's id, or None."""
    row = conn.execute("SELECT id FROM factchecks WHERE external_id = ? ORDER BY id LIMIT 1",
                       (external_id,)).fetchone()
    return row[0] if row else None


def at_url(conn: sqlite3.Connection, url: str) -> list[tuple[int, str, str | None]]:
    """``(id, text_key, external_id)`` of the fact-checks at this URL, by id."""
    return conn.execute("SELECT id, text_key, external_id FROM factchecks WHERE url = ? ORDER BY id",
                        (url,)).fetchall()


def id_by_text_key(conn: sqlite3.Connection, key: str, external_id: str | None) -> int | None:
    """The first fact-check with this text key, or None; given an ``external_id``, only one without its own."""
    row = conn.execute("SELECT id FROM factchecks WHERE text_key = ? AND (CAST(? AS TEXT) IS NULL OR external_id IS NULL)"
                       " ORDER BY id LIMIT 1", (key, external_id)).fetchone()
    return row[0] if row else None


def insert_factcheck(conn: sqlite3.Connection, values: Mapping[str, object], *, key: str, verdict: str, source: str,
                     article_id: int | None, now: str) -> int:
    """Add a fact-check with ``values`` (of every :data:`WRITABLE` column, in its order); return its id."""
    return conn.execute(
        f"INSERT INTO factchecks ({', '.join(WRITABLE)}, text_key, verdict, source, article_id, imported_at,"
        f" updated_at) VALUES ({', '.join('?' * len(WRITABLE))}, ?, ?, ?, ?, ?, ?)",
        [*values.values(), key, verdict, source, article_id, now, now],
    ).lastrowid


def writable_values(conn: sqlite3.Connection, factcheck_id: int) -> tuple[dict[str, object], int | None]:
    """``({column: value} of the :data:`WRITABLE` columns, article_id)`` of a stored fact-check."""
    row = conn.execute(f"SELECT {', '.join(WRITABLE)}, article_id FROM factchecks WHERE id = ?",
                       (factcheck_id,)).fetchone()
    return dict(zip(WRITABLE, row[:-1])), row[-1]


def update_factcheck(conn: sqlite3.Connection, factcheck_id: int, values: Mapping[str, object], *, key: str,
                     verdict: str, article_id: int | None, now: str) -> None:
    """Replace a fact-check's ``values`` (of every :data:`WRITABLE` column, in its order); an
    ``article_id`` of None keeps the one it has."""
    conn.execute(
        f"UPDATE factchecks SET {', '.join(f'{n} = ?' for n in WRITABLE)}, text_key = ?, verdict = ?,"
        " article_id = coalesce(?, article_id), updated_at = ? WHERE id = ?",
        [*values.values(), key, verdict, article_id, now, factcheck_id],
    )


def delete_factchecks(conn: sqlite3.Connection, ids: Sequence[int]) -> None:
    """Delete fact-checks; their vectors and matches go with them (foreign keys)."""
    conn.executemany("DELETE FROM factchecks WHERE id = ?", [(int(i),) for i in ids])


def feed_articles(conn: sqlite3.Connection, tag: str) -> list[tuple]:
    """The articles of the feeds tagged ``tag`` that no fact-check was made from yet, oldest first:
    ``(article_id, title, text, link, feed name, published_at, language, feed_id, first body claim)``."""
    return conn.execute(
        "SELECT a.id, a.title, a.text, a.link, coalesce(f.title, f.url), a.published_at, a.language, f.id,"
        " (SELECT c.text FROM claims c WHERE c.article_id = a.id AND c.is_title = 0 ORDER BY c.position LIMIT 1)"
        " FROM articles a JOIN feeds f ON f.id = a.feed_id JOIN feed_tags t ON t.feed_id = f.id AND t.tag = ?"
        " WHERE NOT EXISTS (SELECT 1 FROM factchecks fc WHERE fc.article_id = a.id) ORDER BY a.id",
        (tag,)).fetchall()


# --------------------------------------------------------------------------- reading


def get_factcheck(db: sqlite_utils.Database, factcheck_id: int) -> FactCheck | None:
    """Return one fact-check, or None.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    with store_errors():
        row = db.conn.execute(f"SELECT {COLUMNS} FROM factchecks WHERE id = ?", (int(factcheck_id),)).fetchone()
    return FactCheck(*row) if row else None


def factchecks_by_id(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, FactCheck]:
    """``{id: fact-check}`` of those of ``ids`` that exist."""
    if not ids:
        return {}
    with store_errors():
        rows = db.conn.execute(f"SELECT {COLUMNS} FROM factchecks WHERE id IN (SELECT value FROM json_each(?))",
                               (_ids_json(ids),)).fetchall()
    return {r[0]: FactCheck(*r) for r in rows}


def list_factchecks(db: sqlite_utils.Database, *, words: str | None = None, verdict: str | None = None,
                    after: int | None = None, limit: int | None = 200) -> list[FactCheck]:
    """Fact-checks, newest first (by id): those whose claim or title matches the full-text query
    ``words`` (any, when None), of this ``verdict``, and older than the one with id ``after``
    (keyset paging).

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    where, params = ["TRUE"], []
    if words:
        condition, value = factcheck_words_condition(db, words)
        where.append(condition)
        params.append(value)
    if verdict:
        where.append("f.verdict = ?")
        params.append(verdict)
    if after is not None:
        where.append("f.id < ?")
        params.append(int(after))
    sql = f"SELECT {prefixed('f')} FROM factchecks f WHERE {' AND '.join(where)} ORDER BY f.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with store_errors():
        return [FactCheck(*r) for r in db.conn.execute(sql, params)]


def count_factchecks(db: sqlite_utils.Database) -> int:
    """How many fact-checks the library holds."""
    with store_errors():
        return db.conn.execute("SELECT count(*) FROM factchecks").fetchone()[0]


def texts(db: sqlite_utils.Database, ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """``(id, claim, title or '')`` of those of ``ids`` that exist."""
    return db.conn.execute(
        "SELECT id, claim, coalesce(title, '') FROM factchecks WHERE id IN (SELECT value FROM json_each(?))",
        (_ids_json(ids),)).fetchall()


def match_fields(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, tuple]:
    """``{id: (id, claim, title, language, article_id)}`` of those of ``ids`` that exist: what matching compares."""
    with store_errors():
        rows = db.conn.execute(
            "SELECT id, claim, title, language, article_id FROM factchecks WHERE id IN (SELECT value FROM json_each(?))",
            (_ids_json(ids),)).fetchall()
    return {r[0]: r for r in rows}


# --------------------------------------------------------------------------- vectors

# A fact-check's claim and its title are embedded apart, the titles' vectors under the model's
# name with a suffix (the caller's ``model``); a fact-check without a title has no title vector.
_UNEMBEDDED = ("SELECT {what} FROM factchecks f WHERE NOT EXISTS (SELECT 1 FROM factcheck_vectors v"
               " WHERE v.factcheck_id = f.id AND v.model = ?){where}")
_TITLED = " AND f.title IS NOT NULL AND f.title != ''"


def count_unembedded(db: sqlite_utils.Database, model: str, *, titles: bool = False) -> int:
    """How many fact-checks have no vector of ``model`` for their claim (or, ``titles``, their title)."""
    with store_errors():
        return db.conn.execute(_UNEMBEDDED.format(what="count(*)", where=_TITLED if titles else ""),
                               (model,)).fetchone()[0]


def unembedded(db: sqlite_utils.Database, model: str, limit: int, *, titles: bool = False) -> list[tuple[int, str]]:
    """``(id, claim)`` (or, ``titles``, ``(id, title)``) of the first ``limit`` fact-checks, by id,
    that have no vector of ``model`` for it."""
    column, where = ("f.title", _TITLED) if titles else ("f.claim", "")
    with store_errors():
        return db.conn.execute(_UNEMBEDDED.format(what=f"f.id, {column}", where=where) + " ORDER BY f.id LIMIT ?",
                               (model, limit)).fetchall()


def save_vectors(conn: sqlite3.Connection, model: str, ids: Sequence[int], vectors: np.ndarray) -> None:
    """Store (or replace) the vectors of ``model`` of these fact-checks."""
    conn.executemany(
        "INSERT INTO factcheck_vectors (factcheck_id, model, vector) VALUES (?, ?, ?)"
        " ON CONFLICT (factcheck_id, model) DO UPDATE SET vector = excluded.vector",
        [(i, model, v.astype(np.float32).tobytes()) for i, v in zip(ids, vectors)])


def delete_vectors(conn: sqlite3.Connection, factcheck_id: int) -> None:
    """Drop a fact-check's vectors (its text changed: it is embedded anew)."""
    conn.execute("DELETE FROM factcheck_vectors WHERE factcheck_id = ?", (factcheck_id,))


def stored_vectors(db: sqlite_utils.Database, model: str, dim: int,
                   ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, vectors)`` of the stored vectors of ``model`` (of these fact-checks only, given ``ids``), by id."""
    sql = "SELECT factcheck_id, vector FROM factcheck_vectors WHERE model = ?"
    params: list = [model]
    if ids is not None:
        sql += " AND factcheck_id IN (SELECT value FROM json_each(?))"
        params.append(_ids_json(ids))
    with store_errors():
        rows = db.conn.execute(sql + " ORDER BY factcheck_id", params).fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
    return (np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            np.frombuffer(b"".join(r[1] for r in rows), np.float32).reshape(len(rows), dim))

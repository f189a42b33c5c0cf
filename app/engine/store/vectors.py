"""Claim vectors in the database, so the index can always be rebuilt from it.

Each vector records the model that made it: vectors of two models are never
mixed, and switching models re-embeds every claim.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

import numpy as np
import sqlite_utils

from .database import store_errors

BATCH = 5000


def save_vectors(conn: sqlite3.Connection, model: str, ids: Sequence[int], vectors: np.ndarray) -> None:
    """Store (or replace) the vectors of these claims, inside the caller's transaction."""
    rows = [(int(i), model, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for i, v in zip(ids, vectors)]
    conn.executemany("INSERT OR REPLACE INTO vectors (claim_id, model, vector) VALUES (?, ?, ?)", rows)


def load_vectors(db: sqlite_utils.Database, ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
    """Return the stored vectors of these claims (missing ones are left out)."""
    found: dict[int, np.ndarray] = {}
    ids = [int(i) for i in ids]
    with store_errors():
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            rows = db.conn.execute(
                f"SELECT claim_id, vector FROM vectors WHERE claim_id IN ({','.join('?' * len(chunk))})", chunk
            )
            for claim_id, blob in rows:
                found[claim_id] = np.frombuffer(blob, dtype=np.float32, count=dim)
    return found


def iter_vectors(db: sqlite_utils.Database, model: str, dim: int,
                 batch: int = BATCH) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(ids, vectors)`` batches of every stored vector of a model, by claim id."""
    last = -1
    while True:
        with store_errors():
            rows = db.conn.execute(
                "SELECT claim_id, vector FROM vectors WHERE model = ? AND claim_id > ? ORDER BY claim_id LIMIT ?",
                (model, last, batch),
            ).fetchall()
        if not rows:
            return
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        yield ids, vectors
        last = rows[-1][0]


def count_vectors(db: sqlite_utils.Database, model: str) -> int:
    with store_errors():
        return db.conn.execute("SELECT count(*) FROM vectors WHERE model = ?", (model,)).fetchone()[0]


def claims_without_vectors(db: sqlite_utils.Database, model: str, *, limit: int = BATCH) -> list[tuple[int, str]]:
    """Return up to ``limit`` claims that have no vector of this model yet, in publication order
    (so a backlog is clustered as if it had arrived as it was published)."""
    with store_errors():
        return db.conn.execute(
            "SELECT c.id, c.text FROM claims c JOIN articles a ON a.id = c.article_id"
            " LEFT JOIN vectors v ON v.claim_id = c.id AND v.model = ?"
            " WHERE v.claim_id IS NULL ORDER BY a.published_at, c.id LIMIT ?",
            (model, limit),
        ).fetchall()


def count_claims_without_vectors(db: sqlite_utils.Database, model: str) -> int:
    with store_errors():
        return db.conn.execute(
            "SELECT count(*) FROM claims c LEFT JOIN vectors v ON v.claim_id = c.id AND v.model = ?"
            " WHERE v.claim_id IS NULL",
            (model,),
        ).fetchone()[0]


def stored_models(db: sqlite_utils.Database) -> list[str]:
    """Return the models that have vectors in the database."""
    with store_errors():
        return [r[0] for r in db.conn.execute("SELECT DISTINCT model FROM vectors")]

"""Claim vectors in the database, so the index can always be rebuilt from it.

Each vector records the model that made it: vectors of two models are never
mixed, and switching models re-embeds every claim.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence

import numpy as np
import sqlite_utils

from .database import store_errors

BATCH = 5000
# A title is embedded with its article's lead: the first body claims, about as much text as the
# first 400 characters that tell most news stories apart.
LEAD_CHARS = 400
LEAD_SENTENCES = 6


def normalised(text: str) -> str:
    """A text as it is embedded: its words, spacing aside (two texts equal but for it are one)."""
    return " ".join(text.split())


def text_key(text: str) -> bytes:
    """What identifies the text a vector was made from (see :func:`normalised`)."""
    return hashlib.blake2b(normalised(text).encode("utf-8"), digest_size=16).digest()


def save_vectors(conn: sqlite3.Connection, model: str, ids: Sequence[int], vectors: np.ndarray,
                 keys: Sequence[bytes | None] | None = None) -> None:
    """Store (or replace) the vectors of these claims, inside the caller's transaction, each with
    the :func:`text_key` of the text it was made from when given (so the text is embedded once)."""
    keys = keys if keys is not None else [None] * len(ids)
    rows = [(int(i), model, np.ascontiguousarray(v, dtype=np.float32).tobytes(), k)
            for i, v, k in zip(ids, vectors, keys)]
    conn.executemany("INSERT INTO vectors (claim_id, model, vector, text_key) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT (claim_id) DO UPDATE SET model = excluded.model, vector = excluded.vector,"
                     " text_key = excluded.text_key", rows)


def vectors_by_text(db: sqlite_utils.Database, model: str, keys: Sequence[bytes], dim: int) -> dict[bytes, np.ndarray]:
    """The stored vectors of this model made from these texts (by :func:`text_key`), one per text."""
    found: dict[bytes, np.ndarray] = {}
    keys = sorted(set(keys))
    with store_errors():
        for start in range(0, len(keys), 900):
            chunk = keys[start:start + 900]
            rows = db.conn.execute(
                f"SELECT text_key, vector FROM vectors WHERE model = ? AND text_key IN ({','.join('?' * len(chunk))})",
                [model, *chunk])
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
    return found


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


def model_vectors(db: sqlite_utils.Database, model: str, ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
    """Return the stored vectors of ``model`` of these claims (missing ones are left out)."""
    rows = db.conn.execute(
        "SELECT claim_id, vector FROM vectors WHERE model = ? AND claim_id IN (SELECT value FROM json_each(?))",
        (model, "[" + ",".join(str(int(i)) for i in ids) + "]")).fetchall()
    return {r[0]: np.frombuffer(r[1], np.float32, count=dim) for r in rows}


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


def vector_ids(db: sqlite_utils.Database, model: str) -> np.ndarray:
    """The claim ids that have a stored vector of ``model``, sorted."""
    with store_errors():
        rows = db.conn.execute("SELECT claim_id FROM vectors WHERE model = ? ORDER BY claim_id", (model,)).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def count_vectors(db: sqlite_utils.Database, model: str) -> int:
    with store_errors():
        return db.conn.execute("SELECT count(*) FROM vectors WHERE model = ?", (model,)).fetchone()[0]


def processing_order(db: sqlite_utils.Database, model: str, *, embedded: bool = False,
                     newest_titles: int = 0, backlog: int = 0) -> list[int]:
    """The ids of the claims that have no vector of this model yet (or, ``embedded``, those that
    have one), in the order the pipeline processes them.

    Titles come before body sentences, each in publication order, so a backlog is clustered
    as if it had arrived as it was published, and the whole articles (title and lead) are
    there before the details that join them. With *newest_titles*, when more than *backlog*
    claims are to be processed, that many of the newest titles come first (in publication order
    among themselves): a first fetch of hundreds of feeds shows the latest stories first, and
    the rest follows; ``recluster`` takes the same order, so that it agrees with that fetch.
    """
    with store_errors():
        rows = db.conn.execute(
            "SELECT c.id, c.is_title FROM claims c JOIN articles a ON a.id = c.article_id"
            " LEFT JOIN vectors v ON v.claim_id = c.id AND v.model = ?"
            f" WHERE v.claim_id IS {'NOT ' if embedded else ''}NULL"
            " ORDER BY c.is_title DESC, a.published_at, c.id", (model,)).fetchall()
    order = [r[0] for r in rows]
    titles = sum(1 for r in rows if r[1])
    if len(order) > backlog and 0 < newest_titles < titles:
        first = set(order[titles - newest_titles:titles])
        order = order[titles - newest_titles:titles] + [i for i in order if i not in first]
    return order


def texts_to_embed(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, str]:
    """The text each claim is embedded as, in the order of ``ids``: a body sentence as it is, a
    title with its article's lead (see :func:`story_text`). A claim deleted meanwhile (its feed
    removed) is left out."""
    rows: dict[int, tuple] = {}
    ids = [int(i) for i in ids]
    with store_errors():
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            rows.update((r[0], r) for r in db.conn.execute(
                f"SELECT id, text, is_title, article_id FROM claims WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        leads = _leads(db, [r[3] for r in rows.values() if r[2]])
    return {i: story_text(rows[i][1], leads.get(rows[i][3], [])) if rows[i][2] else rows[i][1]
            for i in ids if i in rows}


def story_text(title: str, lead: Sequence[str]) -> str:
    """What a title claim is embedded as: the title and the article's first claims, up to
    LEAD_CHARS, so that its vector stands for the article as a whole.

    Outlets word one event's headline differently ("2 injured when snowmobile crashes into
    tree" / "Two hurt when snowmobile crashed into tree"); their leads repeat the names,
    places and numbers, which the title alone may lack.
    """
    parts, used = [title], len(title)
    for sentence in lead:
        if used >= LEAD_CHARS:
            break
        parts.append(sentence)
        used += len(sentence) + 1
    return " ".join(parts)


def _leads(db: sqlite_utils.Database, article_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        for article_id, text in db.conn.execute(
                f"SELECT article_id, text FROM claims WHERE is_title = 0 AND position <= {LEAD_SENTENCES}"
                f" AND article_id IN ({','.join('?' * len(chunk))}) ORDER BY article_id, position", chunk):
            found.setdefault(article_id, []).append(text)
    return found


def stored_models(db: sqlite_utils.Database) -> list[str]:
    """Return the models that have vectors in the database."""
    with store_errors():
        return [r[0] for r in db.conn.execute("SELECT DISTINCT model FROM vectors")]


def delete_models(conn: sqlite3.Connection, models: Sequence[str]) -> None:
    """Drop the vectors of models no longer used (after a switch has re-embedded every claim)."""
    conn.executemany("DELETE FROM vectors WHERE model = ?", [(m,) for m in models])

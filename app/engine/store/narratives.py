"""Narratives in the database: members, running centroids, statistics and flags."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np
import sqlite_utils

from ..domain import Flag, Member, Narrative, NarrativeSummary
from .database import store_errors, utc_now

SUMMARY_COLUMNS = """
    n.id, coalesce(c.text, ''), n.status, n.size, n.sources, n.languages, n.first_seen, n.last_seen,
    n.score, n.flagged
"""


def create(conn: sqlite3.Connection, model: str, members: Sequence[tuple[int, float]], vectors: np.ndarray) -> int:
    """Start a narrative from claims (``(claim_id, similarity)``) and their vectors."""
    now = utc_now()
    centroid = vectors.sum(axis=0).astype(np.float32)
    cur = conn.execute(
        "INSERT INTO narratives (created_at, updated_at, model, centroid, size, label_claim_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (now, now, model, centroid.tobytes(), len(members), members[0][0]),
    )
    narrative_id = cur.lastrowid
    conn.executemany(
        "INSERT OR REPLACE INTO narrative_claims (claim_id, narrative_id, similarity, added_at) VALUES (?, ?, ?, ?)",
        [(claim_id, narrative_id, float(sim), now) for claim_id, sim in members],
    )
    return narrative_id


def add_member(conn: sqlite3.Connection, narrative_id: int, claim_id: int, similarity: float,
               vector: np.ndarray) -> None:
    """Add a claim to a narrative and move its centroid (a running sum: O(1) per claim)."""
    row = conn.execute("SELECT centroid FROM narratives WHERE id = ?", (narrative_id,)).fetchone()
    centroid = np.frombuffer(row[0], dtype=np.float32) + vector.astype(np.float32)
    conn.execute(
        "INSERT OR REPLACE INTO narrative_claims (claim_id, narrative_id, similarity, added_at) VALUES (?, ?, ?, ?)",
        (claim_id, narrative_id, float(similarity), utc_now()),
    )
    conn.execute(
        "UPDATE narratives SET centroid = ?, size = size + 1, updated_at = ? WHERE id = ?",
        (centroid.astype(np.float32).tobytes(), utc_now(), narrative_id),
    )


def centroids(conn: sqlite3.Connection, narrative_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
    """Return the unit-length centroids of these narratives."""
    if not narrative_ids:
        return {}
    ids = list(narrative_ids)
    rows = conn.execute(
        f"SELECT id, centroid FROM narratives WHERE id IN ({','.join('?' * len(ids))})", ids
    ).fetchall()
    found = {}
    for narrative_id, blob in rows:
        vector = np.frombuffer(blob, dtype=np.float32, count=dim)
        norm = float(np.linalg.norm(vector))
        found[narrative_id] = vector / norm if norm > 0 else vector
    return found


def member_rows(conn: sqlite3.Connection, narrative_id: int) -> list[tuple]:
    """Return ``(claim_id, feed_id, language, published_at, article_id)`` of each member."""
    return conn.execute(
        "SELECT nc.claim_id, a.feed_id, c.language, a.published_at, a.id FROM narrative_claims nc"
        " JOIN claims c ON c.id = nc.claim_id JOIN articles a ON a.id = c.article_id"
        " WHERE nc.narrative_id = ? ORDER BY a.published_at, nc.claim_id",
        (narrative_id,),
    ).fetchall()


def save_state(conn: sqlite3.Connection, narrative_id: int, *, label_claim_id: int | None,
               flags: Sequence[Flag], score: float, flagged: bool) -> None:
    """Recompute a narrative's statistics from its members and store its label and flags."""
    rows = member_rows(conn, narrative_id)
    if not rows:
        conn.execute("DELETE FROM narratives WHERE id = ?", (narrative_id,))
        return
    languages = sorted({r[2] for r in rows if r[2]})
    conn.execute(
        "UPDATE narratives SET size = ?, first_seen = ?, last_seen = ?, sources = ?, languages = ?,"
        " label_claim_id = coalesce(?, label_claim_id), score = ?, flagged = ?, updated_at = ? WHERE id = ?",
        (len(rows), rows[0][3], rows[-1][3], len({r[1] for r in rows}), ",".join(languages),
         label_claim_id, score, int(flagged), utc_now(), narrative_id),
    )
    conn.execute("DELETE FROM flags WHERE narrative_id = ?", (narrative_id,))
    conn.executemany(
        "INSERT INTO flags (narrative_id, kind, reason, weight) VALUES (?, ?, ?, ?)",
        [(narrative_id, f.kind, f.reason, f.weight) for f in flags],
    )


def _flags_of(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, tuple[Flag, ...]]:
    found: dict[int, list[Flag]] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        rows = db.conn.execute(
            f"SELECT narrative_id, kind, reason, weight FROM flags WHERE narrative_id IN ({','.join('?' * len(chunk))})"
            " ORDER BY weight DESC", chunk,
        )
        for narrative_id, kind, reason, weight in rows:
            found.setdefault(narrative_id, []).append(Flag(kind, reason, weight))
    return {k: tuple(v) for k, v in found.items()}


def _summaries(db: sqlite_utils.Database, rows: list[tuple]) -> list[NarrativeSummary]:
    flags = _flags_of(db, [r[0] for r in rows])
    return [
        NarrativeSummary(
            id=r[0], label=r[1], status=r[2], size=r[3], sources=r[4],
            languages=tuple(x for x in r[5].split(",") if x), first_seen=r[6], last_seen=r[7],
            score=r[8], flagged=bool(r[9]), flags=flags.get(r[0], ()),
        )
        for r in rows
    ]


def list_narratives(db: sqlite_utils.Database, *, flagged_only: bool = False, since: str | None = None,
                    status: str | None = None, ids: Sequence[int] | None = None,
                    limit: int | None = None) -> list[NarrativeSummary]:
    """Return narratives, flagged first, then by score and recency."""
    where, params = ["n.merged_into IS NULL"], []
    if flagged_only:
        where.append("n.flagged = 1")
    if since:
        where.append("n.last_seen >= ?")
        params.append(since)
    if status:
        where.append("n.status = ?")
        params.append(status)
    if ids is not None:
        where.append(f"n.id IN ({','.join('?' * len(ids))})")
        params.extend(ids)
    sql = (f"SELECT {SUMMARY_COLUMNS} FROM narratives n LEFT JOIN claims c ON c.id = n.label_claim_id"
           f" WHERE {' AND '.join(where)} ORDER BY n.flagged DESC, n.score DESC, n.last_seen DESC, n.id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    with store_errors():
        return _summaries(db, db.conn.execute(sql, params).fetchall())


def get_narrative(db: sqlite_utils.Database, narrative_id: int) -> Narrative | None:
    """Return a narrative with its members, oldest first, or None."""
    with store_errors():
        row = db.conn.execute(
            f"SELECT {SUMMARY_COLUMNS}, n.notes FROM narratives n LEFT JOIN claims c ON c.id = n.label_claim_id"
            " WHERE n.id = ?", (narrative_id,),
        ).fetchone()
        if row is None:
            return None
        members = db.conn.execute(
            "SELECT c.id, c.text, c.language, nc.similarity, a.id, a.title, a.link, f.id,"
            " coalesce(f.title, f.url), a.published_at FROM narrative_claims nc"
            " JOIN claims c ON c.id = nc.claim_id JOIN articles a ON a.id = c.article_id"
            " JOIN feeds f ON f.id = a.feed_id WHERE nc.narrative_id = ? ORDER BY a.published_at, c.id",
            (narrative_id,),
        ).fetchall()
    summary = _summaries(db, [row[:10]])[0]
    return Narrative(summary=summary, notes=row[10], members=tuple(Member(*m) for m in members))


def narrative_of_claims(conn: sqlite3.Connection, claim_ids: Sequence[int]) -> dict[int, int]:
    """Return ``{claim_id: narrative_id}`` for the claims that belong to one."""
    if not claim_ids:
        return {}
    ids = [int(i) for i in claim_ids]
    rows = conn.execute(
        f"SELECT claim_id, narrative_id FROM narrative_claims WHERE claim_id IN ({','.join('?' * len(ids))})", ids
    )
    return dict(rows)

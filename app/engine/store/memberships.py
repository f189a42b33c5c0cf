"""Which claim belongs to which narrative, through which facet, and their centroids.

A narrative is a storyline; its *facets* are the claim-level clusters it is made
of (one assertion told again and again). Each facet keeps a running centroid (the
sum of its members' vectors), so adding a claim costs the same however large the
narrative grows. Writes here run inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import numpy as np

from ..domain import Flag
from ..flags import GROWTH_HOURS
from ..outlets import outlet
from .database import to_utc_text, utc_now

VectorLoader = Callable[[Sequence[int]], dict[int, np.ndarray]]


# A claim joins its new narrative as a new member: unpinned, whatever it was before.
_MEMBER_REPLACED = ("ON CONFLICT (claim_id) DO UPDATE SET narrative_id = excluded.narrative_id,"
                    " facet_id = excluded.facet_id, similarity = excluded.similarity, added_at = excluded.added_at,"
                    " evidence = excluded.evidence, pinned = 0")


def _marks(values: Sequence) -> str:
    return ",".join("?" * len(values))


def create(conn: sqlite3.Connection, model: str, members: Sequence[tuple[int, float]], vectors: np.ndarray,
           evidence: Sequence[str] = ()) -> int:
    """Start a narrative of one facet from claims (``(claim_id, similarity)``) and their vectors,
    with why each was linked (``evidence``, in the same order) when the clustering knows."""
    now = utc_now()
    centroid = vectors.sum(axis=0).astype(np.float32).tobytes()
    narrative_id = conn.execute(
        "INSERT INTO narratives (created_at, updated_at, model, centroid, size, label_claim_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (now, now, model, centroid, len(members), members[0][0]),
    ).lastrowid
    facet_id = conn.execute("INSERT INTO facets (narrative_id, centroid, size) VALUES (?, ?, ?)",
                            (narrative_id, centroid, len(members))).lastrowid
    conn.executemany(
        f"INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at, evidence)"
        f" VALUES (?, ?, ?, ?, ?, ?) {_MEMBER_REPLACED}",
        [(claim_id, narrative_id, facet_id, float(sim), now, evidence[n] if n < len(evidence) else "")
         for n, (claim_id, sim) in enumerate(members)],
    )
    return narrative_id


def _add_to_blob(conn: sqlite3.Connection, table: str, row_id: int, vector: np.ndarray) -> None:
    blob = conn.execute(f"SELECT centroid FROM {table} WHERE id = ?", (row_id,)).fetchone()[0]
    total = np.frombuffer(blob, dtype=np.float32) + vector.astype(np.float32)
    conn.execute(f"UPDATE {table} SET centroid = ?, size = size + 1 WHERE id = ?",
                 (total.astype(np.float32).tobytes(), row_id))


def add_member(conn: sqlite3.Connection, facet_id: int, claim_id: int, similarity: float,
               vector: np.ndarray, *, evidence: str = "") -> int:
    """Add a claim to a facet (and so to its narrative); return the narrative id.

    ``evidence`` says why it was linked (see :mod:`app.engine.link_evidence`); empty when a
    reviewer put it there."""
    narrative_id = conn.execute("SELECT narrative_id FROM facets WHERE id = ?", (facet_id,)).fetchone()[0]
    conn.execute(
        f"INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at, evidence)"
        f" VALUES (?, ?, ?, ?, ?, ?) {_MEMBER_REPLACED}",
        (claim_id, narrative_id, facet_id, float(similarity), utc_now(), evidence),
    )
    _add_to_blob(conn, "facets", facet_id, vector)
    _add_to_blob(conn, "narratives", narrative_id, vector)
    conn.execute("UPDATE narratives SET updated_at = ? WHERE id = ?", (utc_now(), narrative_id))
    return narrative_id


def _unit(blob: bytes, dim: int) -> np.ndarray:
    vector = np.frombuffer(blob, dtype=np.float32, count=dim)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def facet_centroids(conn: sqlite3.Connection, facet_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
    """Return the unit-length centroids of these facets."""
    ids = list(facet_ids)
    if not ids:
        return {}
    rows = conn.execute(f"SELECT id, centroid FROM facets WHERE id IN ({_marks(ids)})", ids)
    return {facet_id: _unit(blob, dim) for facet_id, blob in rows}


def facet_profiles(conn: sqlite3.Connection, facet_ids: Sequence[int],
                   dim: int) -> dict[int, tuple[np.ndarray, dict[str | None, int]]]:
    """Return each facet's vector sum and how many of its members are in each language."""
    ids = list(facet_ids)
    if not ids:
        return {}
    languages: dict[int, dict[str | None, int]] = {}
    for facet_id, language, count in conn.execute(
            "SELECT nc.facet_id, c.language, count(*) FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
            f" WHERE nc.facet_id IN ({_marks(ids)}) GROUP BY nc.facet_id, c.language", ids):
        languages.setdefault(facet_id, {})[language] = count
    rows = conn.execute(f"SELECT id, centroid FROM facets WHERE id IN ({_marks(ids)})", ids)
    return {facet_id: (np.frombuffer(blob, dtype=np.float32, count=dim), languages.get(facet_id, {}))
            for facet_id, blob in rows if facet_id in languages}


def narrative_centroid(conn: sqlite3.Connection, narrative_id: int, dim: int) -> np.ndarray | None:
    row = conn.execute("SELECT centroid FROM narratives WHERE id = ?", (narrative_id,)).fetchone()
    return _unit(row[0], dim) if row else None


def memberships(conn: sqlite3.Connection, claim_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Return ``{claim_id: (narrative_id, facet_id)}`` for the claims that belong to one."""
    ids = [int(i) for i in claim_ids]
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT claim_id, narrative_id, facet_id FROM narrative_claims WHERE claim_id IN ({_marks(ids)})", ids)
    return {claim_id: (narrative_id, facet_id) for claim_id, narrative_id, facet_id in rows}


def narrative_of_claim(conn: sqlite3.Connection, claim_id: int) -> int | None:
    """The narrative a claim belongs to, or None."""
    row = conn.execute("SELECT narrative_id FROM narrative_claims WHERE claim_id = ?", (int(claim_id),)).fetchone()
    return row[0] if row else None


def narratives_of_claims(conn: sqlite3.Connection, claim_ids: Sequence[int]) -> set[int]:
    """The narratives these claims belong to."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT narrative_id FROM narrative_claims WHERE claim_id IN (SELECT value FROM json_each(?))",
        ("[" + ",".join(map(str, sorted(claim_ids))) + "]",))}


def articles_of(conn: sqlite3.Connection, narrative_id: int) -> set[int]:
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT c.article_id FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
        " WHERE nc.narrative_id = ?", (narrative_id,))}


def outlet_count(conn: sqlite3.Connection, article_ids: Sequence[int]) -> int:
    """How many different outlets (sites, see :mod:`app.engine.outlets`) published these articles."""
    ids = [int(i) for i in article_ids]
    if not ids:
        return 0
    rows = conn.execute(f"SELECT a.link, f.url, f.id FROM articles a JOIN feeds f ON f.id = a.feed_id"
                        f" WHERE a.id IN ({_marks(ids)})", ids)
    return len({outlet(link, url, feed_id) for link, url, feed_id in rows})


def sibling_narratives(conn: sqlite3.Connection, article_id: int, narrative_id: int) -> list[int]:
    """Other narratives that hold claims of the same article."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT nc.narrative_id FROM claims c JOIN narrative_claims nc ON nc.claim_id = c.id"
        " JOIN narratives n ON n.id = nc.narrative_id"
        " WHERE c.article_id = ? AND nc.narrative_id != ? AND n.reviewed = 0", (article_id, narrative_id))]


def move_facets(conn: sqlite3.Connection, facet_ids: Sequence[int], target: int) -> list[int]:
    """Move whole facets, with their claims, into another narrative; return the claims moved."""
    ids = list(facet_ids)
    if not ids:
        return []
    claims = [r[0] for r in conn.execute(
        f"SELECT claim_id FROM narrative_claims WHERE facet_id IN ({_marks(ids)})", ids)]
    conn.execute(f"UPDATE facets SET narrative_id = ? WHERE id IN ({_marks(ids)})", [target, *ids])
    conn.execute(f"UPDATE narrative_claims SET narrative_id = ? WHERE facet_id IN ({_marks(ids)})", [target, *ids])
    return claims


def facets_of(conn: sqlite3.Connection, narrative_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM facets WHERE narrative_id = ? ORDER BY id", (narrative_id,))]


def absorb(conn: sqlite3.Connection, keep: int, other: int) -> list[int]:
    """Move every facet of ``other`` into ``keep``; ``other`` then points at ``keep``.

    Returns the facets moved (what an undo moves back).
    """
    facets = facets_of(conn, other)
    move_facets(conn, facets, keep)
    conn.execute("UPDATE narratives SET merged_into = ?, size = 0 WHERE id = ?", (keep, other))
    return facets


def new_facet(conn: sqlite3.Connection, narrative_id: int, claim_ids: Sequence[int], *, pinned: bool) -> int:
    """Put these claims into a fresh facet of ``narrative_id`` (centroids: call :func:`recompute`)."""
    facet_id = conn.execute("INSERT INTO facets (narrative_id, centroid, size) VALUES (?, ?, 0)",
                            (narrative_id, b"")).lastrowid
    conn.executemany("UPDATE narrative_claims SET narrative_id = ?, facet_id = ?, pinned = ? WHERE claim_id = ?",
                     [(narrative_id, facet_id, int(pinned), int(c)) for c in claim_ids])
    return facet_id


def recompute(conn: sqlite3.Connection, narrative_id: int, dim: int, load: VectorLoader) -> None:
    """Rebuild the centroids of a narrative and its facets from its members' vectors.

    Empty facets are deleted. Used after review moves claims, and after a model switch.
    """
    members = conn.execute("SELECT claim_id, facet_id FROM narrative_claims WHERE narrative_id = ?",
                           (narrative_id,)).fetchall()
    vectors = load([claim_id for claim_id, _ in members])
    zero = np.zeros(dim, dtype=np.float32)
    sums: dict[int, np.ndarray] = {}
    sizes: dict[int, int] = {}
    for claim_id, facet_id in members:
        sums[facet_id] = sums.get(facet_id, zero) + vectors.get(claim_id, zero)
        sizes[facet_id] = sizes.get(facet_id, 0) + 1
    conn.execute(f"DELETE FROM facets WHERE narrative_id = ? AND id NOT IN ({_marks(list(sums)) or 'NULL'})",
                 [narrative_id, *sums])
    for facet_id, total in sums.items():
        conn.execute("UPDATE facets SET centroid = ?, size = ? WHERE id = ?",
                     (total.astype(np.float32).tobytes(), sizes[facet_id], facet_id))
    overall = np.sum(list(sums.values()), axis=0) if sums else zero
    conn.execute("UPDATE narratives SET centroid = ? WHERE id = ?",
                 (np.asarray(overall, dtype=np.float32).tobytes(), narrative_id))


def member_rows(conn: sqlite3.Connection, narrative_id: int) -> list[tuple]:
    """Return ``(claim_id, feed_id, language, published_at, article_id)`` of each member."""
    return conn.execute(
        "SELECT nc.claim_id, a.feed_id, c.language, a.published_at, a.id FROM narrative_claims nc"
        " JOIN claims c ON c.id = nc.claim_id JOIN articles a ON a.id = c.article_id"
        " WHERE nc.narrative_id = ? ORDER BY a.published_at, nc.claim_id",
        (narrative_id,),
    ).fetchall()


def save_state(conn: sqlite3.Connection, narrative_id: int, *, label_claim_id: int | None,
               flags: Sequence[Flag], score: float, flagged: bool, sources: int) -> None:
    """Recompute a narrative's statistics from its members and store its label, flags and
    ``sources`` (counted by the flag rules, which leave fact-checkers out).

    A narrative left with no claims is deleted, unless it was merged into another
    (it then stays as a pointer, so its old id still leads somewhere).
    """
    rows = member_rows(conn, narrative_id)
    if not rows:
        conn.execute("DELETE FROM narratives WHERE id = ? AND merged_into IS NULL", (narrative_id,))
        return
    languages = sorted({r[2] for r in rows if r[2]})
    latest = datetime.fromisoformat(rows[-1][3].replace("Z", "+00:00"))
    cutoff = to_utc_text(latest - timedelta(hours=GROWTH_HOURS))
    recent = sum(1 for r in rows if r[3] >= cutoff)
    conn.execute(
        "UPDATE narratives SET size = ?, first_seen = ?, last_seen = ?, sources = ?, languages = ?,"
        " label_claim_id = coalesce(?, label_claim_id), score = ?, flagged = ?, recent_claims = ?,"
        " updated_at = ? WHERE id = ?",
        (len(rows), rows[0][3], rows[-1][3], sources, ",".join(languages),
         label_claim_id, score, int(flagged), recent, utc_now(), narrative_id),
    )
    conn.execute("DELETE FROM flags WHERE narrative_id = ?", (narrative_id,))
    conn.executemany(
        "INSERT INTO flags (narrative_id, kind, reason, weight) VALUES (?, ?, ?, ?)",
        [(narrative_id, f.kind, f.reason, f.weight) for f in flags],
    )


# --- What clustering reads about claims and narratives. ---

def claim_rows(conn: sqlite3.Connection, claim_ids: Sequence[int]) -> list[tuple]:
    """``(id, text, language, article_id, feed_id, published_at, is_title, outlet)`` of each claim."""
    found = []
    ids = [int(i) for i in claim_ids]
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        found.extend((*r[:7], outlet(r[7], r[8], r[4])) for r in conn.execute(
            "SELECT c.id, c.text, c.language, c.article_id, a.feed_id, a.published_at, c.is_title = 1, a.link, f.url"
            " FROM claims c JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id"
            f" WHERE c.id IN ({_marks(chunk)})", chunk))
    return found


def sighting_rows(conn: sqlite3.Connection, narrative_id: int) -> list[tuple]:
    """``(claim_id, feed_id, feed title, language, published_at, tags joined by \\x1f)`` of each
    member, newest first: what the flag rules read."""
    return conn.execute(
        "SELECT nc.claim_id, a.feed_id, coalesce(f.title, f.url), c.language, a.published_at,"
        " (SELECT group_concat(tag, char(31)) FROM feed_tags t WHERE t.feed_id = f.id)"
        " FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
        " JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id"
        " WHERE nc.narrative_id = ? ORDER BY a.published_at DESC", (narrative_id,),
    ).fetchall()


def narrative_of_facet(conn: sqlite3.Connection, facet_id: int) -> int:
    return conn.execute("SELECT narrative_id FROM facets WHERE id = ?", (facet_id,)).fetchone()[0]


def any_reviewed(conn: sqlite3.Connection, narrative_ids: Sequence[int]) -> bool:
    """Whether a reviewer touched any of these narratives (clustering then leaves them alone)."""
    ids = [int(i) for i in narrative_ids]
    return bool(conn.execute(f"SELECT max(reviewed) FROM narratives WHERE id IN ({_marks(ids)})", ids).fetchone()[0])


def survivor(conn: sqlite3.Connection, narrative_id: int) -> int:
    """The narrative that ``narrative_id`` was merged into, through every merge since."""
    row = conn.execute("SELECT merged_into FROM narratives WHERE id = ?", (narrative_id,)).fetchone()
    while row and row[0]:
        narrative_id = row[0]
        row = conn.execute("SELECT merged_into FROM narratives WHERE id = ?", (narrative_id,)).fetchone()
    return narrative_id


def stored_flag(conn: sqlite3.Connection, narrative_id: int, kind: str) -> Flag | None:
    row = conn.execute("SELECT kind, reason, weight FROM flags WHERE narrative_id = ? AND kind = ?",
                       (narrative_id, kind)).fetchone()
    return Flag(*row) if row else None


def largest_facets(conn: sqlite3.Connection, narrative_id: int, limit: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM facets WHERE narrative_id = ? ORDER BY size DESC, id LIMIT ?",
                                       (narrative_id, limit))]


def busiest_facet(conn: sqlite3.Connection, narrative_id: int) -> int | None:
    """The facet told by the most feeds (then the most claims): the narrative's core assertion."""
    row = conn.execute(
        "SELECT nc.facet_id FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
        " JOIN articles a ON a.id = c.article_id WHERE nc.narrative_id = ?"
        " GROUP BY nc.facet_id ORDER BY count(DISTINCT a.feed_id) DESC, count(*) DESC, nc.facet_id LIMIT 1",
        (narrative_id,)).fetchone()
    return row[0] if row else None


def newest_members(conn: sqlite3.Connection, facet_id: int, limit: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT claim_id FROM narrative_claims WHERE facet_id = ? ORDER BY claim_id DESC LIMIT ?", (facet_id, limit))]


def vector_dim(conn: sqlite3.Connection, narrative_id: int) -> int | None:
    """How many dimensions the narrative's centroid has (its model's), or None if it is gone."""
    row = conn.execute("SELECT length(centroid) FROM narratives WHERE id = ?", (narrative_id,)).fetchone()
    return None if row is None else row[0] // 4


def drop_unreviewed(conn: sqlite3.Connection) -> list[int]:
    """Delete every narrative no reviewer touched (a re-cluster rebuilds them); return the kept ones."""
    conn.execute("DELETE FROM narratives WHERE reviewed = 0")
    return [r[0] for r in conn.execute("SELECT id FROM narratives WHERE merged_into IS NULL")]


def set_model(conn: sqlite3.Connection, narrative_id: int, model: str) -> None:
    conn.execute("UPDATE narratives SET model = ? WHERE id = ?", (model, narrative_id))

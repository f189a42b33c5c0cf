"""A reviewer's changes to narratives, as the database holds them: status, notes, what was
split out or merged, decisions on fact-check matches, and the audit trail read back for
undo and history.

The rules (what may be done, what undo takes back) live in :mod:`app.engine.review`;
writes here run inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from .database import utc_now

# The review actions undo can take back (an undo itself is not undone again).
UNDOABLE = ("status", "notes", "merge", "split", "factcheck-match")


def review_fields(conn: sqlite3.Connection, narrative_id: int) -> tuple[str, str, int] | None:
    """``(status, notes, version)`` of a narrative that exists and was not merged away, else None."""
    return conn.execute("SELECT status, notes, version FROM narratives WHERE id = ? AND merged_into IS NULL",
                        (narrative_id,)).fetchone()


def bump_version(conn: sqlite3.Connection, narrative_id: int, seen: int | None = None) -> bool:
    """Add one to a narrative's review version; False (and nothing changed) when ``seen`` is
    given and is no longer the stored version.

    The comparison is in the UPDATE itself, so that of two writers that read the same
    version, only the first one's update matches: the other waits for its row lock, then
    finds the new version (on every database, whatever its isolation level).
    """
    if seen is None:
        return conn.execute("UPDATE narratives SET version = version + 1 WHERE id = ?",
                            (narrative_id,)).rowcount == 1
    return conn.execute("UPDATE narratives SET version = version + 1 WHERE id = ? AND version = ?",
                        (narrative_id, seen)).rowcount == 1


def set_status(conn: sqlite3.Connection, narrative_id: int, status: str, *, reviewed: bool = True) -> None:
    conn.execute(f"UPDATE narratives SET status = ?{', reviewed = 1' if reviewed else ''} WHERE id = ?",
                 (status, narrative_id))


def set_notes(conn: sqlite3.Connection, narrative_id: int, notes: str, *, reviewed: bool = True) -> None:
    conn.execute(f"UPDATE narratives SET notes = ?{', reviewed = 1' if reviewed else ''} WHERE id = ?",
                 (notes, narrative_id))


def mark_reviewed(conn: sqlite3.Connection, narrative_ids: Sequence[int]) -> None:
    """A reviewed narrative keeps its id and claims through a re-cluster."""
    ids = [int(i) for i in narrative_ids]
    conn.execute(f"UPDATE narratives SET reviewed = 1 WHERE id IN ({','.join('?' * len(ids))})", ids)


def claims_of(conn: sqlite3.Connection, narrative_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT claim_id FROM narrative_claims WHERE narrative_id = ?",
                                       (narrative_id,))]


def new_reviewed_narrative(conn: sqlite3.Connection, like: int, claim_ids: Sequence[int]) -> int:
    """An empty reviewed narrative made with ``like``'s model, labelled by the first claim, for
    claims split out of it (their facet is made by the caller)."""
    model, centroid = conn.execute("SELECT model, centroid FROM narratives WHERE id = ?", (like,)).fetchone()
    now = utc_now()
    return conn.execute(
        "INSERT INTO narratives (created_at, updated_at, model, centroid, size, reviewed, label_claim_id)"
        " VALUES (?, ?, ?, ?, ?, 1, ?)", (now, now, model, centroid, len(claim_ids), claim_ids[0])).lastrowid


def return_to_facet(conn: sqlite3.Connection, narrative_id: int, facet_id: int, claim_ids: Sequence[int]) -> None:
    conn.executemany("UPDATE narrative_claims SET narrative_id = ?, facet_id = ? WHERE claim_id = ?",
                     [(narrative_id, facet_id, int(c)) for c in claim_ids])


def unmerge(conn: sqlite3.Connection, narrative_id: int) -> None:
    conn.execute("UPDATE narratives SET merged_into = NULL WHERE id = ?", (narrative_id,))


def delete_narrative(conn: sqlite3.Connection, narrative_id: int) -> None:
    conn.execute("DELETE FROM narratives WHERE id = ?", (narrative_id,))


def last_undoable(conn: sqlite3.Connection, actor: str) -> tuple | None:
    """``(id, at, actor, action, subject, detail)`` of ``actor``'s latest review action not undone yet."""
    return conn.execute(
        "SELECT id, at, actor, action, subject, detail FROM audit"
        f" WHERE action IN ({','.join('?' * len(UNDOABLE))}) AND actor = ?"
        " AND id NOT IN (SELECT CAST(json_extract(detail, '$.undid') AS INTEGER) FROM audit WHERE action = 'undo')"
        " ORDER BY id DESC LIMIT 1", (*UNDOABLE, actor)).fetchone()


def acted_since(conn: sqlite3.Connection, subjects: Sequence[str], after: int, actor: str) -> tuple | None:
    """``(id, at, actor, action, subject, detail)`` of the first action on any of ``subjects`` by
    someone other than ``actor`` after audit entry ``after``, or None."""
    return conn.execute(
        "SELECT id, at, actor, action, subject, detail FROM audit"
        f" WHERE subject IN ({','.join('?' * len(subjects))}) AND id > ? AND actor <> ? ORDER BY id LIMIT 1",
        (*subjects, after, actor)).fetchone()


def trail(conn: sqlite3.Connection, subject: str) -> list[tuple]:
    """Every audit entry about ``subject`` (``narrative:12``), newest first."""
    return conn.execute("SELECT id, at, actor, action, subject, detail FROM audit WHERE subject = ? ORDER BY id DESC",
                        (subject,)).fetchall()


def narrative_exists(conn: sqlite3.Connection, narrative_id: int) -> bool:
    return conn.execute("SELECT 1 FROM narratives WHERE id = ?", (narrative_id,)).fetchone() is not None


def set_match_statuses(conn: sqlite3.Connection, factcheck_id: int, statuses: dict[int, str]) -> None:
    """Give each claim's match with a fact-check its status (``{claim_id: status}``)."""
    conn.executemany("UPDATE factcheck_matches SET status = ? WHERE claim_id = ? AND factcheck_id = ?",
                     [(status, int(claim), int(factcheck_id)) for claim, status in statuses.items()])

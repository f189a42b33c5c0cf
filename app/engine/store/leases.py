"""Feed leases and the clustering lock: how workers sharing one store keep out of each other's way
(see app/engine/worker.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from .database import store_errors, to_utc_text, write_transaction
from .postgres import is_postgres

# The advisory lock of the clustering step (any constant every worker agrees on; the
# migrations use 7418001).
CLUSTER_LOCK = 7418002


def take_lease(db, feed_id: int, owner: str, *, now: datetime, minutes: float) -> bool:
    """Take (or renew) the lease of feed ``feed_id`` for ``owner``; return whether it is ours.

    One conditional UPDATE, atomic on both databases: it changes the row only when no
    other worker's lease is running, so of two workers asking at once exactly one wins.
    """
    until = to_utc_text(now + timedelta(minutes=minutes))
    with write_transaction(db) as conn:
        cursor = conn.execute(
            "UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id = ? "
            "AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?) "
            # Still due: another worker may have read it and let go since this one listed it.
            "AND (lease_owner = ? OR next_fetch_at IS NULL OR next_fetch_at <= ?)",
            (owner, until, feed_id, to_utc_text(now), owner, owner, to_utc_text(now)))
    return cursor.rowcount == 1


def release_lease(db, feed_id: int, owner: str) -> None:
    """Let go of ``owner``'s lease of a feed (nothing if another worker has taken it since)."""
    with write_transaction(db) as conn:
        conn.execute("UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                     (feed_id, owner))


def due_feed_ids(db, *, now: datetime) -> set[int]:
    """Enabled feeds whose next fetch time has come (or that were never fetched) and that no
    worker's running lease holds."""
    now_text = to_utc_text(now)
    with store_errors():
        return {row[0] for row in db.execute(
            "SELECT id FROM feeds WHERE enabled = 1 AND (next_fetch_at IS NULL OR next_fetch_at <= ?) "
            "AND (lease_until IS NULL OR lease_until < ?)", (now_text, now_text)).fetchall()}


def try_cluster_lock(db) -> bool:
    """Take the clustering lock on this connection; False when another worker holds it.
    Always True on SQLite, whose write transactions already take turns."""
    if not is_postgres(db):
        return True
    return bool(db.conn.execute("SELECT pg_try_advisory_lock(?)", (CLUSTER_LOCK,)).fetchone()[0])


def release_cluster_lock(db) -> None:
    """Let go of the clustering lock (it also goes with the connection)."""
    if is_postgres(db) and not db.conn.closed:
        db.conn.execute("SELECT pg_advisory_unlock(?)", (CLUSTER_LOCK,))

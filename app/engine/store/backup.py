"""The backup of review work: reviewed narratives, their claims, fact-check decisions, the audit trail.

Articles, claims and vectors come back from the feeds and the evidence store; a
reviewer's work comes from nowhere else. After every review action it is copied to a
small SQLite file of the day (``backups/reviews-YYYY-MM-DD.db`` in the data folder,
the last :data:`KEEP_DAYS` kept), written aside and renamed so that a crash leaves
the previous copy whole. :func:`restore_reviews` puts back what a database lacks.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from ..atomic_file import replacing
from ..errors import StoreError
from ..paths import DATABASE_NAME
from .database import REVIEW_WAIT_SECONDS, store_errors, write_transaction
from .postgres import is_postgres

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
KEEP_DAYS = 7

# What a reviewer made, as (table, the rows of it to keep). Claims are copied as their
# text only, so that a restore links a claim back only when it is still the same claim.
_REVIEWED = "SELECT id FROM src.narratives WHERE reviewed = 1 OR status <> 'new' OR notes <> ''"
_COPIES = (
    ("narratives", f"SELECT * FROM src.narratives WHERE id IN ({_REVIEWED})"),
    ("facets", f"SELECT * FROM src.facets WHERE narrative_id IN ({_REVIEWED})"),
    ("narrative_claims", f"SELECT * FROM src.narrative_claims WHERE narrative_id IN ({_REVIEWED})"),
    ("flags", f"SELECT * FROM src.flags WHERE narrative_id IN ({_REVIEWED})"),
    ("factcheck_matches", "SELECT * FROM src.factcheck_matches WHERE status <> 'new'"),
    ("claims", "SELECT id, text FROM src.claims WHERE id IN (SELECT claim_id FROM main.narrative_claims"
               " UNION SELECT claim_id FROM main.factcheck_matches)"),
    ("audit", "SELECT * FROM src.audit"),
)


@dataclass(frozen=True)
class RestoreReport:
    """What :func:`restore_reviews` put back."""

    narratives: int
    claims: int
    decisions: int
    audit_entries: int


def backup_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def latest_backup(data_dir: Path) -> Path | None:
    """The newest reviews backup of a data folder, if any."""
    found = sorted(backup_dir(data_dir).glob("reviews-*.db"))
    return found[-1] if found else None


def backup_reviews(db_path: Path, data_dir: Path) -> Path:
    """Copy the review work of the database at ``db_path`` to today's backup; return its path.

    Raises
    ------
    StoreError
        The database cannot be read or the backup cannot be written (disk full, read-only).

    Examples
    --------
    >>> backup_reviews(folder / "radar.db", folder)  # doctest: +SKIP
    PosixPath('.../backups/reviews-2026-12-04.db')
    """
    folder = backup_dir(data_dir)
    target = folder / f"reviews-{datetime.now(timezone.utc):%Y-%m-%d}.db"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with replacing(target, mode=None) as temporary:
            with store_errors(), contextlib.closing(sqlite3.connect(temporary)) as conn:
                conn.execute("ATTACH ? AS src", (_read_only_uri(db_path),))
                with conn:
                    for table, select in _COPIES:
                        conn.execute(f"CREATE TABLE main.{table} AS {select}")
                conn.execute("DETACH src")
    except OSError as exc:
        raise StoreError(f"The reviews backup cannot be written in {folder}: {exc.strerror or exc}.") from exc
    for old in sorted(folder.glob("reviews-*.db"))[:-KEEP_DAYS]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def _read_only_uri(path: Path) -> str:
    return f"{Path(path).resolve().as_uri()}?mode=ro"


@contextlib.contextmanager
def review_transaction(db: sqlite_utils.Database, data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    """A reviewer's write: waits for a fetch's transaction, and once committed is backed up.

    A backup that fails (a full disk) is logged, not raised: the review itself is saved.
    """
    with write_transaction(db, wait=REVIEW_WAIT_SECONDS) as conn:
        yield conn
    if data_dir is None or is_postgres(db):
        # A newsroom store is backed up on its server.
        return
    try:
        backup_reviews(data_dir / DATABASE_NAME, data_dir)
    except StoreError as exc:
        log.warning("reviews not backed up: %s", exc)


def restore_reviews(db: sqlite_utils.Database, backup: Path) -> RestoreReport:
    """Put back the review work of ``backup`` that the database lacks; return what was put back.

    A reviewed narrative missing from the database comes back with its claims that are
    still stored (the same id and the same text), taken out of the narratives a
    re-cluster put them in. A fact-check decision comes back where the match is still
    undecided; audit entries come back by id. What the database holds wins: a narrative
    it still has keeps its state, as it is newer than any backup.

    Raises
    ------
    StoreError
        The backup cannot be read, or the database cannot be written.
    """
    with store_errors():
        # ATTACH is refused inside a transaction.
        db.conn.execute("ATTACH ? AS bak", (_read_only_uri(backup),))
        try:
            with write_transaction(db, wait=REVIEW_WAIT_SECONDS) as conn:
                return _restore(conn)
        finally:
            db.conn.execute("DETACH bak")


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """The columns a table has both in the backup and in the database (either may be older)."""
    current = {r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")}
    return [r[1] for r in conn.execute(f"PRAGMA bak.table_info({table})") if r[1] in current]


def _copy(conn: sqlite3.Connection, table: str, where: str, params: tuple = (), *, verb: str = "INSERT") -> int:
    names = ", ".join(_columns(conn, table))
    return conn.execute(f"{verb} INTO main.{table} ({names}) SELECT {names} FROM bak.{table} WHERE {where}",
                        params).rowcount


def _restore(conn: sqlite3.Connection) -> RestoreReport:
    # A narrative's label claim or merge target may be gone; they are cleared below,
    # before the commit checks the keys.
    conn.execute("PRAGMA defer_foreign_keys = ON")
    missing = [r[0] for r in conn.execute(
        "SELECT id FROM bak.narratives WHERE id NOT IN (SELECT id FROM main.narratives) ORDER BY id")]
    same_claims = ("SELECT b.id FROM bak.claims b JOIN main.claims c ON c.id = b.id AND c.text = b.text")
    claims = 0
    for narrative_id in missing:
        _copy(conn, "narratives", "id = ?", (narrative_id,))
        facet_ids = {}
        for (old_facet,) in conn.execute("SELECT id FROM bak.facets WHERE narrative_id = ?", (narrative_id,)).fetchall():
            taken = conn.execute("SELECT 1 FROM main.facets WHERE id = ?", (old_facet,)).fetchone()
            conn.execute("INSERT INTO main.facets (id, narrative_id, centroid, size) SELECT ?, narrative_id, centroid,"
                         " size FROM bak.facets WHERE id = ?", (None if taken else old_facet, old_facet))
            facet_ids[old_facet] = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        names = _columns(conn, "narrative_claims")
        rows = conn.execute(f"SELECT {', '.join(names)} FROM bak.narrative_claims"
                            f" WHERE narrative_id = ? AND claim_id IN ({same_claims})", (narrative_id,)).fetchall()
        facet_at = names.index("facet_id")
        claim_at = names.index("claim_id")
        conn.executemany("DELETE FROM main.narrative_claims WHERE claim_id = ?", [(r[claim_at],) for r in rows])
        conn.executemany(f"INSERT INTO main.narrative_claims ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         [r[:facet_at] + (facet_ids[r[facet_at]],) + r[facet_at + 1:] for r in rows])
        _copy(conn, "flags", "narrative_id = ?", (narrative_id,), verb="INSERT OR IGNORE")
        claims += len(rows)
        conn.execute("UPDATE main.narratives SET label_claim_id = NULL WHERE id = ?"
                     " AND label_claim_id NOT IN (SELECT id FROM main.claims)", (narrative_id,))
        conn.execute("UPDATE main.narratives SET merged_into = NULL WHERE id = ?"
                     " AND merged_into NOT IN (SELECT id FROM main.narratives)", (narrative_id,))
    decisions = conn.execute(
        "UPDATE main.factcheck_matches SET status = (SELECT b.status FROM bak.factcheck_matches b"
        " WHERE b.claim_id = factcheck_matches.claim_id AND b.factcheck_id = factcheck_matches.factcheck_id)"
        " WHERE status = 'new' AND (claim_id, factcheck_id) IN (SELECT claim_id, factcheck_id FROM bak.factcheck_matches)"
    ).rowcount
    audit = _copy(conn, "audit", "id NOT IN (SELECT id FROM main.audit)")
    return RestoreReport(narratives=len(missing), claims=claims, decisions=decisions, audit_entries=audit)

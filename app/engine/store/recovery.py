"""Recovering a damaged database: keep the damaged file aside, copy what can be read into a new one.

SQLite's own ``.recover`` lives in its command-line shell, not in Python's module, so
the salvage is done here, table by table: every row that can still be read is copied
into a freshly migrated database (full-text indexes are rebuilt by their triggers as
rows go in), a scan that meets a damaged page goes on past it, rows whose parent
was lost are dropped, and the newest reviews backup puts back any review work the
damaged file no longer gave.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import StoreError
from ..paths import DATABASE_NAME, INDEX_NAME
from .backup import RestoreReport, latest_backup, restore_reviews
from .database import open_database, roll_back, store_errors

log = logging.getLogger(__name__)

DAMAGED_DIR = "damaged"
# After a damaged page, the scan tries again this many row ids further on, doubling
# each time, so a lost stretch of any length costs a few dozen probes, not one per row.
_FIRST_SKIP = 1
_LAST_SKIP = 2**40
_BATCH = 2000
_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True)
class RecoveryReport:
    """What :func:`recover_database` kept: rows per table, and where the damaged file went."""

    damaged_copy: Path
    kept: dict[str, int]
    unreadable: tuple[str, ...]
    restored: RestoreReport | None = None
    dropped_orphans: dict[str, int] = field(default_factory=dict)


def check_database(path: Path) -> list[str]:
    """SQLite's ``quick_check`` of a database file: empty when it is sound, else its complaints.

    A file that cannot be read at all gives one complaint naming why.
    """
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as conn:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check")]
    except sqlite3.Error as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def recover_database(data_dir: Path) -> RecoveryReport:
    """Move a data folder's damaged database aside and rebuild it from what can be read.

    The damaged file (and its journal) is kept in ``damaged/`` of the data folder; the
    vector index is removed, to be rebuilt from the vectors kept. Close every store of
    the folder first.

    Raises
    ------
    StoreError
        There is no database to recover, or the new one cannot be written.

    Examples
    --------
    >>> report = recover_database(Path("~/radar"))  # doctest: +SKIP
    >>> report.kept["audit"]  # doctest: +SKIP
    118
    """
    data_dir = Path(data_dir).expanduser()
    database = data_dir / DATABASE_NAME
    if not database.exists():
        raise StoreError(f"There is no database to recover in {data_dir}.")
    aside = _move_aside(database, data_dir / DAMAGED_DIR)
    with contextlib.suppress(FileNotFoundError):
        (data_dir / INDEX_NAME).unlink()
    fresh = open_database(database)
    try:
        with store_errors():
            kept, unreadable, orphans = _salvage(aside, fresh.conn)
        backup = latest_backup(data_dir)
        restored = restore_reviews(fresh, backup) if backup else None
    finally:
        fresh.conn.close()
    log.warning("database recovered from %s: %s rows kept, unreadable: %s", aside, sum(kept.values()),
                ", ".join(unreadable) or "none")
    return RecoveryReport(damaged_copy=aside, kept=kept, unreadable=unreadable, restored=restored,
                          dropped_orphans=orphans)


def _move_aside(database: Path, folder: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = folder / f"{database.stem}-{stamp}{database.suffix}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in _SIDE_FILES:
            side = database.with_name(database.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        os.replace(database, target)
    except OSError as exc:
        raise StoreError(f"The damaged database cannot be moved aside to {folder}: {exc.strerror or exc}.") from exc
    return target


def _salvage(damaged: Path, conn: sqlite3.Connection) -> tuple[dict[str, int], tuple[str, ...], dict[str, int]]:
    # Read through a connection of its own: a damaged page may roll back the reading
    # connection's transaction, which must not take the rows already written with it.
    old = sqlite3.connect(f"{damaged.resolve().as_uri()}?mode=ro", uri=True)
    # With writable_schema on, SQLite reads a file shorter than its header says (cut
    # short by a crash or a full disk) up to where it ends instead of refusing it whole.
    old.execute("PRAGMA writable_schema = ON")
    conn.execute("PRAGMA foreign_keys = OFF")
    kept: dict[str, int] = {}
    unreadable: list[str] = []
    try:
        for table, rowid in _tables(conn):
            try:
                columns = _shared_columns(conn, old, table)
            except sqlite3.DatabaseError:
                columns = []
            if not columns:
                unreadable.append(table)
                continue
            kept[table], whole = _copy_readable(old, conn, table, columns, rowid)
            if not whole:
                unreadable.append(table)
        orphans = _drop_orphans(conn)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
        old.close()
    return kept, tuple(unreadable), orphans


def _tables(conn: sqlite3.Connection) -> list[tuple[str, bool]]:
    """The new database's own tables (not full-text shadows), parents before children, with whether each has row ids."""
    virtual = [r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")]
    tables = [
        (name, "WITHOUT ROWID" not in sql.upper())
        for name, sql in conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'table'"
                                      " AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
        if not any(name.startswith(f"{v}_") for v in virtual)
    ]
    return tables


def _shared_columns(conn: sqlite3.Connection, old: sqlite3.Connection, table: str) -> list[str]:
    current = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    kept = {r[1] for r in old.execute(f"PRAGMA table_info({table})")}
    return [c for c in current if c in kept]


def _copy_readable(old: sqlite3.Connection, conn: sqlite3.Connection, table: str, columns: list[str],
                   rowid: bool) -> tuple[int, bool]:
    """Copy every row of ``table`` that can be read; return how many, and whether none was lost to damage."""
    names = ", ".join(columns)
    insert = f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    key = "rowid" if rowid else "NULL"
    copied, whole, after, skip = 0, True, None, _FIRST_SKIP
    while True:
        where = " WHERE rowid > ? ORDER BY rowid" if after is not None else (" ORDER BY rowid" if rowid else "")
        rows: list[tuple] = []
        try:
            cursor = old.execute(f"SELECT {key}, {names} FROM {table}{where}", (after,) if after is not None else ())
            # Row by row, so that the rows read before a damaged page are kept.
            while (row := cursor.fetchone()) is not None:
                rows.append(row[1:])
                after, skip = row[0], _FIRST_SKIP
                if len(rows) == _BATCH:
                    copied += _insert(conn, insert, rows)
            copied += _insert(conn, insert, rows)
            break
        except sqlite3.DatabaseError as exc:
            copied += _insert(conn, insert, rows)
            whole = False
            if not rowid or skip > _LAST_SKIP:
                log.warning("%s: stopped reading at a damaged page: %s", table, exc)
                break
            after = (after or 0) + skip
            skip *= 2
    return copied, whole


def _insert(conn: sqlite3.Connection, insert: str, rows: list[tuple]) -> int:
    """Write and clear a batch of rows; return how many there were."""
    count = len(rows)
    if count:
        conn.execute("BEGIN")
        try:
            conn.executemany(insert, rows)
            conn.execute("COMMIT")
        except BaseException:
            roll_back(conn)
            raise
        rows.clear()
    return count


def _drop_orphans(conn: sqlite3.Connection) -> dict[str, int]:
    """Delete rows whose parent row was lost with a damaged page; return how many per table."""
    dropped: dict[str, int] = {}
    while violations := conn.execute("PRAGMA main.foreign_key_check").fetchall():
        removed = 0
        for table, rowid, _parent, _key in violations:
            if rowid is None:
                continue
            removed += conn.execute(f"DELETE FROM main.{table} WHERE rowid = ?", (rowid,)).rowcount
            dropped[table] = dropped.get(table, 0) + 1
        if not removed:
            break
    return dropped

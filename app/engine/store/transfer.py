"""Moving a laptop's SQLite store into an empty newsroom store (``store migrate``).

Every table is copied in foreign-key order, ids kept, in one PostgreSQL transaction: a
failure anywhere leaves the newsroom store as empty as it was. PostgreSQL's identity
sequences are then moved past the copied ids (rows added later must not collide), and
every table's row count is compared with the source before the transaction commits.

The full-text tables of SQLite (``*_fts``, ``*_vocab``, ``*_stem``) are not copied: on
PostgreSQL the same words are generated columns, filled as the rows go in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StoreError
from ..paths import DATABASE_NAME
from .database import open_database, store_errors
from .postgres import PgDatabase, open_postgres

# Parents before children. ``narratives.merged_into`` points at another narrative, maybe a
# later one: it is written in a second pass, once every narrative is there.
TABLES: tuple[str, ...] = (
    "feeds", "feed_tags", "documents", "fetches", "articles", "claims", "audit", "vectors",
    "narratives", "facets", "narrative_claims", "flags", "factchecks", "factcheck_vectors",
    "factcheck_matches", "factcheck_checked", "feed_templates",
)
# Tables whose ``id`` is an identity column on PostgreSQL.
ID_TABLES: tuple[str, ...] = ("feeds", "fetches", "articles", "claims", "audit", "narratives", "facets", "factchecks")
CHUNK = 5000

Progress = Callable[[str, int, int], None]   # table, rows copied so far, rows in the table


@dataclass
class TransferReport:
    """Rows of each table in the source and, after the copy, in the newsroom store."""

    source: dict[str, int] = field(default_factory=dict)
    target: dict[str, int] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        return self.source == self.target


class TargetNotEmpty(StoreError):
    """The newsroom store already holds feeds or claims."""


def open_source(data_dir: Path):
    """The SQLite database of the data folder ``data_dir`` (brought to this app's schema).

    Raises
    ------
    StoreError
        The folder or its database is not there.
    """
    data_dir = Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise StoreError(f"There is no data folder at {data_dir}.")
    path = data_dir / DATABASE_NAME
    if not path.is_file():
        raise StoreError(f"There is no Narrative Radar database in {data_dir} (no {DATABASE_NAME}).")
    return open_database(path)


def transfer(source, target: PgDatabase, *, progress: Progress | None = None) -> TransferReport:
    """Copy every table of the SQLite database ``source`` into the empty newsroom store ``target``.

    Raises
    ------
    TargetNotEmpty
        The newsroom store already has feeds or claims; nothing was written.
    StoreError
        A row could not be written, or the counts differ; nothing was written.
    """
    conn = target.conn
    existing = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("feeds", "claims")}
    if any(existing.values()):
        raise TargetNotEmpty(
            f"The newsroom store already holds {existing['feeds']} feed(s) and {existing['claims']} claim(s): "
            "store migrate only fills an empty one, so that no ids collide. Use a new database.")
    report = TransferReport()
    with store_errors():
        for table in TABLES:
            report.source[table] = source.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    conn.execute("BEGIN")
    try:
        for table in TABLES:
            columns = _columns(source, target, table)
            reading = [c if not (table == "narratives" and c == "merged_into") else "NULL" for c in columns]
            total = report.source[table]
            copied = 0
            if progress:
                progress(table, 0, total)
            for chunk in _chunks(source, f"SELECT {', '.join(reading)} FROM {table}"):
                copied += conn.copy_rows(table, columns, chunk)
                if progress:
                    progress(table, copied, total)
        merged = source.conn.execute(
            "SELECT id, merged_into FROM narratives WHERE merged_into IS NOT NULL").fetchall()
        if merged:
            conn.executemany("UPDATE narratives SET merged_into = ? WHERE id = ?", [(m, i) for i, m in merged])
        for table in ID_TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        for table in TABLES:
            report.target[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if not report.matches:
            differ = ", ".join(f"{t} {report.source[t]} -> {report.target[t]}"
                               for t in TABLES if report.source[t] != report.target[t])
            raise StoreError(f"The copy does not hold every row ({differ}); nothing was written.")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return report


def migrate_store(data_dir: Path, url: str, *, progress: Progress | None = None) -> TransferReport:
    """Copy the data folder ``data_dir``'s SQLite store into the empty newsroom store at ``url``."""
    source = open_source(data_dir)
    try:
        target = open_postgres(url)
        try:
            return transfer(source, target, progress=progress)
        finally:
            target.conn.close()
    finally:
        source.conn.close()


def _columns(source, target: PgDatabase, table: str) -> list[str]:
    """The columns both databases have, generated ones (PostgreSQL's full-text) left out."""
    with store_errors():
        mine = [row[1] for row in source.conn.execute(f"PRAGMA table_info({table})")]
    theirs = {row[0] for row in target.conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = ? AND is_generated = 'NEVER'", (table,))}
    missing = [c for c in mine if c not in theirs]
    if missing:
        raise StoreError(f"The newsroom store's {table} table lacks {', '.join(missing)}: "
                         "it was made by another version of Narrative Radar.")
    return mine


def _chunks(source, sql: str) -> Iterator[list[tuple]]:
    with store_errors():
        cursor = source.conn.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            yield rows

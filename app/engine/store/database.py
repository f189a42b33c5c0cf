"""Opening the database: pragmas, migrations, and turning SQLite's errors into ours."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from ..errors import DatabaseDamagedError, StoreError
from .postgres import is_postgres
from .schema import MIGRATIONS

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# A person's review waits for a fetch's or a re-cluster's transaction to end rather than
# failing with "busy": those commit feed by feed and batch by batch, well within this.
REVIEW_WAIT_SECONDS = 60.0


def utc_now() -> str:
    """Return the current time as the ISO 8601 UTC text stored everywhere."""
    return to_utc_text(datetime.now(timezone.utc))


def to_utc_text(moment: datetime) -> str:
    """Return an aware datetime as sortable UTC text (``2026-11-09T12:00:00Z``)."""
    utc = moment.astimezone(timezone.utc)
    # strftime's %Y does not pad years before 1000 on every platform; text must sort.
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


def explain_sqlite_error(exc: sqlite3.Error) -> str:
    """Return plain words for an SQLite failure a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "The database is busy: another Narrative Radar process is writing to it. Try again in a moment."
    if "full" in text:
        # Writes commit feed by feed and batch by batch: only the one in flight is lost.
        return ("The disk is full: the change under way was not written; everything saved before it is kept. "
                "Free some space and try again.")
    if "readonly" in text or "read-only" in text:
        return ("The data folder is read-only: it can be browsed and exported, not changed. "
                "Copy it to a folder you can write to, or check its permissions.")
    if _is_damage(exc):
        return ("The database file is damaged (or is not a Narrative Radar database). "
                "Run 'narrative-radar recover' (or File > Recover database in the window): the damaged "
                "file is kept aside and what can be read, reviews first, goes into a new one.")
    if "unable to open" in text:
        return "The database could not be opened: check that the data folder exists and is writable."
    return f"The database failed: {exc}"


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    """Re-raise SQLite errors as :class:`StoreError` with plain words."""
    try:
        yield
    except sqlite3.Error as exc:
        raise (DatabaseDamagedError if _is_damage(exc) else StoreError)(explain_sqlite_error(exc)) from exc


def _is_damage(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def open_database(path: Path | str, *, read_only: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate the database at ``path``.

    ``":memory:"`` gives a private in-memory database, for tests. ``read_only`` opens
    an existing file without writing anything next to it.

    Raises
    ------
    StoreError
        The file cannot be opened, is not a database, or is locked by a migration.
    """
    if read_only:
        return _open_read_only(Path(path))
    with store_errors():
        if str(path) == ":memory:":
            conn = sqlite3.connect(":memory:", check_same_thread=False)
        else:
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"The data folder {Path(path).parent} cannot be created: "
                                 f"{exc.strerror or exc}.") from exc
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        # We manage transactions ourselves (BEGIN IMMEDIATE for writers).
        conn.isolation_level = None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        db = sqlite_utils.Database(conn)
        migrate(db)
        return db


def _open_read_only(path: Path) -> sqlite_utils.Database:
    if not path.exists():
        raise StoreError(f"There is no Narrative Radar database in {path.parent}, and that folder cannot be written.")
    uri = path.resolve().as_uri()
    with store_errors():
        try:
            conn = _probe(sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False))
        except sqlite3.OperationalError:
            # A WAL database in a folder nobody may write has no shared-memory file to
            # read through; as no one can change it either, it is read as immutable.
            conn = _probe(sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False))
        conn.isolation_level = None
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version != len(MIGRATIONS):
        conn.close()
        raise StoreError(f"This read-only database has schema {version}, this app needs {len(MIGRATIONS)}; "
                         "copy the data folder to one you can write to, and open the copy to update it.")
    return sqlite_utils.Database(conn)


def _probe(conn: sqlite3.Connection) -> sqlite3.Connection:
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def migrate(db: sqlite_utils.Database) -> int:
    """Apply the migrations this database has not had yet; return its version."""
    conn = db.conn
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"This database was written by a newer Narrative Radar (schema {version}); "
            "update the app to open it."
        )
    for number in range(version, len(MIGRATIONS)):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock (two
            # first starts on one empty folder): the version is read again under the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] > number:
                conn.execute("COMMIT")
                continue
            log.info("migrating database to schema %d", number + 1)
            # executescript would COMMIT on its own; run statement by statement instead.
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            roll_back(conn)
            raise
    return len(MIGRATIONS)


def roll_back(conn: sqlite3.Connection) -> None:
    """Roll back the transaction under way, if SQLite has not already.

    After some errors (a full disk, an I/O error) SQLite ends the transaction itself;
    a second ROLLBACK would hide the real error behind "no transaction is active".
    """
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _statements(script: str) -> Iterator[str]:
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database, *, wait: float | None = None) -> Iterator[sqlite3.Connection]:
    """One all-or-nothing write: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any error.

    ``wait`` is how many seconds to wait for another process's write to end
    (:data:`REVIEW_WAIT_SECONDS` for a person's review), instead of the usual few.

    Raises
    ------
    StoreError
        The database is locked, the disk is full, or another SQLite failure.
    """
    conn = db.conn
    with store_errors():
        if wait is None or is_postgres(db):
            # PostgreSQL's writers wait on the rows they touch, not on the whole database.
            conn.execute("BEGIN IMMEDIATE")
        else:
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            finally:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            roll_back(conn)
            raise

"""The store: one SQLite file per data folder (WAL mode), or a newsroom's PostgreSQL database.

Open one :class:`Store` per thread: connections are not shared between threads. A data
folder works on a PostgreSQL store when one is named (``--store``, the
``NARRATIVE_RADAR_STORE`` environment variable, or ``store`` in its settings file); the
folder then keeps the local index cache, evidence documents and settings.

Examples
--------
>>> store = Store.open_memory()
>>> store.counts()
{'feeds': 0, 'articles': 0, 'claims': 0}
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import sqlite_utils

from ..errors import StoreError
from ..paths import DATABASE_NAME, EVIDENCE_DIR, INDEX_NAME, SETTINGS_NAME, STORE_ENV
from . import articles as _articles
from .backup import RestoreReport, backup_reviews, latest_backup, restore_reviews, review_transaction
from .database import open_database, store_errors, utc_now, write_transaction
from .postgres import is_postgres, is_postgres_url, open_postgres
from .recovery import RecoveryReport, check_database, recover_database

__all__ = [
    "RecoveryReport", "RestoreReport", "Store", "is_postgres", "redact_url", "store_url", "check_database", "recover_database", "review_transaction",
    "store_errors", "utc_now", "write_transaction",
]


class Store:
    """A data folder: its database, evidence documents and index file."""

    def __init__(self, db: sqlite_utils.Database, data_dir: Path | None, *, read_only: bool = False,
                 url: str | None = None) -> None:
        self.db = db
        self.data_dir = data_dir
        self.read_only = read_only
        self.url = url

    @property
    def location(self) -> str:
        """Where the data is, for a title bar or a message: the data folder, or the
        newsroom store's URL without its password."""
        if self.url:
            return redact_url(self.url)
        return str(self.data_dir) if self.data_dir else "memory"

    @property
    def shared(self) -> bool:
        """Whether other people and workers change this store too (a newsroom store)."""
        return self.url is not None

    @classmethod
    def open(cls, data_dir: Path | str, *, read_only: bool | None = None, url: str | None = None) -> "Store":
        """Open (creating and migrating if needed) the store in ``data_dir``.

        ``read_only`` None opens read-only exactly when the folder or its database
        cannot be written (a copy on a read-only medium, a colleague's shared folder):
        everything can be read and exported, and a write fails with a plain message.

        Raises
        ------
        StoreError
            The database cannot be opened or migrated, or is missing from a read-only folder.
        """
        data_dir = Path(data_dir).expanduser()
        url = url or store_url(data_dir)
        if url:
            return cls(open_postgres(url), data_dir, read_only=bool(read_only), url=url)
        path = data_dir / DATABASE_NAME
        if read_only is None:
            read_only = not _writable(data_dir, path)
        return cls(open_database(path, read_only=read_only), data_dir, read_only=read_only)

    @classmethod
    def open_memory(cls) -> "Store":
        """Open a private in-memory store that keeps no evidence files (tests)."""
        return cls(open_database(":memory:"), None)

    @property
    def evidence_dir(self) -> Path | None:
        return self.data_dir / EVIDENCE_DIR if self.data_dir else None

    @property
    def index_path(self) -> Path | None:
        return self.data_dir / INDEX_NAME if self.data_dir else None

    def backup_reviews(self) -> Path:
        """Copy the review work to today's backup in the data folder now; return its path.

        Raises
        ------
        StoreError
            An in-memory store, or the backup cannot be written.
        """
        if self.data_dir is None:
            raise StoreError("An in-memory store has no data folder to back up into.")
        if self.shared:
            raise StoreError("A newsroom store is backed up on its server (pg_dump), not into a data folder.")
        return backup_reviews(self.data_dir / DATABASE_NAME, self.data_dir)

    def restore_reviews(self, backup: Path | None = None) -> RestoreReport:
        """Put back review work from ``backup`` (default: the newest backup) that this database lacks.

        Raises
        ------
        StoreError
            No backup, or it cannot be read.
        """
        if backup is None:
            backup = latest_backup(self.data_dir) if self.data_dir else None
            if backup is None:
                raise StoreError("There is no reviews backup in this data folder yet.")
        elif not Path(backup).is_file():
            raise StoreError(f"No reviews backup at {backup}.")
        return restore_reviews(self.db, Path(backup))

    def counts(self) -> dict[str, int]:
        return _articles.counts(self.db)

    def close(self) -> None:
        self.db.conn.close()


def store_url(data_dir: Path) -> str | None:
    """The newsroom store a data folder works on: the environment variable, else the
    settings file's ``store``; None for the folder's own SQLite database.

    Raises
    ------
    StoreError
        The URL named is not a PostgreSQL one.
    """
    url = os.environ.get(STORE_ENV, "").strip()
    if not url:
        try:
            url = str(tomllib.loads((data_dir / SETTINGS_NAME).read_text(encoding="utf-8")).get("store", ""))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            # A settings file that cannot be read is reported, with its line, when settings load.
            url = ""
    if url and not is_postgres_url(url):
        raise StoreError(f"The store {redact_url(url)!r} is not a PostgreSQL URL (postgresql://user@host/database).")
    return url or None


def redact_url(url: str) -> str:
    """``url`` without the password it may carry."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _writable(data_dir: Path, database: Path) -> bool:
    if database.exists():
        return os.access(database, os.W_OK) and os.access(data_dir, os.W_OK)
    # A folder not there yet is created if its nearest existing parent can be written.
    folder = data_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)

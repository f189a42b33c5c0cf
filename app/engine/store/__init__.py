"""The SQLite store: one database file per data folder, in WAL mode.

Open one :class:`Store` per thread: SQLite connections are not shared between
threads, and WAL lets readers go on while one writer writes.

Examples
--------
>>> store = Store.open_memory()
>>> store.counts()
{'feeds': 0, 'articles': 0, 'claims': 0}
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlite_utils

from ..errors import StoreError
from ..paths import DATABASE_NAME, EVIDENCE_DIR, INDEX_NAME
from . import articles as _articles
from .backup import RestoreReport, backup_reviews, latest_backup, restore_reviews, review_transaction
from .database import open_database, store_errors, utc_now, write_transaction
from .recovery import RecoveryReport, check_database, recover_database

__all__ = [
    "RecoveryReport", "RestoreReport", "Store", "check_database", "recover_database", "review_transaction",
    "store_errors", "utc_now", "write_transaction",
]


class Store:
    """A data folder: its database, evidence documents and index file."""

    def __init__(self, db: sqlite_utils.Database, data_dir: Path | None, *, read_only: bool = False) -> None:
        self.db = db
        self.data_dir = data_dir
        self.read_only = read_only

    @classmethod
    def open(cls, data_dir: Path | str, *, read_only: bool | None = None) -> "Store":
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


def _writable(data_dir: Path, database: Path) -> bool:
    if database.exists():
        return os.access(database, os.W_OK) and os.access(data_dir, os.W_OK)
    # A folder not there yet is created if its nearest existing parent can be written.
    folder = data_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return os.access(folder, os.W_OK)

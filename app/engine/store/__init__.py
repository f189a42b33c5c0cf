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

from pathlib import Path

import sqlite_utils

from ..paths import DATABASE_NAME, EVIDENCE_DIR, INDEX_NAME
from . import articles as _articles
from .database import REVIEW_WAIT_SECONDS, open_database, store_errors, utc_now, write_transaction

__all__ = ["REVIEW_WAIT_SECONDS", "Store", "store_errors", "utc_now", "write_transaction"]


class Store:
    """A data folder: its database, evidence documents and index file."""

    def __init__(self, db: sqlite_utils.Database, data_dir: Path | None) -> None:
        self.db = db
        self.data_dir = data_dir

    @classmethod
    def open(cls, data_dir: Path | str) -> "Store":
        """Open (creating and migrating if needed) the store in ``data_dir``.

        Raises
        ------
        StoreError
            The database cannot be opened or migrated.
        """
        data_dir = Path(data_dir).expanduser()
        return cls(open_database(data_dir / DATABASE_NAME), data_dir)

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

    def counts(self) -> dict[str, int]:
        return _articles.counts(self.db)

    def close(self) -> None:
        self.db.conn.close()

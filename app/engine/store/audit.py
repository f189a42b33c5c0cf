"""The audit trail's writes: who did what to which narrative or claim, and when.

Every review action and fact-check decision is recorded here, whichever face made it.
"""

from __future__ import annotations

import getpass
import json
import sqlite3

from .database import utc_now


def current_user() -> str:
    """Who is acting when no name is given: the system's user name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(conn: sqlite3.Connection, *, actor: str | None, action: str, subject: str, detail: dict) -> None:
    """Add one entry to the audit trail, inside the caller's transaction."""
    conn.execute("INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                 (utc_now(), actor or current_user(), action, subject, json.dumps(detail, ensure_ascii=False)))

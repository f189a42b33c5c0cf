"""Feeds and their fetch history in the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import sqlite_utils

from ..domain import Feed, Fetch
from ..errors import FeedNotFound
from .database import store_errors, utc_now, write_transaction

FEED_COLUMNS = """
    f.id, f.url, f.kind, f.title, f.enabled, f.added_at, f.last_fetch_at, f.last_success_at,
    f.last_error, f.failures, f.next_fetch_at,
    (SELECT count(*) FROM articles a WHERE a.feed_id = f.id) AS entries,
    (SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM feed_tags t WHERE t.feed_id = f.id ORDER BY tag) AS sorted)
"""


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Lower-case, trim and de-duplicate tags; ``State media`` becomes ``state-media``."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = "-".join(tag.strip().lower().split())
        if clean:
            seen[clean] = None
    return tuple(sorted(seen))


def _feed(row: Sequence) -> Feed:
    tags = tuple(row[12].split("\x1f")) if row[12] else ()
    return Feed(
        id=row[0], url=row[1], kind=row[2], title=row[3], enabled=bool(row[4]), added_at=row[5],
        last_fetch_at=row[6], last_success_at=row[7], last_error=row[8], failures=row[9],
        next_fetch_at=row[10], entries=row[11], tags=tags,
    )


def add_feed(
    db: sqlite_utils.Database, url: str, *, kind: str, title: str | None = None,
    tags: Iterable[str] = (), enabled: bool = True,
) -> tuple[Feed, bool]:
    """Add a feed, or update the title and tags of the feed with that URL.

    Returns the feed and whether it was new.
    """
    clean_tags = normalise_tags(tags)
    with write_transaction(db) as conn:
        row = conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        if row:
            feed_id, created = row[0], False
            if title:
                conn.execute("UPDATE feeds SET title = ? WHERE id = ?", (title, feed_id))
        else:
            cur = conn.execute(
                "INSERT INTO feeds (url, kind, title, enabled, added_at) VALUES (?, ?, ?, ?, ?)",
                (url, kind, title, int(enabled), utc_now()),
            )
            feed_id, created = cur.lastrowid, True
        conn.executemany(
            "INSERT INTO feed_tags (feed_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(feed_id, tag) for tag in clean_tags],
        )
    return get_feed(db, feed_id), created


def get_feed(db: sqlite_utils.Database, ref: int | str) -> Feed:
    """Return the feed with that id, URL or path.

    Raises
    ------
    FeedNotFound
        No such feed.
    """
    with store_errors():
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            row = db.conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds f WHERE f.id = ?", (int(ref),)).fetchone()
        else:
            row = db.conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds f WHERE f.url = ?", (ref,)).fetchone()
    if row is None:
        raise FeedNotFound(f"No feed {ref!r}. 'feeds list' shows the feeds and their ids.")
    return _feed(row)


def feed_name(conn: sqlite3.Connection, feed_id: int) -> str:
    """The feed's title, else its address: how a reason names a source."""
    return conn.execute("SELECT coalesce(title, url) FROM feeds WHERE id = ?", (feed_id,)).fetchone()[0]


def list_feeds(db: sqlite_utils.Database, *, tag: str | None = None, enabled_only: bool = False) -> list[Feed]:
    """Return the feeds, by title."""
    where, params = [], []
    if tag:
        where.append("f.id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)")
        params.append(normalise_tags([tag])[0] if normalise_tags([tag]) else tag)
    if enabled_only:
        where.append("f.enabled = 1")
    sql = f"SELECT {FEED_COLUMNS} FROM feeds f"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY lower(coalesce(f.title, f.url)), f.id"
    with store_errors():
        return [_feed(row) for row in db.conn.execute(sql, params)]


def remove_feed(db: sqlite_utils.Database, ref: int | str) -> Feed:
    """Remove a feed with its articles and claims; return what was removed."""
    feed = get_feed(db, ref)
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
    return feed


def set_feed_tags(db: sqlite_utils.Database, ref: int | str, tags: Iterable[str]) -> Feed:
    """Replace a feed's tags."""
    feed = get_feed(db, ref)
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM feed_tags WHERE feed_id = ?", (feed.id,))
        conn.executemany(
            "INSERT INTO feed_tags (feed_id, tag) VALUES (?, ?)",
            [(feed.id, tag) for tag in normalise_tags(tags)],
        )
    return get_feed(db, feed.id)


def update_feed(db: sqlite_utils.Database, ref: int | str, *, title: str | None = None,
                enabled: bool | None = None) -> Feed:
    """Change a feed's title or enabled flag."""
    feed = get_feed(db, ref)
    with write_transaction(db) as conn:
        if title is not None:
            conn.execute("UPDATE feeds SET title = ? WHERE id = ?", (title or None, feed.id))
        if enabled is not None:
            conn.execute("UPDATE feeds SET enabled = ? WHERE id = ?", (int(enabled), feed.id))
    return get_feed(db, feed.id)


def conditional_headers(db: sqlite_utils.Database, feed_id: int) -> tuple[str | None, str | None]:
    """Return the ETag and Last-Modified the feed's server last sent."""
    with store_errors():
        row = db.conn.execute("SELECT etag, last_modified FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def last_document_sha256(db: sqlite_utils.Database, feed_id: int) -> str | None:
    """Return the SHA-256 of the last document read from a feed, to skip re-reading the same bytes."""
    with store_errors():
        row = db.conn.execute("SELECT last_document_sha256 FROM feeds WHERE id = ?", (feed_id,)).fetchone()
    return row[0] if row else None


def list_fetches(db: sqlite_utils.Database, feed_id: int, *, limit: int = 20) -> list[Fetch]:
    """Return the latest fetches of a feed, newest first."""
    with store_errors():
        rows = db.conn.execute(
            "SELECT id, feed_id, started_at, finished_at, status, http_status, error, document_sha256,"
            " bytes, entries_found, entries_new FROM fetches WHERE feed_id = ?"
            " ORDER BY started_at DESC, id DESC LIMIT ?",
            (feed_id, limit),
        ).fetchall()
    return [Fetch(*row) for row in rows]


def record_failure(conn: sqlite3.Connection, feed_id: int, *, started_at: str, error: str,
                   http_status: int | None, next_fetch_at: str) -> None:
    """Record a failed fetch: the error in plain words, and when to try again."""
    now = utc_now()
    conn.execute(
        "INSERT INTO fetches (feed_id, started_at, finished_at, status, http_status, error)"
        " VALUES (?, ?, ?, 'error', ?, ?)",
        (feed_id, started_at, now, http_status, error),
    )
    conn.execute(
        "UPDATE feeds SET last_fetch_at = ?, last_error = ?, failures = failures + 1, next_fetch_at = ?"
        " WHERE id = ?",
        (now, error, next_fetch_at, feed_id),
    )

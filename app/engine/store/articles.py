"""Articles, their claims, and the fetched documents kept as evidence."""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ..atomic_file import replacing
from ..boilerplate import MIN_ARTICLES, template_key
from ..domain import Article, ArticleDraft, Claim
from ..errors import StoreError
from .database import store_errors, utc_now

ARTICLE_COLUMNS = """
    a.id, a.feed_id, f.title, a.guid, a.link, a.title, a.author, a.text, a.language,
    a.published_at, a.published_estimated, a.fetched_at, a.content_sha256, a.document_sha256,
    (SELECT count(*) FROM articles b WHERE b.content_sha256 = a.content_sha256 AND b.feed_id != a.feed_id)
"""


def _article(row: Sequence) -> Article:
    return Article(
        id=row[0], feed_id=row[1], feed_title=row[2], guid=row[3], link=row[4], title=row[5],
        author=row[6], text=row[7], language=row[8], published_at=row[9],
        published_estimated=bool(row[10]), fetched_at=row[11], content_sha256=row[12],
        document_sha256=row[13], copies=row[14],
    )


@dataclass(frozen=True)
class SavedDocument:
    """What one successful fetch stored."""

    fetch_id: int
    entries_found: int
    entries_new: int
    claims_new: int
    article_ids: tuple[int, ...]
    claims_boilerplate: int = 0


def keep_document(evidence_dir: Path, sha256: str, data: bytes) -> Path:
    """Keep a fetched document gzip-compressed under its SHA-256; return its path.

    The file is written to a temporary name, flushed to disk and renamed, so that a
    crash or a full disk never leaves a truncated document under a valid name.

    Raises
    ------
    StoreError
        The evidence folder cannot be written (full disk, permissions).
    """
    path = evidence_dir / sha256[:2] / f"{sha256}.gz"
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A temporary name of its own: two ingests keeping the same document at once (two
        # windows, a window and a scheduled command) must not write into one file.
        with replacing(path, mode=None) as temporary, temporary.open("wb") as raw, \
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed:
            compressed.write(data)
    except OSError as exc:
        raise StoreError(f"Could not keep the fetched document as evidence: {exc.strerror or exc}") from exc
    return path


def read_document(evidence_dir: Path, sha256: str) -> bytes | None:
    """Return a kept document, or None if it was pruned or never kept."""
    path = evidence_dir / sha256[:2] / f"{sha256}.gz"
    if not path.exists():
        return None
    return gzip.decompress(path.read_bytes())


def _find_existing(conn: sqlite3.Connection, feed_id: int, draft: ArticleDraft) -> int | None:
    # One article per entry within a feed: same GUID, else same link, else same content.
    if draft.guid:
        row = conn.execute("SELECT id FROM articles WHERE feed_id = ? AND guid = ?", (feed_id, draft.guid)).fetchone()
        if row:
            return row[0]
    if draft.link:
        row = conn.execute("SELECT id FROM articles WHERE feed_id = ? AND link = ?", (feed_id, draft.link)).fetchone()
        if row:
            return row[0]
    row = conn.execute(
        "SELECT id FROM articles WHERE feed_id = ? AND content_sha256 = ?", (feed_id, draft.content_sha256)
    ).fetchone()
    return row[0] if row else None


def save_fetched(
    conn: sqlite3.Connection, feed_id: int, *, started_at: str, http_status: int | None,
    document_sha256: str, document_bytes: int, document_path: Path | None,
    drafts: Sequence[ArticleDraft], error: str | None, etag: str | None, last_modified: str | None,
    feed_title: str | None, next_fetch_at: str,
) -> SavedDocument:
    """Record a fetch and store its new articles with their claims, inside the caller's transaction.

    ``error`` is set when the document was malformed but entries were recovered: the
    feed then shows that error and keeps what could be read.
    """
    now = utc_now()
    conn.execute(
        "INSERT INTO documents (sha256, bytes, stored_at, path) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (document_sha256, document_bytes, now, str(document_path) if document_path else None),
    )
    cur = conn.execute(
        "INSERT INTO fetches (feed_id, started_at, finished_at, status, http_status, error,"
        " document_sha256, bytes, entries_found) VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?)",
        (feed_id, started_at, now, http_status, error, document_sha256, document_bytes, len(drafts)),
    )
    fetch_id = cur.lastrowid
    new: list[tuple[int, ArticleDraft]] = []
    for draft in drafts:
        if _find_existing(conn, feed_id, draft) is not None:
            continue
        cur = conn.execute(
            "INSERT INTO articles (feed_id, fetch_id, guid, link, title, author, text, language,"
            " published_at, published_estimated, fetched_at, content_sha256, document_sha256)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (feed_id, fetch_id, draft.guid, draft.link, draft.title, draft.author, draft.text,
             draft.language, draft.published_at, int(draft.published_estimated), now,
             draft.content_sha256, document_sha256),
        )
        new.append((cur.lastrowid, draft))
    keys = [[template_key(text) for _, text, _ in draft.claims] for _, draft in new]
    boilerplate = _count_templates(conn, feed_id, keys)
    claims_new = dropped = 0
    for (article_id, draft), draft_keys in zip(new, keys):
        kept = [claim for claim, key in zip(draft.claims, draft_keys) if key not in boilerplate]
        conn.executemany(
            "INSERT INTO claims (article_id, position, text, language, is_title) VALUES (?, ?, ?, ?, ?)",
            [(article_id, pos, text, draft.language, int(is_title)) for pos, text, is_title in kept],
        )
        claims_new += len(kept)
        dropped += len(draft.claims) - len(kept)
    new_ids = [article_id for article_id, _ in new]
    conn.execute("UPDATE fetches SET entries_new = ? WHERE id = ?", (len(new_ids), fetch_id))
    conn.execute(
        "UPDATE feeds SET last_fetch_at = ?, last_success_at = ?, last_error = ?, failures = 0,"
        " next_fetch_at = ?, etag = ?, last_modified = ?, last_document_sha256 = ?,"
        " title = coalesce(title, ?) WHERE id = ?",
        (now, now, error, next_fetch_at, etag, last_modified, document_sha256, feed_title, feed_id),
    )
    return SavedDocument(fetch_id, len(drafts), len(new_ids), claims_new, tuple(new_ids), dropped)


def boilerplate_lines(conn: sqlite3.Connection, lines: Sequence[tuple[int, int]] | None = None) -> set[tuple[int, int]]:
    """Which of these ``(feed_id, template)`` lines are their feed's boilerplate by now (all of
    them when no lines are given: a few per feed)."""
    if lines is None:
        return set(conn.execute("SELECT feed_id, template FROM feed_templates WHERE articles >= ?", (MIN_ARTICLES,)))
    wanted = list(set(lines))
    found: set[tuple[int, int]] = set()
    for start in range(0, len(wanted), 400):
        chunk = wanted[start:start + 400]
        found.update(conn.execute(
            "SELECT feed_id, template FROM feed_templates WHERE articles >= ? AND (feed_id, template) IN"
            f" (VALUES {','.join('(?, ?)' for _ in chunk)})", [MIN_ARTICLES, *[v for pair in chunk for v in pair]]))
    return found


def _count_templates(conn: sqlite3.Connection, feed_id: int, keys: Sequence[Sequence[int]]) -> set[int]:
    """Count the sentence templates of each new article (``keys``, one list per article) for its
    feed; return the templates that are now the feed's boilerplate."""
    counts: dict[int, int] = {}
    for article_keys in keys:
        for key in set(article_keys):
            counts[key] = counts.get(key, 0) + 1
    conn.executemany(
        "INSERT INTO feed_templates (feed_id, template, articles) VALUES (?, ?, ?)"
        " ON CONFLICT (feed_id, template) DO UPDATE SET articles = feed_templates.articles + excluded.articles",
        [(feed_id, key, n) for key, n in counts.items()],
    )
    return {key for _, key in boilerplate_lines(conn, [(feed_id, key) for key in counts])}


def record_not_modified(conn: sqlite3.Connection, feed_id: int, *, started_at: str,
                        http_status: int | None, next_fetch_at: str) -> None:
    """Record a fetch whose server said nothing changed (HTTP 304, or the same bytes)."""
    now = utc_now()
    conn.execute(
        "INSERT INTO fetches (feed_id, started_at, finished_at, status, http_status)"
        " VALUES (?, ?, ?, 'not-modified', ?)",
        (feed_id, started_at, now, http_status),
    )
    conn.execute(
        "UPDATE feeds SET last_fetch_at = ?, last_success_at = ?, failures = 0, next_fetch_at = ?"
        " WHERE id = ?",
        (now, now, next_fetch_at, feed_id),
    )


def list_articles(
    db: sqlite_utils.Database, *, feed_id: int | None = None, since: str | None = None,
    until: str | None = None, before: tuple[str, int] | None = None, limit: int = 200,
) -> list[Article]:
    """Return articles newest first, a page at a time.

    ``before`` is the ``(published_at, id)`` of the last article of the previous page
    (keyset paging: each page costs the same however deep the user scrolls).
    """
    where, params = [], []
    if feed_id is not None:
        where.append("a.feed_id = ?")
        params.append(feed_id)
    if since:
        where.append("a.published_at >= ?")
        params.append(since)
    if until:
        where.append("a.published_at < ?")
        params.append(until)
    if before:
        where.append("(a.published_at, a.id) < (?, ?)")
        params.extend(before)
    sql = f"SELECT {ARTICLE_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.published_at DESC, a.id DESC LIMIT ?"
    params.append(limit)
    with store_errors():
        return [_article(row) for row in db.conn.execute(sql, params)]


def get_article(db: sqlite_utils.Database, article_id: int) -> Article | None:
    """Return one article, or None."""
    with store_errors():
        row = db.conn.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
            (article_id,),
        ).fetchone()
    return _article(row) if row else None


def claims_of(db: sqlite_utils.Database, article_id: int) -> list[Claim]:
    """Return an article's claims in document order."""
    with store_errors():
        rows = db.conn.execute(
            "SELECT id, article_id, position, text, language, is_title FROM claims"
            " WHERE article_id = ? ORDER BY position",
            (article_id,),
        ).fetchall()
    return [Claim(r[0], r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def article_evidence(db: sqlite_utils.Database, article_ids: Sequence[int]) -> dict[int, tuple]:
    """``{article_id: (fetched_at, document_sha256, content_sha256, document kept)}`` of these articles."""
    with store_errors():
        rows = db.conn.execute(
            "SELECT a.id, a.fetched_at, a.document_sha256, a.content_sha256, d.path IS NOT NULL"
            " FROM articles a LEFT JOIN documents d ON d.sha256 = a.document_sha256"
            " WHERE a.id IN (SELECT value FROM json_each(?))",
            (json.dumps([int(i) for i in article_ids]),),
        ).fetchall()
    return {r[0]: (r[1], r[2], r[3], bool(r[4])) for r in rows}


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Return how many feeds, articles and claims are stored."""
    with store_errors():
        return {
            table: db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("feeds", "articles", "claims")
        }


def prune_documents(db: sqlite_utils.Database, evidence_dir: Path, *, older_than: str) -> int:
    """Delete kept documents stored before ``older_than``; their hashes stay as evidence.

    Returns how many files were deleted.
    """
    with store_errors():
        rows = db.conn.execute(
            "SELECT sha256 FROM documents WHERE stored_at < ? AND path IS NOT NULL", (older_than,)
        ).fetchall()
    removed = 0
    for (sha,) in rows:
        path = evidence_dir / sha[:2] / f"{sha}.gz"
        if path.exists():
            path.unlink()
            removed += 1
    with store_errors():
        db.conn.execute(
            "UPDATE documents SET path = NULL WHERE stored_at < ?", (older_than,)
        )
    return removed

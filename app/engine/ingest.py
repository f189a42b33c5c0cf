"""Feeds in: fetch or read each feed, parse it, and store its articles and claims.

Fetching runs in a bounded pool of threads (network waits overlap); parsing and
storing run in the calling thread, so there is one writer to the database and each
feed's articles are stored in one transaction: all of a feed's new articles, or none.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from .claims import extract_claims
from .domain import ArticleDraft, Feed
from .errors import Cancelled, FeedError
from .feeds.http import FetchOptions, FetchResult, fetch_feed, make_client
from .feeds.parsing import ParsedEntry, ParsedFeed, parse_feed
from .settings import Settings
from .store import Store, utc_now, write_transaction
from .store import articles as article_store
from .store import feeds as feed_store
from .store.database import to_utc_text
from .text import detect_language, html_to_text
from .progress import Progress

log = logging.getLogger(__name__)


# Saved feeds often have no ending at all (a URL's last segment); README.md and the like are skipped.
FEED_FILE_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".json", ".feed", ""}
FIRST_RETRY_MINUTES = 5
STALE_TEMPORARY_SECONDS = 3600
# Dates outside these bounds are feed bugs (year 0001, a clock years ahead): the fetch
# time, marked as estimated, is closer to the truth.
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(days=2)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class IngestReport:
    """What one ingest did, feed by feed."""

    feeds: int = 0
    fetched: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped_backoff: int = 0
    articles_found: int = 0
    articles_new: int = 0
    claims_new: int = 0
    claims_boilerplate: int = 0  # lines the feed repeats under many articles, not stored as claims
    # (feed, message): the feed's title, else its address, not the short name a list shows (its
    # site): the feeds that fail are often those never read, so untitled, and two of one site
    # would read the same.
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    new_article_ids: list[int] = field(default_factory=list)
    documents_pruned: int = 0


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def url_problem(url: str) -> str | None:
    """Why an http(s) address cannot be a feed's (it names no host), or None when it can.

    Examples
    --------
    >>> url_problem("https://"), url_problem("https://example.org/rss")
    ('The address https:// has no host name (like example.org).', None)
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a broken IPv6 literal or port
        host = None
    return None if host else f"The address {url} has no host name (like example.org)."


def feed_files_in(folder: Path, *, limit: int | None = None) -> list[Path]:
    """Return the feed files below a folder (by their ending, or none), in a stable order.

    With ``limit``, the walk stops after that many files: a folder such as ``/`` is not
    listed whole. Hidden files and folders are left out, and links to folders are not
    followed (they could loop).
    """
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in FEED_FILE_SUFFIXES and path.is_file():
                found.append(path)
                if limit is not None and len(found) >= limit:
                    return found
    return found


@dataclass(frozen=True)
class AddedSource:
    """What adding one source did: each feed with whether it is new, and the files of a
    folder left out because they are not feeds, with why."""

    feeds: tuple[tuple[Feed, bool], ...]
    skipped: tuple[tuple[str, str], ...] = ()


def add_sources(store: Store, sources: Iterable[str], *, tags: Iterable[str] = (),
                title: str | None = None) -> list[Feed]:
    """Add URLs, feed files and folders of feed files as feeds; return them.

    Sources already added are returned as they are (with the extra tags); files of a
    folder that are not feeds are left out (:func:`add_source` says which).

    Raises
    ------
    FeedError
        A source is neither an http(s) URL nor an existing file or folder.
    """
    return [feed for source in sources for feed, _ in add_source(store, source, tags=tags, title=title).feeds]


def add_source(store: Store, source: str, *, tags: Iterable[str] = (), title: str | None = None,
               limit: int | None = None, max_bytes: int = Settings().max_feed_bytes) -> AddedSource:
    """Add a URL, a feed file, or the feeds in a folder.

    A file named on its own is added as it is (reading it will say what is wrong with
    it); of a folder, only the files that parse as feeds are added, at most ``limit``
    files of it are looked at, and the others are listed in ``skipped``.

    Raises
    ------
    FeedError
        The source is neither an http(s) URL with a host nor an existing file or folder,
        or a folder holds no feeds.
    """
    if is_url(source):
        if problem := url_problem(source):
            raise FeedError(source, problem)
        return AddedSource((feed_store.add_feed(store.db, source, kind="http", title=title, tags=tags),))
    path = Path(source).expanduser()
    if path.is_dir():
        feeds, skipped = [], []
        for file in feed_files_in(path, limit=limit):
            problem = _not_a_feed(file, max_bytes)
            if problem:
                skipped.append((str(file), problem))
            else:
                feeds.append(feed_store.add_feed(store.db, str(file.resolve()), kind="file", tags=tags))
        if not feeds:
            endings = ", ".join(sorted(x for x in FEED_FILE_SUFFIXES if x))
            raise FeedError(source, f"The folder {source} holds no feeds ({endings} or no ending"
                                    + (f"; {len(skipped)} file(s) there are not feeds)." if skipped else ")."))
        return AddedSource(tuple(feeds), tuple(skipped))
    if path.is_file():
        return AddedSource((feed_store.add_feed(store.db, str(path.resolve()), kind="file", title=title, tags=tags),))
    if path.exists():
        # Reading a device or a pipe could block or never end (/dev/zero, a FIFO).
        raise FeedError(source, f"{source} is neither a file nor a folder (a device, a pipe or a socket).")
    if "://" in source:
        raise FeedError(source, f"Only http and https feeds can be fetched, not {source.split('://')[0]}:.")
    raise FeedError(source, f"{source} is not a URL, and there is no file or folder by that name.")


def _not_a_feed(path: Path, max_bytes: int) -> str | None:
    """Why a file found in a folder is not a feed (a fact-check export, a README), or None."""
    try:
        parse_feed(read_file(path, max_bytes), source=str(path))
    except FeedError as exc:
        return exc.message
    return None


def backoff_until(failures: int, settings: Settings, now: datetime, *, retry_after: float | None = None) -> str:
    """When to try a feed again after ``failures`` failures in a row (doubling, capped).

    A server's ``Retry-After`` (seconds) is waited for when it is longer, within the same cap.
    """
    minutes = min(max(FIRST_RETRY_MINUTES * 2 ** max(failures - 1, 0), (retry_after or 0) / 60),
                  settings.backoff_max_hours * 60)
    return to_utc_text(now + timedelta(minutes=minutes))


def fetch_options(settings: Settings) -> FetchOptions:
    return FetchOptions(
        timeout=settings.fetch_timeout, deadline=settings.fetch_deadline, max_bytes=settings.max_feed_bytes,
        max_redirects=settings.max_redirects, user_agent=settings.user_agent,
        proxy=settings.proxy or None,
    )


def read_feed_file(feed: Feed, max_bytes: int) -> FetchResult:
    """Read a local feed file as if it had been fetched."""
    data = read_file(Path(feed.url), max_bytes)
    return FetchResult(url=feed.url, final_url=feed.url, status=0, content=data, etag=None,
                       last_modified=None, content_type=None, not_modified=False)


def read_file(path: Path, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` of a file.

    Raises
    ------
    FeedError
        The file is larger, gone, or cannot be read.
    """
    try:
        # Read one byte past the cap rather than trusting the size: files such as
        # those under /proc say they are empty and are not.
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FeedError(str(path), f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    except FileNotFoundError as exc:
        raise FeedError(str(path), "The file is gone: it was moved or deleted.") from exc
    except OSError as exc:
        raise FeedError(str(path), f"The file could not be read: {exc.strerror or exc}.") from exc
    return data


def entry_to_draft(entry: ParsedEntry, parsed: ParsedFeed, fetched_at: str, settings: Settings) -> ArticleDraft:
    """Clean an entry's text, find its language and claims."""
    text = html_to_text(entry.content or "")
    title = " ".join(html_to_text(entry.title or "").split())
    if not title:
        title = (text[:97] + "…") if len(text) > 100 else text
    language = detect_language(f"{title}\n{text}") or _short_language(parsed.language)
    claims = extract_claims(title, text, language, min_chars=settings.claim_min_chars,
                            max_chars=settings.claim_max_chars)
    trusted = entry.published is not None and EARLIEST_DATE <= entry.published <= _now() + FUTURE_SLACK
    published = to_utc_text(entry.published) if trusted else fetched_at
    return ArticleDraft(
        guid=entry.guid, link=entry.link, title=title, author=entry.author, text=text,
        language=language, published_at=published, published_estimated=not trusted,
        content_sha256=entry.content_hash,
        claims=tuple((c.position, c.text, c.is_title) for c in claims),
    )


def _short_language(code: str | None) -> str | None:
    return code.split("-")[0].split("_")[0].lower() or None if code else None


def ingest(store: Store, feeds: Sequence[Feed] | None = None, *, settings: Settings = Settings(),
           force: bool = False, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> IngestReport:
    """Fetch or read feeds and store their new articles and claims.

    Parameters
    ----------
    feeds
        The feeds to ingest; None means every enabled feed.
    force
        Also fetch feeds that are backing off after failures.

    Returns
    -------
    IngestReport
        Counts, and each failed feed with its error in plain words.

    Raises
    ------
    Cancelled
        ``cancel`` was set; feeds already stored stay stored.
    StoreError
        The database could not be written (locked, disk full).
    """
    if feeds is None:
        feeds = feed_store.list_feeds(store.db, enabled_only=True)
    report = IngestReport(feeds=len(feeds))
    now_text = utc_now()
    due = []
    for feed in feeds:
        if not force and feed.failures and feed.next_fetch_at and feed.next_fetch_at > now_text:
            report.skipped_backoff += 1
        else:
            due.append(feed)
    if not due:
        return report
    options = fetch_options(settings)
    client = make_client(options) if any(f.kind == "http" for f in due) else None
    done = 0
    try:
        with ThreadPoolExecutor(max_workers=max(1, settings.max_concurrent_fetches),
                                thread_name_prefix="fetch") as pool:
            pending: dict[Future, tuple[Feed, str]] = {}
            waiting = iter(due)
            # A few feeds ahead of the one being stored, not all of them: fetched documents wait
            # in memory until stored (a folder of 600 local files was read whole at once).
            ahead = 2 * max(1, settings.max_concurrent_fetches)

            def submit_next() -> None:
                feed = next(waiting, None)
                if feed is None:
                    return
                started = utc_now()
                if feed.kind == "http":
                    etag, modified = feed_store.conditional_headers(store.db, feed.id)
                    future = pool.submit(fetch_feed, feed.url, etag=etag, last_modified=modified,
                                         options=options, client=client)
                else:
                    future = pool.submit(read_feed_file, feed, options.max_bytes)
                pending[future] = (feed, started)

            for _ in range(ahead):
                submit_next()
            while pending:
                finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                _stop_if_cancelled(cancel, pending)
                for future in finished:
                    # Local files are read faster than they are stored: storing is the long
                    # part, so cancel is checked before each feed is stored, not once per wait.
                    _stop_if_cancelled(cancel, pending)
                    feed, started = pending.pop(future)
                    submit_next()
                    _store_one(store, feed, started, future, settings, report)
                    done += 1
                    if progress:
                        progress(done / len(due), f"{done}/{len(due)} feeds: {feed.display_title}")
    finally:
        if client is not None:
            client.close()
    report.documents_pruned = prune_evidence(store, settings)
    return report


def _stop_if_cancelled(cancel: threading.Event | None, pending: dict[Future, tuple[Feed, str]]) -> None:
    if cancel is not None and cancel.is_set():
        for waiting in pending:
            waiting.cancel()
        raise Cancelled("Ingest cancelled; feeds already read are kept.")


def prune_evidence(store: Store, settings: Settings) -> int:
    """Delete kept documents older than the retention setting (0: keep them forever); their SHA-256 stays.

    Temporary files a crash left behind go too, once they are an hour old (a younger one
    may be another ingest's document being written).
    """
    if store.evidence_dir is None:
        return 0
    stale = time.time() - STALE_TEMPORARY_SECONDS
    for tmp in store.evidence_dir.glob("*/*.tmp"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < stale:
                tmp.unlink()
    if settings.evidence_retention_days == 0:
        return 0
    cutoff = to_utc_text(_now() - timedelta(days=settings.evidence_retention_days))
    return article_store.prune_documents(store.db, store.evidence_dir, older_than=cutoff)


def _store_one(store: Store, feed: Feed, started: str, future: Future, settings: Settings,
               report: IngestReport) -> None:
    now = datetime.now(timezone.utc)
    next_fetch = to_utc_text(now + timedelta(minutes=settings.fetch_interval_minutes))
    try:
        result: FetchResult = future.result()
        if result.not_modified or result.content is None:
            with write_transaction(store.db) as conn:
                article_store.record_not_modified(conn, feed.id, started_at=started,
                                                  http_status=result.status or None, next_fetch_at=next_fetch)
            report.unchanged += 1
            return
        data = result.content
        sha = hashlib.sha256(data).hexdigest()
        if sha == feed_store.last_document_sha256(store.db, feed.id):
            # The same bytes again (a file, or a server without validators): nothing to parse.
            with write_transaction(store.db) as conn:
                article_store.record_not_modified(conn, feed.id, started_at=started,
                                                  http_status=result.status or None, next_fetch_at=next_fetch)
            report.unchanged += 1
            return
        parsed = parse_feed(data, source=feed.url, content_type=result.content_type)
    except FeedError as exc:
        _record_failure(store, feed, started, exc, settings, now, report)
        return
    fetched_at = to_utc_text(now)
    drafts = [entry_to_draft(entry, parsed, fetched_at, settings) for entry in parsed.entries]
    path = None
    if store.evidence_dir is not None:
        path = article_store.keep_document(store.evidence_dir, sha, data)
    with write_transaction(store.db) as conn:
        saved = article_store.save_fetched(
            conn, feed.id, started_at=started, http_status=result.status or None,
            document_sha256=sha, document_bytes=len(data), document_path=path, drafts=drafts,
            error=parsed.error, etag=result.etag, last_modified=result.last_modified,
            feed_title=parsed.title, next_fetch_at=next_fetch,
        )
    report.fetched += 1
    report.articles_found += saved.entries_found
    report.articles_new += saved.entries_new
    report.new_article_ids.extend(saved.article_ids)
    report.claims_new += saved.claims_new
    report.claims_boilerplate += saved.claims_boilerplate
    if parsed.error:
        report.warnings.append((feed.title or feed.url, parsed.error))


def _record_failure(store: Store, feed: Feed, started: str, exc: FeedError, settings: Settings,
                    now: datetime, report: IngestReport) -> None:
    retry = backoff_until(feed.failures + 1, settings, now, retry_after=exc.retry_after)
    with write_transaction(store.db) as conn:
        feed_store.record_failure(conn, feed.id, started_at=started, error=exc.message,
                                  http_status=exc.status, next_fetch_at=retry)
    report.failed += 1
    report.errors.append((feed.title or feed.url, exc.message))
    log.info("feed %s failed: %s", feed.url, exc.message)

"""Building stores with known articles and claims, without feeds or models."""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable

from app.engine.domain import ArticleDraft
from app.engine.store import write_transaction
from app.engine.store import articles as article_store
from app.engine.store import feeds as feed_store

_counter = itertools.count(1)


def add_feed(store, name: str, tags=()):
    return feed_store.add_feed(store.db, f"https://{name}.example/rss", kind="http", title=name, tags=tags)[0]


def add_article(store, feed, claims: list[str], *, language="en", published="2026-11-10T08:00:00Z",
                title: str | None = None) -> int:
    """Store one article whose title is its first claim; return its id."""
    n = next(_counter)
    title = title or claims[0]
    draft = ArticleDraft(
        guid=f"guid-{n}", link=f"https://{feed.title}.example/{n}", title=title, author=None,
        text=" ".join(claims), language=language, published_at=published, published_estimated=False,
        content_sha256=hashlib.sha256(f"{n}{claims}".encode()).hexdigest(),
        claims=tuple((i, text, i == 0) for i, text in enumerate(claims)),
    )
    with write_transaction(store.db) as conn:
        saved = article_store.save_fetched(
            conn, feed.id, started_at=published, http_status=200, document_sha256=f"doc{n}",
            document_bytes=1, document_path=None, drafts=[draft], error=None, etag=None,
            last_modified=None, feed_title=None, next_fetch_at=published,
        )
    return saved.article_ids[0]


def run_in_threads(target: Callable[[], None], count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait for them all."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

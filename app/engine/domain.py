"""The things Narrative Radar stores, as frozen dataclasses.

The store returns these instead of database rows so that the window and the
command line never depend on the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit


def site_host(url: str) -> str | None:
    """The host of a web address without ``www.``, to name a site in little room; None when
    ``url`` has no host.

    >>> site_host("https://www.claimcheck.example/corvax?x=1")
    'claimcheck.example'
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


@dataclass(frozen=True)
class Feed:
    """A source of articles: a URL, or a file on disk for offline work."""

    id: int
    url: str
    kind: str  # "http" or "file"
    title: str | None
    tags: tuple[str, ...]
    enabled: bool
    added_at: str
    last_fetch_at: str | None
    last_success_at: str | None
    last_error: str | None
    failures: int
    next_fetch_at: str | None
    entries: int

    @property
    def display_title(self) -> str:
        """The channel's title; without one, the site's host or the file's name (a full
        address or path is long and hides what tells feeds apart)."""
        if self.title and self.title.strip():
            return self.title.strip()
        if self.kind == "file":
            return PurePath(self.url).name or self.url
        return site_host(self.url) or self.url

    @property
    def health(self) -> str:
        """One word: ``new``, ``ok``, ``warning`` (entries recovered despite an error),
        ``error`` or ``backing-off``."""
        if self.last_fetch_at is None:
            return "new"
        if self.failures > 0:
            return "backing-off" if self.failures > 1 else "error"
        if self.last_error:
            return "warning"
        return "ok"


@dataclass(frozen=True)
class Fetch:
    """One attempt to read a feed, with the SHA-256 of what was read."""

    id: int
    feed_id: int
    started_at: str
    finished_at: str | None
    status: str  # "ok", "not-modified", "error"
    http_status: int | None
    error: str | None
    document_sha256: str | None
    bytes: int | None
    entries_found: int
    entries_new: int


@dataclass(frozen=True)
class Article:
    """One entry of one feed, as clean text with its evidence."""

    id: int
    feed_id: int
    feed_title: str | None
    guid: str | None
    link: str | None
    title: str
    author: str | None
    text: str
    language: str | None
    published_at: str
    published_estimated: bool
    fetched_at: str
    content_sha256: str
    document_sha256: str | None
    copies: int  # how many articles in other feeds carry exactly this content


@dataclass(frozen=True)
class Claim:
    """A claim-sized sentence of an article."""

    id: int
    article_id: int
    position: int
    text: str
    language: str | None
    is_title: bool


@dataclass(frozen=True)
class ArticleDraft:
    """An article ready to be stored: cleaned, dated, with its claims picked."""

    guid: str | None
    link: str | None
    title: str
    author: str | None
    text: str
    language: str | None
    published_at: str
    published_estimated: bool
    content_sha256: str
    claims: tuple[tuple[int, str, bool], ...]  # (position, text, is_title)


@dataclass(frozen=True)
class Flag:
    """Why a narrative deserves a look, in plain words."""

    kind: str  # "spread", "cross-language", "watchlist", "growth", "fact-checked"
    reason: str
    weight: float


@dataclass(frozen=True)
class NarrativeSummary:
    """A narrative as a row of the list."""

    id: int
    label: str
    status: str
    size: int
    sources: int
    languages: tuple[str, ...]
    first_seen: str | None
    last_seen: str | None
    score: float
    flagged: bool
    flags: tuple[Flag, ...]
    version: int = 0  # bumped by every reviewer's change (see app.engine.review); a write names the one it saw


@dataclass(frozen=True)
class Member:
    """A claim of a narrative, with where it came from."""

    claim_id: int
    text: str
    language: str | None
    similarity: float
    article_id: int
    article_title: str
    article_link: str | None
    feed_id: int
    feed_title: str
    published_at: str
    evidence: str = ""  # why the clustering linked it (empty: linked before it was recorded, or by a reviewer)


@dataclass(frozen=True)
class Narrative:
    """A narrative with its member claims, oldest first."""

    summary: NarrativeSummary
    notes: str
    members: tuple[Member, ...]


@dataclass(frozen=True)
class SearchHit:
    """A claim found by a keyword or semantic search."""

    claim_id: int
    text: str
    language: str | None
    score: float
    article_id: int
    article_title: str
    article_link: str | None
    feed_title: str
    published_at: str
    narrative_id: int | None


@dataclass(frozen=True)
class AuditEntry:
    """One review action: who did what, when."""

    id: int
    at: str
    actor: str
    action: str
    subject: str
    detail: str


@dataclass(frozen=True)
class FactCheck:
    """A published fact-check of a claim."""

    id: int
    external_id: str | None
    claim: str
    title: str | None
    claimant: str | None
    claim_date: str | None
    rating: str | None  # as the publisher wrote it
    verdict: str  # false, misleading, mixed, true, unproven or other
    publisher: str | None
    publisher_site: str | None
    url: str | None
    review_date: str | None
    language: str | None
    source: str  # the file it was imported from, or "feed:<id>"
    article_id: int | None
    imported_at: str
    updated_at: str

    def describe(self) -> str:
        """``rated False by ClaimCheck Desk (2026-11-12): https://...`` in plain words."""
        rated = f"rated {self.rating}" if self.rating else "rating unknown"
        by = f" by {self.publisher}" if self.publisher else ""
        when = f" ({self.review_date})" if self.review_date else ""
        link = f": {self.url}" if self.url else ""
        return f"{rated}{by}{when}{link}"


@dataclass(frozen=True)
class ClaimMatch:
    """A claim that matched a fact-check, with its narrative (if any)."""

    claim_id: int
    text: str
    narrative_id: int | None
    score: float
    status: str

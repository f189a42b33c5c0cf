"""What a brief holds: the narratives a filter selects, with claims, sources, fact-checks and evidence.

:func:`gather_brief` reads everything once; the writers in :mod:`.formats`,
:mod:`.html` (and the window's PDF writer) only lay it out, so every format
shows the same facts.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ... import __version__
from ..domain import Narrative
from ..errors import AppError, Cancelled
from ..narrative_json import narrative_json
from ..store import Store
from ..store import articles as article_store
from ..store import narratives as narrative_store
from ..progress import Progress

log = logging.getLogger(__name__)

MAX_CLAIM_ROWS = 60
"""A narrative with more claims than this has its claims table summarised."""
SHOWN_CLAIM_ROWS = 30
"""How many of the earliest claims a summarised table still shows."""
MAX_EVIDENCE_ROWS = 60
"""Likewise for the evidence table (one row per article)..."""
SHOWN_EVIDENCE_ROWS = 30
"""...which then shows the earliest articles."""


@dataclass(frozen=True)
class BriefFilter:
    """Which narratives go into a brief; ``None`` or ``False`` means any.

    ``since``/``until`` are stored UTC texts (``2026-11-16T00:00:00Z``): a narrative
    belongs to the period when it was active in it (last seen at or after ``since``,
    first seen before ``until``).
    """

    since: str | None = None
    until: str | None = None
    status: str | None = None
    flagged_only: bool = False
    flag_kind: str | None = None
    tag: str | None = None
    ids: tuple[int, ...] | None = None

    def describe(self) -> str:
        """The filter in plain words, for the cover."""
        parts = []
        if self.ids is not None:
            parts.append("narratives " + ", ".join(f"#{i}" for i in self.ids))
        if self.since and self.until:
            parts.append(f"active between {format_time(self.since)} and {format_time(self.until)} UTC")
        elif self.since:
            parts.append(f"active since {format_time(self.since)} UTC")
        elif self.until:
            parts.append(f"first seen before {format_time(self.until)} UTC")
        if self.status:
            parts.append(f"status {self.status}")
        if self.flagged_only:
            parts.append("flagged only")
        if self.flag_kind:
            parts.append(f"flag {self.flag_kind}")
        if self.tag:
            parts.append(f"told by a source tagged {self.tag}")
        return "; ".join(parts) or "all narratives"

    def as_dict(self) -> dict[str, Any]:
        return {"since": self.since, "until": self.until, "status": self.status,
                "flagged_only": self.flagged_only, "flag_kind": self.flag_kind, "tag": self.tag,
                "ids": list(self.ids) if self.ids is not None else None}


@dataclass(frozen=True)
class ClaimRow:
    """One claim of a narrative with where it was published and the evidence of its article."""

    claim_id: int
    outlet: str
    feed_id: int
    language: str | None
    published_at: str
    text: str
    link: str | None
    article_id: int
    article_title: str
    similarity: float
    fetched_at: str | None
    document_sha256: str | None
    content_sha256: str | None


@dataclass(frozen=True)
class SourceCount:
    """How much of a narrative one outlet told, and when."""

    outlet: str
    feed_id: int
    claims: int
    languages: tuple[str, ...]
    first: str
    last: str


@dataclass(frozen=True)
class Evidence:
    """One article behind a narrative: when it was fetched and the hashes that prove what it said."""

    article_id: int
    outlet: str
    title: str
    link: str | None
    published_at: str
    fetched_at: str | None
    document_sha256: str | None   # the whole fetched feed document
    content_sha256: str | None    # this entry's cleaned content
    document_kept: bool           # the fetched document is still in the evidence folder


@dataclass(frozen=True)
class FactCheckMatch:
    """A published fact-check a narrative matches (from the fact-check library, when present)."""

    rating: str
    publisher: str
    url: str | None
    claim: str
    date: str | None
    score: float | None
    status: str = "match"  # "confirmed" by a reviewer, "match" (flags the narrative) or "possible"


@dataclass(frozen=True)
class BriefNarrative:
    """Everything a brief shows about one narrative."""

    narrative: Narrative
    claims: tuple[ClaimRow, ...]          # all of them, oldest first
    sources: tuple[SourceCount, ...]      # by first appearance
    evidence: tuple[Evidence, ...]        # one per article, oldest first
    factchecks: tuple[FactCheckMatch, ...]
    data: dict[str, Any] = field(repr=False)  # the narrative JSON (app.engine.narrative_json)

    @property
    def summarised(self) -> bool:
        """Too many claims for a readable table: show the earliest and a row per source."""
        return len(self.claims) > MAX_CLAIM_ROWS

    @property
    def shown_claims(self) -> tuple[ClaimRow, ...]:
        return self.claims[:SHOWN_CLAIM_ROWS] if self.summarised else self.claims

    @property
    def shown_evidence(self) -> tuple[Evidence, ...]:
        return self.evidence[:SHOWN_EVIDENCE_ROWS] if len(self.evidence) > MAX_EVIDENCE_ROWS else self.evidence


@dataclass(frozen=True)
class Brief:
    """A brief ready to be written in any format."""

    title: str
    author: str
    generated_at: str
    filter: BriefFilter
    narratives: tuple[BriefNarrative, ...]
    generator: str = f"Narrative Radar {__version__}"
    suggestions: bool = False  # fact-checks that match without flagging are listed, marked as suggestions

    @property
    def period(self) -> tuple[str | None, str | None]:
        """From the first claim to the last one of the narratives in the brief."""
        firsts = [n.narrative.summary.first_seen for n in self.narratives if n.narrative.summary.first_seen]
        lasts = [n.narrative.summary.last_seen for n in self.narratives if n.narrative.summary.last_seen]
        return (min(firsts) if firsts else self.filter.since, max(lasts) if lasts else self.filter.until)

    @property
    def claim_count(self) -> int:
        return sum(len(n.claims) for n in self.narratives)

    @property
    def summarised(self) -> bool:
        return any(n.summarised for n in self.narratives)


# --- Reading ---

def select_narratives(store: Store, brief_filter: BriefFilter) -> list[int]:
    """Return the ids of the narratives the filter selects, flagged first, then by score.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    filters = narrative_store.NarrativeFilter(
        status=brief_filter.status, flagged_only=brief_filter.flagged_only, flag_kind=brief_filter.flag_kind,
        tag=brief_filter.tag, since=brief_filter.since, until=brief_filter.until, ids=brief_filter.ids,
    )
    ids: list[int] = []
    after = None
    while True:
        page = narrative_store.page_narratives(store.db, filters, sort="score", after=after, limit=500)
        ids.extend(row.summary.id for row in page.rows)
        if page.after is None:
            return ids
        after = page.after


def _sources(claims: Sequence[ClaimRow]) -> tuple[SourceCount, ...]:
    grouped: dict[int, list[ClaimRow]] = {}
    for claim in claims:
        grouped.setdefault(claim.feed_id, []).append(claim)
    out = []
    for feed_id, rows in grouped.items():
        languages = tuple(dict.fromkeys(r.language for r in rows if r.language))
        out.append(SourceCount(rows[0].outlet, feed_id, len(rows), languages,
                               min(r.published_at for r in rows), max(r.published_at for r in rows)))
    return tuple(sorted(out, key=lambda s: (s.first, s.outlet)))


def _evidence(claims: Sequence[ClaimRow], kept: dict[int, tuple]) -> tuple[Evidence, ...]:
    seen: dict[int, Evidence] = {}
    for c in claims:
        if c.article_id not in seen:
            seen[c.article_id] = Evidence(c.article_id, c.outlet, c.article_title, c.link, c.published_at,
                                          c.fetched_at, c.document_sha256, c.content_sha256,
                                          kept.get(c.article_id, (None, None, None, False))[3])
    return tuple(seen.values())


def _library_factchecks(store: Store, narrative: Narrative, suggestions: bool) -> list | None:
    """The fact-check library's matches of a narrative (:mod:`app.engine.factchecks.library`) a brief lists, or None when it cannot say.

    A brief is forwarded as true line by line: it lists confirmed and flagging
    matches, and the weaker ones only when ``suggestions`` is asked for.
    """
    try:
        from ..factchecks.library import narrative_factchecks
    except ImportError:
        return None
    try:
        return [m for m in narrative_factchecks(store.db, narrative.summary.id)
                if m.flagging or (suggestions and m.status != "rejected")]
    except AppError:  # an older database without the library's tables
        log.warning("fact-check matches of narrative %s could not be read", narrative.summary.id, exc_info=True)
        return None


def _narrative_data(store: Store, narrative: Narrative, suggestions: bool) -> dict[str, Any]:
    """The narrative JSON of ``narrative show --format json``, with the ``factchecks`` a brief lists."""
    return narrative_json(narrative, _library_factchecks(store, narrative, suggestions))


def matched_factchecks(data: dict[str, Any]) -> tuple[FactCheckMatch, ...]:
    """The fact-checks in a narrative JSON's ``factchecks`` list, best first, rejected ones left out.

    Read defensively: an item of a shape it cannot use is skipped.
    """
    items = data.get("factchecks")
    if not isinstance(items, list):
        return ()
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        status = str(item.get("status") or "").lower()
        if status in ("rejected", "dismissed"):
            continue

        def text(*keys: str) -> str:
            for key in keys:
                value = item.get(key)
                if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                    return str(value).strip()
            return ""

        score = item.get("score")
        state = ("confirmed" if status == "confirmed"
                 else "possible" if item.get("flagging") is False else "match")
        out.append(FactCheckMatch(
            rating=text("rating", "verdict", "textual_rating") or "unrated",
            publisher=text("publisher", "author", "source") or "unknown publisher",
            url=text("url", "link", "review_url") or None,
            claim=text("claim", "claim_text", "text", "title"),
            date=text("date", "review_date", "published_at") or None,
            score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
            status=state,
        ))
    return tuple(out)


def brief_narrative(store: Store, narrative: Narrative, *, suggestions: bool = False) -> BriefNarrative:
    """Gather the claims, sources, evidence and fact-checks of one narrative.

    ``suggestions`` adds the fact-checks that match without flagging (see :class:`Brief`).

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    members = narrative.members
    kept = article_store.article_evidence(store.db, sorted({m.article_id for m in members}))
    claims = tuple(
        ClaimRow(m.claim_id, m.feed_title, m.feed_id, m.language, m.published_at, m.text, m.article_link,
                 m.article_id, m.article_title, m.similarity, *kept.get(m.article_id, (None, None, None, False))[:3])
        for m in sorted(members, key=lambda m: (m.published_at, m.claim_id))
    )
    data = _narrative_data(store, narrative, suggestions)
    return BriefNarrative(narrative, claims, _sources(claims), _evidence(claims, kept),
                          matched_factchecks(data), data)


def gather_brief(store: Store, brief_filter: BriefFilter, *, title: str = "", author: str = "",
                 allow_empty: bool = False, suggestions: bool = False, now: datetime | None = None,
                 progress: Progress | None = None, cancel: threading.Event | None = None) -> Brief:
    """Read everything a brief holds about the narratives the filter selects.

    Parameters
    ----------
    brief_filter
        Which narratives (see :class:`BriefFilter`).
    title, author
        The cover's title (default "Narrative brief") and who prepared it.
    allow_empty
        Return a brief with no narratives instead of failing when nothing matches.
    suggestions
        Also list the fact-checks that match a narrative without flagging it, marked as
        suggestions; by default a brief lists confirmed and flagging matches only.
    now
        The generation time (default: now, UTC).

    Raises
    ------
    AppError
        Nothing matches the filter (unless ``allow_empty``).
    StoreError
        The database cannot be read.
    Cancelled
        ``cancel`` was set.

    Examples
    --------
    >>> brief = gather_brief(store, BriefFilter(since="2026-11-16T00:00:00Z", flagged_only=True))
    >>> [n.narrative.summary.label for n in brief.narratives]
    """
    ids = select_narratives(store, brief_filter)
    if not ids and not allow_empty:
        raise AppError(f"No narrative matches this filter ({brief_filter.describe()}), so there is no brief "
                       "to write. Widen the filter, or ask for an empty brief (--allow-empty).")
    out = []
    for number, narrative_id in enumerate(ids):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        if progress:
            progress(number / max(len(ids), 1), f"reading narrative {number + 1} of {len(ids)}")
        narrative = narrative_store.get_narrative(store.db, narrative_id)
        if narrative is not None:
            out.append(brief_narrative(store, narrative, suggestions=suggestions))
    if progress:
        progress(1.0, f"read {len(out)} narrative(s)")
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return Brief(title=title.strip() or "Narrative brief", author=author.strip(),
                 generated_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"), filter=brief_filter, narratives=tuple(out),
                 suggestions=suggestions)


# --- Small text helpers shared by the writers ---

def format_time(stored: str | None, *, with_time: bool = True, short: bool = False) -> str:
    """``2026-11-10T08:00:00Z`` as ``2026-11-10 08:00`` (UTC; ``short``: ``10 Nov 08:00``;
    without time: ``10 Nov 2026``), or ``-``."""
    if not stored:
        return "-"
    try:
        moment = datetime.fromisoformat(stored.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return stored
    if short:
        return moment.strftime("%d %b %H:%M").lstrip("0")
    return moment.strftime("%Y-%m-%d %H:%M" if with_time else "%d %b %Y").lstrip("0")


def clean_text(text: str | None) -> str:
    """Text with control characters removed (they are invalid in XML and break tables)."""
    if not text:
        return ""
    return "".join(ch if ch in "\t\n" or unicodedata.category(ch) != "Cc" else " " for ch in text)


def is_rtl(text: str) -> bool:
    """Whether the first strongly directional character is right-to-left (Arabic, Hebrew...)."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def safe_link(link: str | None) -> str | None:
    """The link if it is a web address (http or https), else None: other schemes stay text."""
    if link and link.strip().lower().startswith(("http://", "https://")):
        return link.strip()
    return None

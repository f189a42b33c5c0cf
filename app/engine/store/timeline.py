"""How a narrative spread over time, per source, in at most a few hundred points.

A small narrative is drawn as it is: one point per claim. A large one is aggregated in
SQL: claims are counted per source lane, per round time bucket (an hour, a day, a
week: whatever keeps the buckets under :data:`MAX_BUCKETS`) and per language, so the
chart gets at most ``MAX_LANES * MAX_BUCKETS`` points whatever the narrative's size.

Lanes: at most :data:`MAX_LANES`. With more sources than that, the first teller and
the sources with the most claims keep a lane of their own and the others share the
last lane ("N more sources"). Lanes are ordered by when the source first told the
story, so a cascade from one outlet to the next reads from top to bottom.

Examples
--------
>>> timeline = narrative_timeline(store.db, narrative_id)
>>> [lane.title for lane in timeline.lanes][:2]
['The Daily Ledger', 'Severny Vestnik']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from ..domain import Member
from .database import store_errors
from .narrative_claims import page_claims

MAX_LANES = 10
MAX_BUCKETS = 40
EXACT_LIMIT = 400
"""Up to this many claims, one point per claim; above it, counts per time bucket."""
BUCKET_HOURS = (1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 28, 24 * 91, 24 * 182, 24 * 364)

_CLAIMS = ("FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id JOIN articles a ON a.id = c.article_id"
           " WHERE nc.narrative_id = ?")


@dataclass(frozen=True)
class TimelineLane:
    """A source (``feed_id``), or the sources folded together (``feed_id`` None)."""

    title: str
    feed_id: int | None
    sources: int
    claims: int
    first_seen: str


@dataclass(frozen=True)
class TimelinePoint:
    """Claims of one lane at one time: one claim (``member``), or a bucket's count.

    ``at`` is the claim's publication time or the bucket's start (UTC text);
    ``language`` is the bucket's most frequent language, ``languages`` all of them.
    """

    lane: int
    at: str
    claims: int
    language: str
    languages: tuple[tuple[str, int], ...]
    member: Member | None = None


@dataclass(frozen=True)
class NarrativeTimeline:
    """The chart's data: lanes top to bottom, points, and claims per language in the
    order the languages appeared. ``bucket_hours`` is None when a point is a claim."""

    lanes: tuple[TimelineLane, ...]
    points: tuple[TimelinePoint, ...]
    languages: tuple[tuple[str, int], ...]
    claims: int
    bucket_hours: int | None


EMPTY = NarrativeTimeline((), (), (), 0, None)


def _epoch(at: str) -> int:
    return int(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp())


def _utc_text(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def choose_lanes(sources: Iterable[tuple[int, str, int, str]]) -> tuple[list[TimelineLane], dict[int, int]]:
    """Lanes for ``(feed_id, title, claims, first_seen)`` per source, and each source's lane.

    Every source keeps its own lane when there are at most :data:`MAX_LANES`; otherwise
    the first teller and the largest sources do, and the rest share the last lane.
    """
    by_time = sorted(sources, key=lambda s: (s[3], s[0]))
    if len(by_time) > MAX_LANES:
        largest = sorted(by_time[1:], key=lambda s: (-s[2], s[3], s[0]))[:MAX_LANES - 2]
        kept = {by_time[0][0], *(s[0] for s in largest)}
    else:
        kept = {s[0] for s in by_time}
    lanes = [TimelineLane(title, feed_id, 1, claims, first) for feed_id, title, claims, first in by_time
             if feed_id in kept]
    lane_of = {lane.feed_id: number for number, lane in enumerate(lanes)}
    rest = [s for s in by_time if s[0] not in kept]
    if rest:
        lanes.append(TimelineLane(f"{len(rest)} more sources", None, len(rest), sum(s[2] for s in rest), rest[0][3]))
        lane_of.update({s[0]: len(lanes) - 1 for s in rest})
    return lanes, lane_of


def timeline_of_members(members: Sequence[Member]) -> NarrativeTimeline:
    """The timeline of these claims, one point per claim (no store needed)."""
    ordered = sorted(members, key=lambda m: (m.published_at, m.claim_id))
    sources: dict[int, list] = {}
    languages: dict[str, int] = {}
    for m in ordered:
        source = sources.setdefault(m.feed_id, [m.feed_id, m.feed_title, 0, m.published_at])
        source[2] += 1
        languages[m.language or ""] = languages.get(m.language or "", 0) + 1
    lanes, lane_of = choose_lanes(tuple(s) for s in sources.values())
    points = tuple(TimelinePoint(lane_of[m.feed_id], m.published_at, 1, m.language or "",
                                 ((m.language or "", 1),), m) for m in ordered)
    return NarrativeTimeline(tuple(lanes), points, tuple(languages.items()), len(ordered), None)


def bucket_hours(low: str, high: str) -> int:
    """The roundest bucket width (hours) that cuts ``low``..``high`` into at most MAX_BUCKETS."""
    span_hours = (_epoch(high) - _epoch(low)) / 3600
    return next((h for h in BUCKET_HOURS if span_hours / h < MAX_BUCKETS), BUCKET_HOURS[-1])


def narrative_timeline(db: sqlite_utils.Database, narrative_id: int, *,
                       exact_limit: int = EXACT_LIMIT) -> NarrativeTimeline:
    """Return how a narrative spread: per claim when small, counted per time bucket in SQL when large.

    Parameters
    ----------
    narrative_id
        The narrative.
    exact_limit
        Up to this many claims, one point per claim.

    Raises
    ------
    StoreError
        The database cannot be read.

    Examples
    --------
    >>> timeline = narrative_timeline(store.db, 7)
    >>> len(timeline.points) <= MAX_LANES * max(MAX_BUCKETS, EXACT_LIMIT)
    True
    """
    narrative_id = int(narrative_id)
    with store_errors():
        sources = db.conn.execute(
            "SELECT a.feed_id, coalesce(f.title, f.url), count(*), min(a.published_at), max(a.published_at)"
            f" {_CLAIMS.replace('WHERE', 'JOIN feeds f ON f.id = a.feed_id WHERE')} GROUP BY a.feed_id, f.title, f.url",
            (narrative_id,)).fetchall()
    total = sum(s[2] for s in sources)
    if total == 0:
        return EMPTY
    if total <= exact_limit:
        return timeline_of_members(page_claims(db, narrative_id, limit=exact_limit).members)
    lanes, lane_of = choose_lanes(s[:4] for s in sources)
    low, high = min(s[3] for s in sources), max(s[4] for s in sources)
    hours = bucket_hours(low, high)
    width = hours * 3600
    origin = _epoch(low) // width * width  # round hours or days (UTC)
    kept = [(feed_id, lane) for feed_id, lane in lane_of.items() if lanes[lane].feed_id is not None]
    lane_sql = "CASE a.feed_id " + " ".join("WHEN ? THEN ?" for _ in kept) + f" ELSE {len(lanes) - 1} END"
    params = [v for pair in kept for v in pair]
    with store_errors():
        rows = db.conn.execute(
            f"SELECT {lane_sql} AS lane_no, (CAST(strftime('%s', a.published_at) AS INTEGER) - ?) / ? AS bucket_no,"
            f" coalesce(c.language, '') AS language_code, count(*), min(a.published_at) {_CLAIMS}"
            " GROUP BY lane_no, bucket_no, language_code", params + [origin, width, narrative_id]).fetchall()
    buckets: dict[tuple[int, int], dict[str, int]] = {}
    firsts: dict[str, str] = {}
    totals: dict[str, int] = {}
    for lane, bucket, language, count, first in rows:
        buckets.setdefault((lane, bucket), {})[language] = count
        firsts[language] = min(first, firsts.get(language, first))
        totals[language] = totals.get(language, 0) + count
    order = sorted(firsts, key=lambda code: (firsts[code], code))
    points = []
    for (lane, bucket), counts in sorted(buckets.items(), key=lambda item: (item[0][1], item[0][0])):
        mix = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0]))))
        points.append(TimelinePoint(lane, _utc_text(origin + bucket * width), sum(counts.values()), mix[0][0], mix))
    return NarrativeTimeline(tuple(lanes), tuple(points), tuple((code, totals[code]) for code in order), total, hours)

"""Why a narrative is flagged: each rule gives a reason in plain words and a weight.

The rules read only a narrative's members (who said it, in which language, when)
and the feeds' tags, so they are cheap to recompute whenever a narrative grows.
A narrative is flagged when any rule fires and more than one source carries it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .domain import Flag

LANGUAGE_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "it": "Italian", "ja": "Japanese", "ka": "Georgian",
    "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sr": "Serbian", "sv": "Swedish",
    "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese",
}

WATCH_TAGS = ("watchlist",)
DEBUNK_TAGS = ("fact-checker",)
GROWTH_HOURS = 24
GROWTH_MIN_NEW_SOURCES = 3


@dataclass(frozen=True)
class Sighting:
    """One member claim as the rules see it."""

    feed_id: int
    feed_title: str
    feed_tags: tuple[str, ...]
    language: str | None
    published_at: str


@dataclass(frozen=True)
class FlagRules:
    """The thresholds a newsroom can set."""

    min_sources: int = 3
    hours: int = 72


def language_name(code: str | None) -> str:
    return LANGUAGE_NAMES.get(code or "", code or "unknown language")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _names(titles: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(titles[:limit])
    return shown + (f" and {len(titles) - limit} more" if len(titles) > limit else "")


def _first_by_feed(sightings: Sequence[Sighting]) -> list[Sighting]:
    seen: dict[int, Sighting] = {}
    for s in sorted(sightings, key=lambda s: s.published_at):
        seen.setdefault(s.feed_id, s)
    return list(seen.values())


def spread_flag(sightings: Sequence[Sighting], rules: FlagRules) -> Flag | None:
    """At least ``min_sources`` distinct sources within ``hours`` of each other."""
    firsts = _first_by_feed(sightings)
    window = timedelta(hours=rules.hours)
    best: list[Sighting] = []
    start = 0
    for end in range(len(firsts)):
        while _time(firsts[end].published_at) - _time(firsts[start].published_at) > window:
            start += 1
        if end - start + 1 > len(best):
            best = firsts[start:end + 1]
    if len(best) < rules.min_sources:
        return None
    hours = (_time(best[-1].published_at) - _time(best[0].published_at)).total_seconds() / 3600
    span = f"{hours:.0f} hours" if hours >= 1 else "less than an hour"
    return Flag("spread", f"Told by {len(best)} different sources within {span}: "
                          f"{_names([s.feed_title for s in best])}.", 3.0 + len(best) - rules.min_sources)


def cross_language_flag(sightings: Sequence[Sighting]) -> Flag | None:
    """The same claim appears in more than one language, from different sources."""
    firsts_by_language: dict[str, Sighting] = {}
    for s in sorted(sightings, key=lambda s: s.published_at):
        if s.language:
            firsts_by_language.setdefault(s.language, s)
    if len(firsts_by_language) < 2 or len({s.feed_id for s in firsts_by_language.values()}) < 2:
        return None
    ordered = list(firsts_by_language.values())
    first = ordered[0]
    then = ", ".join(language_name(s.language) for s in ordered[1:])
    return Flag("cross-language", f"Jumped across languages: first in {language_name(first.language)} "
                                  f"({first.feed_title}, {first.published_at[:10]}), then {then}.",
                2.0 + 0.5 * (len(ordered) - 2))


def watchlist_flag(sightings: Sequence[Sighting]) -> Flag | None:
    """A source tagged ``watchlist`` carries the claim."""
    watched = sorted({s.feed_title for s in sightings if any(t in WATCH_TAGS for t in s.feed_tags)})
    if not watched:
        return None
    return Flag("watchlist", f"Carried by {'a source' if len(watched) == 1 else 'sources'} on the watchlist: "
                             f"{_names(watched)}.", 2.0)


def growth_flag(sightings: Sequence[Sighting]) -> Flag | None:
    """Many new sources in the last day of activity, more than it had before."""
    firsts = _first_by_feed(sightings)
    if not firsts:
        return None
    cutoff = _time(max(s.published_at for s in sightings)) - timedelta(hours=GROWTH_HOURS)
    recent = [s for s in firsts if _time(s.published_at) >= cutoff]
    before = len(firsts) - len(recent)
    if len(recent) < GROWTH_MIN_NEW_SOURCES or len(recent) <= before:
        return None
    return Flag("growth", f"Growing fast: {len(recent)} new sources in its latest {GROWTH_HOURS} hours, "
                          f"after {before} before.", 1.0)


def spreading_sightings(sightings: Sequence[Sighting]) -> list[Sighting]:
    """The sightings that spread a claim: a source tagged ``fact-checker`` repeats it to debunk it."""
    return [s for s in sightings if not any(t in DEBUNK_TAGS for t in s.feed_tags)]


def source_count(sightings: Sequence[Sighting]) -> int:
    """How many sources spread the claims: the narrative's "sources", the same count its flags use."""
    return len({s.feed_id for s in spreading_sightings(sightings)})


def evaluate(sightings: Sequence[Sighting], rules: FlagRules,
             extra: Sequence[Flag] = ()) -> tuple[list[Flag], float, bool]:
    """Return a narrative's flags, its score and whether it is flagged.

    ``extra`` carries flags decided elsewhere (a match with a known fact-check).
    Sources tagged ``fact-checker`` repeat a claim to debunk it: they never count as
    spreading it. The score grows with the weight of the flags and, more slowly, with
    the number of sources, so that a claim told by twelve outlets outranks one told by three.
    """
    spreading = spreading_sightings(sightings)
    flags = [f for f in (spread_flag(spreading, rules), cross_language_flag(spreading),
                         watchlist_flag(spreading), growth_flag(spreading)) if f]
    flags.extend(extra)
    sources = source_count(spreading)
    score = (1.0 + sum(f.weight for f in flags)) * math.log2(1 + sources)
    flagged = bool(flags) and sources >= 2
    return flags, round(score, 3), flagged

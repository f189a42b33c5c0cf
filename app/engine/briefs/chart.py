"""The spread chart of a brief, drawn as SVG text: one lane per source, one dot per claim.

Like the window's timeline: sources are ordered by when they first told the story
(a cascade reads top to bottom) and dots are coloured by language, so a jump across
languages shows as a change of colour. Plain SVG attributes only (no CSS, no scripts,
no external references) so browsers, Markdown viewers and Qt's SVG renderer all draw it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timezone
from html import escape

from .data import ClaimRow, clean_text, format_time
from ..flags import language_name

MAX_LANES = 10
# Tableau 10: distinct hues that read on white and in greyscale print.
COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
FONT = "Noto Sans, DejaVu Sans, Arial, sans-serif"
HOUR = 3600.0
STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 30, 24 * 91, 24 * 365)
MAX_TICKS = 6
LANE = 24
LABEL_WIDTH = 190
BIN_PX = 4  # claims closer than this on one lane and in one language share a dot


def _seconds(stored: str) -> float:
    return datetime.fromisoformat(stored.replace("Z", "+00:00")).timestamp()


def time_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Round UTC times (seconds) between ``low`` and ``high``: whole hours or days, at most MAX_TICKS."""
    span_hours = max((high - low) / HOUR, 1)
    step = next((h for h in STEPS_HOURS if span_hours / h <= MAX_TICKS), STEPS_HOURS[-1]) * HOUR
    ticks = []
    at = math.ceil(low / step) * step
    while at <= high:
        moment = datetime.fromtimestamp(at, tz=timezone.utc)
        ticks.append((at, moment.strftime("%d %b %H:%M" if step < 24 * HOUR else "%d %b")))
        at += step
    return ticks


def _elide(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _lanes(claims: Sequence[ClaimRow]) -> list[tuple[str, list[ClaimRow]]]:
    by_feed: dict[int, list[ClaimRow]] = {}
    for claim in sorted(claims, key=lambda c: (c.published_at, c.claim_id)):
        by_feed.setdefault(claim.feed_id, []).append(claim)
    lanes = [(rows[0].outlet, rows) for rows in by_feed.values()]
    if len(lanes) > MAX_LANES:
        rest = [c for _, rows in lanes[MAX_LANES - 1:] for c in rows]
        lanes = lanes[: MAX_LANES - 1] + [(f"{len(lanes) - MAX_LANES + 1} more sources", rest)]
    return lanes


def spread_svg(claims: Sequence[ClaimRow], *, width: int = 760) -> str:
    """Return the spread chart of these claims as a standalone SVG document (no XML declaration).

    Examples
    --------
    >>> svg = spread_svg(brief.narratives[0].claims)
    >>> svg.startswith("<svg")
    True
    """
    lanes = _lanes(claims)
    if not lanes:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="30" viewBox="0 0 {width} 30">'
                f'<text x="8" y="20" font-family="{FONT}" font-size="12" fill="#555">No claims.</text></svg>')
    times = [_seconds(c.published_at) for _, rows in lanes for c in rows]
    low, high = min(times), max(times)
    pad = max((high - low) * 0.05, HOUR)
    low, high = low - pad, high + pad
    left, right, top = LABEL_WIDTH, width - 16, 8
    plot_height = LANE * len(lanes)
    axis_y = top + plot_height

    def x_of(seconds: float) -> float:
        return left + (seconds - low) / (high - low) * (right - left)

    languages: dict[str, int] = {}
    for _, rows in lanes:
        for c in rows:
            languages.setdefault(c.language or "", 0)
            languages[c.language or ""] += 1
    first_seen = {code: min(_seconds(c.published_at) for _, rows in lanes for c in rows if (c.language or "") == code)
                  for code in languages}
    order = sorted(languages, key=lambda code: first_seen[code])
    colour = {code: COLOURS[i % len(COLOURS)] for i, code in enumerate(order)}

    parts = [f'<rect x="0" y="0" width="{width}" height="{{height}}" fill="#ffffff"/>']
    for lane, (title, rows) in enumerate(lanes):
        y = top + lane * LANE
        if lane % 2 == 0:
            parts.append(f'<rect x="{left}" y="{y}" width="{right - left}" height="{LANE}" fill="#f3f5f8"/>')
        parts.append(f'<text x="{left - 8}" y="{y + LANE / 2 + 4}" text-anchor="end" font-family="{FONT}" '
                     f'font-size="11" fill="#222">{escape(_elide(clean_text(title), 28))}</text>')
    for at, label in time_ticks(low, high):
        x = x_of(at)
        if x + 3.2 * len(label) > width:  # its label would be cut at the right edge
            continue
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#d0d4da" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle" font-family="{FONT}" '
                     f'font-size="10" fill="#444">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#888" stroke-width="1"/>')
    parts.append(f'<text x="{(left + right) / 2:.0f}" y="{axis_y + 32}" text-anchor="middle" font-family="{FONT}" '
                 'font-size="10" fill="#666">published (UTC)</text>')

    # Dots: claims that fall on the same spot share one, bigger dot (a 5,000-claim
    # narrative stays a small file), with a tooltip saying what it holds.
    for lane, (title, rows) in enumerate(lanes):
        cy = top + lane * LANE + LANE / 2
        bins: dict[tuple[int, str], list[ClaimRow]] = {}
        for c in rows:
            bins.setdefault((round(x_of(_seconds(c.published_at)) / BIN_PX), c.language or ""), []).append(c)
        for (_, code), members in bins.items():
            cx = sum(x_of(_seconds(c.published_at)) for c in members) / len(members)
            radius = 4.5 + min(3.5, math.log2(len(members)))
            if len(members) == 1:
                c = members[0]
                tip = f"{c.outlet}, {format_time(c.published_at)} UTC: {_elide(clean_text(c.text), 160)}"
            else:
                tip = (f"{members[0].outlet}: {len(members)} claims in {language_name(code) if code else 'unknown'}"
                       f", {format_time(members[0].published_at)} to {format_time(members[-1].published_at)} UTC")
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{colour[code]}" '
                         f'fill-opacity="0.9" stroke="#ffffff" stroke-width="1"><title>{escape(tip)}</title></circle>')

    # Legend: one entry per language, in the order the languages appeared, wrapped to the width.
    x, y = float(left), axis_y + 52.0
    for code in order:
        label = f"{language_name(code) if code else 'unknown language'} ({languages[code]})"
        item_width = 22 + 6.5 * len(label)
        if x + item_width > right and x > left:
            x, y = float(left), y + 18
        parts.append(f'<circle cx="{x + 5:.1f}" cy="{y - 4:.1f}" r="5" fill="{colour[code]}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y}" font-family="{FONT}" font-size="11" fill="#222">'
                     f'{escape(label)}</text>')
        x += item_width
    height = int(y + 10)
    body = "".join(parts).replace("{height}", str(height), 1)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Spread over time per source">'
            f'{body}</svg>')

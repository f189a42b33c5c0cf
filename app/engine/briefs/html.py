"""A brief as one self-contained HTML file: inline CSS, the chart inline as SVG, no remote resource.

The same markup feeds the PDF writer (Qt's QTextDocument, which reads a subset of
HTML and CSS): it passes ``for_print=True`` and its own chart images. So the markup
sticks to what both understand: tables, class selectors, simple borders and colours.
Feed text is hostile input: everything is escaped, and only http(s) links become anchors.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby
from html import escape

from .chart import spread_svg
from .data import (MAX_CLAIM_ROWS, MAX_EVIDENCE_ROWS, Brief, BriefNarrative, clean_text, format_time,
                         is_rtl, safe_link)
from ..flags import language_name

FLAG_NAMES = {
    "spread": "Spreading", "cross-language": "Across languages", "watchlist": "Watchlist source",
    "growth": "Growing fast", "fact-checked": "Previously fact-checked", "origin": "First source uncertain",
}
def flag_name(kind: str) -> str:
    return FLAG_NAMES.get(kind, kind)


def flag_reason(flag) -> str:
    """The flag's reason without a repeat of the flag's name ("Previously fact-checked: ...")."""
    name, reason = flag_name(flag.kind), flag.reason.strip()
    if reason.lower().startswith(name.lower()):
        reason = reason[len(name):].lstrip(":,.; ")
    return reason[:1].upper() + reason[1:] if reason else "-"


EVIDENCE_NOTE = (
    "Evidence, per article: when it was fetched, the SHA-256 of the exact feed document fetched (kept in the "
    "data folder's evidence/ unless pruned) and the SHA-256 of the entry (its title, link and text, whitespace "
    "collapsed, Unicode NFC), so a quote can be verified after the page is deleted.")
MATCH_NAMES = {"confirmed": "confirmed by a reviewer", "match": "match", "possible": "suggestion, unconfirmed"}
STATUS_COLOURS = {"new": "#5b6675", "reviewing": "#b7791f", "confirmed": "#c53030", "dismissed": "#2f855a"}

CSS = """
body { font-family: "Noto Sans", "DejaVu Sans", "Noto Sans CJK SC", "Noto Sans Arabic", Arial, sans-serif;
       font-size: 10pt; color: #1a202c; margin: 24px auto; max-width: 980px; }
h1 { font-size: 22pt; margin: 0 0 4px 0; color: #1a365d; }
h2 { font-size: 15pt; margin: 28px 0 6px 0; color: #1a365d; }
h3 { font-size: 11pt; margin: 16px 0 4px 0; color: #2d3748; }
p { margin: 4px 0; }
table { border-collapse: collapse; margin: 4px 0 8px 0; width: 100%; }
th { background-color: #e2e8f0; text-align: left; font-weight: bold; padding: 3px 5px; border: 1px solid #cbd5e0;
     vertical-align: top; }
td { padding: 3px 5px; border: 1px solid #cbd5e0; vertical-align: top; }
table.meta td, table.meta th { border: none; background-color: transparent; padding: 1px 8px 1px 0; }
table.meta { width: auto; }
.sub { font-size: 12pt; color: #4a5568; }
.muted { color: #5a6778; }
.small { font-size: 8.5pt; }
.hash { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 7pt; color: #2d3748; }
.num { text-align: right; }
.status { color: #ffffff; font-weight: bold; padding: 1px 5px; }
.flag { font-weight: bold; color: #9b2c2c; }
.notes { background-color: #fefcbf; padding: 6px; border: 1px solid #ecc94b; }
.note { background-color: #ebf8ff; padding: 6px; border: 1px solid #90cdf4; }
.facts { color: #2d3748; }
.rtl { text-align: right; }
a { color: #2b6cb0; }
a.link { word-break: break-all; }
.chart { margin: 6px 0; }
section.narrative { border-top: 3px solid #1a365d; margin-top: 30px; }
@media print { section.narrative { page-break-before: always; border-top: none; } body { margin: 0; max-width: none; } }
"""

# QTextDocument ignores @media; it gets these rules instead (page breaks before each narrative).
PRINT_CSS = CSS.split("@media print")[0] + """
body { margin: 0; max-width: none; font-size: 9pt; }
table { font-size: 8.5pt; margin: 4px 0 0 0; }
td, th { padding: 2px 4px; }
h2.narrative-title { page-break-before: always; }
"""


def _e(text: str | None) -> str:
    return escape(clean_text(text), quote=True)


def _text_cell(text: str, after: str = "", attrs: str = "") -> str:
    """A table cell holding feed text (then ``after``, markup), right-aligned when the text is
    right-to-left (Arabic, Hebrew)."""
    if is_rtl(text):
        return f'<td{attrs} dir="rtl" align="right" class="rtl">{_e(text)}{after}</td>'
    return f"<td{attrs}>{_e(text)}{after}</td>"


def link_html(link: str | None, label: str | None = None) -> str:
    """An anchor for an http(s) link; any other link is shown as plain text, never made clickable."""
    safe = safe_link(link)
    if safe is None:
        return _e(link) if link else '<span class="muted">-</span>'
    return f'<a class="link" href="{_e(safe)}" rel="noopener noreferrer">{_e(label or safe)}</a>'


def _status(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#5b6675")
    return f'<span class="status" style="background-color: {colour};">&nbsp;{_e(status.upper())}&nbsp;</span>'


def _languages(codes) -> str:
    return ", ".join(language_name(c) for c in codes) or "-"


def _cover(brief: Brief) -> list[str]:
    start, end = brief.period
    n = len(brief.narratives)
    flagged = sum(1 for b in brief.narratives if b.narrative.summary.flagged)
    sources = {c.feed_id for b in brief.narratives for c in b.claims}
    languages = {c.language for b in brief.narratives for c in b.claims if c.language}
    prepared = f"{brief.author}, with {brief.generator}" if brief.author else brief.generator
    out = [
        '<div class="cover">',
        f"<h1>{_e(brief.title)}</h1>",
        f'<p class="sub">{_e(format_time(start, with_time=False))} – {_e(format_time(end, with_time=False))}</p>',
        '<table class="meta">',
        f"<tr><th>Prepared by</th><td>{_e(prepared)}</td></tr>",
        f"<tr><th>Generated</th><td>{_e(format_time(brief.generated_at))} UTC</td></tr>",
        f"<tr><th>Filter</th><td>{_e(brief.filter.describe())}</td></tr>",
        f"<tr><th>Period</th><td>{_e(format_time(start))} to {_e(format_time(end))} UTC "
        '<span class="muted">(first to last claim of these narratives)</span></td></tr>',
        f"<tr><th>In this brief</th><td>{n} narrative{'s' if n != 1 else ''} ({flagged} flagged), "
        f"{brief.claim_count:,} claims from {len(sources)} sources in {len(languages)} "
        f"language{'s' if len(languages) != 1 else ''}</td></tr>",
        "</table>",
    ]
    if not brief.narratives:
        out.append('<p class="note">No narrative matches this filter.</p></div>')
        return out
    # The note before the table, not after it: printed after a long table it was left alone on a
    # page of its own before the first narrative's page.
    out += ["<h2>Summary</h2>",
            '<p class="muted small">Times are UTC. Each narrative follows (in print, from a new page) with its '
            "flags, reviewer notes, matched fact-checks, a chart of its spread per source, its claims and the "
            f"evidence. {EVIDENCE_NOTE}</p>",
            '<table class="summary">',
            # Flags and languages wide enough for two or three lines, not one word a line: rows
            # as tall as six lines made the table three pages, the last with a few rows.
            '<tr><th width="4%">#</th><th width="33%">Narrative</th><th width="8%">Status</th>'
            '<th width="17%">Flags</th><th width="6%" class="num">Claims</th><th width="7%" class="num">Sources</th>'
            '<th width="13%">Languages</th><th width="12%">Active (UTC)</th></tr>']
    for number, b in enumerate(brief.narratives, 1):
        s = b.narrative.summary
        flags = (_e(", ".join(FLAG_NAMES.get(f.kind, f.kind) for f in s.flags)) if s.flags
                 else '<span class="muted">none</span>')
        ref = f' <span class="muted small">#{s.id}</span>'
        out.append(
            f'<tr><td class="num">{number}</td>'
            f"{_text_cell(s.label, ref)}"
            f"<td>{_e(s.status)}</td><td>{flags}</td>"
            f'<td class="num">{s.size:,}</td><td class="num">{s.sources}</td>'
            f"<td>{_e(_languages(s.languages))}</td>"
            f'<td class="small">{_e(format_time(s.first_seen, short=True))} to<br/>'
            f"{_e(format_time(s.last_seen, short=True))}</td></tr>")
    out += ["</table>", "</div>"]
    return out


def _narrative(number: int, b: BriefNarrative, chart_html: str, companion_csv: str | None) -> list[str]:
    s = b.narrative.summary
    title_attrs = ' dir="rtl"' if is_rtl(s.label) else ""
    out = [f'<section class="narrative" id="n-{s.id}">',
           f'<h2 class="narrative-title"{title_attrs}>{number}. {_e(s.label)}</h2>',
           f'<p class="facts">{_status(s.status)} &nbsp; narrative #{s.id} · score {s.score:.1f} · '
           f"{s.size:,} claims · {s.sources} sources · {_e(_languages(s.languages))}</p>",
           f'<p class="facts">First seen <b>{_e(format_time(s.first_seen))}</b> UTC · last seen '
           f"<b>{_e(format_time(s.last_seen))}</b> UTC</p>"]
    out.append("<h3>Why it is flagged</h3>")
    if s.flags:
        out.append("<ul>" + "".join(f'<li><span class="flag">{_e(flag_name(f.kind))}</span>: '
                                    f"{_e(flag_reason(f))}</li>" for f in s.flags) + "</ul>")
    else:
        out.append('<p class="muted">Not flagged.</p>')
    out.append("<h3>Reviewer notes</h3>")
    notes = clean_text(b.narrative.notes).strip()
    out.append(f'<p class="notes">{_e(notes).replace(chr(10), "<br/>")}</p>' if notes
               else '<p class="muted">No notes.</p>')
    out.append("<h3>Matched fact-checks</h3>")
    if b.factchecks:
        out += ['<table><tr><th width="15%">Rating</th><th width="14%">Publisher</th><th width="29%">Claim checked</th>'
                '<th width="10%">Date</th><th width="11%">Match</th><th width="21%">Link</th></tr>']
        for f in b.factchecks:
            score = f" ({f.score:.2f})" if f.score is not None else ""
            out.append(f"<tr><td><b>{_e(f.rating)}</b></td><td>{_e(f.publisher)}</td>{_text_cell(f.claim)}"
                       f"<td>{_e(f.date or '-')}</td><td>{_e(MATCH_NAMES.get(f.status, f.status))}{score}</td>"
                       f'<td class="small">{link_html(f.url)}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="muted">No matching fact-check in the library.</p>')
    out += ["<h3>Spread over time, per source</h3>", f'<div class="chart">{chart_html}</div>']

    out += ["<h3>Sources</h3>",
            '<table><tr><th width="34%">Outlet</th><th width="10%" class="num">Claims</th><th width="22%">Languages</th>'
            '<th width="17%">First (UTC)</th><th width="17%">Last (UTC)</th></tr>']
    for src in b.sources:
        out.append(f"<tr>{_text_cell(src.outlet)}<td class=\"num\">{src.claims:,}</td>"
                   f"<td>{_e(_languages(src.languages))}</td><td>{_e(format_time(src.first))}</td>"
                   f"<td>{_e(format_time(src.last))}</td></tr>")
    out.append("</table>")

    out.append("<h3>Claims</h3>")
    if b.summarised:
        where = (f"the full list is in <b>{_e(companion_csv)}</b>, beside this brief" if companion_csv
                 else "export the brief as CSV for the full list")
        out.append(f'<p class="note">{len(b.claims):,} claims: too many to list here (more than '
                   f"{MAX_CLAIM_ROWS}). The {len(b.shown_claims)} earliest are shown; the sources table above "
                   f"counts them all per outlet; {where}.</p>")
    # Claims of one article share its time, outlet, language and link: those cells span its rows.
    out.append('<table><thead><tr><th width="12%">Published (UTC)</th><th width="14%">Outlet</th>'
               '<th width="6%">Lang.</th><th width="46%">Claim</th><th width="22%">Article link</th></tr></thead>')
    for _, group in groupby(b.shown_claims, key=lambda c: c.article_id):
        rows = list(group)
        first = rows[0]
        span = f' rowspan="{len(rows)}"' if len(rows) > 1 else ""
        out.append(f'<tr><td{span} class="small">{_e(format_time(first.published_at))}</td>'
                   f"{_text_cell(first.outlet, attrs=span)}"
                   f"<td{span}>{_e(first.language or '-')}</td>{_text_cell(first.text)}"
                   f'<td{span} class="small">{link_html(first.link)}</td></tr>')
        out += [f"<tr>{_text_cell(c.text)}</tr>" for c in rows[1:]]
    out.append("</table>")

    out.append("<h3>Evidence</h3>")
    if len(b.evidence) > MAX_EVIDENCE_ROWS:
        out.append(f'<p class="note">{len(b.evidence):,} articles: the {len(b.shown_evidence)} earliest are shown'
                   f"{'; every row of ' + _e(companion_csv) + ' carries its hashes' if companion_csv else ''}.</p>")
    out.append('<table><thead><tr><th width="32%">Article</th><th width="11%">Fetched (UTC)</th>'
               '<th width="57%">SHA-256</th></tr></thead>')
    for ev in b.shown_evidence:
        kept = "" if ev.document_kept else ' <span class="muted">(document not kept)</span>'
        about = (f'<br/><span class="muted small">{_e(ev.outlet)}, published {_e(format_time(ev.published_at))}'
                 f'</span><br/><span class="small">{link_html(ev.link)}</span>')
        out.append(f"<tr>{_text_cell(ev.title, about)}"
                   f'<td class="small">{_e(format_time(ev.fetched_at))}</td>'
                   f'<td><span class="small">document{kept}</span><br/><span class="hash">{_e(ev.document_sha256 or "-")}'
                   f'</span><br/><span class="small">entry</span><br/><span class="hash">{_e(ev.content_sha256 or "-")}'
                   "</span></td></tr>")
    out.append("</table></section>")
    return out


def render_html(brief: Brief, *, chart: Callable[[BriefNarrative], str] | None = None, for_print: bool = False,
                companion_csv: str | None = None) -> str:
    """Return the brief as one HTML document.

    Parameters
    ----------
    chart
        Markup for a narrative's chart; the default inlines :func:`~.chart.spread_svg`.
    for_print
        Use the print stylesheet (page breaks) for Qt's PDF writer.
    companion_csv
        The file name of the CSV holding every claim, named where a table is summarised.

    Examples
    --------
    >>> html = render_html(brief)
    >>> "<svg" in html
    True
    """
    chart = chart or (lambda b: spread_svg(b.claims))
    policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"/>',
           f'<meta http-equiv="Content-Security-Policy" content="{policy}"/>',
           '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
           f'<meta name="generator" content="{_e(brief.generator)}"/>',
           f"<title>{_e(brief.title)}</title>", f"<style>{PRINT_CSS if for_print else CSS}</style></head><body>"]
    out += _cover(brief)
    for number, b in enumerate(brief.narratives, 1):
        out += _narrative(number, b, chart(b), companion_csv)
    out.append(f'<p class="muted small" style="margin-top: 24px;">{_e(brief.title)} · generated '
               f"{_e(format_time(brief.generated_at))} UTC by {_e(brief.generator)}. Times are UTC.</p>")
    out.append("</body></html>")
    return "\n".join(out)

"""A brief as CSV (one row per claim), JSON (the narrative JSON with a cover) and Markdown,
and the atomic file writing every format shares.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .data import (MAX_CLAIM_ROWS, MAX_EVIDENCE_ROWS, Brief, BriefNarrative, clean_text, format_time,
                         safe_link)
from .html import EVIDENCE_NOTE, FLAG_NAMES, MATCH_NAMES, flag_name, flag_reason
from ..atomic_file import atomic_write
from ..errors import AppError, Cancelled
from ..flags import language_name
from ..spreadsheet import spreadsheet_text

CSV_COLUMNS = (
    "narrative_id", "narrative_label", "narrative_status", "narrative_flags", "claim_id", "published_at",
    "outlet", "feed_id", "language", "text", "link", "article_id", "article_title", "similarity",
    "fetched_at", "document_sha256", "content_sha256",
)
"""The CSV's columns, in order (README, "Briefs")."""

JSON_FORMAT_VERSION = 1



# --- Writing files ---

def check_output(path: Path) -> Path:
    """Return ``path`` if a brief can be written there, else fail in plain words.

    Raises
    ------
    AppError
        The path is a folder, or its folder does not exist.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise AppError(f"{path} is a folder; give a file name for the brief, such as {path / 'brief.html'}.")
    if not path.parent.is_dir():
        raise AppError(f"Cannot write the brief to {path}: the folder {path.parent} does not exist.")
    return path


def write_brief_file(path: Path, data: bytes) -> None:
    """Write a brief whole or not at all (see :mod:`.atomic_file`): a crash or a full disk never
    leaves half a brief under the real name.

    Raises
    ------
    AppError
        The file cannot be written (permissions, full disk, missing folder).
    """
    try:
        atomic_write(Path(path), data)
    except OSError as exc:
        raise AppError(f"Cannot write the brief to {path}: {exc.strerror or exc}.") from exc


def companion_csv_path(path: Path) -> Path:
    """Where the full claims list goes when a brief's tables are summarised: ``brief-claims.csv``."""
    return path.with_name(f"{path.stem}-claims.csv")


# --- CSV ---

def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return spreadsheet_text(clean_text(value))
    return value


def csv_bytes(brief: Brief, *, cancel: threading.Event | None = None) -> bytes:
    """One row per claim (columns :data:`CSV_COLUMNS`), UTF-8 with a byte-order mark so that
    spreadsheet programs read every script correctly.

    Every text cell is quoted, and one holding ``= + - @`` at its start or right after
    ``; , tab |`` gets a leading apostrophe, so a spreadsheet never runs it as a formula.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(CSV_COLUMNS)
    for b in brief.narratives:
        s = b.narrative.summary
        flags = ";".join(f.kind for f in s.flags)
        for number, c in enumerate(b.claims):
            if cancel is not None and number % 500 == 0 and cancel.is_set():
                raise Cancelled()
            writer.writerow([_cell(v) for v in (
                s.id, s.label, s.status, flags, c.claim_id, c.published_at, c.outlet, c.feed_id, c.language or "",
                c.text, c.link or "", c.article_id, c.article_title, round(c.similarity, 4), c.fetched_at or "",
                c.document_sha256 or "", c.content_sha256 or "")])
    return buffer.getvalue().encode("utf-8-sig")


# --- JSON ---

def cover_json(brief: Brief) -> dict[str, Any]:
    start, end = brief.period
    return {
        "format_version": JSON_FORMAT_VERSION,
        "title": brief.title,
        "author": brief.author,
        "generated_at": brief.generated_at,
        "generator": brief.generator,
        "period": {"from": start, "to": end},
        "filter": brief.filter.as_dict(),
        "filter_text": brief.filter.describe(),
        "narratives": len(brief.narratives),
        "claims": brief.claim_count,
        "suggestions": brief.suggestions,
    }


def narrative_brief_json(b: BriefNarrative) -> dict[str, Any]:
    """The narrative JSON (README, "Narrative JSON") plus ``factchecks`` and ``evidence``."""
    data = dict(b.data)
    if "factchecks" not in data:
        data["factchecks"] = [{"rating": f.rating, "publisher": f.publisher, "url": f.url, "claim": f.claim,
                               "date": f.date, "score": f.score, "status": f.status} for f in b.factchecks]
    data["evidence"] = [{"article_id": e.article_id, "outlet": e.outlet, "title": e.title, "link": e.link,
                         "published_at": e.published_at, "fetched_at": e.fetched_at,
                         "document_sha256": e.document_sha256, "content_sha256": e.content_sha256,
                         "document_kept": e.document_kept} for e in b.evidence]
    return data


def brief_json(brief: Brief) -> dict[str, Any]:
    """``{"brief": cover, "narratives": [narrative JSON + factchecks + evidence, ...]}``."""
    return {"brief": cover_json(brief), "narratives": [narrative_brief_json(b) for b in brief.narratives]}


def json_bytes(brief: Brief) -> bytes:
    return (json.dumps(brief_json(brief), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- Markdown ---

_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]{}()#+!|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md(text: str | None) -> str:
    """Feed text made inert in Markdown: no markup, no raw HTML, one line."""
    return " ".join(clean_text(text).split()).translate(_MD_SPECIAL)


def md_link(link: str | None, label: str | None = None) -> str:
    safe = safe_link(link)
    if safe is None:
        return md(link) if link else "-"
    target = quote(safe, safe=":/?#@!$&'*+,;=%~.-_")
    return f"[{md(label or safe)}]({target})"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(brief: Brief, chart_files: dict[int, str], *, companion_csv: str | None = None) -> str:
    """Return the brief as Markdown; ``chart_files`` maps narrative ids to chart image paths
    relative to the Markdown file."""
    start, end = brief.period
    prepared = f"{brief.author}, with {brief.generator}" if brief.author else brief.generator
    out = [f"# {md(brief.title)}", "", f"*{format_time(start, with_time=False)} – {format_time(end, with_time=False)}*",
           "", _row("", ""), _row("---", "---"),
           _row("**Prepared by**", md(prepared)),
           _row("**Generated**", f"{format_time(brief.generated_at)} UTC"),
           _row("**Filter**", md(brief.filter.describe())),
           _row("**Period**", f"{format_time(start)} to {format_time(end)} UTC (first to last claim)"),
           _row("**In this brief**", f"{len(brief.narratives)} narrative{'' if len(brief.narratives) == 1 else 's'}, "
                f"{brief.claim_count:,} claims"), ""]
    if not brief.narratives:
        out += ["No narrative matches this filter.", ""]
    else:
        out += ["## Summary", "", _row("#", "Narrative", "Status", "Flags", "Claims", "Sources", "Languages",
                                       "First seen (UTC)", "Last seen (UTC)"),
                _row("--:", "---", "---", "---", "--:", "--:", "---", "---", "---")]
        for number, b in enumerate(brief.narratives, 1):
            s = b.narrative.summary
            out.append(_row(str(number), f"[{md(s.label)}](#narrative-{s.id}) (#{s.id})", s.status,
                            ", ".join(FLAG_NAMES.get(f.kind, f.kind) for f in s.flags) or "none", f"{s.size:,}",
                            str(s.sources), ", ".join(language_name(c) for c in s.languages) or "-",
                            format_time(s.first_seen), format_time(s.last_seen)))
        out += ["", f"*Times are UTC. {EVIDENCE_NOTE}*", ""]
    for number, b in enumerate(brief.narratives, 1):
        out += _md_narrative(number, b, chart_files.get(b.narrative.summary.id), companion_csv)
    out += ["---", "", f"*Generated {format_time(brief.generated_at)} UTC by {md(brief.generator)}. "
            "Times are UTC.*", ""]
    return "\n".join(out)


def _md_narrative(number: int, b: BriefNarrative, chart: str | None, companion_csv: str | None) -> list[str]:
    s = b.narrative.summary
    out = ["---", "", f'<a id="narrative-{s.id}"></a>', "", f"## {number}. {md(s.label)}", "",
           f"**{s.status.upper()}** · narrative #{s.id} · score {s.score:.1f} · {s.size:,} claims · "
           f"{s.sources} sources · {', '.join(language_name(c) for c in s.languages) or '-'}  ",
           f"First seen **{format_time(s.first_seen)}** UTC · last seen **{format_time(s.last_seen)}** UTC", "",
           "### Why it is flagged", ""]
    out += [f"- **{flag_name(f.kind)}**: {md(flag_reason(f))}" for f in s.flags] or ["Not flagged."]
    out += ["", "### Reviewer notes", ""]
    notes = clean_text(b.narrative.notes).strip()
    # Two trailing spaces keep the note's own line breaks.
    out += [f"> {md(line)}  " if line.strip() else ">" for line in notes.splitlines()] if notes else ["No notes."]
    out += ["", "### Matched fact-checks", ""]
    if b.factchecks:
        out += [_row("Rating", "Publisher", "Claim checked", "Date", "Match", "Link"),
                _row("---", "---", "---", "---", "---", "---")]
        out += [_row(f"**{md(f.rating)}**", md(f.publisher), md(f.claim), md(f.date or "-"),
                     MATCH_NAMES.get(f.status, md(f.status)) + (f" ({f.score:.2f})" if f.score is not None else ""),
                     md_link(f.url)) for f in b.factchecks]
    else:
        out.append("No matching fact-check in the library.")
    out += ["", "### Spread over time, per source", ""]
    if chart:
        out.append(f"![Spread of narrative {s.id} over time, one lane per source, dots coloured by language]"
                   f"({quote(chart)})")
    out += ["", "### Sources", "", _row("Outlet", "Claims", "Languages", "First (UTC)", "Last (UTC)"),
            _row("---", "--:", "---", "---", "---")]
    out += [_row(md(x.outlet), f"{x.claims:,}", ", ".join(language_name(c) for c in x.languages) or "-",
                 format_time(x.first), format_time(x.last)) for x in b.sources]
    out += ["", "### Claims", ""]
    if b.summarised:
        where = f"the full list is in `{companion_csv}`, beside this file" if companion_csv else \
            "export the brief as CSV for the full list"
        out += [f"*{len(b.claims):,} claims: too many to list here (more than {MAX_CLAIM_ROWS}). The "
                f"{len(b.shown_claims)} earliest are shown; the sources table counts them all; {where}.*", ""]
    out += [_row("Published (UTC)", "Outlet", "Lang.", "Claim", "Link"), _row("---", "---", "---", "---", "---")]
    out += [_row(format_time(c.published_at), md(c.outlet), md(c.language or "-"), md(c.text), md_link(c.link))
            for c in b.shown_claims]
    out += ["", "### Evidence", ""]
    if len(b.evidence) > MAX_EVIDENCE_ROWS:
        out += [f"*{len(b.evidence):,} articles: the {len(b.shown_evidence)} earliest are shown.*", ""]
    out += [_row("Article", "Outlet", "Fetched (UTC)", "Document SHA-256", "Entry SHA-256"),
            _row("---", "---", "---", "---", "---")]
    out += [_row(md_link(e.link, e.title) if safe_link(e.link) else md(e.title), md(e.outlet),
                 format_time(e.fetched_at), f"`{e.document_sha256 or '-'}`" + ("" if e.document_kept else " (not kept)"),
                 f"`{e.content_sha256 or '-'}`") for e in b.shown_evidence]
    out.append("")
    return out


def write_markdown(brief: Brief, path: Path, *, png: Callable[[str], bytes] | None = None,
                   companion_csv: str | None = None, cancel: threading.Event | None = None) -> list[Path]:
    """Write the Markdown brief and its charts in ``<name>_files/`` beside it; return the files written.

    Charts are SVG files; with ``png`` (SVG text -> PNG bytes, e.g. the window's Qt
    renderer) each chart is also written as PNG and the Markdown shows the PNG.

    Raises
    ------
    AppError
        A file cannot be written.
    Cancelled
        ``cancel`` was set.
    """
    from .chart import spread_svg

    folder = path.with_name(f"{path.stem}_files")
    written: list[Path] = []
    links: dict[int, str] = {}
    if brief.narratives:
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise AppError(f"Cannot write the brief's charts to {folder}: {exc.strerror or exc}.") from exc
    for b in brief.narratives:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        narrative_id = b.narrative.summary.id
        svg = spread_svg(b.claims)
        svg_path = folder / f"narrative-{narrative_id}-spread.svg"
        write_brief_file(svg_path, ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n").encode("utf-8"))
        written.append(svg_path)
        links[narrative_id] = f"{folder.name}/{svg_path.name}"
        if png is not None:
            png_path = svg_path.with_suffix(".png")
            write_brief_file(png_path, png(svg))
            written.append(png_path)
            links[narrative_id] = f"{folder.name}/{png_path.name}"
    write_brief_file(path, render_markdown(brief, links, companion_csv=companion_csv).encode("utf-8"))
    return [path, *written]

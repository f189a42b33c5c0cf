"""Briefs: the narratives that matter, exported with their claims, sources, chart, fact-checks and evidence.

Two steps: :func:`gather_brief` reads a :class:`Brief` from the store (what the
filter selects), then :func:`write_brief` lays it out as HTML, Markdown, CSV or
JSON. :func:`export_brief` does both. PDF needs Qt's text layout, so it lives in
Qt's rendering package both faces use (``app.render.brief_pdf.write_pdf``), over the same ``Brief`` and HTML.

A narrative with more than :data:`MAX_CLAIM_ROWS` claims has its claims table
summarised (the earliest claims and a row per source); the full list then goes to
a CSV beside the brief (``<name>-claims.csv``), and the brief says so.

Examples
--------
>>> result = export_brief(store, BriefFilter(since="2026-11-16T00:00:00Z", flagged_only=True),
...                       Path("week47.html"), "html", title="Week 47", author="Desk")
>>> result.files
(PosixPath('week47.html'),)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .data import (MAX_CLAIM_ROWS, Brief, BriefFilter, BriefNarrative, ClaimRow, Evidence, FactCheckMatch,
                         SourceCount, gather_brief)
from .formats import (CSV_COLUMNS, write_brief_file, brief_json, check_output, companion_csv_path, csv_bytes,
                            json_bytes, write_markdown)
from .html import render_html
from ..errors import Cancelled
from ..store import Store
from ..progress import Progress, part

__all__ = [
    "CSV_COLUMNS", "ENGINE_FORMATS", "FORMATS", "MAX_CLAIM_ROWS", "Brief", "BriefFilter", "BriefNarrative",
    "BriefResult", "ClaimRow", "Evidence", "FactCheckMatch", "SourceCount", "brief_json", "check_output",
    "export_brief", "format_for_path", "gather_brief", "render_html", "write_brief", "write_companion_csv",
]

FORMATS = ("pdf", "html", "md", "csv", "json")
"""Every brief format; PDF is written by ``app.render.brief_pdf``."""
ENGINE_FORMATS = ("html", "md", "csv", "json")
"""The formats this module writes (no Qt needed)."""
SUFFIXES = {".pdf": "pdf", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".csv": "csv",
            ".json": "json"}


@dataclass(frozen=True)
class BriefResult:
    """What writing a brief produced."""

    path: Path                 # the brief itself
    format: str
    files: tuple[Path, ...]    # every file written: the brief, then charts and the full claims CSV
    narratives: int
    claims: int
    summarised: bool           # some claims tables were summarised; the full list is in ``claims_csv``
    claims_csv: Path | None


def format_for_path(path: Path | str) -> str | None:
    """The format a file name asks for (``brief.md`` -> ``"md"``), or None."""
    return SUFFIXES.get(Path(path).suffix.lower())


def write_companion_csv(brief: Brief, path: Path, *, cancel: threading.Event | None = None) -> Path | None:
    """When some claims tables are summarised, write every claim to ``<name>-claims.csv`` beside
    ``path`` and return that path; otherwise write nothing and return None.

    Raises
    ------
    AppError
        The file cannot be written.
    """
    if not brief.summarised:
        return None
    target = companion_csv_path(path)
    write_brief_file(target, csv_bytes(brief, cancel=cancel))
    return target


def write_brief(brief: Brief, path: Path | str, fmt: str, *, png: Callable[[str], bytes] | None = None,
                progress: Progress | None = None, cancel: threading.Event | None = None) -> BriefResult:
    """Write a gathered brief to ``path`` in ``fmt`` (one of :data:`ENGINE_FORMATS`).

    Every file is written to a temporary name and renamed into place. Markdown writes
    its charts into ``<name>_files/`` (SVG, and PNG too when ``png`` renders SVG to PNG).

    Raises
    ------
    AppError
        ``path`` is a folder, its folder does not exist, or a file cannot be written.
    Cancelled
        ``cancel`` was set.
    ValueError
        ``fmt`` is not an engine format (PDF is written by ``app.render.brief_pdf``).
    """
    if fmt not in ENGINE_FORMATS:
        raise ValueError(f"the engine writes briefs as {', '.join(ENGINE_FORMATS)}, not {fmt!r}")
    path = check_output(Path(path))
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    if progress:
        progress(0.0, f"writing the {fmt.upper()} brief")
    companion = companion_csv_path(path).name if brief.summarised and fmt in ("html", "md") else None
    files: list[Path] = []
    if fmt == "html":
        write_brief_file(path, render_html(brief, companion_csv=companion).encode("utf-8"))
        files.append(path)
    elif fmt == "md":
        files += write_markdown(brief, path, png=png, companion_csv=companion, cancel=cancel)
    elif fmt == "csv":
        write_brief_file(path, csv_bytes(brief, cancel=cancel))
        files.append(path)
    else:
        write_brief_file(path, json_bytes(brief))
        files.append(path)
    claims_csv = path if fmt == "csv" else None
    if companion:
        claims_csv = write_companion_csv(brief, path, cancel=cancel)
        files.append(claims_csv)
    if progress:
        progress(1.0, f"wrote {path.name}")
    return BriefResult(path, fmt, tuple(files), len(brief.narratives), brief.claim_count, brief.summarised,
                       claims_csv)


def export_brief(store: Store, brief_filter: BriefFilter, path: Path | str, fmt: str, *, title: str = "",
                 author: str = "", allow_empty: bool = False, suggestions: bool = False,
                 png: Callable[[str], bytes] | None = None, now: datetime | None = None,
                 writer: Callable[..., BriefResult] | None = None, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> BriefResult:
    """Gather the narratives ``brief_filter`` selects and write them to ``path`` as ``fmt``.

    Parameters
    ----------
    fmt
        ``html``, ``md``, ``csv`` or ``json`` (:data:`ENGINE_FORMATS`), or the format ``writer`` writes.
    writer
        Writes the gathered brief instead of the engine, as ``writer(brief, path, progress=,
        cancel=)``: the PDF writer of ``app.render``, which needs Qt.
    allow_empty
        Write a brief saying nothing matched instead of failing.
    suggestions
        Also list the fact-checks that match without flagging, marked as suggestions.
    png
        Renders chart SVG to PNG bytes, for Markdown (optional).

    Raises
    ------
    AppError
        Nothing matches (unless ``allow_empty``), or the file cannot be written.
    StoreError
        The database cannot be read.
    Cancelled
        ``cancel`` was set.
    """
    path = check_output(Path(path))  # fail before reading anything
    brief = gather_brief(store, brief_filter, title=title, author=author, allow_empty=allow_empty,
                         suggestions=suggestions, now=now, progress=part(progress, 0.0, 0.7), cancel=cancel)
    if writer is not None:
        return writer(brief, path, progress=part(progress, 0.7, 1.0), cancel=cancel)
    return write_brief(brief, path, fmt, png=png, progress=part(progress, 0.7, 1.0), cancel=cancel)

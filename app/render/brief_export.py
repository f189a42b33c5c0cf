"""A brief in any format, PDF included: the one call both faces make to export one.

The engine writes HTML, Markdown, CSV and JSON; PDF (and the PNG charts beside a Markdown
brief) need Qt, which is loaded only when one of them is asked for.
"""

from __future__ import annotations

import threading
from pathlib import Path

from app.engine.briefs.data import BriefFilter
from app.engine.briefs.export import BriefResult
from app.engine.briefs.export import export_brief as export_engine_format
from app.engine.errors import AppError
from app.engine.progress import Progress
from app.engine.store import Store


def export_brief(store: Store, brief_filter: BriefFilter, path: Path | str, fmt: str, *, title: str = "",
                 author: str = "", allow_empty: bool = False, suggestions: bool = False,
                 progress: Progress | None = None, cancel: threading.Event | None = None) -> BriefResult:
    """Gather the narratives ``brief_filter`` selects and write them to ``path`` as ``fmt``
    (``pdf``, ``html``, ``md``, ``csv`` or ``json``).

    Raises
    ------
    AppError
        Nothing matches (unless ``allow_empty``), the file cannot be written, or a PDF is
        asked for where Qt cannot be loaded.
    Cancelled
        ``cancel`` was set.
    """
    return export_engine_format(store, brief_filter, path, fmt, title=title, author=author,
                                allow_empty=allow_empty, suggestions=suggestions,
                                png=_png_renderer() if fmt == "md" else None,
                                writer=_pdf_writer() if fmt == "pdf" else None, progress=progress, cancel=cancel)


def _pdf_writer():
    try:
        from .brief_pdf import write_pdf
    except ImportError as exc:
        raise AppError(f"PDF briefs need PySide6, which cannot be loaded here ({exc}). "
                       "Export HTML instead.") from exc
    return write_pdf


def _png_renderer():
    """Qt's SVG renderer for the charts beside a Markdown brief; without Qt they stay SVG files."""
    try:
        from .brief_pdf import svg_to_png
    except ImportError:
        return None
    return svg_to_png

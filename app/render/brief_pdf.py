"""Briefs as PDF: the brief's HTML laid out by Qt (QTextDocument) onto A4 pages (QPdfWriter), no browser.

The engine gathers the brief and writes its HTML (``app.engine.briefs.html``); this
module adds what needs Qt: the print stylesheet, the spread charts rasterised from
their SVG (QSvgRenderer), and pages with a running header and "page N of M".

Fonts: Qt falls back through fontconfig per character, so any script renders when a
font covering it is installed (on Debian: ``fonts-noto-core`` for Latin, Greek,
Cyrillic, Arabic, Hebrew...; ``fonts-noto-cjk`` for Chinese, Japanese, Korean).

Works without a window: :func:`ensure_gui_application` starts an offscreen
QGuiApplication when none exists (the command line).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (QAbstractTextDocumentLayout, QColor, QFont, QGuiApplication, QImage, QPageLayout,
                           QPageSize, QPainter, QPdfWriter, QPen, QTextBlock, QTextCursor, QTextDocument,
                           QTextFormat, QTextOption)
from PySide6.QtSvg import QSvgRenderer

from app.engine.atomic_file import replacing
from app.engine.briefs.chart import spread_svg
from app.engine.briefs.data import Brief, BriefNarrative, format_time
from app.engine.briefs.formats import check_output
from app.engine.briefs.html import render_html
from app.engine.briefs.export import BriefResult, write_companion_csv
from app.engine.errors import AppError, Cancelled
from app.engine.progress import Progress


RESOLUTION = 300           # dots per inch of the PDF's coordinate system
MARGINS_MM = QMarginsF(16, 14, 16, 14)
BODY_FONT = "Noto Sans"
CHART_WIDTH = 640          # the SVG's own width: narrower than on screen, so its text prints larger
CHART_SCALE = 2.5          # raster pixels per SVG pixel: sharp when printed
SHORT_PAGE = 0.5           # share of a page below which the next narrative starts on it too


def ensure_gui_application() -> QGuiApplication:
    """Return the running Qt application, or start one (offscreen when there is no display).

    It is a QApplication, not a bare QGuiApplication: a process that exports a brief
    from the command line may open widgets later (tests do), and Qt allows one
    application object per process.
    """
    from PySide6.QtWidgets import QApplication

    app = QGuiApplication.instance()
    if app is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["narrative-radar"])
    return app  # type: ignore[return-value]


def svg_image(svg: str, scale: float = CHART_SCALE) -> QImage:
    """Rasterise SVG text onto a white image ``scale`` times its size.

    Raises
    ------
    AppError
        The SVG cannot be read.
    """
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise AppError("The brief's chart could not be drawn (invalid SVG).")
    size = renderer.defaultSize()
    image = QImage(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)),
                   QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.TextAntialiasing)
    renderer.render(painter)
    painter.end()
    return image


def svg_to_png(svg: str) -> bytes:
    """PNG bytes of a chart SVG: the Markdown brief's charts (``write_brief(..., png=svg_to_png)``)."""
    ensure_gui_application()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    svg_image(svg).save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def _document(brief: Brief, writer: QPdfWriter, companion: str | None, width: float) -> QTextDocument:
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)  # measure fonts at the PDF's resolution
    doc.setDocumentMargin(0)
    font = QFont(BODY_FONT)
    font.setPointSizeF(9)
    doc.setDefaultFont(font)
    option = QTextOption()
    # At word boundaries only: "anywhere" broke words that just missed a narrow column
    # ("Miscaptio|ned"). Links still wrap after "/" and "-" (Unicode line breaking), and a
    # column is never narrower than its longest word (a hash).
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    doc.setDefaultTextOption(option)
    doc.setTextWidth(width)
    # Charts as images: resources the HTML names, drawn at the text width.
    charts: dict[int, QImage] = {}

    def chart(b: BriefNarrative) -> str:
        image = svg_image(spread_svg(b.claims, width=CHART_WIDTH))
        narrative_id = b.narrative.summary.id
        charts[narrative_id] = image
        # <img> sizes are CSS pixels (1/96 inch); Qt scales them to the PDF's resolution.
        shown_width = width * 96 / RESOLUTION * 0.98
        return (f'<img src="chart-{narrative_id}.png" width="{shown_width:.0f}"'
                ' alt="spread over time, per source"/>')

    html = render_html(brief, chart=chart, for_print=True, companion_csv=companion)
    for narrative_id, image in charts.items():
        doc.addResource(QTextDocument.ImageResource, QUrl(f"chart-{narrative_id}.png"), image)
    doc.setHtml(html)
    return doc


def _bottom(doc: QTextDocument, block: QTextBlock) -> float:
    """Where the part holding ``block`` ends: the block, or the whole table it is a cell of
    (a row split over two pages ends below its last cell's text)."""
    layout = doc.documentLayout()
    root = doc.rootFrame()
    frame = QTextCursor(block).currentFrame()
    if frame is root:
        return layout.blockBoundingRect(block).bottom()
    while frame.parentFrame() is not root:
        frame = frame.parentFrame()
    return layout.frameBoundingRect(frame).bottom()


def paginate(doc: QTextDocument) -> None:
    """Place page breaks as a reader expects, where Qt knows only "break before/after".

    - A part that starts on a new page (a narrative) starts on the page before instead when
      what ends there (the summary table's last rows, a narrative's last evidence) fills less
      than :data:`SHORT_PAGE` of it: a page of a few lines and blank below looked like a mistake.
    - A heading whose content (a chart, a table) starts on the next page moves there with it,
      rather than being stranded at the bottom of a page (CSS's "keep with next").

    One pass, top to bottom, laying out again after each change: each change moves only what
    comes after it.
    """
    page_height = doc.pageSize().height()
    layout = doc.documentLayout()

    def page_of(y: float) -> int:
        return int((y + 1) // page_height)  # a line moved down to a page starts at its very edge

    def set_break(block: QTextBlock, before: bool) -> None:
        changed = block.blockFormat()
        changed.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore if before
                                   else QTextFormat.PageBreakFlag.PageBreak_Auto)
        QTextCursor(block).setBlockFormat(changed)
        doc.pageCount()

    doc.pageCount()
    block = doc.begin()
    while block.isValid():
        top = layout.blockBoundingRect(block).top()
        previous, following = block.previous(), block.next()
        if block.blockFormat().pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore \
                and previous.isValid():
            end = _bottom(doc, previous)
            if page_of(top) == int(end // page_height) + 1 and end % page_height < SHORT_PAGE * page_height:
                set_break(block, before=False)
                top = layout.blockBoundingRect(block).top()
        if block.blockFormat().headingLevel() and following.isValid():
            # Its first line, not the block: an image too tall for the page's rest moves its
            # line to the next page, while the block still starts on this one.
            lines = following.layout()
            start = layout.blockBoundingRect(following).top() + (lines.lineAt(0).y() if lines.lineCount() else 0)
            if page_of(start) > page_of(top):
                set_break(block, before=True)
        block = following


def write_pdf(brief: Brief, path: Path | str, *, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> BriefResult:
    """Write a gathered brief as an A4 PDF; return what was written.

    The file is written under a temporary name and renamed into place. When some claims
    tables are summarised, every claim goes to ``<name>-claims.csv`` beside it.

    Raises
    ------
    AppError
        ``path`` is a folder, its folder does not exist, or the file cannot be written.
    Cancelled
        ``cancel`` was set.

    Examples
    --------
    >>> brief = gather_brief(store, BriefFilter(flagged_only=True))
    >>> write_pdf(brief, Path("brief.pdf")).path
    PosixPath('brief.pdf')
    """
    ensure_gui_application()
    path = check_output(Path(path))
    companion = f"{path.stem}-claims.csv" if brief.summarised else None
    if progress:
        progress(0.0, "laying out the PDF")
    try:
        with replacing(path) as temporary:
            _paint(brief, temporary, companion, progress, cancel)
    except OSError as exc:
        raise AppError(f"Cannot write the brief to {path}: {exc.strerror or exc}.") from exc
    claims_csv = write_companion_csv(brief, path, cancel=cancel)
    files = (path,) + ((claims_csv,) if claims_csv else ())
    if progress:
        progress(1.0, f"wrote {path.name}")
    return BriefResult(path, "pdf", files, len(brief.narratives), brief.claim_count, brief.summarised, claims_csv)


def _paint(brief: Brief, target: Path, companion: str | None, progress: Progress | None,
           cancel: threading.Event | None) -> None:
    writer = QPdfWriter(str(target))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait, MARGINS_MM,
                                     QPageLayout.Millimeter))
    writer.setTitle(brief.title)
    writer.setCreator(brief.generator)
    if brief.author:
        writer.setAuthor(brief.author)
    area = writer.pageLayout().paintRectPixels(RESOLUTION)
    points = RESOLUTION / 72.0
    header, footer = 16 * points, 16 * points
    doc = _document(brief, writer, companion, area.width())
    body = QSizeF(area.width(), area.height() - header - footer)
    doc.setPageSize(body)
    paginate(doc)
    pages = doc.pageCount()
    small = QFont(BODY_FONT)
    small.setPointSizeF(7.5)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot open {target} for writing")
    try:
        for page in range(pages):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if progress:
                progress(0.1 + 0.85 * page / pages, f"page {page + 1} of {pages}")
            if page:
                writer.newPage()
            painter.setFont(small)
            painter.setPen(QColor("#5a6778"))
            if page:  # the cover has its own title
                painter.drawText(QRectF(0, 0, body.width(), header * 0.7), Qt.AlignLeft | Qt.AlignVCenter,
                                 brief.title)
                painter.drawText(QRectF(0, 0, body.width(), header * 0.7), Qt.AlignRight | Qt.AlignVCenter,
                                 f"generated {format_time(brief.generated_at)} UTC")
                painter.setPen(QPen(QColor("#cbd5e0"), points * 0.5))
                painter.drawLine(0, round(header * 0.75), round(body.width()), round(header * 0.75))
            painter.save()
            painter.translate(0, header - page * body.height())
            clip = QRectF(0, page * body.height(), body.width(), body.height())
            painter.setClipRect(clip)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = clip
            doc.documentLayout().draw(painter, context)
            painter.restore()
            painter.setFont(small)
            painter.setPen(QColor("#5a6778"))
            bottom = QRectF(0, area.height() - footer * 0.7, body.width(), footer * 0.7)
            painter.drawText(bottom, Qt.AlignLeft | Qt.AlignVCenter, brief.generator)
            painter.drawText(bottom, Qt.AlignRight | Qt.AlignVCenter, f"page {page + 1} of {pages}")
    finally:
        painter.end()

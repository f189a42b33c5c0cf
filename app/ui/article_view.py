"""The stored copy of an article, with the selected claim highlighted.

Safety first: the text shown is the clean text kept in the database, escaped into
simple HTML, so nothing the original page carried (scripts, images, trackers) can
run or load. The browser never fetches anything: ``loadResource`` answers nothing
for every URL, and it never navigates. Only ``http``/``https`` links are made
clickable, and they open in the user's web browser only when clicked.
"""

from __future__ import annotations

import html
import logging
import re

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QPalette, QTextBlock
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.engine.domain import Article
from app.engine.flags import language_name

log = logging.getLogger(__name__)

WEB_SCHEMES = ("http", "https")
MARKER = QColor("#ffd43b")  # a highlighter's yellow, blended with the theme's base colour


def is_web_link(link: str | None) -> bool:
    """Whether a link is an absolute http(s) URL with a host (the only links we make clickable)."""
    if not link:
        return False
    url = QUrl(link.strip(), QUrl.StrictMode)
    return url.isValid() and url.scheme().lower() in WEB_SCHEMES and bool(url.host())


def format_time(text: str | None) -> str:
    """``2026-11-10T08:00:00Z`` as ``2026-11-10 08:00`` (stored times are UTC)."""
    if not text:
        return ""
    return text.replace("T", " ")[:16]


def find_claim(text: str, claim: str) -> tuple[int, int] | None:
    """Where a claim sits in a text, tolerant of spacing and case; None if absent.

    Claims are cut from the same clean text, but line breaks and runs of spaces may
    differ, and very long claims may have been shortened, so a long claim that is not
    found whole is looked for by its opening words.
    """
    words = claim.split()
    if not words or not text:
        return None
    for count in (len(words), 12, 6):
        if count > len(words) or (count < len(words) and count < 6):
            continue
        pattern = r"\s+".join(re.escape(w) for w in words[:count])
        match = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
        if match:
            return match.start(), match.end()
    return None


def _blend(a: QColor, b: QColor, share: float) -> QColor:
    return QColor(round(a.red() * share + b.red() * (1 - share)),
                  round(a.green() * share + b.green() * (1 - share)),
                  round(a.blue() * share + b.blue() * (1 - share)))


class ArticleView(QTextBrowser):
    """A read-only, offline view of one stored article.

    Signals
    -------
    link_opened(QUrl)
        A web link the user clicked was handed to the system's web browser.
    """

    link_opened = Signal(QUrl)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setPlaceholderText("Select a claim to read the article it comes from.")
        self.anchorClicked.connect(self._on_anchor_clicked)
        self._article: Article | None = None
        self._claim: str | None = None
        self._why = ""
        self.highlighted: tuple[int, int] | None = None  # where the claim was found, for tests and scrolling
        # Keep the claim in view while the document is laid out (lazily, and again when the
        # view is first shown or resized), until the reader scrolls or clicks.
        self._follow_claim = False
        self._placing = False
        self.document().documentLayout().documentSizeChanged.connect(self._place_claim)
        self.verticalScrollBar().rangeChanged.connect(self._place_claim)
        self.verticalScrollBar().actionTriggered.connect(self._stop_following)

    # Never fetch or navigate: every resource is empty, every source change is ignored.
    def loadResource(self, type: int, name: QUrl):  # noqa: A002 - Qt's signature
        log.debug("refused to load %s", name.toString())
        return None

    def doSetSource(self, name: QUrl, type=None) -> None:  # noqa: A002
        log.debug("refused to navigate to %s", name.toString())

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme().lower() in WEB_SCHEMES and url.host():
            QDesktopServices.openUrl(url)
            self.link_opened.emit(url)

    def clear_article(self) -> None:
        self._article, self._claim, self._why, self.highlighted = None, None, "", None
        self._follow_claim = False
        self.clear()

    def show_article(self, article: Article | None, claim: str | None = None, why: str = "") -> None:
        """Show an article's stored text with ``claim`` highlighted (where it can be found), and
        ``why`` the claim was linked into its narrative in the article's details."""
        self._article, self._claim, self._why = article, claim, why
        self._follow_claim = False
        if article is None:
            self.highlighted = None
            self.setHtml("<p><i>The article of this claim is no longer stored.</i></p>")
            return
        self.setHtml(self._html(article, claim))
        self.verticalScrollBar().setValue(0)  # the headline first
        if self.highlighted is not None:
            self._follow_claim = True
            self._place_claim()
            QTimer.singleShot(0, self, self._place_claim)  # once laid out; skipped if deleted

    def _claim_range(self) -> tuple[QTextBlock, int, QTextBlock, int] | None:
        """The blocks and positions where the highlighted claim starts and ends in the document."""
        start = end = None
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.background().style() != Qt.NoBrush:  # only the claim is marked
                    if start is None:
                        start = (block, fragment.position())
                    end = (block, fragment.position() + max(fragment.length() - 1, 0))
                elif start is not None and fragment.length():
                    return (*start, *end)
                it += 1
            block = block.next()
        return (*start, *end) if start is not None else None

    def _line_y(self, block: QTextBlock, position: int) -> tuple[float, float]:
        """Top and bottom, in document coordinates, of the line holding ``position``."""
        top = self.document().documentLayout().blockBoundingRect(block).top()  # lays out up to here
        line = block.layout().lineForTextPosition(position - block.position())
        if not line.isValid():
            return top, top
        return top + line.y(), top + line.y() + line.height()

    def _place_claim(self, *_args) -> None:
        """Scroll so the claim shows: from the top (headline included) when it fits, else
        with a third of the view of context above it."""
        if not self._follow_claim or self._placing or self.highlighted is None:
            return
        found = self._claim_range()
        if found is None:
            return
        self._placing = True
        try:
            first_block, first, last_block, last = found
            top, _ = self._line_y(first_block, first)
            _, bottom = self._line_y(last_block, last)
            height = self.viewport().height()
            bar = self.verticalScrollBar()
            margin = self.document().documentMargin()
            if bottom + margin <= height:
                bar.setValue(0)
            else:
                bar.setValue(max(0, round(top - min(height / 3, max(height - (bottom - top), 0) / 2))))
        finally:
            self._placing = False

    def claim_rect(self):
        """Where the highlighted claim's first line is in the viewport (for tests); None if not shown."""
        found = self._claim_range()
        if found is None:
            return None
        top, bottom = self._line_y(found[0], found[1])
        offset = self.verticalScrollBar().value()
        return top - offset, bottom - offset

    def _stop_following(self, *_args) -> None:
        self._follow_claim = False

    def wheelEvent(self, event) -> None:
        self._follow_claim = False
        super().wheelEvent(event)

    def keyPressEvent(self, event) -> None:
        self._follow_claim = False
        super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        self._follow_claim = False
        super().mousePressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange) and self._article is not None:
            follow = self._follow_claim
            value = self.verticalScrollBar().value()
            self.setHtml(self._html(self._article, self._claim))
            self.verticalScrollBar().setValue(value)
            self._follow_claim = follow
            self._place_claim()

    def _mark(self, text: str, span: tuple[int, int] | None) -> str:
        if span is None:
            return html.escape(text)
        palette = self.palette()
        back = _blend(MARKER, palette.color(QPalette.Base), 0.55 if palette.color(QPalette.Base).lightness() > 128
                      else 0.40)
        fore = QColor("black") if back.lightness() > 140 else QColor("white")
        start, end = span
        return (html.escape(text[:start]) + '<a name="claim"></a>'
                f'<span style="background-color:{back.name()}; color:{fore.name()};">'
                + html.escape(text[start:end]) + "</span>" + html.escape(text[end:]))

    def _link_colour(self) -> QColor:
        """The theme's link colour, or a readable one where it is too close to the background."""
        palette = self.palette()
        link, base = palette.color(QPalette.Link), palette.color(QPalette.Base)
        if abs(link.lightness() - base.lightness()) >= 100:
            return link
        return QColor("#8ab4f8") if base.lightness() < 128 else QColor("#1a5fb4")

    def _html(self, article: Article, claim: str | None) -> str:
        title_span = find_claim(article.title, claim) if claim else None
        body_span = None if title_span else (find_claim(article.text, claim) if claim else None)
        self.highlighted = title_span or body_span
        muted = self.palette().color(QPalette.PlaceholderText).name()
        published = html.escape(format_time(article.published_at)) + " UTC"
        if article.published_estimated:
            published += " <i>(estimated: the feed gave no date)</i>"
        if is_web_link(article.link):
            href = html.escape(QUrl(article.link.strip()).toString(QUrl.FullyEncoded), quote=True)
            colour = self._link_colour().name()
            link = f'<a href="{href}" style="color:{colour};">{html.escape(article.link.strip())}</a>'
        elif article.link:
            link = html.escape(article.link) + " <i>(not a web link: not clickable)</i>"
        else:
            link = "<i>none</i>"
        rows = [
            ("Outlet", html.escape(article.feed_title or f"feed {article.feed_id}")),
            ("Published", published),
            ("Language", html.escape(language_name(article.language))),
            ("Fetched", html.escape(format_time(article.fetched_at)) + " UTC"),
            ("Link", link),
        ]
        if article.copies:
            rows.append(("Copies", f"the same text was published by {article.copies} other source(s)"))
        if self._why:
            rows.append(("Why linked", html.escape(self._why)))
        meta = "".join(f'<tr><td style="color:{muted}; padding-right:10px;">{k}</td><td>{v}</td></tr>'
                       for k, v in rows)
        missing = ""
        if claim and self.highlighted is None:
            missing = (f'<p style="color:{muted};">The claim could not be found word for word in the stored '
                       f"text; it reads: <i>{html.escape(claim)}</i></p>")
        # The hashes prove which copy was read; they are long, so they close the document
        # (small, monospace, each on its own line) instead of pushing the text below the fold.
        hashes = [("Evidence SHA-256", article.document_sha256 or "not kept"),
                  ("Text SHA-256", article.content_sha256)]
        evidence = "".join(f'<p style="margin:0;"><span style="color:{muted};">{k}</span><br/>'
                           f'<span style="font-family:monospace; font-size:small;">{html.escape(v)}</span></p>'
                           for k, v in hashes)
        return (
            f"<h3>{self._mark(article.title, title_span)}</h3>"
            f'<table cellspacing="0" cellpadding="1">{meta}</table>'
            f'<p style="color:{muted};"><small>Stored copy, shown offline. '
            f"Links open in your web browser only when you click them. "
            f"Evidence hashes are at the end.</small></p><hr/>{missing}"
            f'<p style="white-space: pre-wrap;">{self._mark(article.text, body_span)}</p>'
            f'<hr/><p style="margin-bottom:2px;"><b>Evidence</b></p>{evidence}'
        )

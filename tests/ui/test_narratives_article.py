"""The article view never loads anything remote and only makes web links clickable."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument

from app.engine.domain import Article
from app.ui import article_view
from app.ui.article_view import ArticleView, find_claim, is_web_link

ARTICLE = Article(
    id=1, feed_id=2, feed_title="Open Eyes Report", guid="g", link="https://openeyes.example/a?x=1&y=2",
    title="They hide it from you",
    author=None,
    text=("First paragraph with <img src=\"http://tracker.example/p.gif\"> and <script>alert(1)</script>.\n\n"
          "The flu vaccine   contains\ntracking microchips, insiders say.\n\nLast paragraph."),
    language="en", published_at="2026-11-10T15:00:00Z", published_estimated=True,
    fetched_at="2026-11-10T16:00:00Z", content_sha256="c" * 64, document_sha256="d" * 64, copies=0,
)


@pytest.fixture
def view(qtbot):
    widget = ArticleView()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    return widget


@pytest.fixture
def opened(monkeypatch):
    urls = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: urls.append(url.toString()) or True))
    return urls


def anchors(view) -> list[str]:
    found = []
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().isAnchor() and fragment.charFormat().anchorHref():
                found.append(fragment.charFormat().anchorHref())
            it += 1
        block = block.next()
    return found


def test_never_loads_remote_resources(view):
    for kind in (QTextDocument.ImageResource, QTextDocument.StyleSheetResource, QTextDocument.HtmlResource):
        assert view.loadResource(kind, QUrl("http://tracker.example/p.gif")) is None
        assert view.loadResource(kind, QUrl("https://tracker.example/p.css")) is None
        assert view.loadResource(kind, QUrl("file:///etc/passwd")) is None
    assert not view.openLinks() and not view.openExternalLinks()
    view.setSource(QUrl("https://evil.example/"))  # navigation is ignored too
    assert view.source().isEmpty()


def test_qt_asks_our_loader_for_every_resource(qtbot):
    asked = []

    class Recording(ArticleView):
        def loadResource(self, kind, name):
            asked.append(name.toString())
            return super().loadResource(kind, name)

    view = Recording()
    qtbot.addWidget(view)
    view.setHtml('<p>x<img src="http://tracker.example/p.gif"></p>')  # raw HTML, not our escaped text
    view.show()
    view.grab()
    assert "http://tracker.example/p.gif" in asked


def test_markup_in_the_text_is_shown_as_text(view):
    view.show_article(ARTICLE, "The flu vaccine contains tracking microchips, insiders say.")
    text = view.toPlainText()
    assert '<img src="http://tracker.example/p.gif">' in text and "<script>alert(1)</script>" in text
    assert anchors(view) == ["https://openeyes.example/a?x=1&y=2"]


def test_claim_is_highlighted_despite_spacing(view):
    claim = "The flu vaccine contains tracking microchips, insiders say."
    view.show_article(ARTICLE, claim)
    start, end = view.highlighted
    assert ARTICLE.text[start:end] == "The flu vaccine   contains\ntracking microchips, insiders say."
    html = view.toHtml()
    assert "background-color" in html
    assert find_claim(ARTICLE.text, "not in there at all") is None
    view.show_article(ARTICLE, "Not in there at all, anywhere")
    assert view.highlighted is None
    assert "could not be found word for word" in view.toPlainText()


def test_shows_evidence_and_estimated_time(view):
    view.show_article(ARTICLE, None)
    text = view.toPlainText()
    assert "Open Eyes Report" in text
    assert "2026-11-10 15:00 UTC (estimated" in text
    assert "Fetched" in text and "2026-11-10 16:00 UTC" in text
    assert "d" * 64 in text and "c" * 64 in text


@pytest.mark.parametrize("link", [
    "javascript:alert(document.cookie)", "JavaScript:alert(1)", "file:///etc/passwd", "data:text/html,<b>x</b>",
    "ftp://files.example/x", "mailto:a@b.example", "//no-scheme.example/x", "https://", "vbscript:msgbox",
])
def test_only_web_links_are_clickable(view, opened, link):
    assert not is_web_link(link)
    view.show_article(replace(ARTICLE, link=link))
    assert anchors(view) == []
    assert "not a web link" in view.toPlainText()
    view.anchorClicked.emit(QUrl(link))  # even a forged click does nothing
    assert opened == []


def test_web_links_open_only_when_clicked(view, opened, qtbot):
    view.show_article(ARTICLE)
    assert opened == []  # showing opens nothing
    with qtbot.waitSignal(view.link_opened):
        view.anchorClicked.emit(QUrl(anchors(view)[0]))
    assert opened == ["https://openeyes.example/a?x=1&y=2"]


def test_link_text_cannot_inject_markup(view):
    view.show_article(replace(ARTICLE, link='https://x.example/"><img src="http://t.example/i.gif'))
    assert all(a.startswith("https://x.example/") for a in anchors(view))
    assert "<img" not in view.toHtml().split("<body", 1)[1].replace("&lt;img", "")


def test_module_has_no_network_access():
    source = open(article_view.__file__, encoding="utf-8").read()
    assert "QNetworkAccessManager" not in source and "QtNetwork" not in source


def test_evidence_hashes_close_the_document(view):
    view.show_article(ARTICLE, None)
    text = view.toPlainText()
    assert text.index("Last paragraph.") < text.index("\nEvidence\n") < text.index("d" * 64) < text.index("c" * 64)


def test_the_claim_is_scrolled_into_view_and_the_headline_kept_when_near_the_top(view, qtbot):
    view.resize(500, 260)
    view.show()
    filler = "\n\n".join(f"Paragraph {i}: " + "filler words here " * 12 for i in range(30))
    claim = "The flu vaccine contains tracking microchips, insiders say."
    view.show_article(replace(ARTICLE, text=f"{filler}\n\n{claim}\n\n{filler}"), claim)

    def claim_visible():
        top, bottom = view.claim_rect()
        assert view.verticalScrollBar().value() > 0 and 0 <= top and bottom <= view.viewport().height()

    qtbot.waitUntil(claim_visible, timeout=3000)
    view.resize(380, 260)  # a relayout keeps it in view until the reader scrolls
    qtbot.waitUntil(claim_visible, timeout=3000)
    view.show_article(replace(ARTICLE, text=f"{claim}\n\n{filler}"), claim)
    qtbot.waitUntil(lambda: view.claim_rect() is not None and view.claim_rect()[1] <= view.viewport().height())
    assert view.verticalScrollBar().value() == 0  # the headline and outlet stay in view

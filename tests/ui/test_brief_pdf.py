"""PDF briefs through Qt (QTextDocument on QPdfWriter), and the "Export brief…" dialog."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QFontDatabase, QImage

from app.engine.briefs.data import FactCheckMatch
from app.engine.briefs.export import BriefFilter, gather_brief
from app.engine.errors import AppError, Cancelled
from app.engine.store import Store
from app.ui import brief_dialog
from app.ui.brief_dialog import open_brief_dialog
from app.render.brief_pdf import svg_image, svg_to_png, write_pdf
from tests.narrative_data import add_article, add_feed, bulk_narratives, make_narrative, sample_store

MULTILINGUAL = [
    ("Al Sahifa", "ar", "السد سينهار خلال أيام وفق وثائق مسربة"),
    ("Nea Efimerida", "el", "Το φράγμα θα καταρρεύσει σε λίγες μέρες"),
    ("Xinwen Bao", "zh", "泄露文件称大坝将在几天内崩溃"),
    ("Severny Vestnik", "ru", "Плотина рухнет через несколько дней"),
    ("Gazeta Wschodnia", "pl", "Zapora pęknie w ciągu kilku dni, ostrzegają źródła"),
]


def pdf_text(path: Path) -> str:
    """The PDF's text; NFKC undoes what extraction makes of shaped glyphs (Arabic presentation
    forms, CJK radicals, the "fi" ligature)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is absent (Debian package poppler-utils)")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return unicodedata.normalize("NFKC", text)


@pytest.fixture
def sample(data_dir):
    store = Store.open(data_dir)
    made = sample_store(store)
    feeds = [add_feed(store, name) for name, _, _ in MULTILINGUAL]
    ids = []
    for n, (feed_id, (_, language, text)) in enumerate(zip(feeds, MULTILINGUAL)):
        ids += add_article(store, feed_id, text, [], f"2026-11-2{n}T08:00:00Z", language=language)[1]
    multilingual = make_narrative(store, ids)
    store.close()
    return made, multilingual


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir, sample):
    store = Store.open(data_dir)
    yield store
    store.close()


def test_pdf_brief_holds_the_cover_narratives_and_evidence(qapp, store, sample, out):
    made, _ = sample
    brief = gather_brief(store, BriefFilter(flagged_only=True, since="2026-11-01T00:00:00Z"), title="Week 46",
                         author="Desk Ana")
    result = write_pdf(brief, out / "week.pdf")
    data = (out / "week.pdf").read_bytes()
    assert data.startswith(b"%PDF") and result.files == (out / "week.pdf",)
    assert sorted(p.name for p in out.iterdir()) == ["week.pdf"]  # no temporary left
    text = pdf_text(out / "week.pdf")
    assert "Week 46" in text and "Desk Ana" in text and "Summary" in text
    assert "Flu vaccine" in text and "Forty thousand ballots" in text
    assert "Вакцина от гриппа" in text  # Cyrillic came through as text, not boxes
    assert "Why it is flagged" in text and "Evidence" in text and "page 1 of" in text
    evidence = brief.narratives[0].evidence[0]
    assert evidence.document_sha256[:40] in text.replace(" ", "").replace("\n", "")


def test_pdf_renders_greek_cjk_arabic_and_diacritics(qapp, store, sample, out):
    for system, package in [(QFontDatabase.WritingSystem.SimplifiedChinese, "fonts-noto-cjk"),
                            (QFontDatabase.WritingSystem.Arabic, "fonts-noto-core"),
                            (QFontDatabase.WritingSystem.Greek, "fonts-noto-core")]:
        if not QFontDatabase.families(system):
            pytest.skip(f"no font for {system.name} is installed (Debian package {package})")
    _, multilingual = sample
    brief = gather_brief(store, BriefFilter(ids=(multilingual,)))
    write_pdf(brief, out / "scripts.pdf")
    text = pdf_text(out / "scripts.pdf")
    for _, language, claim in MULTILINGUAL:
        if language == "ar":
            # Extracted Arabic may come out in visual order; its letters must be there as text.
            assert sum(1 for ch in text if "\u0600" <= ch <= "\u06ff") >= 20
        else:
            assert claim in text.replace("\n", " "), claim


def test_pdf_of_a_summarised_brief_writes_the_full_claims_csv(qapp, data_dir, out):
    store = Store.open(data_dir)
    feeds = [add_feed(store, f"Outlet {i}") for i in range(4)]
    ids = []
    for a in range(40):
        ids += add_article(store, feeds[a % 4], f"Article {a} says the dam will burst",
                           [f"Sentence {a}-{k} says the dam will burst." for k in range(4)],
                           f"2026-11-{1 + a % 28:02d}T08:00:00Z")[1]
    narrative = make_narrative(store, ids)
    brief = gather_brief(store, BriefFilter(ids=(narrative,)))
    store.close()
    result = write_pdf(brief, out / "big.pdf")
    assert result.summarised and result.claims_csv == out / "big-claims.csv"
    rows = list(csv.DictReader(io.StringIO(result.claims_csv.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 200
    text = pdf_text(out / "big.pdf")
    assert "200 claims: too many to list here" in text and "big-claims.csv" in text


def test_pdf_bad_path_and_cancel(qapp, store, sample, out):
    brief = gather_brief(store, BriefFilter())
    with pytest.raises(AppError, match="does not exist"):
        write_pdf(brief, out / "missing" / "b.pdf")
    with pytest.raises(AppError, match="is a folder"):
        write_pdf(brief, out)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        write_pdf(brief, out / "c.pdf", cancel=cancel)
    assert list(out.iterdir()) == []


def test_chart_rasterises(qapp, store, sample):
    from app.engine.briefs.chart import spread_svg

    brief = gather_brief(store, BriefFilter(ids=(sample[0].vaccine,)))
    image = svg_image(spread_svg(brief.narratives[0].claims))
    assert image.width() > 1000 and not image.isNull()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 5  # lanes, dots and text were drawn, not a blank page
    png = svg_to_png(spread_svg(brief.narratives[0].claims))
    assert png.startswith(b"\x89PNG") and not QImage.fromData(png).isNull()


# --- The dialog ---

def test_dialog_exports_the_selected_narratives_and_opens_the_result(qtbot, context, sample, tmp_path, monkeypatch):
    made, _ = sample
    opened = []
    monkeypatch.setattr(brief_dialog, "open_file", lambda path: opened.append(path) or True)
    dialog = open_brief_dialog(None, context, [made.vaccine, made.ballots])
    qtbot.addWidget(dialog)
    assert "2 selected narratives" in dialog.summary.text()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("html"))
    dialog.path_edit.setText(str(tmp_path / "sel.pdf"))
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("pdf"))
    assert dialog.path_edit.text() == str(tmp_path / "sel.pdf")
    dialog.title_edit.setText("Selected")
    dialog.author_edit.setText("Desk Ana")
    with qtbot.waitSignal(dialog.brief_written, timeout=30000) as done:
        dialog.export_button.click()
    result = done.args[0]
    assert result.path == tmp_path / "sel.pdf" and result.narratives == 2
    assert opened == [tmp_path / "sel.pdf"]
    assert not dialog.isVisible()
    text = pdf_text(tmp_path / "sel.pdf")
    assert "Selected" in text and "Desk Ana" in text and "Flu vaccine" in text and "old bridge" not in text


def test_dialog_shows_errors_and_stays_open(qtbot, context, sample, tmp_path, monkeypatch):
    made, _ = sample
    monkeypatch.setattr(brief_dialog, "open_file", lambda path: True)
    dialog = open_brief_dialog(None, context, [made.bridge])
    qtbot.addWidget(dialog)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("json"))
    dialog.path_edit.setText(str(tmp_path / "missing" / "b.json"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.task is None and "does not exist" in dialog.status.text(), timeout=10000)
    assert dialog.isVisible() and dialog.export_button.isEnabled()
    empty = open_brief_dialog(None, context, [])
    qtbot.addWidget(empty)
    assert not empty.export_button.isEnabled() and "Select one or more" in empty.summary.text()


def _pages(path: Path) -> list[str]:
    return pdf_text(path).split("\f")


def test_pdf_summary_note_comes_before_the_table_not_alone_on_a_page(qapp, data_dir, out):
    """Printed after a long summary table, the four-line note was left alone on a page
    before the first narrative's own page."""
    store = Store.open(data_dir)
    ids = bulk_narratives(store, 40)
    brief = gather_brief(store, BriefFilter(ids=tuple(ids)))
    store.close()
    write_pdf(brief, out / "long.pdf")
    pages = _pages(out / "long.pdf")
    first_narrative = next(n for n, page in enumerate(pages) if f"1. {brief.narratives[0].narrative.summary.label}"
                           in " ".join(page.split()))
    assert first_narrative > 1, "the summary table runs past the cover page"
    assert "Times are UTC" in pages[0]
    assert pages[0].index("Times are UTC") < pages[0].index(brief.narratives[0].narrative.summary.label)
    last_row = f"{len(brief.narratives)} {brief.narratives[-1].narrative.summary.label}"
    assert last_row in " ".join(pages[first_narrative - 1].split() + pages[first_narrative].split()), \
        "the table's end is on the first narrative's page or the one before, never a page away"


RATINGS = ("Miscaptioned", "Descontextualizado", "Irreführend", "Pants on Fire!")


def test_pdf_breaks_lines_between_words_not_inside_them(qapp, store, sample, out):
    made, _ = sample
    brief = gather_brief(store, BriefFilter(ids=(made.vaccine,)))
    [told] = brief.narratives
    checks = tuple(FactCheckMatch(rating=rating, publisher="ClaimCheck Desk",
                                  url="https://claimcheck.example/fact-checks/flooded-port-carrow-high-street-photo-2019",
                                  claim="A photo shows Port Carrow's high street under a metre of water after Storm Edda.",
                                  date="2026-11-10", score=0.42, status="possible") for rating in RATINGS)
    brief = replace(brief, narratives=(replace(told, factchecks=checks),))
    write_pdf(brief, out / "words.pdf")
    words = set(pdf_text(out / "words.pdf").split())
    expected = {word for rating in RATINGS for word in rating.split()} | set(checks[0].claim.split())
    expected |= {word for claim in told.claims for word in claim.text.split()}
    assert expected - words == set()


def test_a_heading_starts_on_the_page_of_what_follows_it(qapp):
    """Qt has no "keep with next": a heading could end a page, its chart starting the next."""
    from PySide6.QtCore import QSizeF, QUrl
    from PySide6.QtGui import QColor, QTextDocument

    from app.render.brief_pdf import paginate

    chart = QImage(400, 150, QImage.Format.Format_RGB32)
    chart.fill(QColor("white"))
    for filler in range(10, 30):
        doc = QTextDocument()
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart.png"), chart)
        doc.setHtml("<p>Line of the narrative's flags.</p>" * filler + "<h3>Spread over time, per source</h3>"
                    '<div><img src="chart.png" width="400"/></div><h3>Sources</h3>'
                    "<table><tr><th>Outlet</th></tr><tr><td>El Faro Libre</td></tr></table>")
        doc.setPageSize(QSizeF(500, 600))
        paginate(doc)
        doc.pageCount()
        layout = doc.documentLayout()
        block = doc.begin()
        while block.isValid():
            if block.blockFormat().headingLevel():
                following = block.next()
                line = following.layout().lineAt(0)
                start = layout.blockBoundingRect(following).top() + line.y()
                assert int(layout.blockBoundingRect(block).top() // 600) == int((start + 1) // 600), \
                    (filler, block.text())
            block = block.next()


def test_a_narrative_starts_on_the_page_where_the_one_before_ends_in_a_few_lines(qapp):
    """A part that starts on a new page left the page before it holding a few lines (the
    summary's last row, a note, an evidence row's end) and blank below."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from app.render.brief_pdf import SHORT_PAGE, paginate

    for rows in range(20, 40):
        doc = QTextDocument()
        doc.setHtml("<table>" + "<tr><td>Summary row of a narrative</td></tr>" * rows + "</table>"
                    '<h2 style="page-break-before: always">1. Valdoria vote</h2><p>Its flags.</p>')
        doc.setPageSize(QSizeF(500, 400))
        doc.pageCount()
        layout = doc.documentLayout()
        table = doc.rootFrame().childFrames()[0]
        end = layout.frameBoundingRect(table).bottom()
        paginate(doc)
        title = doc.findBlockByNumber(doc.blockCount() - 2)
        assert title.text() == "1. Valdoria vote"
        page = int(layout.blockBoundingRect(title).top() // 400)
        if end % 400 < SHORT_PAGE * 400:
            assert page == int(end // 400), rows
        else:
            assert page == int(end // 400) + 1, rows

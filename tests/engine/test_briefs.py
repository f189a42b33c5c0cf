"""Briefs: what they select, what every format holds, and bad input (no Qt here)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from app.engine import review
from app.engine.briefs import data as brief_data
from app.engine.briefs.chart import MAX_LANES, spread_svg
from app.engine.briefs.data import SHOWN_CLAIM_ROWS
from app.engine.briefs.formats import render_markdown
from app.engine.briefs.html import flag_name, flag_reason
from app.engine.briefs.export import (CSV_COLUMNS, BriefFilter, export_brief, format_for_path, gather_brief, render_html,
                               write_brief)
from app.engine.errors import AppError, Cancelled
from app.engine.narrative_json import narrative_json
from app.engine.store import narratives as narrative_store
from tests.narrative_data import add_article, add_feed, make_narrative, sample_store

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
REMOTE = re.compile(
    r"""(?:<(?:img|script|link|iframe|source|embed|object|image|use)\b[^>]*?\s(?:src|href|xlink:href|data)\s*=\s*["']?"""
    r"""\s*(?:https?:)?//)|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import)""", re.IGNORECASE)


@pytest.fixture
def sample(memory_store):
    return sample_store(memory_store)


def brief_of(store, **filters):
    return gather_brief(store, BriefFilter(**filters), title="Week 46", author="Desk Ana", now=NOW)


# --- selection ---

def test_filter_selects_by_since_status_flagged_and_ids(memory_store, sample):
    everything = brief_of(memory_store)
    assert {b.narrative.summary.id for b in everything.narratives} == {sample.vaccine, sample.ballots, sample.bridge}
    flagged = brief_of(memory_store, flagged_only=True)
    assert {b.narrative.summary.id for b in flagged.narratives} == {sample.vaccine, sample.ballots}
    recent = brief_of(memory_store, since="2026-11-12T00:00:00Z")
    assert {b.narrative.summary.id for b in recent.narratives} == {sample.ballots}
    early = brief_of(memory_store, until="2026-11-09T00:00:00Z")
    assert {b.narrative.summary.id for b in early.narratives} == {sample.bridge}
    picked = brief_of(memory_store, ids=(sample.bridge, sample.vaccine))
    assert {b.narrative.summary.id for b in picked.narratives} == {sample.bridge, sample.vaccine}
    review.set_status(memory_store, sample.ballots, "confirmed")
    confirmed = brief_of(memory_store, status="confirmed")
    assert [b.narrative.summary.id for b in confirmed.narratives] == [sample.ballots]
    tagged = brief_of(memory_store, tag="state-media")
    assert [b.narrative.summary.id for b in tagged.narratives] == [sample.vaccine]


def test_nothing_matches_is_a_clear_error_unless_empty_is_allowed(memory_store, sample, tmp_path):
    with pytest.raises(AppError, match="No narrative matches this filter.*active since 2030-01-01.*--allow-empty"):
        brief_of(memory_store, since="2030-01-01T00:00:00Z")
    assert not (tmp_path / "b.html").exists()
    with pytest.raises(AppError, match="No narrative matches"):
        export_brief(memory_store, BriefFilter(ids=(999,)), tmp_path / "b.html", "html")
    assert list(tmp_path.iterdir()) == []
    result = export_brief(memory_store, BriefFilter(ids=(999,)), tmp_path / "b.html", "html", allow_empty=True)
    assert result.narratives == 0
    html = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert "No narrative matches this filter" in html and "narratives #999" in html


def test_brief_gathers_claims_sources_evidence_and_cover(memory_store, sample):
    review.set_notes(memory_store, sample.vaccine, "Denied by the health office.")
    brief = brief_of(memory_store, ids=(sample.vaccine,))
    (b,) = brief.narratives
    assert brief.title == "Week 46" and brief.author == "Desk Ana" and brief.generated_at == "2026-11-24T09:30:00Z"
    assert brief.period == ("2026-11-10T08:00:00Z", "2026-11-11T12:00:00Z")
    assert b.narrative.notes == "Denied by the health office."
    assert [c.published_at for c in b.claims] == sorted(c.published_at for c in b.claims)
    assert len(b.claims) == b.narrative.summary.size
    assert [s.outlet for s in b.sources][:2] == ["The Daily Ledger", "Severny Vestnik"]
    assert len(b.evidence) == 5  # one article per outlet
    rows = memory_store.db.conn.execute("SELECT id, fetched_at, document_sha256, content_sha256 FROM articles").fetchall()
    stored = {r[0]: r[1:] for r in rows}
    for ev in b.evidence:
        assert (ev.fetched_at, ev.document_sha256, ev.content_sha256) == stored[ev.article_id]
        assert re.fullmatch(r"[0-9a-f]{64}", ev.document_sha256)


# --- HTML ---

def test_html_holds_everything_and_loads_nothing_remote(memory_store, sample, tmp_path):
    review.set_notes(memory_store, sample.vaccine, "Denied by the <b>health</b> office.")
    result = export_brief(memory_store, BriefFilter(flagged_only=True), tmp_path / "brief.html", "html",
                          title="Week 46", author="Desk Ana", now=NOW)
    assert result.files == (tmp_path / "brief.html",) and not result.summarised
    html = (tmp_path / "brief.html").read_text(encoding="utf-8")
    assert "<title>Week 46</title>" in html and "Desk Ana" in html and "2026-11-24 09:30 UTC" in html
    assert "flagged only" in html  # the filter used
    vaccine = narrative_store.get_narrative(memory_store.db, sample.vaccine)
    assert vaccine.summary.label in html
    for flag in vaccine.summary.flags:  # each reason, its flag's name said once
        assert f"{flag_name(flag.kind)}</span>: {flag_reason(flag)}".replace("'", "&#x27;") in html
        assert f"{flag_name(flag.kind)}: {flag_name(flag.kind)}" not in html
    assert "Вакцина от гриппа содержит микрочипы слежения" in html
    assert "Denied by the &lt;b&gt;health&lt;/b&gt; office." in html  # notes escaped, not markup
    for ev in brief_of(memory_store, ids=(sample.vaccine,)).narratives[0].evidence:
        assert ev.document_sha256 in html and ev.content_sha256 in html
    assert html.count("<svg") == 2  # one inline chart per narrative
    assert "The old bridge" not in html  # not flagged
    # Self-contained: no remote resource of any kind, and a policy that forbids them anyway.
    assert not REMOTE.search(html), REMOTE.search(html).group(0)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "default-src 'none'" in html
    # Links are only anchors, and only http(s).
    for target in re.findall(r'href="([^"]*)"', html):
        assert target.startswith(("https://", "http://", "#")), target


def test_html_escapes_hostile_feed_text_and_links(memory_store):
    feed = add_feed(memory_store, "Hostile Outlet")
    other = add_feed(memory_store, "Other Outlet")
    ids = []
    for n, (feed_id, link) in enumerate([(feed, "javascript:alert(1)"), (other, "https://ok.example/a")]):
        _, claim_ids = add_article(memory_store, feed_id, '<script>alert("x")</script> =cmd| claim about water',
                                   ["Plain sentence about the water plant."], f"2026-11-1{n}T08:00:00Z", link=link)
        ids += claim_ids
    narrative = make_narrative(memory_store, ids)
    html = render_html(brief_of(memory_store, ids=(narrative,)))
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html  # shown, never clickable
    assert 'href="https://ok.example/a"' in html


def test_right_to_left_text_is_marked(memory_store):
    feeds = [add_feed(memory_store, name) for name in ("Al Sahifa", "Nea Efimerida", "Xinwen Bao")]
    texts = [("ar", "السد سينهار خلال أيام وفق وثائق مسربة"), ("el", "Το φράγμα θα καταρρεύσει σε λίγες μέρες"),
             ("zh", "泄露文件称大坝将在几天内崩溃")]
    ids = []
    for n, (feed_id, (language, text)) in enumerate(zip(feeds, texts)):
        ids += add_article(memory_store, feed_id, text, [], f"2026-11-1{n}T08:00:00Z", language=language)[1]
    narrative = make_narrative(memory_store, ids)
    html = render_html(brief_of(memory_store, ids=(narrative,)))
    assert 'dir="rtl" align="right" class="rtl">السد سينهار' in html
    assert "<td>Το φράγμα θα καταρρεύσει" in html and "<td>泄露文件称大坝将在几天内崩溃" in html
    assert "Arabic" in html and "Greek" in html and "Chinese" in html


def test_factchecks_are_shown_when_the_library_provides_them(memory_store, sample, monkeypatch):
    def with_factchecks(store, narrative, suggestions):
        data = narrative_json(narrative)
        data["factchecks"] = [
            {"rating": "False", "publisher": "ClaimCheck Desk", "url": "https://claimcheck.example/fc-1",
             "claim": "Flu vaccines contain microchips.", "date": "2026-11-13", "score": 0.91},
            {"rating": "True", "publisher": "Rejected Desk", "url": "https://x.example", "claim": "x",
             "status": "rejected"},
            "not a dict",
        ]
        return data

    monkeypatch.setattr(brief_data, "_narrative_data", with_factchecks)
    brief = brief_of(memory_store, ids=(sample.vaccine,))
    (match,) = brief.narratives[0].factchecks
    assert (match.rating, match.publisher, match.url, match.score) == \
        ("False", "ClaimCheck Desk", "https://claimcheck.example/fc-1", 0.91)
    html = render_html(brief)
    assert "ClaimCheck Desk" in html and 'href="https://claimcheck.example/fc-1"' in html
    assert "Rejected Desk" not in html


def test_factchecks_come_from_the_library_and_rejected_ones_are_left_out(memory_store, sample, tmp_path):
    from app.engine.factchecks.items import FactCheckDraft
    from app.engine.factchecks.library import save_draft
    from app.engine.store import write_transaction

    with write_transaction(memory_store.db) as conn:
        kept, _ = save_draft(conn, FactCheckDraft(
            claim="Flu vaccines contain tracking microchips.", url="https://claimcheck.example/fc-1",
            rating="False", publisher="ClaimCheck Desk", review_date="2026-11-13"), source="test.json")
        rejected, _ = save_draft(conn, FactCheckDraft(
            claim="Chips in vials", url="https://wrong.example/fc-2", rating="True", publisher="Wrong Desk"),
            source="test.json")
        for factcheck_id, status, score in [(kept, "confirmed", 0.83), (rejected, "rejected", 0.71)]:
            conn.execute("INSERT INTO factcheck_matches (claim_id, factcheck_id, model, score, status, matched_at)"
                         " VALUES (?, ?, 'fake-hashing', ?, ?, '2026-11-14T00:00:00Z')",
                         (sample.vaccine_claims[0], factcheck_id, score, status))
    brief = brief_of(memory_store, ids=(sample.vaccine,))
    (match,) = brief.narratives[0].factchecks
    assert (match.rating, match.publisher, match.url, match.date, match.status, match.score) == \
        ("False", "ClaimCheck Desk", "https://claimcheck.example/fc-1", "2026-11-13", "confirmed", 0.83)
    html = render_html(brief)
    assert "confirmed by a reviewer (0.83)" in html and 'href="https://claimcheck.example/fc-1"' in html
    assert "Wrong Desk" not in html
    export_brief(memory_store, BriefFilter(ids=(sample.vaccine,)), tmp_path / "b.json", "json")
    (narrative,) = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))["narratives"]
    # The narrative JSON of `narrative show --format json`, with the matches the brief lists.
    assert [(f["publisher"], f["status"]) for f in narrative["factchecks"]] == [("ClaimCheck Desk", "confirmed")]
    assert narrative["factchecks"][0]["url"] == "https://claimcheck.example/fc-1"


def test_matches_that_do_not_flag_are_listed_only_when_asked_and_marked_as_suggestions(memory_store, sample,
                                                                                        tmp_path):
    from app.engine.factchecks.items import FactCheckDraft
    from app.engine.factchecks.library import save_draft
    from app.engine.store import write_transaction

    with write_transaction(memory_store.db) as conn:
        flagging, _ = save_draft(conn, FactCheckDraft(
            claim="Flu vaccines contain tracking microchips.", url="https://claimcheck.example/fc-1",
            rating="False", publisher="ClaimCheck Desk"), source="test.json")
        weak, _ = save_draft(conn, FactCheckDraft(
            claim="A photo shows a flooded high street.", url="https://other.example/fc-2", rating="Miscaptioned",
            publisher="Other Desk"), source="test.json")
        for factcheck_id, score in [(flagging, 0.95), (weak, 0.41)]:
            conn.execute("INSERT INTO factcheck_matches (claim_id, factcheck_id, model, score, status, matched_at)"
                         " VALUES (?, ?, 'fake-hashing', ?, 'new', '2026-11-14T00:00:00Z')",
                         (sample.vaccine_claims[0], factcheck_id, score))
    plain = brief_of(memory_store, ids=(sample.vaccine,))
    assert [f.publisher for f in plain.narratives[0].factchecks] == ["ClaimCheck Desk"]
    assert "Other Desk" not in render_html(plain)
    export_brief(memory_store, BriefFilter(ids=(sample.vaccine,)), tmp_path / "plain.json", "json")
    data = json.loads((tmp_path / "plain.json").read_text(encoding="utf-8"))
    assert [f["publisher"] for f in data["narratives"][0]["factchecks"]] == ["ClaimCheck Desk"]
    assert data["brief"]["suggestions"] is False

    asked = gather_brief(memory_store, BriefFilter(ids=(sample.vaccine,)), now=NOW, suggestions=True)
    assert [(f.publisher, f.status) for f in asked.narratives[0].factchecks] == \
        [("ClaimCheck Desk", "match"), ("Other Desk", "possible")]
    assert "suggestion, unconfirmed (0.41)" in render_html(asked)
    assert "suggestion, unconfirmed (0.41)" in render_markdown(asked, {})


def test_without_factchecks_the_brief_says_so(memory_store, sample):
    html = render_html(brief_of(memory_store, ids=(sample.bridge,)))
    assert "No matching fact-check in the library." in html and "Not flagged." in html and "No notes." in html


# --- CSV, JSON, Markdown ---

def test_csv_has_one_row_per_claim_with_documented_columns(memory_store, sample, tmp_path):
    result = export_brief(memory_store, BriefFilter(), tmp_path / "brief.csv", "csv", now=NOW)
    raw = (tmp_path / "brief.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # spreadsheet programs then read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    sizes = {s.id: s.size for s in narrative_store.list_narratives(memory_store.db)}
    assert len(rows) == sum(sizes.values()) == result.claims
    vaccine_rows = [r for r in rows if int(r["narrative_id"]) == sample.vaccine]
    assert len(vaccine_rows) == sizes[sample.vaccine]
    russian = next(r for r in vaccine_rows if r["language"] == "ru")
    assert russian["outlet"] == "Severny Vestnik" and russian["text"].startswith("Вакцина")
    assert re.fullmatch(r"[0-9a-f]{64}", russian["document_sha256"]) and russian["fetched_at"]
    assert russian["link"] == "https://vestnik.example/vaccine"
    assert "spread" in russian["narrative_flags"].split(";")


def test_csv_cells_never_run_as_spreadsheet_formulas(memory_store, tmp_path):
    feeds = [add_feed(memory_store, "Formula Outlet"), add_feed(memory_store, "Second Outlet")]
    ids = []
    for n, feed in enumerate(feeds):
        ids += add_article(memory_store, feed, "=HYPERLINK(\"https://evil.example\") dam bursts",
                           ["@SUM(A1) dam bursts"], f"2026-11-1{n}T08:00:00Z")[1]
    narrative = make_narrative(memory_store, ids)
    export_brief(memory_store, BriefFilter(ids=(narrative,)), tmp_path / "b.csv", "csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "b.csv").read_text(encoding="utf-8-sig"))))
    texts = {r["text"] for r in rows}
    assert "'=HYPERLINK(\"https://evil.example\") dam bursts" in texts and "'@SUM(A1) dam bursts" in texts



@pytest.mark.parametrize("text", [
    "Dam bursts;=HYPERLINK(\"https://evil.example\")", "Dam bursts,+cmd|' /C calc'!A0", "Dam bursts|-2+3",
    "Dam bursts\t@SUM(A1)", "-2+3 dam bursts"])
def test_a_formula_after_any_separator_a_spreadsheet_may_use_is_neutralised(memory_store, tmp_path, text):
    feeds = [add_feed(memory_store, "Formula Outlet"), add_feed(memory_store, "Second Outlet")]
    ids = []
    for n, feed in enumerate(feeds):
        ids += add_article(memory_store, feed, text, [f"Water reached the town square {n}"],
                           f"2026-11-1{n}T08:00:00Z")[1][:1]
    export_brief(memory_store, BriefFilter(ids=(make_narrative(memory_store, ids),)), tmp_path / "b.csv", "csv")
    raw = (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    assert {r["text"] for r in csv.DictReader(io.StringIO(raw))} == {"'" + text}
    assert '"\'' + text.replace('"', '""') + '"' in raw, "the cell is quoted, so no separator inside it splits it"


def test_plain_text_and_numbers_are_left_as_they_are(memory_store, sample, tmp_path):
    export_brief(memory_store, BriefFilter(ids=(sample.vaccine,)), tmp_path / "b.csv", "csv")
    raw = (tmp_path / "b.csv").read_text(encoding="utf-8-sig")
    row = next(csv.reader(io.StringIO(raw.splitlines()[1])))
    assert row[0] == str(sample.vaccine) and not row[1].startswith("'")
    assert raw.splitlines()[1].startswith(f'{sample.vaccine},"'), "numbers unquoted, text quoted"


def test_json_is_the_narrative_json_with_a_cover(memory_store, sample, tmp_path):
    export_brief(memory_store, BriefFilter(flagged_only=True), tmp_path / "brief.json", "json",
                 title="Week 46", author="Desk Ana", now=NOW)
    data = json.loads((tmp_path / "brief.json").read_text(encoding="utf-8"))
    assert set(data) == {"brief", "narratives"}
    cover = data["brief"]
    assert {"format_version", "title", "author", "generated_at", "generator", "period", "filter", "filter_text",
            "narratives", "claims"} <= set(cover)
    assert cover["title"] == "Week 46" and cover["generated_at"] == "2026-11-24T09:30:00Z"
    assert cover["filter"]["flagged_only"] is True and cover["narratives"] == 2
    assert set(cover["period"]) == {"from", "to"}
    by_id = {n["id"]: n for n in data["narratives"]}
    expected = narrative_json(narrative_store.get_narrative(memory_store.db, sample.vaccine))
    vaccine = by_id[sample.vaccine]
    for key, value in expected.items():  # the CLI's narrative JSON, unchanged
        assert vaccine[key] == value, key
    assert vaccine["factchecks"] == []
    assert len(vaccine["evidence"]) == 5
    assert set(vaccine["evidence"][0]) == {"article_id", "outlet", "title", "link", "published_at", "fetched_at",
                                           "document_sha256", "content_sha256", "document_kept"}
    assert sum(len(n["claims"]) for n in data["narratives"]) == cover["claims"]


def test_markdown_has_its_charts_beside_it(memory_store, sample, tmp_path):
    result = export_brief(memory_store, BriefFilter(flagged_only=True), tmp_path / "week.md", "md", now=NOW)
    text = (tmp_path / "week.md").read_text(encoding="utf-8")
    charts = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(charts) == 2
    for chart in charts:
        path = tmp_path / chart
        assert path.is_file() and path.parent.name == "week_files" and path in result.files
        root = ET.parse(path).getroot()  # well-formed SVG
        assert root.tag.endswith("svg") and root.findall(".//{http://www.w3.org/2000/svg}circle")
    assert "Вакцина от гриппа" in text and "| Published (UTC) | Outlet |" in text


def test_markdown_uses_png_charts_when_given_a_renderer(memory_store, sample, tmp_path):
    png = b"\x89PNG\r\n\x1a\nfake"
    export_brief(memory_store, BriefFilter(ids=(sample.ballots,)), tmp_path / "b.md", "md", png=lambda svg: png)
    text = (tmp_path / "b.md").read_text(encoding="utf-8")
    (chart,) = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert chart.endswith(".png") and (tmp_path / chart).read_bytes() == png
    assert (tmp_path / chart).with_suffix(".svg").is_file()


def test_markdown_neutralises_markup_in_feed_text(memory_store):
    from app.engine.briefs.formats import md, md_link

    assert md("<img src=x onerror=alert(1)> *bold* | pipe") == \
        "&lt;img src=x onerror=alert\\(1\\)&gt; \\*bold\\* \\| pipe"
    assert md_link("javascript:alert(1)") == "javascript:alert\\(1\\)"
    assert md_link("https://a.example/x (1)") == "[https://a.example/x \\(1\\)](https://a.example/x%20%281%29)"


# --- Big narratives, bad paths, progress and cancel ---

@pytest.fixture
def huge(memory_store):
    """One narrative of 5,000 claims from 14 outlets in three languages."""
    feeds = [add_feed(memory_store, f"Outlet {i}") for i in range(14)]
    ids = []
    for a in range(500):
        ids += add_article(memory_store, feeds[a % 14], f"Article {a} says the dam will burst",
                           [f"Sentence {a}-{k} says the dam will burst soon." for k in range(9)],
                           f"2026-11-{1 + a % 28:02d}T{a % 24:02d}:00:00Z", language=["en", "ru", "ar"][a % 3],
                           link=f"https://o{a % 14}.example/{a}")[1]
    return make_narrative(memory_store, ids)


def test_a_5000_claim_narrative_stays_readable_and_the_full_list_goes_to_csv(memory_store, huge, tmp_path):
    result = export_brief(memory_store, BriefFilter(ids=(huge,)), tmp_path / "big.html", "html")
    assert result.summarised and result.claims == 5000
    assert result.claims_csv == tmp_path / "big-claims.csv" and result.files == (tmp_path / "big.html",
                                                                                 tmp_path / "big-claims.csv")
    html = (tmp_path / "big.html").read_text(encoding="utf-8")
    assert len(html) < 400_000
    assert "5,000 claims: too many to list here" in html and "big-claims.csv" in html
    claims_table = html.split("<h3>Claims</h3>")[1].split("<h3>Evidence</h3>")[0]
    assert claims_table.count("says the dam will burst") == SHOWN_CLAIM_ROWS
    sources_table = html.split("<h3>Sources</h3>")[1].split("<h3>Claims</h3>")[0]
    assert sources_table.count("<tr>") == 1 + 14 and ">360<" in sources_table  # a row per outlet, with counts
    assert html.count("<circle") < 1500  # the chart bins dots
    assert "13 more sources" not in html and "5 more sources" in html  # 10 lanes at most
    rows = list(csv.DictReader(io.StringIO((tmp_path / "big-claims.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == 5000
    md_result = export_brief(memory_store, BriefFilter(ids=(huge,)), tmp_path / "big.md", "md")
    text = (tmp_path / "big.md").read_text(encoding="utf-8")
    assert "big-claims.csv" in text and md_result.claims_csv == tmp_path / "big-claims.csv"
    assert len(text.split("### Claims")[1].split("### Evidence")[0].splitlines()) < SHOWN_CLAIM_ROWS + 10


def test_output_that_cannot_be_written_is_a_clear_error(memory_store, sample, tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(AppError, match="the folder .*afile does not exist"):
        export_brief(memory_store, BriefFilter(), tmp_path / "afile" / "brief.html", "html")
    with pytest.raises(AppError, match="is a folder"):
        export_brief(memory_store, BriefFilter(), tmp_path, "html")
    with pytest.raises(AppError, match="does not exist"):
        export_brief(memory_store, BriefFilter(), tmp_path / "missing" / "brief.json", "json")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(memory_store, sample, tmp_path, monkeypatch):
    target = tmp_path / "brief.html"
    target.write_text("previous brief")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(AppError, match="Cannot write the brief to .*brief.html: No space left on device"):
        export_brief(memory_store, BriefFilter(), target, "html")
    assert target.read_text() == "previous brief"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder_is_a_clear_error(memory_store, sample, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(AppError, match="Cannot write the brief"):
            export_brief(memory_store, BriefFilter(), folder / "brief.html", "html")
    finally:
        folder.chmod(0o700)


def test_progress_reaches_the_end_and_cancel_stops(memory_store, sample, tmp_path):
    seen = []
    export_brief(memory_store, BriefFilter(), tmp_path / "b.json", "json", progress=lambda f, m: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        export_brief(memory_store, BriefFilter(), tmp_path / "c.json", "json", cancel=cancel)
    assert not (tmp_path / "c.json").exists()


def test_format_for_path_and_unknown_format(memory_store, sample, tmp_path):
    assert [format_for_path(n) for n in ("a.PDF", "a.htm", "a.md", "a.csv", "a.json", "a.txt")] == \
        ["pdf", "html", "md", "csv", "json", None]
    with pytest.raises(ValueError, match="not 'pdf'"):
        write_brief(brief_of(memory_store), tmp_path / "a.pdf", "pdf")


# --- The chart ---

def test_spread_chart_is_valid_svg_with_a_lane_per_source_in_order(memory_store, sample):
    (b,) = brief_of(memory_store, ids=(sample.vaccine,)).narratives
    svg = spread_svg(b.claims)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in root.iter(f"{ns}text")]
    lanes = labels[:5]
    assert lanes == ["The Daily Ledger", "Severny Vestnik", "Open Eyes Report", "Stimme der Mitte",
                     "Le Courrier du Lac"]
    assert any(label.startswith("Russian (") for label in labels)  # the legend names languages
    assert len(root.findall(f".//{ns}circle")) >= 5
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_spread_chart_collapses_many_sources(memory_store, huge):
    (b,) = brief_of(memory_store, ids=(huge,)).narratives
    root = ET.fromstring(spread_svg(b.claims))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert f"{14 - MAX_LANES + 1} more sources" in texts

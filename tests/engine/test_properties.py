"""Property-based tests: generated inputs to the feed reader, text cleaning, sentence splitting and importers.

Whatever the bytes, each reader either returns what it read, with a plain per-item
error for what it left out, or raises one of our errors: never another exception.
``HYPOTHESIS_PROFILE=proof`` runs 1,000 inputs per test instead of 60
(docs/RELIABILITY.md gives the last such run).
"""

from __future__ import annotations

import csv
import io
import json
import os
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.claims import extract_claims
from app.engine.errors import FeedError, ImportFileError
from app.engine.factchecks.formats import read_factcheck_file
from app.engine.feeds.opml import read_opml
from app.engine.feeds.parsing import parse_feed
from app.engine.text import html_to_text, split_sentences

settings.register_profile("default", max_examples=60, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("proof", parent=settings.get_profile("default"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Text with what hostile feeds carry: markup, entities, control characters, other scripts.
PIECES = st.sampled_from(["<script>alert(1)</script>", "<p>", "</b>", "&amp;", "&#0;", "&nbsp;", "\x00", "\x0b",
                          "\u202e", "\ufeff", "=cmd|' /C calc'!A0", "]]>", "<![CDATA[", "Ünïcödé", "Москва",
                          "北京市", "مرحبا", ". ", "? ", "\n\n", "http://x.invalid/a?b=c", "https://", "…"])
TEXT = st.lists(st.one_of(st.text(max_size=40), PIECES), max_size=25).map("".join)
MARKUP = st.lists(st.one_of(st.text(max_size=30).filter(lambda t: "<" not in t), st.sampled_from(
    ["<p>", "</p>", "<b>bold</b>", "&amp;", "<br/>", "<div class='a' onclick=\"x()\">", "</div>", "<img src=x onerror=y>",
     "<style>p{}</style>", "<a href='javascript:alert(1)'>link</a>"])), max_size=12).map("".join)
LANGUAGES = st.sampled_from([None, "en", "de", "ru", "zh", "ja", "ar", "th", "xx"])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
                    max_leaves=20)
CLAIM_FIELDS = st.fixed_dictionaries({}, optional={
    "claimReviewed": TEXT, "url": TEXT, "reviewRating": st.fixed_dictionaries({}, optional={"alternateName": TEXT}),
    "author": st.fixed_dictionaries({}, optional={"name": TEXT, "url": TEXT}), "datePublished": TEXT,
    "@type": st.sampled_from(["ClaimReview", "Thing", ""]), "text": TEXT, "claim": TEXT, "rating": TEXT,
})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One folder for every generated file of a test: each example overwrites the last."""
    return tmp_path_factory.mktemp("generated")


def _rss(title: str, body: str, link: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f"<description>{escape(body)}</description></item></channel></rss>").encode("utf-8", "surrogatepass")


@given(st.binary(max_size=2000), st.sampled_from([None, "application/rss+xml; charset=windows-1251",
                                                  "text/html", "application/json; charset=utf-16"]))
def test_any_bytes_are_a_feed_or_a_feed_error(data, content_type):
    try:
        parsed = parse_feed(data, source="https://feed.invalid/rss", content_type=content_type)
    except FeedError:
        return
    assert all(isinstance(e.title, (str, type(None))) for e in parsed.entries)


@given(TEXT, TEXT, TEXT)
def test_any_text_in_an_rss_item_is_read_as_text(title, body, link):
    try:
        data = _rss(title, body, link)
    except UnicodeEncodeError:
        return  # a lone surrogate cannot be in a file at all
    try:
        parsed = parse_feed(data, source="feed.xml")
    except FeedError:
        return
    # Markup in a title is the title's text (escaped wherever it is shown), not markup.
    assert all(isinstance(e.title, (str, type(None))) for e in parsed.entries)


@given(TEXT)
def test_any_markup_gives_text(markup):
    assert isinstance(html_to_text(markup), str)


@given(MARKUP, MARKUP)
def test_html_to_text_drops_scripts_among_well_formed_markup(before, after):
    # (After a stray '<![CDATA[' or '<!--', a script is text, as a browser shows it: escaped wherever shown.)
    text = html_to_text(f"{before}<script>steal('cookie')</script>{after}")
    assert "steal(" not in text


@given(TEXT, LANGUAGES)
def test_sentences_are_pieces_of_the_text(text, language):
    sentences = split_sentences(text, language)
    assert all(isinstance(s, str) and s.strip() for s in sentences)
    assert sum(len(s) for s in sentences) <= len(text)


@given(TEXT, TEXT, LANGUAGES)
def test_claims_keep_their_bounds(title, text, language):
    claims = extract_claims(title, text, language, min_chars=25, max_chars=400)
    assert all(len(c.text) <= 400 for c in claims)
    assert len({c.text for c in claims}) == len(claims)


@given(st.one_of(st.binary(max_size=1500), TEXT.map(lambda t: (
    f'<?xml version="1.0"?><opml version="2.0"><body><outline text="{escape(t, {chr(34): "&quot;"})}" '
    f'xmlUrl="{escape(t, {chr(34): "&quot;"})}"/></body></opml>').encode("utf-8", "replace"))))
def test_any_opml_is_read_or_refused_plainly(data):
    try:
        feeds = read_opml(data, path="colleague.opml")
    except ImportFileError as exc:
        assert str(exc).startswith("colleague.opml")
        return
    assert all(isinstance(f.url, str) and f.url for f in feeds)


def _read_all(tmp_path, name: str, content: str) -> list:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        return list(read_factcheck_file(path))
    except ImportFileError as exc:
        assert str(exc).startswith(str(path))
        return []


def _every_item_is_kept_or_says_why(items) -> None:
    for item in items:
        assert item.location
        assert item.error is None or (item.error.strip() and not item.drafts), item
        assert all(d.claim.strip() for d in item.drafts), item


@given(st.one_of(JSON, st.lists(CLAIM_FIELDS, max_size=6), CLAIM_FIELDS))
def test_any_json_or_claimreview_is_imported_item_by_item(folder, value):
    text = json.dumps(value, ensure_ascii=False)
    _every_item_is_kept_or_says_why(_read_all(folder, "checks.json", text))
    _every_item_is_kept_or_says_why(_read_all(folder, "broken.json", text[: len(text) // 2]))


@given(st.lists(st.one_of(CLAIM_FIELDS.map(json.dumps), TEXT), max_size=8))
def test_any_json_lines_are_imported_line_by_line(folder, lines):
    _every_item_is_kept_or_says_why(_read_all(folder, "checks.jsonl", "\n".join(lines)))


@given(st.lists(st.sampled_from(["claim", "rating", "url", "publisher", "date", "claimReviewed", "x"]),
                min_size=1, max_size=5), st.lists(st.lists(TEXT, max_size=6), max_size=6))
def test_any_csv_is_imported_row_by_row(folder, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    _every_item_is_kept_or_says_why(_read_all(folder, "checks.csv", buffer.getvalue()))


@pytest.mark.parametrize("content", ["", "\x00\x01", "[", "{\"a\": ", "claim\n\"unterminated"])
def test_hand_picked_breakage_is_a_plain_error(tmp_path, content):
    _every_item_is_kept_or_says_why(_read_all(tmp_path, "checks.json", content))

"""The bundled demo data in ``resources/demo`` is well-formed and agrees with its labels.

The app's first start, several tests and the clustering development set all read these files,
so a broken feed or a label pointing at a missing GUID would fail far away from its cause.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlparse

import feedparser
import pytest

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"

# feed file -> (feedparser version or "json", feed language, number of articles, tags)
FEEDS = {
    "feeds/daily-ledger.xml": ("rss20", "en", 22, {"mainstream"}),
    "feeds/courrier-du-lac.xml": ("rss20", "fr", 19, {"mainstream"}),
    "feeds/kurier-nadwislanski.xml": ("rss20", "pl", 18, {"mainstream"}),
    "feeds/severny-vestnik.xml": ("rss20", "ru", 21, {"watchlist", "state-media"}),
    "feeds/open-eyes-report.xml": ("atom10", "en", 19, {"watchlist"}),
    "feeds/stimme-der-mitte.xml": ("atom10", "de", 20, {"watchlist"}),
    "feeds/el-faro-libre.json": ("json", "es", 19, {"watchlist"}),
    "feeds/claimcheck-desk.xml": ("rss10", "en", 12, {"fact-checker"}),
}
XML_FEEDS = [name for name, spec in FEEDS.items() if spec[0] != "json"]
TOTAL_ARTICLES = 150
NARRATIVE_SIZES = {
    "microchip-vaccine": 9,
    "dead-voters-ballots": 8,
    "lake-varnholm-poisoned": 7,
    "doctored-minister-quote": 8,
    "eu-cash-ban-2027": 7,
    "meridia-bank-collapse": 7,
}
WINDOW_START = datetime(2026, 11, 9, tzinfo=timezone.utc)
WINDOW_END = datetime(2026, 11, 24, tzinfo=timezone.utc)
# A sentence ends at . ! or ? followed by a capital (after an optional opening quote), so that
# "w 34. minucie" or "9.00 horas" do not count as sentence ends.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'«„“¡¿]?\s?[A-ZÀ-ÖØ-ÝА-ЯЁŁŚŻŹĆŃ0-9])")
KINDS = {"original", "verbatim", "translated", "reworded", "debunk"}
ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


def _parse(name: str) -> feedparser.FeedParserDict:
    return feedparser.parse(io.BytesIO((DEMO / name).read_bytes()))


def _json_feed() -> dict:
    return json.loads((DEMO / "feeds/el-faro-libre.json").read_text(encoding="utf-8"))


def _guids(name: str) -> list[str]:
    if FEEDS[name][0] == "json":
        return [item["id"] for item in _json_feed()["items"]]
    return [entry.id for entry in _parse(name).entries]


def _raw_items(name: str) -> list[dict[str, str]]:
    """Per item: its raw date string and its body HTML, read without feedparser's sanitizer."""
    if FEEDS[name][0] == "json":
        return [{"date": i["date_published"], "html": i["content_html"]} for i in _json_feed()["items"]]
    root = ET.parse(DEMO / name).getroot()
    items = []
    if root.tag == "rss":
        for item in root.iter("item"):
            body = item.findtext(f"{CONTENT}encoded") or item.findtext("description") or ""
            items.append({"date": item.findtext("pubDate") or "", "html": body})
    elif root.tag == f"{ATOM}feed":
        for entry in root.iter(f"{ATOM}entry"):
            content = entry.find(f"{ATOM}content")
            if content.get("type") == "xhtml":
                div = content[0]
                for element in div.iter():
                    element.tag = element.tag.rpartition("}")[2]  # drop the XHTML namespace
                body = "".join(ET.tostring(child, encoding="unicode") for child in div)
            else:
                body = content.text or ""
            items.append({"date": entry.findtext(f"{ATOM}published") or "", "html": body})
    elif root.tag == f"{RDF}RDF":
        for item in root.iter(f"{RSS1}item"):
            items.append({"date": item.findtext(f"{DC}date") or "", "html": item.findtext(f"{CONTENT}encoded") or ""})
    return items


def _parse_date(raw: str, kind: str) -> datetime:
    dt = parsedate_to_datetime(raw) if kind == "rss20" else datetime.fromisoformat(raw)
    assert dt.tzinfo is not None, f"date without UTC offset: {raw!r}"
    return dt


def _labels() -> dict:
    return json.loads((DEMO / "labels.json").read_text(encoding="utf-8"))


def _factchecks() -> list[dict]:
    return json.loads((DEMO / "factchecks.json").read_text(encoding="utf-8"))


def test_every_xml_file_is_well_formed():
    files = sorted(DEMO.rglob("*.xml")) + [DEMO / "outlets.opml"]
    assert len(files) == len(XML_FEEDS) + 1
    for path in files:
        ET.parse(path)  # raises ParseError on malformed XML


def test_opml_lists_every_feed_with_relative_path_and_nested_tags():
    root = ET.parse(DEMO / "outlets.opml").getroot()
    assert root.get("version") == "2.0"
    found: dict[str, set[str]] = {}

    def walk(outline: ET.Element, tags: tuple[str, ...]) -> None:
        if outline.get("xmlUrl"):
            url = outline.get("xmlUrl")
            assert not urlparse(url).scheme and not url.startswith("/"), url
            assert (DEMO / url).is_file(), url
            assert outline.get("category", "").split(",") == list(tags)
            assert outline.get("text") and outline.get("htmlUrl", "").startswith("https://")
            found[url] = set(tags)
        for child in outline.findall("outline"):
            walk(child, tags + ((outline.get("text"),) if not outline.get("xmlUrl") else ()))

    for top in root.find("body").findall("outline"):
        walk(top, ())
    assert found == {name: spec[3] for name, spec in FEEDS.items()}


@pytest.mark.parametrize("name", XML_FEEDS)
def test_xml_feed_parses_cleanly_with_expected_entries(name):
    version, language, count, _ = FEEDS[name]
    parsed = _parse(name)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == version
    assert parsed.feed.title
    assert parsed.feed.language.split("-")[0] == language
    assert len(parsed.entries) == count
    site = urlparse(parsed.feed.link).netloc
    assert site.endswith(".example")
    for entry in parsed.entries:
        assert entry.title.strip()
        link = urlparse(entry.link)
        assert (link.scheme, link.netloc) == ("https", site), entry.link
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        assert when is not None, entry.id
        assert WINDOW_START <= datetime(*when[:6], tzinfo=timezone.utc) < WINDOW_END, entry.id
    assert len({e.id for e in parsed.entries}) == count


@pytest.mark.parametrize("name", list(FEEDS))
def test_raw_dates_use_the_format_of_their_feed_type(name):
    kind = FEEDS[name][0]
    items = _raw_items(name)
    assert len(items) == FEEDS[name][2]
    offsets = set()
    for item in items:
        dt = _parse_date(item["date"], kind)
        assert WINDOW_START <= dt < WINDOW_END, item["date"]
        offsets.add(dt.utcoffset())
    assert len(offsets) == 1, "an outlet publishes in one time zone"


def test_outlets_use_varied_utc_offsets():
    offsets = {_parse_date(_raw_items(name)[0]["date"], FEEDS[name][0]).utcoffset() for name in FEEDS}
    assert {timedelta(hours=h) for h in (-5, 0, 1, 3)} <= offsets


def test_json_feed_is_version_1_1():
    feed = _json_feed()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["home_page_url"].startswith("https://")
    assert feed["language"] == "es"
    items = feed["items"]
    assert len(items) == FEEDS["feeds/el-faro-libre.json"][2]
    assert len({i["id"] for i in items}) == len(items)
    site = urlparse(feed["home_page_url"]).netloc
    for item in items:
        assert isinstance(item["id"], str) and item["title"] and item["content_html"]
        assert urlparse(item["url"]).netloc == site


def test_article_bodies_are_realistic_html_including_adversarial_markup():
    bodies = [item["html"] for name in FEEDS for item in _raw_items(name)]
    assert len(bodies) == TOTAL_ARTICLES
    assert all("<p>" in body for body in bodies)
    assert sum("<img " in body for body in bodies) >= 40
    assert sum("<a href=" in body for body in bodies) >= 8
    assert sum("<script" in body for body in bodies) >= 3
    assert any("<iframe" in body for body in bodies)
    assert any("onerror=" in body for body in bodies)
    for body in bodies:
        sentences = SENTENCE_END.split(re.sub(r"<[^>]+>", " ", body).strip())
        assert 3 <= len(sentences) <= 8, body


def test_guids_are_unique_across_all_feeds():
    guids = [guid for name in FEEDS for guid in _guids(name)]
    assert len(guids) == TOTAL_ARTICLES
    assert len(set(guids)) == TOTAL_ARTICLES


def test_article_counts_per_language():
    per_language = Counter()
    for name, (_, language, count, _) in FEEDS.items():
        per_language[language] += count
    assert per_language == {"en": 53, "ru": 21, "de": 20, "es": 19, "fr": 19, "pl": 18}
    assert sum(per_language.values()) == TOTAL_ARTICLES


def test_labels_point_at_existing_articles_and_spread_across_outlets():
    labels = _labels()
    guids = {name: set(_guids(name)) for name in FEEDS}
    assert {n["key"]: len(n["articles"]) for n in labels["narratives"]} == NARRATIVE_SIZES
    seen = set()
    for narrative in labels["narratives"]:
        assert narrative["description"] and narrative["core_claim"]
        articles = narrative["articles"]
        assert 4 <= len(articles) <= 10
        assert len({a["feed"] for a in articles}) >= 3, narrative["key"]
        assert len({a["language"] for a in articles}) >= 3, narrative["key"]
        for article in articles:
            assert article["guid"] in guids[article["feed"]], article
            assert (article["feed"], article["guid"]) not in seen, "article in two narratives"
            seen.add((article["feed"], article["guid"]))
            assert article["kind"] in KINDS
        assert sum(a["kind"] == "original" for a in articles) >= 1
        published = sorted(datetime.fromisoformat(a["published"]) for a in articles)
        assert timedelta(days=2) <= published[-1] - published[0] <= timedelta(days=7)
    assert TOTAL_ARTICLES - len(seen) >= 90, "most articles are unrelated news"
    kinds = Counter(a["kind"] for n in labels["narratives"] for a in n["articles"])
    assert kinds["verbatim"] >= 2 and kinds["translated"] >= 10 and kinds["reworded"] >= 10


def test_fact_checker_outlet_debunks_two_narratives():
    debunked = {
        n["key"]
        for n in _labels()["narratives"]
        for a in n["articles"]
        if a["feed"] == "feeds/claimcheck-desk.xml" and a["kind"] == "debunk"
    }
    assert len(debunked) == 2


def test_factcheck_library_and_its_links():
    factchecks = _factchecks()
    assert 12 <= len(factchecks) <= 15
    ids = [fc["id"] for fc in factchecks]
    assert len(set(ids)) == len(ids)
    for fc in factchecks:
        assert re.fullmatch(r"fc-\d{3}", fc["id"])
        assert set(fc) == {"id", "claim", "claimant", "rating", "publisher", "url", "date", "language"}
        assert fc["url"].startswith("https://") and fc["claim"] and fc["rating"]
        datetime.strptime(fc["date"], "%Y-%m-%d")
    assert len({fc["language"] for fc in factchecks}) >= 4
    links = _labels()["factcheck_links"]
    assert set(links) == set(NARRATIVE_SIZES)
    linked = [fc_id for fc_ids in links.values() for fc_id in fc_ids]
    assert set(linked) <= set(ids)
    assert sum(bool(fc_ids) for fc_ids in links.values()) == 4
    assert len(set(ids) - set(linked)) >= 4, "some fact-checks match no narrative"


def test_claimreview_jsonld_mirrors_three_factchecks():
    reviews = json.loads((DEMO / "factchecks_claimreview.jsonld").read_text(encoding="utf-8"))
    by_url = {fc["url"]: fc for fc in _factchecks()}
    assert len(reviews) == 3
    for review in reviews:
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        fc = by_url[review["url"]]
        assert review["claimReviewed"] == fc["claim"]
        assert review["reviewRating"]["alternateName"] == fc["rating"]
        assert review["author"]["name"] == fc["publisher"]
        assert review["datePublished"] == fc["date"]

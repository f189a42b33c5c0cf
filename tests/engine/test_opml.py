"""read_opml / write_opml: folders and categories as tags, round trip, defused parsing."""

from __future__ import annotations

import time

import pytest

from app.engine.errors import ImportFileError
from app.engine.feeds.opml import OpmlFeed, read_opml, slug_tag, write_opml

SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="State media" title="State media">
      <outline text="RT" type="rss" xmlUrl="https://rt.example/rss/" htmlUrl="https://rt.example/"/>
      <outline text="Regional">
        <outline text="Sputnik Brasil" xmlUrl="https://br.sputnik.example/export/rss2/archive/index.xml"
                 category="Portuguese, /Watch list/High priority"/>
      </outline>
    </outline>
    <outline text="Fact-checkers">
      <outline title="Full Fact" text="ignored when title is set" xmlUrl="https://fullfact.example/feed/"/>
    </outline>
    <outline text="No folder" xmlurl="http://plain.example/atom.xml"/>
    <outline text="Not a feed, just a note"/>
    <outline text="Evil" xmlUrl="javascript:alert(1)"/>
    <outline text="FTP" xmlUrl="ftp://files.example/feed.xml"/>
    <outline text="RT again" xmlUrl="https://rt.example/rss/" category="watchlist"/>
  </body>
</opml>
""".encode()


def test_read_folders_and_categories_become_tags() -> None:
    feeds = read_opml(SAMPLE, path="subs.opml")
    assert feeds == [
        OpmlFeed("https://rt.example/rss/", "RT", ("state-media", "watchlist")),
        OpmlFeed(
            "https://br.sputnik.example/export/rss2/archive/index.xml",
            "Sputnik Brasil",
            ("state-media", "regional", "portuguese", "watch-list", "high-priority"),
        ),
        OpmlFeed("https://fullfact.example/feed/", "Full Fact", ("fact-checkers",)),
        OpmlFeed("http://plain.example/atom.xml", "No folder", ()),
    ]


def test_local_feed_paths_are_kept_for_offline_work() -> None:
    data = b"""<opml version="2.0"><body>
      <outline text="offline"><outline text="Saved" xmlUrl="feeds/saved.xml"/></outline>
      <outline text="Abs" xmlUrl="/data/feeds/abs.xml"/>
      <outline text="URL" xmlUrl="file:///data/feeds/with%20space.xml"/>
    </body></opml>"""
    assert [(f.url, f.tags) for f in read_opml(data)] == [
        ("feeds/saved.xml", ("offline",)), ("/data/feeds/abs.xml", ()), ("/data/feeds/with space.xml", ()),
    ]


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("State media", "state-media"),
        ("  Fact_checkers / EU ", "fact-checkers-eu"),
        ("WATCHLIST", "watchlist"),
        ("Государственные СМИ", "государственные-сми"),
        ("ＦＵＬＬ width", "full-width"),
        ("!!!", ""),
    ],
)
def test_slug_tag(text: str, slug: str) -> None:
    assert slug_tag(text) == slug


def test_round_trip() -> None:
    feeds = [
        OpmlFeed("https://rt.example/rss", "RT & <Friends> \"quoted\"", ("state-media", "ru")),
        OpmlFeed("https://tass.example/rss", "ТАСС", ("state-media",)),
        OpmlFeed("https://nofolder.example/feed", None, ()),
        OpmlFeed("https://ff.example/feed", "Full Fact", ("fact-checker", "uk", "watchlist")),
        OpmlFeed("https://cgtn.example/rss?a=1&b=2", "CGTN\nline two", ("state-media", "zh")),
        OpmlFeed("https://blog.example/feed", "Blog", ()),
    ]
    data = write_opml(feeds)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert read_opml(data) == feeds
    # Grouped: the folder named after the first tag holds the feed.
    assert b'<outline text="state-media" title="state-media">' in data
    assert b'category="state-media,ru"' in data


def test_round_trip_of_empty_list() -> None:
    assert read_opml(write_opml([], title="Nothing")) == []


def test_write_drops_characters_xml_cannot_hold() -> None:
    data = write_opml([OpmlFeed("https://x.example/f", "bell\x07 and nul\x00", ("t",))])
    assert read_opml(data) == [OpmlFeed("https://x.example/f", "bell and nul", ("t",))]


def test_sorted_feeds_give_one_folder_per_tag() -> None:
    feeds = sorted(
        [OpmlFeed(f"https://f{i}.example/rss", f"F{i}", (tag,)) for i, tag in enumerate("abab")],
        key=lambda f: f.tags,
    )
    data = write_opml(feeds)
    assert data.count(b'<outline text="a"') == 1 and data.count(b'<outline text="b"') == 1
    assert read_opml(data) == feeds


def test_read_other_encodings() -> None:
    text = ('<?xml version="1.0" encoding="{}"?><opml version="1.0"><body>'
            '<outline text="Café Noticias"><outline text="El País €" xmlUrl="https://elpais.example/rss"/>'
            "</outline></body></opml>")
    for encoding in ("windows-1252", "utf-16", "iso-8859-15"):
        feeds = read_opml(text.format(encoding).encode(encoding))
        assert feeds == [OpmlFeed("https://elpais.example/rss", "El País €", ("café-noticias",))], encoding
    # Multi-byte encodings are beyond expat itself: decoded by Python first.
    japanese = text.replace("El País €", "日本経済新聞").replace("Café", "国内").format("shift_jis")
    assert read_opml(japanese.encode("shift_jis")) == [
        OpmlFeed("https://elpais.example/rss", "日本経済新聞", ("国内-noticias",))]


@pytest.mark.parametrize(
    ("data", "message", "location"),
    [
        (b"", "The file is empty", None),
        (b"  \n", "The file is empty", None),
        (b"<opml><body>\n<outline text='x'>\n</body></opml>", "not well-formed XML (mismatched tag)", "line 3"),
        (b"\x89PNG\r\n", "not well-formed XML", "line 1"),
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "This is not an OPML file (its root element is <rss>)", "line 1"),
        (b"<opml><body>\n\n<outline text='&nbsp;'/></body></opml>", "undefined entity", "line 3"),
        (b'<?xml version="1.0" encoding="x-no-such"?><opml/>', "character encoding 'x-no-such' cannot be read", "line 1"),
    ],
)
def test_malformed_files(data: bytes, message: str, location: str | None) -> None:
    with pytest.raises(ImportFileError) as info:
        read_opml(data, path="subs.opml")
    assert message in str(info.value)
    assert info.value.path == "subs.opml"
    assert info.value.location == location


def test_doctype_and_entities_are_refused() -> None:
    lol = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    bomb = f'<?xml version="1.0"?>\n<!DOCTYPE opml [{lol}]>\n<opml><body><outline text="&i;" xmlUrl="https://x.example/"/></body></opml>'
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="DOCTYPE") as info:
        read_opml(bomb.encode(), path="bomb.opml")
    assert time.monotonic() - started < 1
    assert info.value.location == "line 2"
    external = b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://evil.example/x.dtd"><opml/>'
    with pytest.raises(ImportFileError, match="refused for safety"):
        read_opml(external)

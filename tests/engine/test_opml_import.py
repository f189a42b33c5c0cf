"""import_opml: local paths are listed and not followed unless allowed, one import is capped."""

from __future__ import annotations

from pathlib import Path

from app.engine.feeds.opml import OpmlFeed, write_opml
from app.engine.ingest import ingest
from app.engine.opml_import import LOCAL_ADDRESS_REFUSED, LOCAL_PATH_REFUSED, import_opml, local_paths
from app.engine.store import feeds as feed_store

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Saved</title>
<item><title>The harbour bridge closes for repairs in spring</title><link>https://s.example/1</link></item>
</channel></rss>"""

LOCAL = ["~/feeds/mine.xml", "/", "/usr/bin", "/proc/self/environ", "file:///etc/passwd", "feeds/saved.xml"]


def opml(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "colleague.opml"
    path.write_bytes(write_opml([OpmlFeed(url, None, ("shared",)) for url in urls]))
    return path


def test_local_paths_are_listed_and_refused_unless_allowed(store, tmp_path):
    path = opml(tmp_path, ["https://web.example/rss", *LOCAL])
    assert local_paths(path) == [*LOCAL[:4], "/etc/passwd", "feeds/saved.xml"]
    result = import_opml(store, path)
    assert [f.url for f in result.feeds] == ["https://web.example/rss"] and result.added == 1
    assert result.skipped == tuple((url, LOCAL_PATH_REFUSED) for url in local_paths(path))
    assert [f.url for f in feed_store.list_feeds(store.db)] == ["https://web.example/rss"]


def test_allowed_local_paths_are_added_relative_to_the_file(store, tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "saved.xml").write_bytes(RSS)
    result = import_opml(store, opml(tmp_path, ["feeds/saved.xml"]), allow_local_paths=True)
    assert [f.url for f in result.feeds] == [str((tmp_path / "feeds" / "saved.xml").resolve())]
    assert result.feeds[0].tags == ("shared",) and result.skipped == ()


def test_one_import_adds_at_most_the_cap_and_counts_feeds_not_outlines(store, tmp_path):
    folder = tmp_path / "feeds"
    folder.mkdir()
    for n in range(5):
        (folder / f"f{n}.xml").write_bytes(RSS)
    path = opml(tmp_path, ["feeds", "https://after.example/rss"])
    result = import_opml(store, path, allow_local_paths=True, max_feeds=3)
    assert result.added == 3 and len(feed_store.list_feeds(store.db)) == 3
    assert result.skipped == (("https://after.example/rss", "one import adds at most 3 feeds"),)
    again = import_opml(store, path, allow_local_paths=True, max_feeds=10)
    assert (again.added, len(again.feeds)) == (3, 6), "the three already there are not counted as added"


def test_a_deep_folder_is_walked_only_up_to_the_cap(store, tmp_path):
    for a in range(4):
        for b in range(4):
            (tmp_path / "tree" / f"a{a}" / f"b{b}").mkdir(parents=True)
            for n in range(4):
                (tmp_path / "tree" / f"a{a}" / f"b{b}" / f"f{n}").write_bytes(RSS)
    result = import_opml(store, opml(tmp_path, ["tree"]), allow_local_paths=True, max_feeds=7)
    assert len(result.feeds) == 7
    assert all("/tree/a0/b0/" in f.url or "/tree/a0/b1/" in f.url for f in result.feeds), "walked in order"


def test_an_xml_file_that_is_not_a_feed_is_not_kept_as_evidence(store, tmp_path):
    settings_file = tmp_path / "settings.xml"
    settings_file.write_bytes(b'<?xml version="1.0"?><config><item><title>password=hunter2</title></item></config>')
    result = import_opml(store, opml(tmp_path, [str(settings_file)]), allow_local_paths=True)
    report = ingest(store, list(result.feeds))
    assert report.failed == 1 and "root element is <config>" in report.errors[0][1]
    assert store.counts()["articles"] == 0
    assert not any(store.evidence_dir.rglob("*.gz"))


def test_addresses_on_this_computer_or_its_network_are_refused_unless_allowed(store, tmp_path):
    local = ["http://127.0.0.1:8080/admin", "http://localhost/rss", "http://192.168.1.1/", "http://[::1]/feed",
             "https://169.254.169.254/latest"]
    path = opml(tmp_path, ["https://web.example/rss", *local])
    assert local_paths(path) == local
    result = import_opml(store, path)
    assert [f.url for f in result.feeds] == ["https://web.example/rss"]
    assert result.skipped == tuple((url, LOCAL_ADDRESS_REFUSED) for url in local)
    allowed = import_opml(store, path, allow_local_paths=True)
    assert (allowed.added, allowed.skipped) == (len(local), ())

import io
import json
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from app.engine.errors import Cancelled, FeedError
from app.engine.ingest import add_source, add_sources, backoff_until, feed_files_in, ingest
from app.engine.paths import demo_dir
from app.engine.settings import Settings
from app.engine.store import articles as article_store
from app.engine.store import feeds as feed_store

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test Outlet</title><link>https://outlet.example/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>
<pubDate>Tue, 10 Nov 2026 08:00:00 GMT</pubDate>
<description><![CDATA[<p>{body}</p><script>alert('x')</script>]]></description></item>"""


def rss(*items):
    return RSS.format(items="\n".join(ITEM.format(**item) for item in items)).encode()


def item(n, **changes):
    values = dict(title=f"Minister announces reform number {n}", link=f"https://outlet.example/{n}",
                  guid=f"id-{n}", body=f"The minister said the reform number {n} will start in January next year.")
    values.update(changes)
    return values


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_file_feed_is_stored_with_clean_text_claims_and_evidence(store, tmp_path):
    feed_file = write(tmp_path / "outlet.xml", rss(item(1), item(2, link="javascript:alert(1)")))
    [feed] = add_sources(store, [str(feed_file)], tags=["mainstream"])
    report = ingest(store, [feed])
    assert (report.fetched, report.articles_new, report.failed) == (1, 2, 0)
    articles = article_store.list_articles(store.db)
    assert {a.link for a in articles} == {"https://outlet.example/1", None}
    first = next(a for a in articles if a.guid == "id-1")
    assert "alert" not in first.text and "reform number 1 will start" in first.text
    assert first.language == "en" and first.published_at == "2026-11-10T08:00:00Z" and not first.published_estimated
    claims = article_store.claims_of(store.db, first.id)
    assert claims[0].is_title and claims[0].text == "Minister announces reform number 1"
    assert article_store.read_document(store.evidence_dir, first.document_sha256) == feed_file.read_bytes()
    stored = feed_store.get_feed(store.db, feed.id)
    assert stored.title == "Test Outlet" and stored.health == "ok" and stored.tags == ("mainstream",)


def test_second_ingest_of_unchanged_file_adds_nothing(store, tmp_path):
    feed_file = write(tmp_path / "outlet.xml", rss(item(1)))
    feeds = add_sources(store, [str(feed_file)])
    ingest(store, feeds)
    again = ingest(store, feeds)
    assert again.articles_new == 0 and store.counts()["articles"] == 1
    write(feed_file, rss(item(1), item(2)))
    assert ingest(store, feeds).articles_new == 1


def test_broken_feed_records_error_and_others_go_on(store, tmp_path):
    good = write(tmp_path / "good.xml", rss(item(1)))
    broken = write(tmp_path / "broken.xml", b"\x00\x01 definitely not a feed \xff")
    page = write(tmp_path / "page.xml", b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>")
    feeds = add_sources(store, [str(good), str(broken), str(page)])
    report = ingest(store, feeds)
    assert report.fetched == 1 and report.failed == 2 and report.articles_new == 1
    by_url = {f.url: f for f in feed_store.list_feeds(store.db)}
    assert by_url[str(page.resolve())].last_error.startswith("This is a web page, not a feed")
    assert by_url[str(broken.resolve())].health == "error"
    assert by_url[str(good.resolve())].health == "ok"


def test_malformed_feed_keeps_recovered_entries_with_a_warning(store, tmp_path):
    data = rss(item(1), item(2)).replace(b"</channel></rss>", b"<item><title>Broken & cut")
    [feed] = add_sources(store, [str(write(tmp_path / "cut.xml", data))])
    report = ingest(store, [feed])
    assert report.articles_new == 2 and report.warnings
    stored = feed_store.get_feed(store.db, feed.id)
    assert stored.health == "warning" and stored.last_error


def test_failures_back_off_until_forced(store, tmp_path):
    missing = tmp_path / "gone.xml"
    write(missing, rss(item(1)))
    feeds = add_sources(store, [str(missing)])
    missing.unlink()
    report = ingest(store, feeds)
    assert report.failed == 1 and "moved or deleted" in report.errors[0][1]
    failed = feed_store.get_feed(store.db, feeds[0].id)
    assert failed.failures == 1 and failed.next_fetch_at > failed.last_fetch_at
    assert ingest(store, [failed]).skipped_backoff == 1
    assert ingest(store, [failed], force=True).failed == 1
    assert feed_store.get_feed(store.db, failed.id).health == "backing-off"


def test_unknown_source_and_empty_folder_are_clear_errors(store, tmp_path):
    with pytest.raises(FeedError, match="no file or folder"):
        add_sources(store, [str(tmp_path / "nope.xml")])
    with pytest.raises(FeedError, match="Only http and https"):
        add_sources(store, ["ftp://example.org/feed"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FeedError, match="holds no feeds"):
        add_sources(store, [str(tmp_path / "empty")])


def test_a_folder_adds_only_its_feeds_and_says_which_files_it_skipped(store):
    result = add_source(store, str(demo_dir()))
    added = {Path(feed.url).name for feed, created in result.feeds if created}
    assert added == {p.name for p in (demo_dir() / "feeds").iterdir()}
    skipped = {Path(path).name: why for path, why in result.skipped}
    assert set(skipped) == {"factchecks.json", "labels.json"}
    assert "not a JSON Feed" in skipped["factchecks.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_device_or_a_pipe_is_refused_in_plain_words(store, tmp_path):
    os.mkfifo(tmp_path / "pipe.xml")
    for source in (str(tmp_path / "pipe.xml"), "/dev/zero"):
        with pytest.raises(FeedError, match="is neither a file nor a folder"):
            add_source(store, source)


def test_a_folder_of_files_that_are_not_feeds_is_an_error(store, tmp_path):
    write(tmp_path / "labels.json", b'{"labels": []}')
    write(tmp_path / "notes.xml", b"<notes><item><title>call back</title></item></notes>")
    with pytest.raises(FeedError, match="holds no feeds .* 2 file\\(s\\) there are not feeds"):
        add_source(store, str(tmp_path))
    assert feed_store.list_feeds(store.db) == []


def test_cancel_stops_and_keeps_what_was_stored(store, tmp_path):
    for n in range(3):
        write(tmp_path / f"f{n}.xml", rss(item(n, guid=f"g{n}")))
    feeds = add_sources(store, [str(tmp_path)])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        ingest(store, feeds, cancel=cancel)


def test_cancel_is_heard_between_feeds_read_at_once(store, tmp_path):
    for n in range(5):
        write(tmp_path / f"f{n}.xml", rss(item(n, guid=f"g{n}")))
    feeds = add_sources(store, [str(tmp_path)])
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        ingest(store, feeds, cancel=cancel, progress=lambda *_: cancel.set())  # stop after the first feed
    assert store.counts()["articles"] == 1


class _Server(BaseHTTPRequestHandler):
    body = rss(item(1))
    requests: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(dict(self.headers))
        if self.path == "/drip":
            try:  # one body byte every 50 ms, for 5 s at most
                self.send_response(200)
                self.end_headers()
                for byte in self.body[:100]:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_http_feed_uses_conditional_get(store):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/feed"
        feeds = add_sources(store, [url])
        settings = Settings(user_agent="RadarTest/1")
        assert ingest(store, feeds, settings=settings).articles_new == 1
        second = ingest(store, feeds, settings=settings, force=True)
        assert second.unchanged == 1 and second.articles_new == 0
        assert _Server.requests[-1]["If-None-Match"] == '"v1"'
        assert _Server.requests[0]["User-Agent"] == "RadarTest/1"
    finally:
        server.shutdown()


def test_a_dripping_feed_stops_at_the_deadline_and_the_others_are_stored(store):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        feeds = add_sources(store, [f"{base}/drip", f"{base}/feed"])
        started = time.monotonic()
        report = ingest(store, feeds, settings=Settings(fetch_timeout=2.0, fetch_deadline=0.5))
        assert time.monotonic() - started < 3
        assert report.articles_new == 1
        assert report.errors == [(f"{base}/drip", "The feed did not finish downloading within 0.5 s")]
    finally:
        server.shutdown()


class _Cyrillic(BaseHTTPRequestHandler):
    body = ('<rss version="2.0"><channel><title>Вестник</title><item><title>Министр объявил реформу пенсий</title>'
            "<link>https://vestnik.example/1</link><description>Реформа начнётся в январе следующего года.</description>"
            "</item></channel></rss>").encode("windows-1251")

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=windows-1251")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_the_servers_charset_decodes_the_feed(store):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Cyrillic)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        feeds = add_sources(store, [f"http://127.0.0.1:{server.server_address[1]}/rss"])
        report = ingest(store, feeds)
        assert report.warnings == [] and report.articles_new == 1
        [article] = article_store.list_articles(store.db)
        assert article.title == "Министр объявил реформу пенсий"
        assert feed_store.get_feed(store.db, feeds[0].id).title == "Вестник"
    finally:
        server.shutdown()


def test_unreachable_host_is_an_error_with_backoff(store):
    feeds = add_sources(store, ["http://127.0.0.1:9/feed"])  # discard port: nothing listens
    report = ingest(store, feeds, settings=Settings(fetch_timeout=2))
    assert report.failed == 1
    assert feed_store.get_feed(store.db, feeds[0].id).next_fetch_at is not None


def test_demo_data_ingests_completely(store):
    feeds = add_sources(store, [str(demo_dir() / "feeds")])
    report = ingest(store, feeds)
    assert report.failed == 0 and report.articles_new == 150
    languages = {a.language for a in article_store.list_articles(store.db, limit=1000)}
    assert {"en", "de", "fr", "es", "ru", "pl"} <= languages
    assert report.claims_new > 150


@pytest.mark.slow
def test_every_shared_feed_file_is_ingested_without_crash(store, shared_data):
    folder = shared_data / "feeds"
    files = feed_files_in(folder / "feedparser-tests") + sorted((folder / "fastfeedparser-realworld").rglob("*"))
    files = [f for f in files if f.is_file() and f.suffix not in (".jsonl", ".md")]
    assert len(files) > 2000
    feeds = add_sources(store, [str(f) for f in files])
    report = ingest(store, feeds, settings=Settings(max_concurrent_fetches=2))
    assert report.fetched + report.failed == len(feeds)
    manifest = [json.loads(line) for line in (folder / "fastfeedparser-realworld" / "manifest.jsonl").open()]
    stored = {f.url: f for f in feed_store.list_feeds(store.db)}
    for entry in manifest:
        path = str((folder / "fastfeedparser-realworld" / entry["file"]).resolve())
        is_json_feed = Path(path).read_bytes().lstrip().startswith(b"{")  # feedparser cannot read JSON Feed
        if entry["bozo"] and not is_json_feed:
            assert stored[path].last_error, f"{entry['file']} is malformed but no error was recorded"
    for f in files:
        data = f.read_bytes()
        parsed = feedparser.parse(io.BytesIO(data))
        feed = stored[str(f.resolve())]
        if parsed.bozo and not parsed.entries and not data.lstrip().startswith(b"{"):
            assert feed.last_error, f"{f} is malformed with nothing recoverable but no error was recorded"


def test_absurd_dates_fall_back_to_fetch_time_marked_estimated(store, tmp_path):
    data = rss(item(1), item(2)).replace(b"Tue, 10 Nov 2026 08:00:00 GMT", b"Mon, 01 Jan 0001 00:00:00 GMT", 1)
    data = data.replace(b"Tue, 10 Nov 2026 08:00:00 GMT", b"Fri, 01 Jan 2100 00:00:00 GMT")
    [feed] = add_sources(store, [str(write(tmp_path / "dates.xml", data))])
    ingest(store, [feed])
    articles = article_store.list_articles(store.db)
    assert len(articles) == 2 and all(a.published_estimated for a in articles)
    assert all(a.published_at == a.fetched_at for a in articles)


def test_fetched_documents_older_than_the_retention_are_pruned_but_hashes_stay(store, tmp_path):
    feed_file = write(tmp_path / "outlet.xml", rss(item(1)))
    feeds = add_sources(store, [str(feed_file)])
    ingest(store, feeds)
    [article] = article_store.list_articles(store.db)
    store.db.conn.execute("UPDATE documents SET stored_at = '2020-01-01T00:00:00Z'")
    report = ingest(store, feeds, settings=Settings(evidence_retention_days=30))
    assert report.documents_pruned == 1
    assert article_store.read_document(store.evidence_dir, article.document_sha256) is None
    assert article_store.list_articles(store.db)[0].document_sha256 == article.document_sha256


def test_a_retention_of_0_days_keeps_documents_forever(store, tmp_path):
    # The settings dialog shows 0 as "forever"; it must not mean "delete at once".
    feeds = add_sources(store, [str(write(tmp_path / "outlet.xml", rss(item(1))))])
    ingest(store, feeds)
    [article] = article_store.list_articles(store.db)
    store.db.conn.execute("UPDATE documents SET stored_at = '2020-01-01T00:00:00Z'")
    assert ingest(store, feeds, settings=Settings(evidence_retention_days=0), force=True).documents_pruned == 0
    assert article_store.read_document(store.evidence_dir, article.document_sha256) is not None


class _Busy(BaseHTTPRequestHandler):
    retry_after = "3600"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(429)
        self.send_header("Retry-After", self.retry_after)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("retry_after", ["3600", "in an hour"])
def test_retry_after_is_honoured_for_the_back_off(store, retry_after):
    handler = type("Busy", (_Busy,), {"retry_after": retry_after})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        feeds = add_sources(store, [f"http://127.0.0.1:{server.server_address[1]}/rss"])
        before = datetime.now(timezone.utc)
        report = ingest(store, feeds)
        assert report.errors[0][1] == f"The server answered 429 Too Many Requests (it asks to retry after {retry_after})"
        feed = feed_store.get_feed(store.db, feeds[0].id)
        wait = datetime.fromisoformat(feed.next_fetch_at.replace("Z", "+00:00")) - before
        expected = timedelta(hours=1) if retry_after.isdigit() else timedelta(minutes=5)
        assert expected - timedelta(seconds=5) <= wait <= expected + timedelta(seconds=5)
        [fetch] = store.db.conn.execute("SELECT http_status FROM fetches").fetchall()
        assert fetch[0] == 429
    finally:
        server.shutdown()


def test_retry_after_as_a_date_and_within_the_cap():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    assert backoff_until(1, Settings(), now, retry_after=7200) == "2026-11-20T14:00:00Z"
    assert backoff_until(1, Settings(backoff_max_hours=1.0), now, retry_after=86400) == "2026-11-20T13:00:00Z"
    assert backoff_until(1, Settings(), now, retry_after=10) == "2026-11-20T12:05:00Z"


def test_temporary_evidence_files_a_crash_left_behind_are_removed_once_stale(store, tmp_path):
    folder = store.evidence_dir / "ab"
    folder.mkdir(parents=True)
    old, fresh = folder / ".ab12.x1.tmp", folder / ".ab34.x2.tmp"
    old.write_bytes(b"half a document")
    fresh.write_bytes(b"being written by another ingest")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    ingest(store, add_sources(store, [str(write(tmp_path / "outlet.xml", rss(item(1))))]))
    assert not old.exists() and fresh.exists()

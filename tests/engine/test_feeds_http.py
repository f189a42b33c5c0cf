"""fetch_feed against a real HTTP server on 127.0.0.1 (loopback only)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.engine.errors import FeedError
from app.engine.feeds.http import FetchOptions, FetchResult, _retry_after, fetch_feed, make_client
from tests.engine.helpers import run_in_threads

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ETAG = '"v1-abc"'
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"
# 64 MiB of zeros gzips to ~64 KiB: a bomb against a 1 MiB cap.
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_user_agents: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = {"Content-Type": "application/rss+xml", **(headers or {})}
        for key, value in headers.items():
            self.send_header(key, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Handler.seen_user_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        try:
            if path == "/feed":
                self._send(200, FEED)
            elif path == "/etag":
                if self.headers.get("If-None-Match") == ETAG:
                    self._send(304, headers={"ETag": ETAG})
                else:
                    self._send(200, FEED, {"ETag": ETAG})
            elif path == "/lastmod":
                if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                    self._send(304)
                else:
                    self._send(200, FEED, {"Last-Modified": LAST_MODIFIED})
            elif path.startswith("/hop/"):
                left = int(path.rsplit("/", 1)[1])
                target = "/feed" if left == 0 else f"/hop/{left - 1}"
                self._send(302, headers={"Location": target})
            elif path == "/to-ftp":
                self._send(301, headers={"Location": "ftp://127.0.0.1/feed"})
            elif path in ("/404", "/500"):
                self._send(int(path[1:]), b"nope", {"Content-Type": "text/plain"})
            elif path == "/503":
                self._send(503, b"busy", {"Retry-After": "120"})
            elif path == "/slow":
                time.sleep(1.0)
                self._send(200, FEED)
            elif path == "/drip":
                self.send_response(200)
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.02)
            elif path == "/drip-headers":
                # A status line and headers that never end, a byte at a time (bounded: 10 s at most).
                for byte in b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 500:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.02)
            elif path.startswith("/to/"):
                self._send(302, headers={"Location": path[len("/to/"):].replace("|", "://", 1)})
            elif path == "/big":
                self._send(200, b"x" * 5000)
            elif path == "/big-chunked":
                # No Content-Length: the cap must hold while streaming.
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(10):
                    chunk = b"y" * 1000
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/bomb":
                self._send(200, BOMB, {"Content-Encoding": "gzip"})
            elif path == "/gzip":
                self._send(200, gzip.compress(FEED), {"Content-Encoding": "gzip"})
            elif path == "/deflate-zlib":
                self._send(200, zlib.compress(FEED), {"Content-Encoding": "deflate"})
            elif path == "/deflate-raw":
                raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
                self._send(200, raw.compress(FEED) + raw.flush(), {"Content-Encoding": "deflate"})
            elif path == "/corrupt-gzip":
                self._send(200, b"\x1f\x8b\x08\x00garbage-garbage", {"Content-Encoding": "gzip"})
            elif path == "/brotli":
                self._send(200, b"\x00\x01", {"Content-Encoding": "br"})
            else:
                self._send(404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (timeouts, size caps)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_200_returns_body_and_metadata(server: str) -> None:
    result = fetch_feed(f"{server}/feed")
    assert isinstance(result, FetchResult)
    assert result.status == 200
    assert result.content == FEED
    assert result.not_modified is False
    assert result.content_type == "application/rss+xml"
    assert result.url == result.final_url == f"{server}/feed"


def test_etag_conditional_get_gives_304(server: str) -> None:
    first = fetch_feed(f"{server}/etag")
    assert first.etag == ETAG and first.content == FEED
    second = fetch_feed(f"{server}/etag", etag=first.etag)
    assert second.status == 304
    assert second.not_modified is True
    assert second.content is None
    assert second.etag == ETAG


def test_last_modified_conditional_get_gives_304(server: str) -> None:
    first = fetch_feed(f"{server}/lastmod")
    assert first.last_modified == LAST_MODIFIED
    second = fetch_feed(f"{server}/lastmod", last_modified=first.last_modified)
    assert second.not_modified and second.content is None
    # The server sent no validators with its 304: the ones we sent are kept.
    assert second.last_modified == LAST_MODIFIED


def test_redirects_within_limit_are_followed(server: str) -> None:
    result = fetch_feed(f"{server}/hop/3", options=FetchOptions(max_redirects=5))
    assert result.content == FEED
    assert result.url == f"{server}/hop/3"
    assert result.final_url == f"{server}/feed"


def test_redirect_chain_over_limit_fails(server: str) -> None:
    with pytest.raises(FeedError, match="redirected more than 2 times") as info:
        fetch_feed(f"{server}/hop/5", options=FetchOptions(max_redirects=2))
    assert info.value.source == f"{server}/hop/5"


@pytest.mark.parametrize(("target", "scheme"), [
    ("to-ftp", "ftp"), ("to/data:text/html,<script>alert(1)</script>", "data"), ("to/javascript:alert(1)", "javascript"),
    ("to/file|/etc/passwd", "file")])
def test_redirect_to_other_scheme_is_refused_in_plain_words(server: str, target: str, scheme: str) -> None:
    with pytest.raises(FeedError) as info:
        fetch_feed(f"{server}/{target}")
    assert str(info.value) == (f"The server redirected the feed to a {scheme}: address, which is not a web address; "
                               "only http:// and https:// redirects are followed")


@pytest.mark.parametrize(
    ("path", "message"),
    [("/404", "The server answered 404 Not Found"), ("/500", "The server answered 500 Internal Server Error")],
)
def test_http_errors_in_plain_words(server: str, path: str, message: str) -> None:
    with pytest.raises(FeedError) as info:
        fetch_feed(server + path)
    assert str(info.value) == message


def test_503_mentions_retry_after(server: str) -> None:
    with pytest.raises(FeedError, match=r"503 Service Unavailable \(it asks to retry after 120\)") as info:
        fetch_feed(f"{server}/503")
    assert (info.value.status, info.value.retry_after) == (503, 120.0)


def test_retry_after_as_an_http_date() -> None:
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    response = httpx.Response(503, headers={"Retry-After": format_datetime(later, usegmt=True)})
    assert 7190 <= _retry_after(response) <= 7200
    assert _retry_after(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert _retry_after(httpx.Response(500, headers={"Retry-After": "60"})) is None


def test_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FeedError, match="did not answer within 0.2 s") as info:
        fetch_feed(f"{server}/slow", options=FetchOptions(timeout=0.2))
    assert time.monotonic() - started < 0.9
    assert isinstance(info.value.__cause__, httpx.TimeoutException)


def test_drip_feeding_server_hits_the_deadline(server: str) -> None:
    # Each byte arrives well within the timeout; only the overall deadline stops it.
    with pytest.raises(FeedError, match="did not finish downloading within 0.3 s"):
        fetch_feed(f"{server}/drip", options=FetchOptions(timeout=1.0, deadline=0.3))


def test_body_over_cap_with_content_length(server: str) -> None:
    with pytest.raises(FeedError, match="^The feed is larger than the 1000 bytes limit$"):
        fetch_feed(f"{server}/big", options=FetchOptions(max_bytes=1000))
    assert fetch_feed(f"{server}/big", options=FetchOptions(max_bytes=5000)).content == b"x" * 5000


def test_body_over_cap_while_streaming(server: str) -> None:
    with pytest.raises(FeedError, match="larger than the .* limit"):
        fetch_feed(f"{server}/big-chunked", options=FetchOptions(max_bytes=2500))
    assert len(fetch_feed(f"{server}/big-chunked").content or b"") == 10_000


def test_default_limit_is_worded_in_megabytes(server: str) -> None:
    assert FetchOptions().max_bytes == 20 * 1024 * 1024
    with pytest.raises(FeedError, match="^The feed is larger than the 20 MB limit$"):
        fetch_feed(f"{server}/bomb")  # 64 MiB once decompressed


def test_gzip_bomb_stopped_by_decoded_cap(server: str) -> None:
    assert len(BOMB) < 1024 * 1024  # small on the wire...
    with pytest.raises(FeedError, match="The feed is larger than the 1 MB limit"):
        fetch_feed(f"{server}/bomb", options=FetchOptions(max_bytes=1024 * 1024))


def test_gzip_bomb_never_inflates_much_past_the_cap(server: str) -> None:
    # Inflating a whole 64 KiB network chunk at once would make ~64 MiB.
    tracemalloc.start()
    try:
        with pytest.raises(FeedError, match="larger than"):
            fetch_feed(f"{server}/bomb", options=FetchOptions(max_bytes=1024 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * 1024 * 1024


@pytest.mark.parametrize("path", ["/gzip", "/deflate-zlib", "/deflate-raw"])
def test_compressed_bodies_are_decoded(server: str, path: str) -> None:
    assert fetch_feed(server + path).content == FEED


def test_corrupt_or_unknown_compression(server: str) -> None:
    with pytest.raises(FeedError, match="corrupt gzip-compressed body"):
        fetch_feed(f"{server}/corrupt-gzip")
    with pytest.raises(FeedError, match=r"compression we cannot read \(br\)"):
        fetch_feed(f"{server}/brotli")


def test_user_agent_is_sent(server: str) -> None:
    fetch_feed(f"{server}/feed", options=FetchOptions(user_agent="RadarTest/9"))
    assert _Handler.seen_user_agents[-1] == "RadarTest/9"
    fetch_feed(f"{server}/feed")
    assert _Handler.seen_user_agents[-1] == FetchOptions().user_agent


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "javascript:alert(1)", "127.0.0.1/feed", ""]
)
def test_bad_scheme_is_refused(url: str) -> None:
    with pytest.raises(FeedError, match="Only http:// and https://"):
        fetch_feed(url)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused() -> None:
    port = _closed_port()
    with pytest.raises(FeedError, match="Could not connect to host 127.0.0.1") as info:
        fetch_feed(f"http://127.0.0.1:{port}/feed", options=FetchOptions(timeout=2))
    assert isinstance(info.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize("proxy", ["ftp://127.0.0.1:21", "not a proxy"])
def test_invalid_proxy(proxy: str) -> None:
    with pytest.raises(FeedError, match="proxy address .* is not valid"):
        make_client(FetchOptions(proxy=proxy))
    with pytest.raises(FeedError, match="proxy address .* is not valid"):
        fetch_feed("http://127.0.0.1/feed", options=FetchOptions(proxy=proxy))


def test_unreachable_socks_proxy() -> None:
    port = _closed_port()
    options = FetchOptions(proxy=f"socks5://127.0.0.1:{port}", timeout=2)
    with pytest.raises(FeedError) as info:
        fetch_feed("http://127.0.0.1/feed", options=options)
    assert str(info.value).startswith(f"Could not connect to the proxy socks5://127.0.0.1:{port} (")


def test_tls_failure_is_named(server: str) -> None:
    # https:// to a plain-HTTP port: the TLS handshake fails.
    with pytest.raises(FeedError, match="The secure connection to host 127.0.0.1 failed"):
        fetch_feed(server.replace("http://", "https://") + "/feed", options=FetchOptions(timeout=2))


def test_shared_client_across_threads(server: str) -> None:
    results: list[bytes | None] = []
    errors: list[BaseException] = []
    with make_client(FetchOptions()) as client:

        def work() -> None:
            try:
                for path in ("/feed", "/gzip", "/hop/1"):
                    results.append(fetch_feed(server + path, client=client).content)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        run_in_threads(work, 4)
    assert errors == []
    assert results == [FEED] * 12


def test_per_call_options_apply_to_shared_client(server: str) -> None:
    with make_client(FetchOptions(max_redirects=10)) as client:
        with pytest.raises(FeedError, match="redirected more than once"):
            fetch_feed(f"{server}/hop/3", options=FetchOptions(max_redirects=1), client=client)


def test_dripped_headers_hit_the_deadline_too(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FeedError, match="^The feed did not finish downloading within 0.4 s$"):
        fetch_feed(f"{server}/drip-headers", options=FetchOptions(timeout=1.0, deadline=0.4))
    assert time.monotonic() - started < 1.0


def test_dripped_headers_hit_the_deadline_with_a_shared_client_while_others_go_on(server: str) -> None:
    options = FetchOptions(timeout=1.0, deadline=0.4)
    with make_client(options) as client:
        with pytest.raises(FeedError, match="within 0.4 s"):
            fetch_feed(f"{server}/drip-headers", options=options, client=client)
        assert fetch_feed(f"{server}/feed", options=options, client=client).content == FEED


def _redirecting_to(target: str) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "news.example":
            return httpx.Response(302, headers={"Location": target})
        return httpx.Response(200, stream=httpx.ByteStream(FEED))
    return httpx.Client(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1/admin", "http://localhost:8080/", "http://[::1]/", "http://169.254.169.254/latest/meta-data",
     "http://192.168.1.1/", "http://10.0.0.5/", "http://0.0.0.0/", "http://224.0.0.1/", "http://[::ffff:127.0.0.1]/",
     "http://router.localhost/"],
)
def test_a_public_feed_redirecting_into_the_local_network_is_refused(target: str) -> None:
    with _redirecting_to(target) as client, pytest.raises(FeedError) as info:
        fetch_feed("https://news.example/rss", client=client)
    assert "an address on this computer or its local network" in str(info.value)


def test_a_redirect_to_a_name_resolving_into_the_local_network_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))])
    with _redirecting_to("http://intranet.example/") as client, pytest.raises(FeedError) as info:
        fetch_feed("https://news.example/rss", client=client)
    assert "redirected to intranet.example (10.1.2.3), an address on this computer" in str(info.value)


def test_through_a_proxy_names_are_not_resolved_here(monkeypatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: pytest.fail("DNS must go through the proxy"))
    options = FetchOptions(proxy="socks5://127.0.0.1:9050")
    with _redirecting_to("http://intranet.example/") as client:
        assert fetch_feed("https://news.example/rss", client=client, options=options).content == FEED
    with _redirecting_to("http://127.0.0.1/") as client, pytest.raises(FeedError, match="local network"):
        fetch_feed("https://news.example/rss", client=client, options=options)


def test_a_feed_the_person_added_on_this_computer_may_redirect_within_its_host(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    assert fetch_feed(f"{server}/to/http|127.0.0.1:{port}/feed").content == FEED
    with pytest.raises(FeedError, match="redirected to localhost"):
        fetch_feed(f"{server}/to/http|localhost:{port}/feed")


def test_a_name_resolving_otherwise_when_connecting_is_refused(server: str, monkeypatch) -> None:
    # DNS rebinding: public when the redirect is checked, 127.0.0.1 when the connection is made.
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = server.rsplit(":", 1)[1]
    with pytest.raises(FeedError, match=r"redirected to rebind.example \(127.0.0.1\), an address on this computer"):
        fetch_feed(f"{server}/to/http|rebind.example:{port}/feed")

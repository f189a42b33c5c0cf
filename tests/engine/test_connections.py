"""Every connection a full run makes, recorded: only the feeds added (or the proxy), no listening socket.

A fetch, ingest, embedding, clustering and fact-check matching run goes through an
HTTP proxy that serves the demo feeds; the socket layer records each name looked
up, each address connected to, each bind and listen. The proxy's password is
never written anywhere: not in logs, feed errors, or the data folder.
"""

from __future__ import annotations

import http.server
import logging
import socket
import threading

import pytest

from app.engine.demo import add_demo
from app.engine.ingest import add_sources
from app.engine.paths import demo_dir
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings
from app.engine.store import Store
from app.engine.store import feeds as feed_store
from tests.fakes import HashingEmbedder

SECRET = "s3cret-Pa55"
FEEDS = ("daily-ledger.xml", "courrier-du-lac.xml", "severny-vestnik.xml")


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A forward proxy that knows one site, feeds.example, serving the demo's feed files."""

    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.seen.append((self.path, self.headers.get("Proxy-Authorization")))
        name = self.path.rsplit("/", 1)[-1]
        if not self.path.startswith("http://feeds.example/") or name not in FEEDS:
            self.send_error(404)
            return
        body = (demo_dir() / "feeds" / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    _Proxy.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    server.server_close()


@pytest.fixture
def recorder(monkeypatch):
    """Names looked up, addresses connected to, and sockets bound or listening, from here on."""
    seen: dict[str, list] = {"lookups": [], "connects": [], "binds": [], "listens": []}
    real = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "bind", "listen")}
    real_lookup = socket.getaddrinfo

    def recording(name, kind):
        def call(self, *args):
            seen[kind].append(args[0] if args else None)
            return real[name](self, *args)
        return call

    for name, kind in (("connect", "connects"), ("connect_ex", "connects"), ("bind", "binds"), ("listen", "listens")):
        monkeypatch.setattr(socket.socket, name, recording(name, kind))
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: seen["lookups"].append(host)
                        or real_lookup(host, *a, **k))
    return seen


def _written(data_dir) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in data_dir.rglob("*") if p.is_file())


def test_a_full_run_contacts_only_its_proxy_and_listens_nowhere(data_dir, proxy, recorder, caplog):
    caplog.set_level(logging.DEBUG)
    host, port = proxy
    store = Store.open(data_dir)
    feeds = add_sources(store, [f"http://feeds.example/{name}" for name in FEEDS])
    add_demo(store)  # the fact-check library, and the demo's own feeds read from files
    settings = Settings(proxy=f"http://ana:{SECRET}@{host}:{port}")
    report = Pipeline(store, settings, embedder=HashingEmbedder()).run(force=True)
    assert report.ingest.failed == 0 and report.ingest.fetched >= len(FEEDS) and report.claims_embedded

    assert set(recorder["connects"]) == {(host, port)}
    assert "feeds.example" not in recorder["lookups"]
    assert recorder["listens"] == [] and recorder["binds"] == []
    assert {path for path, _ in _Proxy.seen} == {f"http://feeds.example/{name}" for name in FEEDS}
    assert all(auth and auth.startswith("Basic ") for _, auth in _Proxy.seen)
    store.close()
    assert SECRET not in caplog.text and SECRET not in _written(data_dir)


def test_a_proxy_that_is_down_is_named_without_its_password(data_dir, caplog):
    caplog.set_level(logging.DEBUG)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    store = Store.open(data_dir)
    add_sources(store, ["http://feeds.example/daily-ledger.xml"])
    report = Pipeline(store, Settings(proxy=f"http://ana:{SECRET}@127.0.0.1:{port}"),
                      embedder=HashingEmbedder()).run(force=True)
    assert report.ingest.failed == 1
    (feed,) = feed_store.list_feeds(store.db)
    assert "proxy" in feed.last_error and "127.0.0.1" in feed.last_error
    store.close()
    assert SECRET not in feed.last_error and SECRET not in caplog.text and SECRET not in _written(data_dir)

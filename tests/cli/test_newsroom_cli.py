"""The newsroom store from the command line: --store, store migrate, worker."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import main
from app.engine.paths import STORE_ENV
from app.engine.store import Store
from app.engine.store import narratives as narrative_store
from app.engine.store.postgres import open_postgres
from tests.cli.test_cli import RSS

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def no_store_env(monkeypatch):
    """--store sets the variable for the whole process: put it back after each test."""
    monkeypatch.setenv(STORE_ENV, "")


def invoke(*args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.stderr if result.stderr_bytes else "")
    return result


def test_store_option_puts_the_feed_in_the_newsroom_store(pg_url, tmp_path):
    feed_file = tmp_path / "outlet.xml"
    feed_file.write_bytes(RSS)
    invoke("--store", pg_url, "feeds", "add", feed_file, "--data-dir", tmp_path / "data")
    db = open_postgres(pg_url)
    try:
        assert db.execute("SELECT url FROM feeds").fetchall() == [(str(feed_file.resolve()),)]
    finally:
        db.conn.close()
    # The data folder's own database was never made.
    assert not (tmp_path / "data" / "radar.db").exists()


def test_store_migrate_copies_everything_and_refuses_a_second_time(sample, data_dir, pg_url, tmp_path):
    source = Store.open(data_dir, url=None)
    expected = narrative_store.list_narratives(source.db)
    source_counts = source.counts()
    source.close()

    result = invoke("store", "migrate", "--from", data_dir, "--to", pg_url, "--format", "json")
    counts = json.loads(result.stdout)
    assert all(c["source"] == c["newsroom"] for c in counts.values())
    assert counts["narratives"]["newsroom"] == 3 and counts["claims"]["newsroom"] > 0
    assert "claims:" in result.stderr

    newsroom = Store.open(tmp_path / "cache", url=pg_url)
    try:
        assert newsroom.counts() == source_counts
        assert narrative_store.list_narratives(newsroom.db) == expected
        # The identity sequences moved past the copied ids: a new feed does not collide.
        from app.engine.store import feeds as feed_store

        feed, _ = feed_store.add_feed(newsroom.db, "https://new.example/feed.xml", kind="http")
        assert feed.id == max(sample.feeds.values()) + 1
    finally:
        newsroom.close()

    again = invoke("store", "migrate", "--from", data_dir, "--to", pg_url, code=1)
    assert "already holds" in again.stderr


def test_store_migrate_table_output_and_missing_folder(sample, data_dir, pg_url, tmp_path):
    result = invoke("store", "migrate", "--from", tmp_path / "nowhere", "--to", pg_url, code=1)
    assert "There is no data folder" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("store", "migrate", "--from", empty, "--to", pg_url, code=1)
    assert "no Narrative Radar database" in result.stderr
    result = invoke("store", "migrate", "--from", data_dir, "--to", pg_url, "-q")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["table", "source", "newsroom"]
    assert any(line.split()[0] == "feed_templates" for line in lines[2:])


def test_store_migrate_needs_a_postgres_url(data_dir):
    result = invoke("store", "migrate", "--from", data_dir, "--to", "sqlite:///x.db", code=2)
    assert "not a PostgreSQL URL" in result.stderr


def test_worker_once_fetches_local_feeds_into_the_newsroom_store(pg_url, tmp_path, monkeypatch):
    from app.engine import pipeline
    from tests.fakes import HashingEmbedder

    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: HashingEmbedder())
    feed_file = tmp_path / "outlet.xml"
    feed_file.write_bytes(RSS)
    data = tmp_path / "data"
    invoke("--store", pg_url, "feeds", "add", feed_file, "--data-dir", data)
    result = invoke("--store", pg_url, "worker", "--once", "--data-dir", data)
    assert "1 feed(s) taken" in result.stderr and "1 new article(s)" in result.stderr
    db = open_postgres(pg_url)
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM vectors").fetchone()[0] > 0
        assert db.execute("SELECT lease_owner, lease_until FROM feeds").fetchall() == [(None, None)]
    finally:
        db.conn.close()
    # Nothing is due any more: a second round takes no feed.
    assert "0 feed(s) taken" in invoke("--store", pg_url, "worker", "--once", "--data-dir", data).stderr


def test_worker_once_on_real_world_feed_files(pg_url, tmp_path, monkeypatch, shared_data):
    from app.engine import pipeline
    from tests.fakes import HashingEmbedder

    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: HashingEmbedder())
    feeds = sorted((shared_data / "feeds" / "fastfeedparser-realworld" / "integration").glob("*.xml"))[:3]
    if not feeds:
        pytest.skip("no real-world feed files in the shared data")
    data = tmp_path / "data"
    invoke("--store", pg_url, "feeds", "add", *feeds, "--data-dir", data)
    result = invoke("--store", pg_url, "worker", "--once", "--data-dir", data)
    assert f"{len(feeds)} feed(s) taken" in result.stderr
    db = open_postgres(pg_url)
    try:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    finally:
        db.conn.close()

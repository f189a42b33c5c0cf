"""Workers sharing one store: feed leases, due feeds, one clustering at a time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.engine.settings import Settings
from app.engine.store import Store, is_postgres
from app.engine.store import feeds as feed_store
from app.engine.pipeline import Pipeline
from app.engine.worker import CLUSTER_LOCK, due_feeds, release_lease, run_round, take_lease
from tests.cli.test_cli import RSS
from tests.fakes import HashingEmbedder

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def a_feed(store) -> int:
    feed, _ = feed_store.add_feed(store.db, "https://outlet.example/feed.xml", kind="http")
    return feed.id


def test_of_two_workers_one_takes_the_feed(store, data_dir):
    feed_id = a_feed(store)
    other = Store.open(data_dir, url=store.url)
    try:
        assert take_lease(store.db, feed_id, "alpha:1", now=NOW)
        assert not take_lease(other.db, feed_id, "beta:2", now=NOW)
        # Its owner renews it.
        assert take_lease(store.db, feed_id, "alpha:1", now=NOW + timedelta(minutes=5))
        assert not take_lease(other.db, feed_id, "beta:2", now=NOW + timedelta(minutes=9))
    finally:
        other.close()


def test_an_expired_lease_is_taken_over_and_a_released_one_at_once(store):
    feed_id = a_feed(store)
    assert take_lease(store.db, feed_id, "alpha:1", now=NOW)
    assert take_lease(store.db, feed_id, "beta:2", now=NOW + timedelta(minutes=11))
    # alpha, back from the dead, neither takes it back nor frees beta's lease.
    assert not take_lease(store.db, feed_id, "alpha:1", now=NOW + timedelta(minutes=12))
    release_lease(store.db, feed_id, "alpha:1")
    assert not take_lease(store.db, feed_id, "alpha:1", now=NOW + timedelta(minutes=12))
    release_lease(store.db, feed_id, "beta:2")
    assert take_lease(store.db, feed_id, "alpha:1", now=NOW + timedelta(minutes=12))


def test_due_feeds_leave_out_leased_disabled_and_not_yet_due(store):
    ids = [feed_store.add_feed(store.db, f"https://o{n}.example/feed.xml", kind="http")[0].id for n in range(4)]
    take_lease(store.db, ids[0], "alpha:1", now=NOW)
    feed_store.update_feed(store.db, ids[1], enabled=False)
    store.db.conn.execute("UPDATE feeds SET next_fetch_at = ? WHERE id = ?", ("2026-12-01T10:00:00Z", ids[2]))
    assert [f.id for f in due_feeds(store.db, now=NOW)] == [ids[3]]
    assert [f.id for f in due_feeds(store.db, now=NOW + timedelta(hours=2))] == [ids[0], ids[2], ids[3]]


def test_a_round_reads_due_feeds_and_clusters_unless_another_worker_is(store, tmp_path):
    feed_file = tmp_path / "outlet.xml"
    feed_file.write_bytes(RSS)
    feed_store.add_feed(store.db, str(feed_file), kind="file")
    pipeline = Pipeline(store, Settings(), embedder=HashingEmbedder())
    holder = None
    if is_postgres(store.db):
        # Another worker clusters: this one leaves its claims to it.
        holder = Store.open(tmp_path / "other", url=store.url)
        assert holder.db.conn.execute("SELECT pg_try_advisory_lock(?)", (CLUSTER_LOCK,)).fetchone()[0]
    report = run_round(store, pipeline, "alpha:1", settings=Settings())
    assert report.feeds_taken == 1 and report.ingest.articles_new == 1
    assert store.db.execute("SELECT lease_owner FROM feeds").fetchall() == [(None,)]
    if holder is not None:
        assert report.clustering_skipped and report.claims_embedded == 0
        holder.close()   # its lock goes with its connection
        report = run_round(store, pipeline, "alpha:1", settings=Settings())
        assert report.feeds_taken == 0
    assert report.claims_embedded > 0 and not report.clustering_skipped
    # Fetched: not due again before the fetch interval.
    assert due_feeds(store.db) == []


def test_a_feed_read_by_another_worker_since_it_was_listed_is_not_taken(store):
    feed_id = a_feed(store)
    listed = [f.id for f in due_feeds(store.db, now=NOW)]
    # beta reads it and lets go: its next fetch is an hour away.
    assert take_lease(store.db, feed_id, "beta:2", now=NOW)
    store.db.conn.execute("UPDATE feeds SET next_fetch_at = ? WHERE id = ?", ("2026-12-01T10:00:00Z", feed_id))
    release_lease(store.db, feed_id, "beta:2")
    assert listed == [feed_id]
    assert not take_lease(store.db, feed_id, "alpha:1", now=NOW + timedelta(minutes=1))


@pytest.mark.postgres
def test_a_server_restart_during_a_round_loses_nothing_and_doubles_nothing(pg_server, pg_url, tmp_path):
    store = Store.open(tmp_path / "worker", url=pg_url)
    for n in range(3):
        path = tmp_path / f"outlet{n}.xml"
        path.write_bytes(RSS.replace(b"cli-1", f"cli-{n}".encode()).replace(b"CLI Outlet", f"Outlet {n}".encode())
                         .replace(b"harbour bridge", f"bridge number {n}".encode()))
        feed_store.add_feed(store.db, str(path), kind="file")
    settings = Settings(max_concurrent_fetches=1)
    pipeline = Pipeline(store, settings, embedder=HashingEmbedder())
    restarted = []

    def progress(fraction, message):
        if not restarted and fraction > 0:
            restarted.append(message)
            pg_server.restart()

    try:
        run_round(store, pipeline, "alpha:1", settings=settings, progress=progress)
    except Exception as exc:  # the work under way when it dropped may fail, and says so
        assert "newsroom store" in str(exc)
    assert restarted
    # The next round (this worker's or another's) finishes the work.
    run_round(store, pipeline, "alpha:1", settings=settings)
    run_round(store, pipeline, "alpha:1", settings=settings)
    rows = store.db.execute("SELECT feed_id, count(*) FROM articles GROUP BY feed_id ORDER BY feed_id").fetchall()
    assert [count for _, count in rows] == [1, 1, 1]
    assert store.db.execute("SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL").fetchone()[0] == 0
    # Every claim was processed (embedded, so clustered), none twice (one vector per claim by key).
    assert store.db.execute("SELECT count(*) FROM claims c WHERE NOT EXISTS"
                            " (SELECT 1 FROM vectors v WHERE v.claim_id = c.id)").fetchone()[0] == 0
    store.close()


def test_a_workers_index_takes_only_the_vectors_others_stored_since(store, tmp_path):
    feed_file = tmp_path / "outlet.xml"
    feed_file.write_bytes(RSS)
    feed_store.add_feed(store.db, str(feed_file), kind="file")
    mine = Pipeline(store, Settings(), embedder=HashingEmbedder())
    mine.run()
    before = len(mine.index())
    other_store = Store.open(tmp_path / "other", url=store.url) if store.url else store
    other = Pipeline(other_store, Settings(), embedder=HashingEmbedder())
    second = tmp_path / "second.xml"
    second.write_bytes(RSS.replace(b"cli-1", b"cli-2").replace(b"harbour bridge", b"tram depot"))
    feed_store.add_feed(other_store.db, str(second), kind="file")
    other.run()
    added = mine.catch_up_index()
    assert added > 0 and len(mine.index()) == before + added
    assert set(mine.index().ids().tolist()) == set(other.index().ids().tolist())
    if other_store is not store:
        other_store.close()

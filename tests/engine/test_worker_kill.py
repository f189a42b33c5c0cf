"""A worker killed mid-way (kill -9) on a newsroom store: its leases expire, another worker
finishes the work, and nothing is stored twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from app.engine.ingest import add_sources
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings
from app.engine.store import Store
from app.engine.worker import run_round
from tests.conftest import REPO
from tests.fakes import HashingEmbedder

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_killed_workers_feeds_are_finished_by_another(pg_url, tmp_path, shared_data):
    files = sorted((shared_data / "feeds" / "fastfeedparser-realworld" / "benchmark_data").iterdir())[:8]
    store = Store.open(tmp_path / "admin", url=pg_url)
    add_sources(store, [str(f) for f in files])
    folder = tmp_path / "doomed"
    folder.mkdir()
    (folder / "settings.toml").write_text("max_concurrent_fetches = 1\n", encoding="utf-8")
    env = {**os.environ, "NARRATIVE_RADAR_STORE": pg_url, "HF_HUB_OFFLINE": "1"}
    doomed = subprocess.Popen([sys.executable, str(REPO / "main.py"), "worker", "--once", "--quiet",
                               "--data-dir", str(folder)], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and doomed.poll() is None:
        if store.db.execute("SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL").fetchone()[0]:
            break
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    held = store.db.execute("SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL").fetchone()[0]
    # Ten minutes later its leases have run out (the clock is moved, not waited for).
    store.db.execute("UPDATE feeds SET lease_until = '2000-01-01T00:00:00Z' WHERE lease_owner IS NOT NULL")
    settings = Settings(max_concurrent_fetches=1)
    report = run_round(store, Pipeline(store, settings, embedder=HashingEmbedder()), "rescuer:1", settings=settings)
    assert held == 1
    assert report.feeds_taken >= 1
    fetched = store.db.execute("SELECT count(DISTINCT feed_id) FROM fetches").fetchone()[0]
    assert fetched == len(files)
    twice = store.db.execute("SELECT count(*) FROM (SELECT feed_id, content_sha256 FROM articles"
                             " GROUP BY feed_id, content_sha256 HAVING count(*) > 1) AS t").fetchone()[0]
    assert twice == 0
    assert store.db.execute("SELECT count(*) FROM claims c WHERE NOT EXISTS"
                            " (SELECT 1 FROM vectors v WHERE v.claim_id = c.id)").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL").fetchone()[0] == 0
    store.close()

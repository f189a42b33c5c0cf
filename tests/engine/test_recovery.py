"""A damaged database, the backup of review work, a read-only folder and a full disk."""

from __future__ import annotations

import os
import sqlite3

import pytest

from app.engine import review
from app.engine.errors import StoreError
from app.engine.paths import DATABASE_NAME, INDEX_NAME
from app.engine.store import Store, check_database, recover_database, store_errors, write_transaction
from app.engine.store import narratives as narrative_store
from tests.engine.helpers import add_article, add_feed
from tests.conftest import SQLITE_ONLY


def _reviewed(data_dir, sample):
    store = Store.open(data_dir)
    review.set_status(store, sample.vaccine, "confirmed", actor="ana")
    review.set_notes(store, sample.ballots, "Same text as 2022's rumour.", actor="ana")
    return store


def _state(store, sample):
    """What a reviewer made: statuses, notes, claims of the reviewed narratives, the audit trail."""
    got = {}
    for narrative_id in (sample.vaccine, sample.ballots):
        narrative = narrative_store.get_narrative(store.db, narrative_id)
        got[narrative_id] = (narrative.summary.status, narrative.notes, sorted(m.claim_id for m in narrative.members))
    audit = store.db.conn.execute("SELECT id, actor, action, subject, detail FROM audit ORDER BY id").fetchall()
    return got, audit


def _cut_in_half(path):
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size // 2)


def test_a_review_is_backed_up_and_a_lost_one_put_back(sample, data_dir):
    store = _reviewed(data_dir, sample)
    before = _state(store, sample)
    backups = list((data_dir / "backups").glob("reviews-*.db"))
    assert len(backups) == 1
    with store.db.conn:
        store.db.conn.execute("DELETE FROM narratives WHERE id IN (?, ?)", (sample.vaccine, sample.ballots))
        store.db.conn.execute("DELETE FROM audit")
    report = store.restore_reviews()
    assert (report.narratives, report.audit_entries) == (2, 2)
    assert _state(store, sample) == before
    # Restoring again adds nothing: what the database holds wins.
    assert store.restore_reviews().narratives == 0
    store.close()


def test_a_database_cut_in_half_is_recovered_with_every_review(sample, data_dir):
    store = _reviewed(data_dir, sample)
    feed = add_feed(store, "bulk")
    for i in range(400):
        add_article(store, feed, [f"Bulk article {i} reports that the harbour crane number {i} was repaired"])
    before = _state(store, sample)
    articles = store.counts()["articles"]
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    (data_dir / INDEX_NAME).write_bytes(b"stale")
    _cut_in_half(data_dir / DATABASE_NAME)

    assert check_database(data_dir / DATABASE_NAME)
    with pytest.raises(StoreError, match="damaged.*narrative-radar recover"):
        Store.open(data_dir).counts()
    report = recover_database(data_dir)

    assert report.damaged_copy.exists() and report.damaged_copy.parent == data_dir / "damaged"
    assert not (data_dir / INDEX_NAME).exists()
    assert check_database(data_dir / DATABASE_NAME) == []
    store = Store.open(data_dir)
    assert _state(store, sample) == before
    assert 0 < store.counts()["articles"] < articles
    store.close()


def test_a_read_only_folder_is_browsed_not_changed(sample, data_dir, monkeypatch):
    Store.open(data_dir).close()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK and real_access(path, mode))
    store = Store.open(data_dir)
    assert store.read_only
    assert narrative_store.get_narrative(store.db, sample.vaccine).summary.size > 0
    with pytest.raises(StoreError, match="read-only: it can be browsed and exported"):
        review.set_status(store, sample.vaccine, "confirmed")
    store.close()
    with pytest.raises(StoreError, match="no Narrative Radar database"):
        Store.open(data_dir / "elsewhere")


@SQLITE_ONLY
def test_a_full_disk_keeps_what_was_saved_and_says_so(store):
    feed = add_feed(store, "a")
    add_article(store, feed, ["The first article was stored before the disk filled up"])
    pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    # A database that may not grow is SQLite's own "disk is full".
    store.db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="not written; everything saved before it is kept"):
        for i in range(200):
            add_article(store, feed, [f"Article {i} is long enough to need pages of its own " * 20])
    saved = store.counts()["articles"]
    assert saved >= 1
    assert store.db.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    store.db.conn.execute("PRAGMA max_page_count = 1073741823")
    add_article(store, feed, ["Once space is freed the next article is stored"])
    assert store.counts()["articles"] == saved + 1


def test_a_sound_database_recovers_to_the_same_rows(sample, data_dir):
    store = _reviewed(data_dir, sample)
    before = _state(store, sample), store.counts()
    store.close()
    report = recover_database(data_dir)
    assert report.unreadable == () and report.dropped_orphans == {}
    store = Store.open(data_dir)
    assert (_state(store, sample), store.counts()) == before
    assert store.db.conn.execute("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'vaccine'").fetchone()[0] > 0
    store.close()


def test_nothing_to_recover_is_said_plainly(data_dir):
    with pytest.raises(StoreError, match="no database to recover"):
        recover_database(data_dir)
    assert check_database(data_dir / "missing.db")


def test_a_transaction_sqlite_already_ended_keeps_its_own_error(store):
    # On a full disk SQLite rolls the transaction back itself (seen on a full tmpfs).
    with pytest.raises(StoreError, match="The disk is full"), store_errors():
        with write_transaction(store.db) as conn:
            conn.execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")

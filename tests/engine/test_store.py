import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from app.engine.domain import ArticleDraft
from app.engine.errors import StoreError
from app.engine.store import Store, write_transaction
from app.engine.store import articles as article_store
from app.engine.store import feeds as feed_store
from app.engine.store.database import _statements, migrate
from app.engine.store.schema import MIGRATIONS
from tests.engine.helpers import run_in_threads
from tests.conftest import SQLITE_ONLY


NAMES = ("zero", "Ada", "Bela", "Cora", "Dana", "Emil", "Fern", "Gus", "Hana", "Ivo")


def draft(n: int, **changes) -> ArticleDraft:
    # Each article's lines differ in words, not only in numbers: lines alike but for their
    # numbers, under three articles or more of a feed, are its boilerplate.
    values = dict(
        guid=f"g{n}", link=f"https://example.org/{n}", title=f"Title {n}", author=None,
        text=f"Body of article {n}.", language="en", published_at=f"2026-11-{10 + n:02d}T08:00:00Z",
        published_estimated=False, content_sha256=f"hash{n}",
        claims=((0, f"Title {n}: {NAMES[n]}", True), (1, f"The claim of {NAMES[n]} is stated here.", False)),
    )
    values.update(changes)
    return ArticleDraft(**values)


def save(store, feed_id, drafts, error=None):
    with write_transaction(store.db) as conn:
        return article_store.save_fetched(
            conn, feed_id, started_at="2026-11-20T00:00:00Z", http_status=200,
            document_sha256="doc" + str(len(drafts)), document_bytes=10, document_path=None,
            drafts=drafts, error=error, etag='"e1"', last_modified=None, feed_title="Feed title",
            next_fetch_at="2026-11-20T01:00:00Z",
        )


@SQLITE_ONLY
def test_new_database_is_migrated_with_wal_and_foreign_keys(store, data_dir):
    if store.shared:
        pytest.skip("SQLite's own pragmas and file; the newsroom store's migrations are tested with PostgreSQL's")
    conn = store.db.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert (data_dir / "radar.db").exists()
    assert migrate(store.db) == len(MIGRATIONS)  # running again changes nothing


def test_newer_schema_is_refused(data_dir):
    conn = sqlite3.connect(data_dir / "radar.db")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer Narrative Radar"):
        Store.open(data_dir)


def test_not_a_database_gives_clear_error(data_dir):
    (data_dir / "radar.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"damaged \(or is not a Narrative Radar database\)"):
        Store.open(data_dir)


def test_a_data_folder_that_cannot_be_created_gives_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="data folder .*a-file.*cannot be created"):
        Store.open(blocker / "data")


def test_a_feed_without_a_title_is_named_by_its_site_or_file(memory_store):
    """A full address or path is long, and its start (https://, /home/...) is what all
    feeds share; the channel's title, once read, names the feed instead."""
    db = memory_store.db
    web, _ = feed_store.add_feed(db, "https://www.claimcheck.example/feeds/all.rss?lang=en", kind="http")
    local, _ = feed_store.add_feed(db, "/home/ana/feeds/benchmark_data/stimme-der-mitte.xml", kind="file")
    blank, _ = feed_store.add_feed(db, "https://feeds.example/x", kind="http", title="  ")
    odd, _ = feed_store.add_feed(db, "urn:x-feed:1", kind="http")
    assert web.display_title == "claimcheck.example"
    assert local.display_title == "stimme-der-mitte.xml"
    assert blank.display_title == "feeds.example"
    assert odd.display_title == "urn:x-feed:1"
    titled = feed_store.update_feed(db, web.id, title="ClaimCheck Desk")
    assert titled.display_title == "ClaimCheck Desk"


def test_feeds_add_list_tag_remove(memory_store):
    db = memory_store.db
    feed, created = feed_store.add_feed(db, "https://a.example/rss", kind="http", tags=["State media", "watchlist"])
    assert created and feed.tags == ("state-media", "watchlist") and feed.health == "new"
    again, created = feed_store.add_feed(db, "https://a.example/rss", kind="http", tags=["extra"])
    assert not created and again.id == feed.id and again.tags == ("extra", "state-media", "watchlist")
    feed_store.add_feed(db, "/tmp/b.xml", kind="file", title="B")
    assert [f.display_title for f in feed_store.list_feeds(db)] == ["B", "a.example"]
    assert [f.id for f in feed_store.list_feeds(db, tag="watchlist")] == [feed.id]
    assert feed_store.set_feed_tags(db, feed.id, ["x"]).tags == ("x",)
    assert feed_store.update_feed(db, str(feed.id), enabled=False).enabled is False
    assert len(feed_store.list_feeds(db, enabled_only=True)) == 1
    feed_store.remove_feed(db, "https://a.example/rss")
    with pytest.raises(feed_store.FeedNotFound):
        feed_store.get_feed(db, feed.id)


def test_articles_dedupe_by_guid_then_link_then_content(memory_store):
    db = memory_store.db
    feed, _ = feed_store.add_feed(db, "https://a.example/rss", kind="http")
    first = save(memory_store, feed.id, [draft(1), draft(2)])
    assert (first.entries_found, first.entries_new, first.claims_new) == (2, 2, 4)
    again = save(memory_store, feed.id, [
        draft(1),                                            # same GUID
        draft(3, guid=None, link="https://example.org/2"),   # same link as 2
        draft(4, guid=None, link=None, content_sha256="hash1"),  # same content as 1
        draft(5),                                            # new
    ])
    assert again.entries_new == 1
    assert memory_store.counts() == {"feeds": 1, "articles": 3, "claims": 6}
    stored = feed_store.get_feed(db, feed.id)
    assert stored.entries == 3 and stored.health == "ok" and stored.title == "Feed title"


def test_same_content_in_two_feeds_is_kept_and_marked_as_copy(memory_store):
    db = memory_store.db
    a, _ = feed_store.add_feed(db, "https://a.example/rss", kind="http")
    b, _ = feed_store.add_feed(db, "https://b.example/rss", kind="http")
    save(memory_store, a.id, [draft(1)])
    save(memory_store, b.id, [draft(1)])
    rows = article_store.list_articles(db)
    assert len(rows) == 2 and all(r.copies == 1 for r in rows)


def test_list_articles_pages_by_keyset_and_filters(memory_store):
    db = memory_store.db
    feed, _ = feed_store.add_feed(db, "https://a.example/rss", kind="http")
    save(memory_store, feed.id, [draft(n) for n in range(1, 8)])
    page1 = article_store.list_articles(db, limit=3)
    page2 = article_store.list_articles(db, limit=3, before=(page1[-1].published_at, page1[-1].id))
    assert [a.guid for a in page1] == ["g7", "g6", "g5"]
    assert [a.guid for a in page2] == ["g4", "g3", "g2"]
    assert [a.guid for a in article_store.list_articles(db, since="2026-11-16T00:00:00Z")] == ["g7", "g6"]
    claims = article_store.claims_of(db, page1[0].id)
    assert [c.is_title for c in claims] == [True, False]


@SQLITE_ONLY
def test_full_text_search_over_claims_and_articles(memory_store):
    if memory_store.shared:
        pytest.skip("SQLite's FTS5 tables; PostgreSQL's tsvector columns are tested through the search functions")
    db = memory_store.db
    feed, _ = feed_store.add_feed(db, "https://a.example/rss", kind="http")
    save(memory_store, feed.id, [draft(1, text="Élections truquées à Paris.")])
    hits = db.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'elections'").fetchall()
    assert len(hits) == 1  # diacritics folded
    hits = db.conn.execute("SELECT rowid FROM claims_fts WHERE claims_fts MATCH 'stated'").fetchall()
    assert len(hits) == 1
    feed_store.remove_feed(db, feed.id)  # cascades and keeps FTS in step
    assert db.conn.execute("SELECT count(*) FROM claims_fts WHERE claims_fts MATCH 'stated'").fetchone()[0] == 0


def test_failed_write_leaves_no_half_article(memory_store):
    db = memory_store.db
    feed, _ = feed_store.add_feed(db, "https://a.example/rss", kind="http")
    bad = draft(2, claims=((0, "a", True), (0, "duplicate position breaks the UNIQUE constraint", False)))
    with pytest.raises(StoreError):
        save(memory_store, feed.id, [draft(1), bad])
    assert memory_store.counts()["articles"] == 0 and memory_store.counts()["claims"] == 0


def test_locked_database_gives_clear_message(data_dir):
    first = Store.open(data_dir)
    second = Store.open(data_dir)
    second.db.conn.execute("PRAGMA busy_timeout = 50")
    first.db.conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="busy"):
            feed_store.add_feed(second.db, "https://x.example/", kind="http")
    finally:
        first.db.conn.execute("ROLLBACK")
        first.close()
        second.close()


def test_full_disk_gives_clear_message_and_keeps_nothing(data_dir):
    store = Store.open(data_dir)
    feed, _ = feed_store.add_feed(store.db, "https://a.example/rss", kind="http")
    page_count = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
    store.db.conn.execute(f"PRAGMA max_page_count = {page_count + 1}")
    huge = draft(1, text="x" * 200_000)
    with pytest.raises(StoreError, match="disk is full"):
        save(store, feed.id, [huge])
    assert store.counts()["articles"] == 0
    store.close()


def test_evidence_document_is_compressed_and_content_addressed(tmp_path):
    data = b"<rss>" + b"x" * 5000 + b"</rss>"
    path = article_store.keep_document(tmp_path, "ab" + "0" * 62, data)
    assert path.parent.name == "ab" and path.stat().st_size < len(data)
    assert article_store.read_document(tmp_path, "ab" + "0" * 62) == data
    assert article_store.read_document(tmp_path, "cd" + "0" * 62) is None


def test_evidence_on_unwritable_folder_is_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="evidence"):
        article_store.keep_document(blocker, "ab" + "0" * 62, b"data")



def test_two_first_starts_on_an_empty_folder_both_open_it(data_dir):
    # The other start holds the write lock, half-way through migrating, while this one starts.
    path = data_dir / "radar.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("BEGIN IMMEDIATE")
    for statement in _statements(MIGRATIONS[0]):
        other.execute(statement)
    other.execute("PRAGMA user_version = 1")
    opened: list = []
    thread = threading.Thread(target=lambda: opened.append(_open_or_error(data_dir)))
    thread.start()
    time.sleep(0.5)  # this start has read version 0 and waits for the lock
    other.execute("COMMIT")
    other.close()
    thread.join(30)
    assert isinstance(opened[0], Store), opened[0]
    assert opened[0].db.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    opened[0].close()


def test_first_starts_in_several_processes_at_once(tmp_path):
    code = "import sys; from app.engine.store import Store; Store.open(sys.argv[1]).close()"
    for attempt in range(3):
        folder = tmp_path / f"data{attempt}"
        starts = [subprocess.Popen([sys.executable, "-c", code, str(folder)], stderr=subprocess.PIPE)
                  for _ in range(4)]
        errors = [start.communicate(timeout=60)[1].decode() for start in starts]
        assert [start.returncode for start in starts] == [0] * 4, errors


def _open_or_error(folder):
    try:
        return Store.open(folder)
    except StoreError as exc:
        return exc


def test_one_document_kept_by_two_ingests_at_once(tmp_path):
    data = bytes(range(256)) * 8192  # 2 MB: long enough for the writes to overlap
    sha = "ef" + "1" * 62
    start = threading.Barrier(6)
    errors: list = []

    def keep() -> None:
        start.wait()
        try:
            article_store.keep_document(tmp_path, sha, data)
        except StoreError as exc:
            errors.append(exc)

    run_in_threads(keep, 6)
    assert errors == []
    assert article_store.read_document(tmp_path, sha) == data
    assert [p.name for p in (tmp_path / "ef").iterdir()] == [f"{sha}.gz"], "no temporary file is left"


def test_a_file_written_whole_or_not_at_all(tmp_path):
    from app.engine.atomic_file import atomic_write, replacing

    target = tmp_path / "brief.md"
    atomic_write(target, b"first")
    with pytest.raises(RuntimeError), replacing(target) as temporary:
        temporary.write_bytes(b"half of the sec")
        raise RuntimeError("the disk filled up")  # the old file stays, and no temporary file is left
    assert target.read_bytes() == b"first" and sorted(p.name for p in tmp_path.iterdir()) == ["brief.md"]
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second" and (target.stat().st_mode & 0o777) == 0o644
    with replacing(tmp_path / "private.db", mode=None) as temporary:
        temporary.write_bytes(b"reviews")
    assert ((tmp_path / "private.db").stat().st_mode & 0o777) == 0o600

"""The newsroom store on PostgreSQL: the same schema as SQLite's, its own migrations, its
failures in plain words. Every test that takes ``store`` runs on both backends too."""


import pytest

from app.engine.errors import StoreError
from app.engine.store import Store, redact_url, store_url
from app.engine.store import postgres
from app.engine.store.database import open_database, write_transaction
from tests.engine.helpers import add_article, add_feed

pytestmark = pytest.mark.postgres

# What only one side has: SQLite's FTS5 tables and their shadow tables, PostgreSQL's
# generated tsvector columns and its schema_version table.
SQLITE_ONLY_TABLES = ("_fts", "_vocab", "_stem", "sqlite_")
POSTGRES_ONLY_COLUMNS = {("claims", "words"), ("factchecks", "words"), ("factchecks", "stems")}


def test_both_backends_have_the_same_tables_and_columns(pg_url):
    lite = open_database(":memory:").conn
    sqlite_columns = set()
    for (table,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        if any(part in table for part in SQLITE_ONLY_TABLES):
            continue
        sqlite_columns |= {(table, row[1]) for row in lite.execute(f"PRAGMA table_info({table})")}
    pg = postgres.open_postgres(pg_url)
    pg_columns = set(pg.conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name <> 'schema_version'").fetchall())
    assert pg_columns - POSTGRES_ONLY_COLUMNS == sqlite_columns


def test_a_newer_schema_is_refused(pg_url):
    db = postgres.open_postgres(pg_url)
    db.conn.execute("INSERT INTO schema_version (version) VALUES (?)", (len(postgres.MIGRATIONS) + 3,))
    with pytest.raises(StoreError, match="newer Narrative Radar"):
        postgres.open_postgres(pg_url)


def test_opening_twice_migrates_once(pg_url):
    postgres.open_postgres(pg_url)
    db = postgres.open_postgres(pg_url)
    assert db.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(postgres.MIGRATIONS)


def test_an_unreachable_server_is_said_plainly(tmp_path):
    with pytest.raises(StoreError, match="cannot be reached"):
        Store.open(tmp_path, url=f"postgresql://radar@/radar?host={tmp_path}/no-socket")


def test_a_store_url_that_is_not_postgresql_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NARRATIVE_RADAR_STORE", "mysql://somewhere/radar")
    with pytest.raises(StoreError, match="not a PostgreSQL URL"):
        store_url(tmp_path)


def test_the_settings_file_names_the_store(tmp_path, monkeypatch, pg_url):
    monkeypatch.delenv("NARRATIVE_RADAR_STORE", raising=False)
    (tmp_path / "settings.toml").write_text(f'store = "{pg_url}"\n', encoding="utf-8")
    store = Store.open(tmp_path)
    assert store.shared and postgres.is_postgres(store.db)
    assert not (tmp_path / "radar.db").exists()


def test_a_password_never_shows():
    assert redact_url("postgresql://maria:s3cret@db.example/radar") == "postgresql://maria:***@db.example/radar"


def test_a_transaction_is_all_or_nothing(store):
    feed = add_feed(store, "a")
    with pytest.raises(RuntimeError):
        with write_transaction(store.db) as conn:
            conn.execute("UPDATE feeds SET title = 'changed' WHERE id = ?", (feed.id,))
            raise RuntimeError("stop")
    assert store.db.conn.execute("SELECT title FROM feeds WHERE id = ?", (feed.id,)).fetchone()[0] != "changed"


@pytest.mark.parametrize("sql, expected", [
    ("SELECT id FROM feeds WHERE url LIKE ? AND title = '?'", "SELECT id FROM feeds WHERE url ILIKE %s AND title = '?'"),
    ("INSERT INTO feed_tags (feed_id, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
     "INSERT INTO feed_tags (feed_id, tag) VALUES (%s, %s) ON CONFLICT DO NOTHING"),
    ("INSERT INTO feeds (url) VALUES (?)", "INSERT INTO feeds (url) VALUES (%s) RETURNING id"),
    ("SELECT 100 % 7", "SELECT 100 %% 7"),
])
def test_statements_are_translated(sql, expected):
    assert postgres.translate(sql)[0] == expected


def test_a_restarted_server_is_reconnected_to_and_the_lost_write_is_said(pg_server, pg_url, tmp_path):
    store = Store.open(tmp_path, url=pg_url)
    feed = add_feed(store, "before")
    pg_server.restart()
    # Between two pieces of work: a new connection, nothing lost.
    add_article(store, feed, ["Written after the server came back, over a new connection"])
    assert store.counts()["articles"] == 1
    with pytest.raises(StoreError, match="not written|cannot be reached"):
        with write_transaction(store.db) as conn:
            conn.execute("UPDATE feeds SET title = 'half' WHERE id = ?", (feed.id,))
            pg_server.restart()
            conn.execute("UPDATE feeds SET title = 'done' WHERE id = ?", (feed.id,))
    assert store.db.conn.execute("SELECT title FROM feeds WHERE id = ?", (feed.id,)).fetchone()[0] not in ("half", "done")


def test_a_viewer_role_reads_and_is_told_plainly_it_cannot_change(store, tmp_path, pg_url):
    if not store.shared:
        pytest.skip("database roles are the newsroom store's")
    from app.engine.review import set_status
    from tests.narrative_data import sample_store

    made = sample_store(store)
    conn = store.db.conn
    conn.execute("CREATE ROLE viewer LOGIN")
    conn.execute("GRANT USAGE ON SCHEMA public TO viewer")
    conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer")
    viewer = Store.open(tmp_path / "editor", url=pg_url.replace("radar@", "viewer@"))
    try:
        narrative_id = made.vaccine
        assert viewer.counts()["claims"] == store.counts()["claims"]
        with pytest.raises(StoreError, match="may read this newsroom store but not change it"):
            set_status(viewer, narrative_id, "confirmed", actor="ed")
    finally:
        viewer.close()
        conn.execute("DROP OWNED BY viewer")
        conn.execute("DROP ROLE viewer")

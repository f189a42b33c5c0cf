"""The database schema, as an ordered list of migrations.

``PRAGMA user_version`` records how many migrations a database has had. Each
migration runs in its own transaction, so a crash leaves the database at the last
complete version and the next start carries on. Never edit a released migration:
append a new one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: feeds, fetches, articles, claims, full-text search.
    """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('http', 'file')),
        title TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        added_at TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_fetch_at TEXT,
        last_success_at TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_fetch_at TEXT,
        last_document_sha256 TEXT
    );
    CREATE TABLE feed_tags (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (feed_id, tag)
    );
    CREATE INDEX feed_tags_tag ON feed_tags(tag);
    CREATE TABLE documents (
        sha256 TEXT PRIMARY KEY,
        bytes INTEGER NOT NULL,
        stored_at TEXT NOT NULL,
        path TEXT
    );
    CREATE TABLE fetches (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        http_status INTEGER,
        error TEXT,
        document_sha256 TEXT REFERENCES documents(sha256),
        bytes INTEGER,
        entries_found INTEGER NOT NULL DEFAULT 0,
        entries_new INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX fetches_feed ON fetches(feed_id, started_at);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        fetch_id INTEGER REFERENCES fetches(id) ON DELETE SET NULL,
        guid TEXT,
        link TEXT,
        title TEXT NOT NULL,
        author TEXT,
        text TEXT NOT NULL,
        language TEXT,
        published_at TEXT NOT NULL,
        published_estimated INTEGER NOT NULL DEFAULT 0,
        fetched_at TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        document_sha256 TEXT
    );
    CREATE INDEX articles_feed_guid ON articles(feed_id, guid);
    CREATE INDEX articles_feed_link ON articles(feed_id, link);
    CREATE INDEX articles_content ON articles(content_sha256);
    CREATE INDEX articles_published ON articles(published_at, id);
    CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        language TEXT,
        is_title INTEGER NOT NULL DEFAULT 0,
        UNIQUE (article_id, position)
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END;
    CREATE VIRTUAL TABLE claims_fts USING fts5(
        text, content='claims', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER claims_ai AFTER INSERT ON claims BEGIN
        INSERT INTO claims_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER claims_ad AFTER DELETE ON claims BEGIN
        INSERT INTO claims_fts(claims_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER claims_au AFTER UPDATE OF text ON claims BEGIN
        INSERT INTO claims_fts(claims_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO claims_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail TEXT
    );
    CREATE INDEX audit_subject ON audit(subject, at);
    """,
]

MIGRATIONS.append(
    # 2: claim vectors, narratives and their members, flags, reviews' home.
    # A narrative is a storyline; its facets are the claim-level clusters it is made of
    # (one assertion told again and again), each with a running centroid.
    """
    CREATE TABLE vectors (
        claim_id INTEGER PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vector BLOB NOT NULL
    );
    CREATE INDEX vectors_model ON vectors(model);
    CREATE TABLE narratives (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'reviewing', 'confirmed', 'dismissed')),
        notes TEXT NOT NULL DEFAULT '',
        label_claim_id INTEGER REFERENCES claims(id) ON DELETE SET NULL,
        model TEXT NOT NULL,
        centroid BLOB NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT,
        last_seen TEXT,
        sources INTEGER NOT NULL DEFAULT 0,
        languages TEXT NOT NULL DEFAULT '',
        score REAL NOT NULL DEFAULT 0,
        flagged INTEGER NOT NULL DEFAULT 0,
        reviewed INTEGER NOT NULL DEFAULT 0,
        merged_into INTEGER REFERENCES narratives(id) ON DELETE SET NULL
    );
    CREATE INDEX narratives_rank ON narratives(flagged, score);
    CREATE INDEX narratives_last_seen ON narratives(last_seen);
    CREATE TABLE facets (
        id INTEGER PRIMARY KEY,
        narrative_id INTEGER NOT NULL REFERENCES narratives(id) ON DELETE CASCADE,
        centroid BLOB NOT NULL,
        size INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX facets_narrative ON facets(narrative_id);
    CREATE TABLE narrative_claims (
        claim_id INTEGER PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
        narrative_id INTEGER NOT NULL REFERENCES narratives(id) ON DELETE CASCADE,
        facet_id INTEGER NOT NULL REFERENCES facets(id) ON DELETE CASCADE,
        similarity REAL NOT NULL,
        added_at TEXT NOT NULL,
        pinned INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX narrative_claims_narrative ON narrative_claims(narrative_id);
    CREATE TABLE flags (
        narrative_id INTEGER NOT NULL REFERENCES narratives(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        reason TEXT NOT NULL,
        weight REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (narrative_id, kind)
    );
    CREATE VIRTUAL TABLE claims_vocab USING fts5vocab(claims_fts, 'row');
    """
)

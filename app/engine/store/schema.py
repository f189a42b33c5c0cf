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

MIGRATIONS.append(
    # 3: the library of known fact-checks, their vectors, and their matches with claims.
    # A fact-check is found again on re-import by its external id, else its URL, else
    # its normalised claim text and publisher (``text_key``); none of them is unique on
    # its own, so the lookup order lives in code (app/engine/factchecks/library.py).
    """
    CREATE TABLE factchecks (
        id INTEGER PRIMARY KEY,
        external_id TEXT,
        url TEXT,
        text_key TEXT NOT NULL,
        claim TEXT NOT NULL,
        title TEXT,
        claimant TEXT,
        claim_date TEXT,
        rating TEXT,
        verdict TEXT NOT NULL DEFAULT 'other'
            CHECK (verdict IN ('false', 'misleading', 'mixed', 'true', 'unproven', 'other')),
        publisher TEXT,
        publisher_site TEXT,
        review_date TEXT,
        language TEXT,
        source TEXT NOT NULL,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX factchecks_external_id ON factchecks(external_id);
    CREATE INDEX factchecks_url ON factchecks(url);
    CREATE INDEX factchecks_text_key ON factchecks(text_key);
    CREATE INDEX factchecks_article ON factchecks(article_id);
    CREATE VIRTUAL TABLE factchecks_fts USING fts5(
        claim, title, content='factchecks', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER factchecks_ai AFTER INSERT ON factchecks BEGIN
        INSERT INTO factchecks_fts(rowid, claim, title) VALUES (new.id, new.claim, coalesce(new.title, ''));
    END;
    CREATE TRIGGER factchecks_ad AFTER DELETE ON factchecks BEGIN
        INSERT INTO factchecks_fts(factchecks_fts, rowid, claim, title)
        VALUES ('delete', old.id, old.claim, coalesce(old.title, ''));
    END;
    CREATE TRIGGER factchecks_au AFTER UPDATE OF claim, title ON factchecks BEGIN
        INSERT INTO factchecks_fts(factchecks_fts, rowid, claim, title)
        VALUES ('delete', old.id, old.claim, coalesce(old.title, ''));
        INSERT INTO factchecks_fts(rowid, claim, title) VALUES (new.id, new.claim, coalesce(new.title, ''));
    END;
    CREATE VIRTUAL TABLE factchecks_vocab USING fts5vocab(factchecks_fts, 'row');
    CREATE TABLE factcheck_vectors (
        factcheck_id INTEGER NOT NULL REFERENCES factchecks(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (factcheck_id, model)
    );
    CREATE INDEX factcheck_vectors_model ON factcheck_vectors(model);
    CREATE TABLE factcheck_matches (
        claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
        factcheck_id INTEGER NOT NULL REFERENCES factchecks(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        score REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'rejected')),
        matched_at TEXT NOT NULL,
        PRIMARY KEY (claim_id, factcheck_id)
    );
    CREATE INDEX factcheck_matches_factcheck ON factcheck_matches(factcheck_id);
    CREATE TABLE factcheck_checked (
        claim_id INTEGER PRIMARY KEY REFERENCES claims(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        checked_at TEXT NOT NULL
    );
    """
)

MIGRATIONS.append(
    # 4: a stemmed full-text index of the fact-checks, for matching claims to them
    # ("fires" finds "fire"; measured by bench/factchecks.py). The unstemmed one stays
    # for search and for word frequencies, which must be of whole words.
    """
    CREATE VIRTUAL TABLE factchecks_stem USING fts5(
        claim, title, content='factchecks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    );
    INSERT INTO factchecks_stem(factchecks_stem) VALUES ('rebuild');
    CREATE TRIGGER factchecks_stem_ai AFTER INSERT ON factchecks BEGIN
        INSERT INTO factchecks_stem(rowid, claim, title) VALUES (new.id, new.claim, coalesce(new.title, ''));
    END;
    CREATE TRIGGER factchecks_stem_ad AFTER DELETE ON factchecks BEGIN
        INSERT INTO factchecks_stem(factchecks_stem, rowid, claim, title)
        VALUES ('delete', old.id, old.claim, coalesce(old.title, ''));
    END;
    CREATE TRIGGER factchecks_stem_au AFTER UPDATE OF claim, title ON factchecks BEGIN
        INSERT INTO factchecks_stem(factchecks_stem, rowid, claim, title)
        VALUES ('delete', old.id, old.claim, coalesce(old.title, ''));
        INSERT INTO factchecks_stem(rowid, claim, title) VALUES (new.id, new.claim, coalesce(new.title, ''));
    END;
    """
)

MIGRATIONS.append(
    # 5: a narrative's growth (claims published in the last 24 hours of its activity) is
    # kept with its other statistics: counted on every read, it cost the list a join over
    # every claim of every row shown, each time the views re-read.
    """
    ALTER TABLE narratives ADD COLUMN recent_claims INTEGER NOT NULL DEFAULT 0;
    UPDATE narratives SET recent_claims = (
        SELECT count(*) FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id
        JOIN articles a ON a.id = c.article_id
        WHERE nc.narrative_id = narratives.id
        AND a.published_at >= strftime('%Y-%m-%dT%H:%M:%SZ', narratives.last_seen, '-24 hours')
    ) WHERE last_seen IS NOT NULL;
    """
)

MIGRATIONS.append(
    # 6: a narrative's sources leave out feeds tagged fact-checker (they repeat a claim to
    # debunk it), as its flags always did; counted again once for existing databases.
    """
    UPDATE narratives SET sources = (
        SELECT count(DISTINCT a.feed_id) FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id
        JOIN articles a ON a.id = c.article_id
        WHERE nc.narrative_id = narratives.id
        AND a.feed_id NOT IN (SELECT feed_id FROM feed_tags WHERE tag = 'fact-checker')
    ) WHERE merged_into IS NULL;
    """
)

MIGRATIONS.append(
    # 7: how many articles of each feed carry each sentence template (see
    # app/engine/boilerplate.py), so that a feed's boilerplate lines are known when they
    # come again; counted from the stored claims once for existing databases is not
    # possible (dropped lines were never stored), so counting starts with the next fetch.
    """
    CREATE TABLE IF NOT EXISTS feed_templates (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        template INTEGER NOT NULL,
        articles INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (feed_id, template)
    ) WITHOUT ROWID;
    """
)

MIGRATIONS.append(
    # 8: why a claim was linked into its narrative (cosine, words, names, numbers, whole
    # articles), written by the clustering; empty for claims linked before, and for claims
    # a reviewer moved.
    """
    ALTER TABLE narrative_claims ADD COLUMN evidence TEXT NOT NULL DEFAULT '';
    """
)

MIGRATIONS.append(
    # 9: the text a vector was made from, as a hash of its words (see vectors.text_key), so that
    # a text embedded once (a wire story in ten feeds, a line every copy keeps) is not embedded
    # again when another claim brings it in a later batch or a later fetch: its vector is copied.
    # Vectors stored before have none and are simply not reused. And the feeds' boilerplate
    # lines, which clustering reads once a batch, are found without reading every template.
    """
    ALTER TABLE vectors ADD COLUMN text_key BLOB;
    CREATE INDEX vectors_text_key ON vectors (model, text_key) WHERE text_key IS NOT NULL;
    CREATE INDEX feed_templates_common ON feed_templates (articles);
    """
)

MIGRATIONS.append(
    # 10: a narrative's review version, for reviewers working on one store at once: every
    # reviewer's change of what a reviewer sees (status, notes, which claims a reviewer put in
    # or took out) adds one, and a review write made on an older version than the stored one
    # is refused instead of overwriting the other reviewer's change (see app/engine/review.py).
    """
    ALTER TABLE narratives ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    """
)

MIGRATIONS.append(
    # 11: feed leases, for several workers sharing one newsroom store (see app/engine/worker.py):
    # a worker takes a due feed by writing its name and an expiry with one conditional UPDATE,
    # and another worker takes the feed only once that expiry has passed (a killed worker's
    # feeds are not lost). Kept on SQLite too, so that both backends have the same columns.
    """
    ALTER TABLE feeds ADD COLUMN lease_owner TEXT;
    ALTER TABLE feeds ADD COLUMN lease_until TEXT;
    """
)

"""Build stores with feeds, articles, claims and narratives, without the real model.

Narratives are made the way review and the pipeline make them (``narratives.create``
then ``narrative_state.refresh_stored``, which computes statistics, labels and flags), with
vectors from the deterministic :class:`tests.fakes.HashingEmbedder`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.engine.factchecks.library import factcheck_flags
from app.engine.narrative_state import refresh_stored
from app.engine.settings import Settings
from app.engine.store import Store, is_postgres, write_transaction
from app.engine.store import feeds as feed_store
from app.engine.store import memberships
from app.engine.store.vectors import save_vectors
from tests.fakes import HashingEmbedder

MODEL = HashingEmbedder.name


def add_feed(store: Store, title: str, tags: Sequence[str] = ()) -> int:
    slug = "-".join(title.lower().split())
    feed, _ = feed_store.add_feed(store.db, f"https://{slug}.example/feed.xml", kind="http", title=title, tags=tags)
    return feed.id


def add_article(store: Store, feed_id: int, title: str, body: Sequence[str], published_at: str, *,
                language: str = "en", link: str | None = "https://news.example/a") -> tuple[int, list[int]]:
    """Store an article whose claims are its title and each sentence of ``body``; return ids."""
    text = " ".join(body)
    sentences = [title, *body]
    with write_transaction(store.db) as conn:
        article_id = conn.execute(
            "INSERT INTO articles (feed_id, guid, link, title, text, language, published_at, fetched_at,"
            " content_sha256, document_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (feed_id, f"{feed_id}-{title}-{published_at}", link, title, text, language, published_at,
             "2026-11-24T08:00:00Z", hashlib.sha256(text.encode()).hexdigest(),
             hashlib.sha256(f"doc {feed_id} {published_at}".encode()).hexdigest()),
        ).lastrowid
        conn.executemany(
            "INSERT INTO claims (article_id, position, text, language, is_title) VALUES (?, ?, ?, ?, ?)",
            [(article_id, i, s, language, int(i == 0)) for i, s in enumerate(sentences)],
        )
        ids = [r[0] for r in conn.execute("SELECT id FROM claims WHERE article_id = ? ORDER BY position",
                                          (article_id,))]
    return article_id, ids


def make_narrative(store: Store, claim_ids: Sequence[int], settings: Settings = Settings()) -> int:
    """Join these claims into a narrative with statistics, label and flags."""
    embedder = HashingEmbedder()
    ids = [int(i) for i in claim_ids]
    marks = ",".join("?" * len(ids))
    texts = dict(store.db.conn.execute(f"SELECT id, text FROM claims WHERE id IN ({marks})", ids).fetchall())
    vectors = embedder.encode([texts[i] for i in ids])
    with write_transaction(store.db) as conn:
        save_vectors(conn, MODEL, ids, vectors)
        narrative_id = memberships.create(conn, MODEL, [(i, 0.9) for i in ids], vectors)
        refresh_stored(store, [narrative_id], settings, factcheck_flags)
    return narrative_id


@dataclass(frozen=True)
class Sample:
    """What :func:`sample_store` made."""

    feeds: dict[str, int]
    vaccine: int      # 5 sources, 3 languages, one on the watchlist: flagged
    ballots: int      # 3 sources in English: flagged for spread
    bridge: int       # 2 sources, a week apart: not flagged
    vaccine_claims: list[int]


OUTLETS = [
    ("The Daily Ledger", ("mainstream",)),
    ("Le Courrier du Lac", ("mainstream",)),
    ("Severny Vestnik", ("watchlist", "state-media")),
    ("Open Eyes Report", ("watchlist",)),
    ("Stimme der Mitte", ()),
    ("ClaimCheck Desk", ("fact-checker",)),
]


def sample_store(store: Store) -> Sample:
    """Six outlets and three narratives with known flags."""
    feeds = {title: add_feed(store, title, tags) for title, tags in OUTLETS}
    vaccine = [
        ("The Daily Ledger", "en", "2026-11-10T08:00:00Z", "Flu vaccine contains tracking microchips, post claims"),
        ("Severny Vestnik", "ru", "2026-11-10T11:00:00Z", "Вакцина от гриппа содержит микрочипы слежения"),
        ("Open Eyes Report", "en", "2026-11-10T15:00:00Z", "Flu vaccine secretly contains tracking microchips"),
        ("Stimme der Mitte", "de", "2026-11-11T09:30:00Z", "Grippeimpfstoff enthält Mikrochips zur Verfolgung"),
        ("Le Courrier du Lac", "fr", "2026-11-11T12:00:00Z", "Le vaccin contre la grippe contiendrait des puces"),
    ]
    vaccine_claims = []
    for outlet, language, at, title in vaccine:
        _, ids = add_article(store, feeds[outlet], title,
                             ["The regional health office denied it on Monday.",
                              "Nobody has shown a chip from any vial."], at, language=language,
                             link=f"https://{outlet.split()[-1].lower()}.example/vaccine")
        vaccine_claims.append(ids[0])
    ballots = []
    for outlet, at in [("The Daily Ledger", "2026-11-15T09:00:00Z"), ("Open Eyes Report", "2026-11-15T10:00:00Z"),
                       ("ClaimCheck Desk", "2026-11-15T20:00:00Z")]:
        _, ids = add_article(store, feeds[outlet], "Forty thousand ballots cast in dead voters' names",
                             ["Officials say the roll was cleaned in March."], at)
        ballots.append(ids[0])
    bridge = []
    for outlet, at in [("The Daily Ledger", "2026-11-01T09:00:00Z"), ("Le Courrier du Lac", "2026-11-08T09:00:00Z")]:
        _, ids = add_article(store, feeds[outlet], "The old bridge will close for repairs in spring",
                             ["Traffic will move to the ring road."], at)
        bridge.append(ids[0])
    return Sample(feeds, make_narrative(store, vaccine_claims), make_narrative(store, ballots),
                  make_narrative(store, bridge), vaccine_claims)


def bulk_narratives(store: Store, count: int) -> list[int]:
    """Insert ``count`` small narratives quickly (straight SQL), with varied statistics.

    Every fourth one is flagged with a spread flag; scores, sources and dates vary so
    that every sort order differs.
    """
    feed_id = add_feed(store, "Bulk Outlet")
    body = [f"Claim number {i} about topic {i % 97}." for i in range(count)]
    article_id, claim_ids = add_article(store, feed_id, "Bulk article", body, "2026-11-01T00:00:00Z")
    claim_ids = claim_ids[1:]
    blob = np.zeros(HashingEmbedder.dim, dtype=np.float32).tobytes()
    ids = []
    with write_transaction(store.db) as conn:
        facets = is_postgres(store.db) or bool(
            conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'facets'").fetchone())
        for i, claim_id in enumerate(claim_ids):
            day = 1 + i % 28
            flagged = int(i % 4 == 0)
            narrative_id = conn.execute(
                "INSERT INTO narratives (created_at, updated_at, model, centroid, size, label_claim_id, first_seen,"
                " last_seen, sources, languages, score, flagged, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z", MODEL, blob, 1 + i % 13, claim_id,
                 f"2026-11-{day:02d}T{i % 24:02d}:00:00Z", f"2026-12-{day:02d}T00:00:00Z", 1 + i % 11,
                 ["en", "en,fr", "de"][i % 3], round((i * 37 % 1000) / 10, 1), flagged,
                 ["new", "reviewing", "confirmed", "dismissed"][i % 4]),
            ).lastrowid
            if facets:
                facet_id = conn.execute("INSERT INTO facets (narrative_id, centroid, size) VALUES (?, ?, 1)",
                                        (narrative_id, blob)).lastrowid
                conn.execute("INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at)"
                             " VALUES (?, ?, ?, 1.0, ?)", (claim_id, narrative_id, facet_id, "2026-11-01T00:00:00Z"))
            else:
                conn.execute("INSERT INTO narrative_claims (claim_id, narrative_id, similarity, added_at)"
                             " VALUES (?, ?, 1.0, ?)", (claim_id, narrative_id, "2026-11-01T00:00:00Z"))
            if flagged:
                conn.execute("INSERT INTO flags (narrative_id, kind, reason, weight) VALUES (?, 'spread', ?, 3)",
                             (narrative_id, f"Told by many sources ({i})."))
            ids.append(narrative_id)
    return ids


def large_narrative(store: Store, claims: int, sources: int = 40, languages: Sequence[str] = ("en", "ru", "de"),
                    *, days: int = 20) -> int:
    """Insert one narrative of ``claims`` claims (one article each) straight in SQL; return its id.

    Outlet ``k`` tells roughly ``1 / (k + 1)`` of the claims, so a few outlets are loud and
    the rest a long tail; publication times are spread over ``days`` days (deterministic).
    """
    feeds = [add_feed(store, f"Outlet {k:02d}") for k in range(sources)]
    weights = np.array([1 / (k + 1) for k in range(sources)])
    rng = np.random.default_rng(5)
    picks = rng.choice(len(feeds), size=claims, p=weights / weights.sum())
    seconds = rng.integers(0, days * 86400, size=claims)
    blob = np.zeros(HashingEmbedder.dim, dtype=np.float32).tobytes()
    with write_transaction(store.db) as conn:
        first_article = (conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]) + 1
        first_claim = (conn.execute("SELECT coalesce(max(id), 0) FROM claims").fetchone()[0]) + 1
        rows, texts = [], []
        for n in range(claims):
            day, rest = divmod(int(seconds[n]), 86400)
            at = f"2026-10-{1 + day:02d}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}Z"
            text = f"Claim {n:05d} says thing {n * 7919 % 1009} about the topic."
            rows.append((first_article + n, feeds[int(picks[n])], f"big-{n}", text[:30], text,
                         languages[n % len(languages)], at, "2026-11-01T00:00:00Z", f"sha-big-{n}"))
            texts.append((first_claim + n, first_article + n, text, languages[n % len(languages)]))
        conn.executemany("INSERT INTO articles (id, feed_id, guid, title, text, language, published_at, fetched_at,"
                         " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO claims (id, article_id, position, text, language, is_title)"
                         " VALUES (?, ?, 0, ?, ?, 1)", texts)
        narrative_id = conn.execute(
            "INSERT INTO narratives (created_at, updated_at, model, centroid, size, label_claim_id, first_seen,"
            " last_seen, sources, languages) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z", MODEL, blob, claims, first_claim,
             min(r[6] for r in rows), max(r[6] for r in rows), sources, ",".join(languages)),
        ).lastrowid
        facet_id = conn.execute("INSERT INTO facets (narrative_id, centroid, size) VALUES (?, ?, ?)",
                                (narrative_id, blob, claims)).lastrowid
        conn.executemany(
            "INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at)"
            " VALUES (?, ?, ?, ?, '2026-11-01T00:00:00Z')",
            [(first_claim + n, narrative_id, facet_id, round(0.5 + (n * 37 % 500) / 1000, 3)) for n in range(claims)])
    return narrative_id

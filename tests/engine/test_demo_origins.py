"""Who told it first, on the demo's labelled narratives with the real default model."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from app.engine.embedding import DEFAULT_MODEL, load_embedder
from app.engine.ingest import add_sources
from app.engine.paths import demo_dir
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings
from app.engine.store import narratives as narrative_store

pytestmark = pytest.mark.slow


def test_each_labelled_narrative_is_found_with_the_time_its_earliest_article_was_told(store):
    labels = json.loads((demo_dir() / "labels.json").read_text(encoding="utf-8"))
    add_sources(store, [str(demo_dir() / "feeds")])
    Pipeline(store, Settings(), embedder=load_embedder(DEFAULT_MODEL, threads=2)).run(force=True)
    conn = store.db.conn
    article = {guid: (article_id, published, language) for article_id, guid, published, language in conn.execute(
        "SELECT id, guid, published_at, language FROM articles")}
    holders: dict[int, Counter] = {}
    for summary in narrative_store.list_narratives(store.db):
        for member in narrative_store.get_narrative(store.db, summary.id).members:
            holders.setdefault(member.article_id, Counter())[summary.id] += 1
    summaries = {s.id: s for s in narrative_store.list_narratives(store.db)}
    for narrative in labels["narratives"]:
        told = [article[a["guid"]] for a in narrative["articles"]]
        votes = Counter(n for article_id, _, _ in told for n in holders.get(article_id, {}))
        [(found, count)] = votes.most_common(1)
        summary = summaries[found]
        # Most of its articles (not yet all: the cash ban misses two of seven, Spanish and German
        # wordings below the bars), in every one of its languages, in one narrative...
        assert count >= 0.7 * len(told), (narrative["key"], count, len(told))
        assert set(summary.languages) >= {language for _, _, language in told}, narrative["key"]
        # ... first seen when its earliest article was published: the origin shown is the real one.
        assert summary.first_seen == min(published for _, published, _ in told), narrative["key"]
        assert summary.flagged and not any(f.kind == "origin" for f in summary.flags), narrative["key"]

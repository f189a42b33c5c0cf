"""Search by meaning: only claims that pass the model's bar, best first, and a count of the weaker ones."""

from __future__ import annotations

import pytest

from app.engine import search
from app.engine.pipeline import Pipeline
from app.engine.search import MeaningSearch, semantic_search
from app.engine.settings import Settings
from tests.engine.helpers import add_article, add_feed
from tests.fakes import HashingEmbedder

CLAIMS = [
    "Corvax flu vaccine contains TraceLume tracking microchips",
    "Leaked papers say the Corvax vaccine hides microchips",
    "Dogs in the county must carry a microchip from January",
    "The harbour festival returns with fireworks on Saturday",
    "Petrol prices doubled since January say drivers",
]


@pytest.fixture
def searchable(store, monkeypatch):
    monkeypatch.setitem(search.SEARCH_BARS, "fake-hashing", 0.5)
    feed = add_feed(store, "outlet")
    for n, claim in enumerate(CLAIMS):
        add_article(store, feed, [claim], published=f"2026-11-1{n}T08:00:00Z")
    pipeline = Pipeline(store, Settings(), embedder=HashingEmbedder())
    pipeline.process_claims()
    return pipeline


def test_only_claims_passing_the_bar_are_returned_best_first_and_the_weaker_are_counted(store, searchable):
    found = semantic_search(store, searchable.index(), searchable.embedder, "Corvax vaccine microchips", limit=5)
    assert isinstance(found, MeaningSearch) and found.bar == 0.5
    assert sorted(h.text for h in found.hits) == sorted(CLAIMS[:2])
    assert all(h.score >= 0.5 for h in found.hits) and found.hits[0].score >= found.hits[1].score
    assert (found.nearest, found.left_out) == (5, 3)


def test_nothing_close_enough_returns_no_hit_but_says_how_many_were_looked_at(store, searchable):
    found = semantic_search(store, searchable.index(), searchable.embedder, "orchestra winter concerts", limit=3)
    assert found.hits == () and (found.nearest, found.left_out) == (3, 3)


def test_a_model_without_a_measured_bar_gets_the_strict_one():
    assert search.search_bar("/models/my-own") == search.FALLBACK_SEARCH_BAR
    assert all(0 < bar < 1 for bar in search.SEARCH_BARS.values())

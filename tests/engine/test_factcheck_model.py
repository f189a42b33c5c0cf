"""Fact-check matching with the real default model: across languages, and on the demo's labelled narratives."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from app.engine.embedding import DEFAULT_MODEL, load_embedder
from app.engine.factchecks.importer import import_factchecks
from app.engine.factchecks.match import FactCheckMatcher
from app.engine.factchecks.library import list_factchecks, narrative_factchecks, thresholds_for
from app.engine.ingest import add_sources
from app.engine.paths import demo_dir
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings
from app.engine.store import narratives as narrative_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder():
    return load_embedder(DEFAULT_MODEL, threads=2)


@pytest.fixture
def demo_library(memory_store):
    import_factchecks(memory_store, [demo_dir() / "factchecks.json"])
    return memory_store


@pytest.mark.parametrize("text, language, expected, flags", [
    # Reworded, and in a language that has a fact-check of its own: it flags.
    ("Laut geleakten Dokumenten enthält der Grippeimpfstoff Corvax-27 Mikrochips zur Überwachung.", "de",
     {"fc-001", "fc-002"}, True),
    ("Le ministre Aldous a dit que les agriculteurs qui ne sont pas compétitifs doivent disparaître.", "fr",
     {"fc-005", "fc-006"}, True),
    # Reworded into a language no fact-check of it is in: found first, shown as a possible match.
    ("В бюллетенях второго тура в Валдории 40 000 голосов отдали умершие избиратели.", "ru", {"fc-003", "fc-004"},
     False),
    ("Meridia Bank is about to go bust and will freeze every account on Friday.", "en", {"fc-007", "fc-008"}, False),
])
def test_claims_find_their_factcheck_across_languages(demo_library, embedder, text, language, expected, flags):
    thresholds = thresholds_for(embedder.name)
    [found] = FactCheckMatcher(demo_library, embedder).match_texts([text], top=3, languages=[language])
    assert found[0].factcheck.external_id in expected, found
    assert found[0].score >= (thresholds.flag if flags else thresholds.suggest), found


def test_a_translation_flags_across_languages(demo_library, embedder):
    """Word for word in another language, where no word is shared: the cosine alone clears its bar."""
    text = "Вакцина от гриппа Corvax-27 содержит микрочипы TraceLume, которые отслеживают всех, кто получил прививку."
    [found] = FactCheckMatcher(demo_library, embedder).match_texts([text], top=3, languages=["ru"])
    assert found[0].factcheck.external_id in {"fc-001", "fc-002"}
    assert found[0].score >= thresholds_for(embedder.name).flag, found


def test_an_unrelated_claim_flags_nothing(demo_library, embedder):
    matcher = FactCheckMatcher(demo_library, embedder)
    [found] = matcher.match_texts(["The harbour festival returns to Port Carrow with fireworks on Saturday."],
                                  languages=["en"])
    assert all(m.score < thresholds_for(embedder.name).flag for m in found)


def _narrative_labels() -> tuple[dict[str, str], dict[str, set[str]]]:
    labels = json.loads((demo_dir() / "labels.json").read_text(encoding="utf-8"))
    by_guid = {a["guid"]: n["key"] for n in labels["narratives"] for a in n["articles"]}
    return by_guid, {k: set(v) for k, v in labels["factcheck_links"].items()}


def test_demo_narratives_are_flagged_with_their_own_factchecks(store, embedder):
    """Every demo narrative with fact-checks is flagged by one of them; the others are not flagged."""
    import_factchecks(store, [demo_dir() / "factchecks.json"])
    add_sources(store, [str(demo_dir() / "feeds")])
    Pipeline(store, Settings(), embedder=embedder).run(force=True)
    by_guid, links = _narrative_labels()
    guid_of = dict(store.db.conn.execute("SELECT id, guid FROM articles").fetchall())
    external = {fc.id: fc.external_id for fc in list_factchecks(store.db, limit=None)}
    flagged_by: dict[str, set[str]] = {key: set() for key in links}
    for summary in narrative_store.list_narratives(store.db):
        narrative = narrative_store.get_narrative(store.db, summary.id)
        votes = Counter(by_guid.get(guid_of[m.article_id]) for m in narrative.members)
        key, count = votes.most_common(1)[0]
        matches = narrative_factchecks(store.db, summary.id)
        flagging = {external[m.factcheck.id] for m in matches if m.flagging}
        suggested = {external[m.factcheck.id] for m in matches if not m.flagging}
        assert ("fact-checked" in {f.kind for f in summary.flags}) == bool(flagging)
        if key is None or count < len(narrative.members) / 2:
            # Unlabelled news may only match a fact-check that is about none of the labelled narratives.
            assert not flagging & set().union(*links.values()), (narrative.summary.label, flagging)
            continue
        assert flagging <= links[key] | (set(external.values()) - set().union(*links.values())), (key, flagging)
        # Suggestions pass a bar calibrated for precision: never another story's fact-check, and none
        # for a story no one has checked (issue 15: the cash ban was offered the clock change).
        assert not suggested & (set().union(*links.values()) - links[key]), (key, suggested)
        assert links[key] or not suggested, (key, suggested)
        flagged_by[key] |= flagging
    for key, expected in links.items():
        assert bool(flagged_by[key]) == bool(expected), (key, flagged_by[key])

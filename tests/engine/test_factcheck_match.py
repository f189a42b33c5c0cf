"""Matching claims with known fact-checks: ranking, flags on narratives, review of matches, feeds."""

from __future__ import annotations

import json

import pytest

from app.engine.factchecks import library as factchecks
from app.engine.factchecks.importer import import_factchecks, sync_feed_factchecks
from app.engine.factchecks.claims import match_all, match_claims, match_library_changes
from app.engine.factchecks.match import FactCheckMatcher, numbers_clash
from app.engine.factchecks.library import (FactCheckError, MatchThresholds, list_factchecks, narrative_factchecks,
                                   set_claim_match_status, set_match_status)
from app.engine.ingest import add_source, ingest
from app.engine.paths import demo_dir
from app.engine.pipeline import Pipeline
from app.engine.review import audit_trail
from app.engine.settings import Settings
from app.engine.store import narratives as narrative_store
from tests.engine.helpers import add_article, add_feed
from tests.factcheck_data import FACTCHECKS, VACCINE, use_fake_thresholds
from tests.fakes import HashingEmbedder

@pytest.fixture(autouse=True)
def fake_thresholds(monkeypatch):
    use_fake_thresholds(monkeypatch)


@pytest.fixture
def library(store, tmp_path):
    path = tmp_path / "library.json"
    path.write_text(json.dumps(FACTCHECKS), encoding="utf-8")
    import_factchecks(store, [path])
    return {fc.external_id: fc for fc in list_factchecks(store.db)}


def test_a_claim_finds_its_factcheck_first_and_an_unrelated_one_finds_nothing(store, library):
    matcher = FactCheckMatcher(store, HashingEmbedder())
    assert matcher.prepare() == 4
    vaccine, unrelated = matcher.match_texts(
        [VACCINE, "The city orchestra announced its winter programme of concerts"], top=3, languages=["en", "en"])
    assert vaccine[0].factcheck.external_id == "fc-1" and vaccine[0].score >= 0.6
    assert all(m.score < 0.4 for m in unrelated)
    assert vaccine[0].as_json()["factcheck_id"] == library["fc-1"].id
    assert vaccine[0].as_json()["external_id"] == "fc-1"


def test_scores_are_ranked_best_first_and_top_is_respected(store, library):
    [found] = FactCheckMatcher(store, HashingEmbedder()).match_texts(["flu virus vaccine"], top=2, languages=["en"])
    assert len(found) == 2 and found[0].score >= found[1].score


def test_claims_stating_other_numbers_lose_the_penalty(store, library, monkeypatch):
    matcher = FactCheckMatcher(store, HashingEmbedder())
    [[same]] = matcher.match_texts(["Petrol prices rose 50% since January in Port Carrow"], top=1, languages=["en"])
    [[other]] = matcher.match_texts(["Petrol prices rose 5% since January in Port Carrow"], top=1, languages=["en"])
    assert same.factcheck.external_id == other.factcheck.external_id == "fc-4"
    assert other.score < same.score - 0.1  # the penalty, and a word less in common
    monkeypatch.setitem(factchecks.MODEL_THRESHOLDS, "fake-hashing", MatchThresholds(
        flag=0.6, suggest=0.4, lexical_weight=1.0, cross_language=0.8, numbers_penalty=1.0))
    strict = FactCheckMatcher(store, HashingEmbedder())
    [found] = strict.match_texts(["Petrol prices rose 5% since January in Port Carrow"], languages=["en"])
    assert all(m.score == 0 for m in found if m.factcheck.external_id == "fc-4")


@pytest.mark.parametrize("text, claim, clash", [
    ("Shares rose 2.3% on Monday", "Shares rose 4% on Monday", True),
    ("40,000 ballots were cast", "40.000 votos fueron emitidos", False),
    ("The ride collapsed, 26 injured", "A ride collapsed in India in July 2019", False),  # years are context
    ("The fire burned for 3 weeks", "The Amazon was on fire", False),
])
def test_numbers_clash_sets_years_aside(text, claim, clash):
    assert numbers_clash(text, claim) is clash


def test_across_languages_only_the_cosine_counts_against_its_own_bar(store, library):
    # The fake "translation" shares no words with the fact-check; synonyms make its vector close.
    words = "corvax flu vaccine contains tracelume microchips that track people".split()
    german = "korvax grippe impfstoff enthaelt tracelumex mikrochips die verfolgen menschen"
    synonyms = dict(zip(german.split(), words))
    matcher = FactCheckMatcher(store, HashingEmbedder(synonyms))
    [found] = matcher.match_texts([german], languages=["de"])
    assert found[0].factcheck.external_id == "fc-1" and found[0].lexical == 0.0
    assert found[0].score >= 0.6  # cosine near 1 clears the cross-language bar of 0.8


def _vaccine_narrative(store):
    outlets = [add_feed(store, name) for name in ("open-eyes", "stimme", "faro")]
    for hour, feed in enumerate(outlets):
        add_article(store, feed, [VACCINE], published=f"2026-11-10T0{hour + 1}:00:00Z")
    add_article(store, outlets[0], ["The city orchestra announced its winter programme of concerts"],
                published="2026-11-10T05:00:00Z")
    return outlets


def test_pipeline_flags_the_narrative_that_repeats_a_factcheck(store, library):
    _vaccine_narrative(store)
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    flag = next(f for f in summary.flags if f.kind == "fact-checked")
    assert flag.reason == ("Previously fact-checked: rated False by ClaimCheck Desk (2026-11-12): "
                           "https://claimcheck.example/corvax")
    assert flag.weight == 3.0
    [matched] = narrative_factchecks(store.db, summary.id)
    assert matched.factcheck.external_id == "fc-1" and matched.status == "new" and matched.flagging
    assert len(matched.claim_ids) == 3


def test_rejecting_a_match_stops_flagging_even_as_the_narrative_grows(store, library):
    outlets = _vaccine_narrative(store)
    pipeline = Pipeline(store, Settings(), embedder=HashingEmbedder())
    pipeline.process_claims()
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    fc_id = library["fc-1"].id
    assert set_match_status(store, summary.id, fc_id, "rejected", actor="tester") == 3
    narrative = narrative_store.get_narrative(store.db, summary.id)
    assert "fact-checked" not in {f.kind for f in narrative.summary.flags}
    entry = audit_trail(store, summary.id)[0]
    assert (entry.action, entry.actor) == ("factcheck-match", "tester")
    assert json.loads(entry.detail)["to"] == "rejected"
    # A fourth outlet repeats the claim: the rejected fact-check still does not flag it.
    add_article(store, add_feed(store, "fourth"), [VACCINE], published="2026-11-10T06:00:00Z")
    pipeline.process_claims()
    narrative = narrative_store.get_narrative(store.db, summary.id)
    assert len(narrative.members) == 4
    assert "fact-checked" not in {f.kind for f in narrative.summary.flags}
    [matched] = narrative_factchecks(store.db, summary.id)
    assert matched.status == "rejected" and not matched.flagging and len(matched.claim_ids) == 4
    set_match_status(store, summary.id, fc_id, "confirmed")
    narrative = narrative_store.get_narrative(store.db, summary.id)
    assert "fact-checked" in {f.kind for f in narrative.summary.flags}
    assert outlets  # the narrative was built from them


def test_undo_takes_back_a_rejected_match_and_its_flag_returns(store, library):
    from app.engine import review

    _vaccine_narrative(store)
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    fc_id = library["fc-1"].id
    set_match_status(store, summary.id, fc_id, "rejected")
    assert "fact-checked" not in {f.kind for f in narrative_store.get_narrative(store.db, summary.id).summary.flags}
    undone = review.undo_last(store)
    assert undone.action == "factcheck-match"
    [matched] = narrative_factchecks(store.db, summary.id)
    assert matched.status == "new" and matched.flagging
    assert "fact-checked" in {f.kind for f in narrative_store.get_narrative(store.db, summary.id).summary.flags}
    assert audit_trail(store, summary.id)[0].action == "undo"


def test_match_status_errors(store, library):
    _vaccine_narrative(store)
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    with pytest.raises(FactCheckError):
        set_match_status(store, summary.id, library["fc-1"].id, "maybe")
    with pytest.raises(FactCheckError):
        set_match_status(store, summary.id, library["fc-3"].id, "rejected")
    with pytest.raises(FactCheckError):
        set_claim_match_status(store, 999999, library["fc-1"].id, "rejected")


def test_rejecting_one_claims_match_is_audited_on_its_narrative(store, library):
    _vaccine_narrative(store)
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    [matched] = narrative_factchecks(store.db, summary.id)
    set_claim_match_status(store, matched.claim_ids[0], matched.factcheck.id, "rejected")
    assert audit_trail(store, summary.id)[0].action == "factcheck-match"
    # One rejected claim is enough: the reviewer said this fact-check is not this narrative's.
    assert narrative_factchecks(store.db, summary.id)[0].status == "rejected"


def test_claims_are_matched_once_and_again_after_the_library_changes(store, library, tmp_path):
    _vaccine_narrative(store)
    embedder = HashingEmbedder()
    Pipeline(store, Settings(), embedder=embedder).process_claims()
    assert match_claims(store, embedder).claims_checked == 0  # nothing new
    path = tmp_path / "more.json"
    path.write_text(json.dumps([{"id": "fc-9", "claim": "The city orchestra announced its winter programme",
                                 "rating": "True", "publisher": "Desk"}]), encoding="utf-8")
    import_factchecks(store, [path])
    report = match_all(store, embedder)
    assert report.claims_checked == 4 and report.flagging >= 4
    orchestra = store.db.conn.execute(
        "SELECT count(*) FROM factcheck_matches m JOIN factchecks f ON f.id = m.factcheck_id"
        " WHERE f.external_id = 'fc-9'").fetchone()[0]
    assert orchestra == 1


def test_an_empty_library_checks_nothing_so_the_first_import_reaches_every_claim(store, tmp_path):
    _vaccine_narrative(store)
    embedder = HashingEmbedder()
    Pipeline(store, Settings(), embedder=embedder).process_claims()
    assert store.db.conn.execute("SELECT count(*) FROM factcheck_checked").fetchone()[0] == 0
    path = tmp_path / "library.json"
    path.write_text(json.dumps(FACTCHECKS), encoding="utf-8")
    import_factchecks(store, [path])
    report = match_claims(store, embedder)
    assert report.claims_checked == 4 and len(report.narratives_touched) == 1
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    assert "fact-checked" in {f.kind for f in summary.flags}


FACT_CHECK_ARTICLE = ("Claim: The Corvax flu vaccine contains TraceLume microchips that track people. Rating: False. "
                      "We found no evidence of any microchip in the vaccine.")


def test_articles_of_fact_checker_feeds_enter_the_library(store):
    desk = add_feed(store, "claimcheck", tags=("fact-checker",))
    article_id = add_article(store, desk, ["Fact check: No, the Corvax vaccine has no microchips",
                                           FACT_CHECK_ARTICLE], published="2026-11-12T09:00:00Z")
    added = sync_feed_factchecks(store)
    assert len(added) == 1 and sync_feed_factchecks(store) == []
    [fc] = list_factchecks(store.db)
    assert fc.claim == "The Corvax flu vaccine contains TraceLume microchips that track people."
    assert (fc.rating, fc.verdict, fc.publisher, fc.review_date) == ("False", "false", "claimcheck", "2026-11-12")
    assert fc.title == "Fact check: No, the Corvax vaccine has no microchips"
    assert fc.article_id == article_id and fc.source.startswith("feed:")


def test_a_fact_checker_article_rated_in_its_headline_gives_its_first_claim(store):
    desk = add_feed(store, "desk", tags=("fact-checker",))
    add_article(store, desk, ["False: the bridge is not closing for a year",
                              "The bridge will close for a whole year, posts say."])
    sync_feed_factchecks(store)
    [fc] = list_factchecks(store.db)
    assert fc.claim == "The bridge will close for a whole year, posts say." and fc.rating == "False"
    assert fc.verdict == "false"


@pytest.mark.parametrize("article", [
    ["How we work: our ratings explained", "Every fact check we publish ends with a rating.",
     "False means the claim is wrong. Misleading means it leaves a false impression."],
    ["This week in fact checks: speed limits, petrol prices and a photo",
     "Each Monday we round up the claims we checked recently."],
    ["Explainer: How Valdoria counts postal votes", "Postal voting has become a talking point after the run-off."],
    ["Is the bridge closing for a year?", "The bridge will close for a whole year, posts say."],
])
def test_articles_of_a_fact_checker_that_state_no_checked_claim_stay_out_of_the_library(store, article):
    desk = add_feed(store, "desk", tags=("fact-checker",))
    add_article(store, desk, article)
    assert sync_feed_factchecks(store) == [] and list_factchecks(store.db) == []


def test_the_demo_fact_checker_feed_gives_only_its_fact_checks(store):
    add_source(store, str(demo_dir() / "feeds" / "claimcheck-desk.xml"), tags=("fact-checker",))
    ingest(store)
    sync_feed_factchecks(store)
    titles = {fc.title for fc in list_factchecks(store.db)}
    assert len(titles) == 9 and all(t.startswith("Fact check:") for t in titles)
def test_a_fact_checker_feed_links_to_a_file_factcheck_of_the_same_url(store, library):
    desk = add_feed(store, "desk", tags=("fact-checker",))
    add_article(store, desk, ["Fact check", FACT_CHECK_ARTICLE])
    article = store.db.conn.execute("SELECT id FROM articles").fetchone()[0]
    store.db.conn.execute("UPDATE articles SET link = 'https://claimcheck.example/corvax' WHERE id = ?", (article,))
    sync_feed_factchecks(store)
    assert len(list_factchecks(store.db)) == 4  # not a fifth
    fc = next(f for f in list_factchecks(store.db) if f.external_id == "fc-1")
    assert fc.article_id == article and fc.publisher == "ClaimCheck Desk"  # the file's values kept


def test_a_fact_checker_article_never_matches_its_own_factcheck(store):
    desk = add_feed(store, "desk", tags=("fact-checker",))
    add_article(store, desk, ["Fact check: No, the Corvax vaccine has no microchips", FACT_CHECK_ARTICLE])
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert store.db.conn.execute("SELECT count(*) FROM factcheck_matches").fetchone()[0] == 0
    assert store.db.conn.execute("SELECT count(*) FROM factcheck_checked").fetchone()[0] == 2


def test_library_changes_recheck_only_the_claims_near_them(store, library, tmp_path):
    _vaccine_narrative(store)
    embedder = HashingEmbedder()
    pipeline = Pipeline(store, Settings(), embedder=embedder)
    pipeline.process_claims()
    checked_before = dict(store.db.conn.execute("SELECT claim_id, checked_at FROM factcheck_checked"))
    store.db.conn.execute("UPDATE factcheck_checked SET checked_at = 'old'")
    path = tmp_path / "more.json"
    path.write_text(json.dumps([{"id": "fc-9", "claim": "The city orchestra announced its winter programme",
                                 "rating": "True", "publisher": "Desk"}]), encoding="utf-8")
    report = import_factchecks(store, [path])
    matched = match_library_changes(store, embedder, report.factcheck_ids, index=pipeline.index())
    assert matched.claims_checked >= 1
    rechecked = {r[0] for r in store.db.conn.execute("SELECT claim_id FROM factcheck_checked WHERE checked_at != 'old'")}
    orchestra = store.db.conn.execute("SELECT id FROM claims WHERE text LIKE 'The city orchestra%'").fetchone()[0]
    assert orchestra in rechecked and len(checked_before) == 4
    [(fc,)] = store.db.conn.execute(
        "SELECT f.external_id FROM factcheck_matches m JOIN factchecks f ON f.id = m.factcheck_id"
        " WHERE m.claim_id = ?", (orchestra,)).fetchall()
    assert fc == "fc-9"


def test_a_fact_checker_feed_flags_an_old_narrative_at_the_next_run(store):
    _vaccine_narrative(store)
    pipeline = Pipeline(store, Settings(), embedder=HashingEmbedder())
    pipeline.process_claims()
    [summary] = narrative_store.list_narratives(store.db)
    assert "fact-checked" not in {f.kind for f in summary.flags}
    desk = add_feed(store, "desk", tags=("fact-checker",))
    add_article(store, desk, ["Fact check: No, the Corvax vaccine has no microchips", FACT_CHECK_ARTICLE],
                published="2026-11-12T09:00:00Z")
    pipeline.process_claims()
    summary = narrative_store.get_narrative(store.db, summary.id).summary
    flag = next(f for f in summary.flags if f.kind == "fact-checked")
    assert flag.reason.startswith("Previously fact-checked: rated False by desk (2026-11-12)")

import math
import random

import numpy as np
import pytest

from app.engine import clustering
from app.engine.clustering import Thresholds
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings
from app.engine.store import narratives as narrative_store
from tests.engine.helpers import add_article, add_feed
from tests.fakes import HashingEmbedder, TableEmbedder
from tests.conftest import SQLITE_ONLY

FAKE = Thresholds(same_language=0.6, cross_language=0.8, centroid=0.8)


@pytest.fixture(autouse=True)
def fake_thresholds(monkeypatch):
    monkeypatch.setitem(clustering.MODEL_THRESHOLDS, "fake-hashing", FAKE)
    monkeypatch.setitem(clustering.MODEL_THRESHOLDS, "fake-table", FAKE)


def angle(degrees: float, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[0], v[1] = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return v


def narratives_of(store):
    result = []
    for summary in narrative_store.list_narratives(store.db):
        narrative = narrative_store.get_narrative(store.db, summary.id)
        result.append(sorted(m.text for m in narrative.members))
    return sorted(result)


def test_the_same_claim_from_three_outlets_becomes_one_flagged_narrative(store):
    claim = "Officials confirmed the dam near Varnholm was opened without warning on Monday"
    outlets = [add_feed(store, name, tags=("watchlist",) if name == "c" else ()) for name in "abc"]
    for hour, feed in enumerate(outlets):
        add_article(store, feed, [claim], published=f"2026-11-10T0{hour + 1}:00:00Z")
    add_article(store, outlets[0], ["The city orchestra announced its winter programme of concerts"])
    report = Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert report.claims_embedded == 4
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    assert summary.size == 3 and summary.sources == 3 and summary.label == claim
    assert {f.kind for f in summary.flags} >= {"spread", "watchlist"}
    assert summary.first_seen == "2026-11-10T01:00:00Z" and summary.last_seen == "2026-11-10T03:00:00Z"


@SQLITE_ONLY
def test_a_fact_checker_repeating_the_claim_is_a_member_but_not_a_source(store):
    claim = "Officials confirmed the dam near Varnholm was opened without warning on Monday"
    outlets = [add_feed(store, name) for name in "abc"] + [add_feed(store, "checker", tags=("fact-checker",))]
    for hour, feed in enumerate(outlets):
        add_article(store, feed, [claim], published=f"2026-11-10T0{hour + 1}:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    assert summary.size == 4 and summary.sources == 3
    spread = next(f for f in summary.flags if f.kind == "spread")
    assert "3 different sources" in spread.reason
    # a database from before counted the fact-checker too: the upgrade counts again
    from app.engine.store.database import migrate

    store.db.conn.execute("UPDATE narratives SET sources = 4")
    store.db.conn.execute("PRAGMA user_version = 5")  # migration 6 counts again; the later ones are kept
    store.db.conn.execute("ALTER TABLE narrative_claims DROP COLUMN evidence")
    store.db.conn.execute("DROP INDEX vectors_text_key")
    store.db.conn.execute("DROP INDEX feed_templates_common")
    store.db.conn.execute("ALTER TABLE vectors DROP COLUMN text_key")
    store.db.conn.execute("ALTER TABLE narratives DROP COLUMN version")
    store.db.conn.execute("ALTER TABLE feeds DROP COLUMN lease_owner")  # migration 11
    store.db.conn.execute("ALTER TABLE feeds DROP COLUMN lease_until")
    migrate(store.db)
    assert narrative_store.list_narratives(store.db)[0].sources == 3


def test_claims_of_one_article_never_form_a_narrative_alone(store):
    feed = add_feed(store, "a")
    add_article(store, feed, ["The bank will collapse on Friday says insider", "The bank will collapse on Friday says insider today"])
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == []


def test_no_single_link_chaining(store):
    # A-B and B-C and C-D are close (30 degrees), A-C is not (60): single link would glue all four.
    texts = {"claim A": angle(0), "claim B": angle(30), "claim C": angle(60), "claim D": angle(90)}
    languages = {"claim A": "en", "claim B": "de", "claim C": "fr", "claim D": "es"}  # cosine alone decides
    for hour, (text, lang) in enumerate(languages.items()):
        add_article(store, add_feed(store, f"outlet{hour}"), [text], language=lang,
                    published=f"2026-11-10T0{hour + 1}:00:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(texts, dim=8)).process_claims()
    assert narratives_of(store) == [["claim A", "claim B"], ["claim C", "claim D"]]


@pytest.mark.parametrize("cross_language, expected", [
    (0.0, []),                                  # the model's own 0.8: cos(40°) = 0.77 is too far
    (0.75, [["claim A", "claim B"]]),           # the user asked for looser matches
])
def test_the_thresholds_in_the_settings_replace_the_models_own(store, cross_language, expected):
    texts = {"claim A": angle(0), "claim B": angle(40)}
    for hour, (text, lang) in enumerate((("claim A", "en"), ("claim B", "de"))):
        add_article(store, add_feed(store, f"outlet{hour}"), [text], language=lang,
                    published=f"2026-11-10T0{hour + 1}:00:00Z")
    settings = Settings(cross_language_threshold=cross_language)
    Pipeline(store, settings, embedder=TableEmbedder(texts, dim=8)).process_claims()
    assert narratives_of(store) == expected


def test_time_window_keeps_old_claims_apart(store):
    claim = "The minister said pensions will be cut by half next year"
    add_article(store, add_feed(store, "a"), [claim], published="2026-01-01T08:00:00Z")
    add_article(store, add_feed(store, "b"), [claim], published="2026-11-10T08:00:00Z")
    Pipeline(store, Settings(window_days=30), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == []


def test_incremental_ids_are_stable_and_recluster_agrees(store):
    claim = "Ballots of forty thousand dead voters were counted in Valdoria"
    pipeline = Pipeline(store, Settings(), embedder=HashingEmbedder())
    add_article(store, add_feed(store, "a"), [claim], published="2026-11-10T01:00:00Z")
    add_article(store, add_feed(store, "b"), [claim + " officials say"], published="2026-11-10T02:00:00Z")
    pipeline.process_claims()
    [first] = narrative_store.list_narratives(store.db)
    add_article(store, add_feed(store, "c"), [claim + " again"], published="2026-11-10T03:00:00Z")
    pipeline.process_claims()
    [grown] = narrative_store.list_narratives(store.db)
    assert grown.id == first.id and grown.size == 3
    before = narratives_of(store)
    pipeline.recluster()
    assert narratives_of(store) == before


def crowded_backlog() -> tuple[dict[str, np.ndarray], list[tuple[str, str, str]]]:
    """Claim A, then B (cos 0.91 with A), then 30 later claims C closer to B (0.94) than A is
    and far from A (0.71): B's 24 nearest vectors are all Cs once the Cs are in the index."""
    texts = {"claim A": angle(0), "claim B": angle(25)}
    # Copies of one sentence, each with its own word (numbers would disagree, so letters).
    later = [f"claim C: the dam near Varnholm was opened without any warning, says {chr(97 + i % 26) * (1 + i // 26)}"
             for i in range(30)]
    texts.update({text: angle(45 + i / 100) for i, text in enumerate(later)})
    # Three languages: the cosine alone decides, as in the chaining test.
    articles = [("claim A", "en", "2026-11-10T01:00:00Z"), ("claim B", "de", "2026-11-10T02:00:00Z")]
    articles += [(text, "fr", f"2026-11-10T03:{i:02d}:00Z") for i, text in enumerate(later)]
    return texts, articles


def test_later_near_duplicates_do_not_crowd_an_earlier_neighbour_out_of_a_backlog(store):
    texts, articles = crowded_backlog()
    for n, (text, language, published) in enumerate(articles):
        add_article(store, add_feed(store, f"outlet{n}"), [text], language=language, published=published)
    pipeline = Pipeline(store, Settings(), embedder=TableEmbedder(texts, dim=8))
    pipeline.process_claims()  # one run: all 32 claims are in the index before any is assigned
    everything = [sorted(texts)]
    assert narratives_of(store) == everything  # A and B pair up at B, as when they arrived
    pipeline.recluster()
    assert narratives_of(store) == everything


def test_a_backlog_clusters_as_the_same_claims_did_arriving_one_by_one(tmp_path):
    from app.engine.store import Store

    texts, articles = crowded_backlog()
    results = []
    for mode in ("arriving", "backlog"):
        store = Store.open(tmp_path / mode)
        pipeline = Pipeline(store, Settings(), embedder=TableEmbedder(texts, dim=8))
        for n, (text, language, published) in enumerate(articles):
            add_article(store, add_feed(store, f"outlet{n}"), [text], language=language, published=published)
            if mode == "arriving":
                pipeline.process_claims()
        pipeline.process_claims()
        results.append(narratives_of(store))
        store.close()
    assert results[0] == results[1] == [sorted(texts)]


def test_index_file_is_rebuilt_when_damaged(store):
    claim = "The water supply of Lake Varnholm was poisoned by chemicals"
    add_article(store, add_feed(store, "a"), [claim], published="2026-11-10T01:00:00Z")
    add_article(store, add_feed(store, "b"), [claim], published="2026-11-10T02:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    store.index_path.write_bytes(b"garbage")
    fresh = Pipeline(store, Settings(), embedder=HashingEmbedder())
    assert len(fresh.index()) == 2
    add_article(store, add_feed(store, "c"), [claim], published="2026-11-10T03:00:00Z")
    fresh.process_claims()
    assert narratives_of(store) == [[claim] * 3]


def test_model_switch_re_embeds_instead_of_mixing(store):
    claim = "The central bank will ban cash payments by 2027"
    add_article(store, add_feed(store, "a"), [claim], published="2026-11-10T01:00:00Z")
    add_article(store, add_feed(store, "b"), [claim], published="2026-11-10T02:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    table = TableEmbedder({claim: angle(10)}, dim=8)
    reported = []
    report = Pipeline(store, Settings(), embedder=table).process_claims(progress=lambda f, _: reported.append(f))
    assert report.claims_embedded == 2
    assert reported == sorted(reported) and reported.count(1.0) == 1 and reported[-1] == 1.0, \
        "re-clustering after the switch goes on from where embedding stopped, not from 0%"
    models = store.db.conn.execute("SELECT DISTINCT model FROM vectors").fetchall()
    assert models == [("fake-table",)]
    assert narratives_of(store) == [[claim, claim]]


def test_claims_told_together_by_the_same_articles_form_one_storyline(store):
    x = "Forty thousand dead voters cast ballots in the Valdoria run off"
    y = "Observers from Belozerye were refused entry to the counting halls"
    z = "The harbour festival opens on Saturday with fireworks and music"
    add_article(store, add_feed(store, "a"), [x, y], published="2026-11-10T01:00:00Z")
    add_article(store, add_feed(store, "b"), [x, y, z], published="2026-11-10T02:00:00Z")
    add_article(store, add_feed(store, "c"), [x], published="2026-11-10T03:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    [summary] = narrative_store.list_narratives(store.db)
    assert summary.size == 5 and summary.sources == 3 and summary.label == x
    facets = store.db.conn.execute("SELECT size FROM facets WHERE narrative_id = ? ORDER BY size", (summary.id,))
    assert [r[0] for r in facets] == [2, 3]


def test_one_feed_carrying_two_claims_again_and_again_is_not_a_storyline(store):
    # Feed a puts its boilerplate line under each of its titles: the titles' narrative and the
    # boilerplate's share a's articles, but no second outlet tells both.
    x = "Forty thousand dead voters cast ballots in the Valdoria run off"
    y = "Dispatch filed from the Varnholm desk of the agency"
    a = add_feed(store, "a")
    add_article(store, a, [x, y], published="2026-11-10T01:00:00Z")
    add_article(store, a, [x, y], published="2026-11-10T02:00:00Z")
    add_article(store, add_feed(store, "b"), [x], published="2026-11-10T03:00:00Z")
    add_article(store, add_feed(store, "c"), [y], published="2026-11-10T04:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == [[y] * 3, [x] * 3]


def _place(i: int) -> str:
    """A made-up place name for story ``i``: stories differ in words, not only in numbers (lines
    a feed repeats but for their numbers are its boilerplate)."""
    letters = "bcdfghjklmnpqrstvwxz"
    return "Var" + letters[i % 20] + "a" + letters[i // 20 % 20] + "on"


def one_hot_stories(count: int) -> dict[str, np.ndarray]:
    """Claims of ``count`` unrelated stories, each orthogonal to every other."""
    texts = [f"Officials in {_place(i)} reported an event to the press" for i in range(count)]
    return {text: np.eye(count, dtype=np.float32)[i] for i, text in enumerate(texts)}


def add_mixed_articles(store, stories: list[str], *, articles: int, per_article: int, seed: int) -> None:
    """Articles that each carry claims of several stories drawn at random, as a digest or a
    live blog does: any two stories share articles now and then by chance alone."""
    rng = random.Random(seed)
    feeds = [add_feed(store, f"mixed{i}") for i in range(10)]
    for n in range(articles):
        add_article(store, feeds[n % len(feeds)], rng.sample(stories, per_article),
                    published=f"2026-11-{10 + n // 24:02d}T{n % 24:02d}:00:00Z")


def test_stories_mixed_in_the_same_articles_by_chance_do_not_chain_into_one_narrative(store):
    # 120 stories, five per article: each story is told by about five articles, and when one
    # narrative is big, the two articles of a young one are often both among its articles.
    # Joining on overlap with the smaller side alone glued 97% of the claims into one narrative.
    table = one_hot_stories(120)
    add_mixed_articles(store, list(table), articles=120, per_article=5, seed=3)
    Pipeline(store, Settings(), embedder=TableEmbedder(table, dim=120)).process_claims()
    sizes = sorted((s.size for s in narrative_store.list_narratives(store.db)), reverse=True)
    claims = store.db.conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    assert sum(sizes) > 0.9 * claims  # the stories are found ...
    assert sizes[0] <= 0.05 * claims  # ... and stay apart (up to a few chance merges of young ones)
    stories_per_narrative = [len({m.text for m in narrative_store.get_narrative(store.db, s.id).members})
                             for s in narrative_store.list_narratives(store.db)]
    assert stories_per_narrative.count(1) > 0.6 * len(stories_per_narrative)


def test_a_big_narrative_does_not_swallow_a_small_one_whose_articles_it_happens_to_hold(store):
    table = one_hot_stories(2)
    big, small = table
    outlets = [add_feed(store, f"outlet{i}") for i in range(8)]
    for hour, feed in enumerate(outlets):
        add_article(store, feed, [big, small] if hour >= 6 else [big], published=f"2026-11-10T0{hour}:00:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(table, dim=2)).process_claims()
    assert narratives_of(store) == [[big] * 8, [small] * 2]


def test_wire_copies_of_one_two_claim_story_still_merge_amid_mixed_articles(store):
    # Four outlets run the same agency story (claims X and Y), a fifth runs X with other news,
    # a sixth Y alone; around them, digests mix unrelated stories as in the chaining test.
    table = one_hot_stories(62)
    x, y, *others = table
    add_mixed_articles(store, others, articles=60, per_article=4, seed=5)
    wire = [add_feed(store, f"wire{i}") for i in range(6)]
    for hour, feed in enumerate(wire[:4]):
        add_article(store, feed, [x, y], published=f"2026-11-11T{hour:02d}:30:00Z")
    add_article(store, wire[4], [x, others[0], others[1]], published="2026-11-11T05:30:00Z")
    add_article(store, wire[5], [y], published="2026-11-11T06:30:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(table, dim=62)).process_claims()
    [storyline] = [n for n in narratives_of(store) if x in n]
    assert storyline == sorted([x] * 5 + [y] * 5)
    [narrative_id] = {r[0] for r in store.db.conn.execute(
        "SELECT nc.narrative_id FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id WHERE c.text = ?", (x,))}
    facets = store.db.conn.execute("SELECT size FROM facets WHERE narrative_id = ? ORDER BY size", (narrative_id,))
    assert [r[0] for r in facets] == [5, 5]


def test_encoding_shortest_first_keeps_rows_in_input_order():
    from app.engine.embedding_queue import encode_by_length

    texts = ["a much longer sentence than the others", "short", "medium length"]
    embedder = TableEmbedder({t: angle(10 * i) for i, t in enumerate(texts)}, dim=8)
    np.testing.assert_allclose(encode_by_length(embedder, texts, None), embedder.encode(texts))


def test_a_text_that_comes_many_times_is_embedded_once():
    from app.engine.embedding_queue import encode_by_length

    seen = []

    class Recording(TableEmbedder):
        def encode(self, texts, **kwargs):
            seen.extend(texts)
            return super().encode(texts, **kwargs)

    texts = ["wire story", "own line", "wire  story", "wire story", "own line"]
    embedder = Recording({"wire story": angle(0), "own line": angle(40)}, dim=8)
    np.testing.assert_allclose(encode_by_length(embedder, texts, None),
                               TableEmbedder(embedder.table, dim=8).encode([" ".join(t.split()) for t in texts]))
    assert sorted(seen) == ["own line", "wire story"]
    assert encode_by_length(embedder, [], None).shape == (0, 8)


def test_a_text_embedded_in_an_earlier_run_is_not_embedded_again(store):
    seen = []

    class Recording(HashingEmbedder):
        def encode(self, texts, **kwargs):
            seen.extend(texts)
            return super().encode(texts, **kwargs)

    embedder = Recording()
    wire = "Officials said the bridge at Kelso will close for repairs from Monday"
    add_article(store, add_feed(store, "first"), ["Bridge to close", wire])
    Pipeline(store, Settings(), embedder=embedder).process_claims()
    assert wire in seen
    seen.clear()
    add_article(store, add_feed(store, "second"), ["Kelso bridge shuts", wire])
    Pipeline(store, Settings(), embedder=embedder).process_claims()
    assert wire not in seen and len(seen) == 1  # only the new title (with its lead) was embedded
    vectors = store.db.conn.execute(
        "SELECT v.vector FROM vectors v JOIN claims c ON c.id = v.claim_id WHERE c.text = ?", (wire,)).fetchall()
    assert len(vectors) == 2 and vectors[0] == vectors[1]  # each claim keeps its row, one vector


def test_a_large_backlog_clusters_the_newest_titles_first(store, monkeypatch):
    from app.engine import pipeline

    monkeypatch.setattr(pipeline, "EMBED_BATCH", 4)
    monkeypatch.setattr(pipeline, "FIRST_BATCH", 3)
    batches = []

    class Recording(HashingEmbedder):
        def encode(self, texts, **kwargs):
            batches.append(list(texts))
            return super().encode(texts, **kwargs)

    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    for n, (day, place) in enumerate(zip(days, ["Kelso", "Varno", "Aberly", "Tormund", "Lisk", "Carrow"])):
        add_article(store, add_feed(store, place), [f"Headline: {place} floods", f"Body: {place} rain on {day}"],
                    published=f"2026-11-0{n + 1}T08:00:00Z")
    messages = []
    Pipeline(store, Settings(), embedder=Recording()).process_claims(progress=lambda f, m: messages.append(m))
    heads = [sorted(text.split(" floods")[0] for text in batch) for batch in batches]
    assert heads[0] == ["Headline: Carrow", "Headline: Lisk", "Headline: Tormund"]
    # then the other titles, before any body sentence, and the bodies in publication order
    assert heads[1] == ["Body: Kelso rain on Monday", "Headline: Aberly", "Headline: Kelso", "Headline: Varno"]
    assert heads[2:] == [["Body: Aberly rain on Wednesday", "Body: Lisk rain on Friday",
                          "Body: Tormund rain on Thursday", "Body: Varno rain on Tuesday"],
                         ["Body: Carrow rain on Saturday"]]
    assert sum(len(b) for b in batches) == 12
    assert any("narratives flagged" in m for m in messages)


def test_a_title_is_embedded_with_its_articles_lead_and_a_sentence_as_it_is(store):
    from app.engine.store import vectors as vector_store

    feed = add_feed(store, "lead")
    add_article(store, feed, ["Two hurt when snowmobile crashed into tree",
                              "Two riders were injured near Lake Varno on Sunday.", "Both were taken to hospital."])
    ids = vector_store.processing_order(store.db, "fake-hashing")
    texts = vector_store.texts_to_embed(store.db, ids)
    title, first, second = sorted(texts)
    assert texts[title] == ("Two hurt when snowmobile crashed into tree Two riders were injured near Lake Varno"
                            " on Sunday. Both were taken to hospital.")
    assert texts[first] == "Two riders were injured near Lake Varno on Sunday."
    assert vector_store.story_text("T", ["x" * 500, "never reached"]) == "T " + "x" * 500


def test_each_claim_says_why_it_was_linked(store):
    claim_en = "Officials in Varnholm said 40,000 ballots were cast by dead voters"
    claim_de = "Beamte in Varnholm sagten 40,000 Stimmzettel seien von toten Wählern abgegeben worden"
    synonyms = {de: en for de, en in zip(claim_de.lower().split(), claim_en.lower().split())}
    add_article(store, add_feed(store, "a"), [claim_en], published="2026-11-10T01:00:00Z")
    add_article(store, add_feed(store, "b"), [claim_en], published="2026-11-10T02:00:00Z")
    add_article(store, add_feed(store, "c"), [claim_de], language="de", published="2026-11-10T03:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder(synonyms)).process_claims()
    [summary] = narrative_store.list_narratives(store.db)
    members = narrative_store.get_narrative(store.db, summary.id).members
    first, second, german = members
    assert first.evidence.startswith(f"like claim {second.claim_id} “Officials in Varnholm said 40,000 ballots were cast"
                                     f" by dead…”: cosine 1.00; rare words 1.00")
    assert "names: varnholm" in first.evidence and "numbers: 40000" in first.evidence
    assert "both whole articles (title and lead)" in first.evidence
    assert german.evidence.startswith("like claim ") and "across languages (de, en)" in german.evidence
    assert "to the narrative's centre" in german.evidence and "rare words" not in german.evidence


def test_one_feed_repeating_itself_is_not_a_narrative(store):
    # A game tracker's feed: "<game> was newly added and is Broken" under every item.
    tracker = add_feed(store, "tracker")
    for hour, game in enumerate(("Decimated", "Onward", "Ragnarok", "KurtzPel")):
        add_article(store, tracker, [f"{game} was newly added to the tracker and is broken"],
                    published=f"2026-11-10T0{hour}:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == []


def test_copies_that_waited_alone_join_the_narrative_a_later_outlet_starts(store):
    claim = "Officials confirmed the dam near Varnholm was opened without warning on Monday"
    first = add_feed(store, "first")
    for hour in range(2):  # one outlet updates its story: nobody else tells it yet
        add_article(store, first, [claim, f"Update {hour}: more to follow from {('Ada', 'Bela')[hour]}"],
                    published=f"2026-11-10T0{hour}:00:00Z")
    add_article(store, add_feed(store, "second"), [claim], published="2026-11-10T05:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == [[claim] * 3]
    evidence = [m.evidence for m in narrative_store.get_narrative(store.db, narrative_store.list_narratives(
        store.db)[0].id).members]
    assert all(e.startswith("like claim ") for e in evidence)


def test_two_feeds_of_one_site_are_one_outlet(store):
    from app.engine.store import feeds as feed_store

    claim = "How the new tariffs on steel will change prices for European carmakers"
    # Both feeds' articles link to time.example: the same article in the world and tech feeds.
    world, tech = (feed_store.add_feed(store.db, f"https://feeds.time.example/{section}", kind="http",
                                       title="time")[0] for section in ("world", "tech"))
    add_article(store, world, [claim], published="2026-11-10T01:00:00Z")
    add_article(store, tech, [claim], published="2026-11-10T02:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == []
    add_article(store, add_feed(store, "other-site"), [claim], published="2026-11-10T03:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    assert narratives_of(store) == [[claim] * 3]


def test_within_a_language_a_high_cosine_links_without_shared_words(store, monkeypatch):
    onion, cuts = "A man is slicing an onion in the kitchen", "Someone cuts up vegetables at home"
    table = {onion: angle(0), cuts: angle(30)}  # cosine 0.87, no rare word in common
    for name in ("a", "b"):
        add_article(store, add_feed(store, name), [onion if name == "a" else cuts],
                    published=f"2026-11-10T0{'ab'.index(name)}:00:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(table, dim=8)).process_claims()
    assert narratives_of(store) == []  # the fused score alone (about 0.45) is below 0.6
    monkeypatch.setitem(clustering.MODEL_THRESHOLDS, "fake-table",
                        Thresholds(same_language=0.6, cross_language=0.8, centroid=0.8, same_language_cosine=0.85))
    Pipeline(store, Settings(), embedder=TableEmbedder(table, dim=8)).recluster()
    assert narratives_of(store) == [sorted([onion, cuts])]


def test_two_facets_of_one_story_merge_when_a_claim_links_both_and_they_are_alike_on_average(store, monkeypatch):
    # One story in five wordings: A-B start one facet, C-D another (C is too far from the first
    # facet's centre to join it); E links to both, and on average the two facets are as close
    # as two claims that link (mean cosine 0.82 >= 0.8), so they are one narrative.
    monkeypatch.setitem(clustering.MODEL_THRESHOLDS, "fake-table",
                        Thresholds(same_language=0.6, cross_language=0.8, centroid=0.9))
    texts = {"claim A": angle(0), "claim B": angle(10), "claim C": angle(40), "claim D": angle(50),
             "claim E": angle(25)}
    languages = dict(zip(texts, ("en", "de", "fr", "es", "it")))
    for hour, text in enumerate(texts):
        if text != "claim E":
            add_article(store, add_feed(store, f"outlet{hour}"), [text], language=languages[text],
                        published=f"2026-11-10T0{hour + 1}:00:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(texts, dim=8)).process_claims()
    assert narratives_of(store) == [["claim A", "claim B"], ["claim C", "claim D"]]
    add_article(store, add_feed(store, "outlet-e"), ["claim E"], language="it", published="2026-11-10T08:00:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(texts, dim=8)).process_claims()
    assert narratives_of(store) == [sorted(texts)]
    # stories apart on average stay apart: the no-chaining case (A-B and C-D, 60 degrees apart)
    # is test_no_single_link_chaining above, which runs through the same merge.


def _dam_story(store, *, earlier: bool) -> None:
    """Three outlets copy one sentence; a fourth told it in other words, before them or after."""
    told = "Officials confirmed the dam near Varnholm was opened without warning"
    reworded = "Reservoir gates lifted unannounced, says council"
    table = {told: angle(0), reworded: angle(15)}  # cosine 0.97, no word in common: not linked
    for hour, name in enumerate(("a", "b", "c")):
        add_article(store, add_feed(store, name), [told], published=f"2026-11-10T0{hour + 4}:00:00Z")
    add_article(store, add_feed(store, "first-teller"), [reworded],
                published="2026-11-10T01:00:00Z" if earlier else "2026-11-10T09:00:00Z")
    Pipeline(store, Settings(), embedder=TableEmbedder(table, dim=8)).process_claims()


def test_a_close_claim_published_before_the_first_member_puts_the_first_source_in_doubt(store):
    _dam_story(store, earlier=True)
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    assert summary.size == 3 and summary.first_seen == "2026-11-10T04:00:00Z"
    [doubt] = [f for f in summary.flags if f.kind == "origin"]
    assert "first-teller" in doubt.reason and "2026-11-10 01:00 UTC" in doubt.reason and doubt.weight == 0
    # a reviewer's action refreshes the narrative without the index: the doubt stays
    from app.engine.factchecks.library import factcheck_flags
    from app.engine.narrative_state import refresh_stored
    from app.engine.store import write_transaction

    with write_transaction(store.db):
        refresh_stored(store, [summary.id], Settings(), factcheck_flags)
    [summary] = narrative_store.list_narratives(store.db)
    assert any(f.kind == "origin" for f in summary.flags)


def test_a_close_claim_published_after_the_first_member_is_no_doubt(store):
    _dam_story(store, earlier=False)
    [summary] = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    assert not any(f.kind == "origin" for f in summary.flags)

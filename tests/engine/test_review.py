import pytest

from app.engine import clustering, review
from app.engine.clustering import Thresholds
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings
from app.engine.store import narratives as narrative_store
from tests.engine.helpers import add_article, add_feed
from tests.fakes import HashingEmbedder

BANK = "Meridia Bank will collapse on Friday and savings will be frozen"
LAKE = "Chemicals were dumped into Lake Varnholm poisoning the water supply"


@pytest.fixture
def two_narratives(store, monkeypatch):
    monkeypatch.setitem(clustering.MODEL_THRESHOLDS, "fake-hashing",
                        Thresholds(same_language=0.6, cross_language=0.8, centroid=0.8))
    feeds = [add_feed(store, n) for n in "abcd"]
    for i, feed in enumerate(feeds[:2]):
        add_article(store, feed, [BANK], published=f"2026-11-10T0{i + 1}:00:00Z")
    for i, feed in enumerate(feeds[2:]):
        add_article(store, feed, [LAKE], published=f"2026-11-11T0{i + 1}:00:00Z")
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    by_label = {s.label: s.id for s in narrative_store.list_narratives(store.db)}
    assert set(by_label) == {BANK, LAKE}
    return store, by_label[BANK], by_label[LAKE]


def test_status_and_notes_are_audited_and_undone(two_narratives):
    store, bank, _ = two_narratives
    review.set_status(store, bank, "confirmed", actor="ana")
    review.set_notes(store, bank, "Debunked by the central bank.", actor="ana")
    narrative = narrative_store.get_narrative(store.db, bank)
    assert narrative.summary.status == "confirmed" and narrative.notes == "Debunked by the central bank."
    trail = review.audit_trail(store, bank)
    assert [e.action for e in trail] == ["notes", "status"] and trail[0].actor == "ana"
    assert review.describe(trail[1]) == "status new → confirmed"
    with pytest.raises(review.ReviewError, match="Nothing to undo"):
        review.undo_last(store, actor="jonas")  # each reviewer takes back only their own actions
    review.undo_last(store, actor="ana")
    review.undo_last(store, actor="ana")
    narrative = narrative_store.get_narrative(store.db, bank)
    assert narrative.summary.status == "new" and narrative.notes == ""
    with pytest.raises(review.ReviewError, match="Nothing to undo"):
        review.undo_last(store, actor="ana")


def test_an_action_another_reviewer_built_on_is_not_undone(two_narratives):
    store, bank, lake = two_narratives
    review.set_status(store, bank, "confirmed", actor="ana")
    review.set_notes(store, lake, "Lake: checked.", actor="ana")
    review.set_status(store, bank, "dismissed", actor="jonas")
    # ana's last action, on the lake, nobody touched since: taken back.
    assert review.undo_last(store, actor="ana").action == "notes"
    with pytest.raises(review.ReviewConflict, match="cannot be undone: jonas changed narrative"):
        review.undo_last(store, actor="ana")
    assert narrative_store.get_narrative(store.db, bank).summary.status == "dismissed"


def test_setting_the_status_a_narrative_has_changes_nothing(two_narratives):
    # "narrative status 15 new" on a new narrative wrote "new -> new" and marked it reviewed,
    # which shields it from re-clustering; the window skipped it. One rule now, in the engine.
    store, bank, _ = two_narratives
    assert review.set_status(store, bank, "new", actor="ana") == "new"
    assert review.audit_trail(store, bank) == []
    assert store.db.conn.execute("SELECT reviewed FROM narratives WHERE id = ?", (bank,)).fetchone()[0] == 0
    assert review.set_status(store, bank, "confirmed", actor="ana") == "new"
    assert review.set_status(store, bank, "confirmed", actor="ana") == "confirmed"
    assert len(review.audit_trail(store, bank)) == 1


def test_bad_status_and_unknown_narrative(two_narratives):
    store, bank, _ = two_narratives
    with pytest.raises(review.ReviewError, match="Status must be one of"):
        review.set_status(store, bank, "maybe")
    with pytest.raises(review.ReviewError, match="No narrative 999"):
        review.set_status(store, 999, "confirmed")


def test_merge_then_undo(two_narratives):
    store, bank, lake = two_narratives
    review.merge(store, bank, lake)
    merged = narrative_store.get_narrative(store.db, bank)
    assert merged.summary.size == 4 and merged.summary.sources == 4
    assert [s.id for s in narrative_store.list_narratives(store.db)] == [bank]
    with pytest.raises(review.ReviewError):
        review.merge(store, bank, bank)
    review.undo_last(store)
    assert sorted(s.size for s in narrative_store.list_narratives(store.db)) == [2, 2]


def test_split_then_undo_and_recluster_keeps_reviewed(two_narratives):
    store, bank, _ = two_narratives
    claims = [m.claim_id for m in narrative_store.get_narrative(store.db, bank).members]
    new_id = review.split(store, bank, claims[1:])
    assert narrative_store.get_narrative(store.db, new_id).summary.size == 1
    assert narrative_store.get_narrative(store.db, bank).summary.size == 1
    with pytest.raises(review.ReviewError, match="empty"):
        review.split(store, bank, claims[:1])
    Pipeline(store, Settings(), embedder=HashingEmbedder()).recluster()
    assert narrative_store.get_narrative(store.db, new_id) is not None  # reviewed narratives survive
    review.undo_last(store)
    assert narrative_store.get_narrative(store.db, bank).summary.size == 2
    assert narrative_store.get_narrative(store.db, new_id) is None

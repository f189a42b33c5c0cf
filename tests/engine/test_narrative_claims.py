"""One narrative's claims in pages (server-side sorts), its change stamp, and its timeline counted in SQL."""

from __future__ import annotations

import pytest

from app.engine import review
from app.engine.store import narrative_claims as nc
from app.engine.store import narratives as ns
from app.engine.store import timeline as tl
from tests.narrative_data import large_narrative, sample_store

SORT_KEYS = {
    "outlet": lambda m: (m.feed_title.lower(), m.claim_id),
    "language": lambda m: (m.language or "", m.claim_id),
    "published": lambda m: (m.published_at, m.claim_id),
    "similarity": lambda m: (m.similarity, m.claim_id),
    "text": lambda m: (m.text.lower(), m.claim_id),
}


def all_pages(db, narrative_id, *, limit=200, **kw):
    members, after, pages = [], None, 0
    while True:
        page = nc.page_claims(db, narrative_id, after=after, limit=limit, **kw)
        members.extend(page.members)
        pages += 1
        if page.after is None:
            return members, pages
        after = page.after


@pytest.mark.parametrize("sort", list(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_match_a_full_sort(memory_store, sort, descending):
    narrative_id = large_narrative(memory_store, 1050, sources=12)
    members, pages = all_pages(memory_store.db, narrative_id, sort=sort, descending=descending)
    assert pages == 6  # 5 pages of 200 and one of 50
    assert len({m.claim_id for m in members}) == 1050 == nc.count_claims(memory_store.db, narrative_id)
    assert members == sorted(members, key=SORT_KEYS[sort], reverse=descending)


def test_pages_hold_what_get_narrative_holds(memory_store):
    sample = sample_store(memory_store)
    full = ns.get_narrative(memory_store.db, sample.vaccine)
    assert nc.page_claims(memory_store.db, sample.vaccine).members == full.members  # oldest first
    light = ns.get_narrative(memory_store.db, sample.vaccine, members=False)
    assert light.members == () and light.summary == full.summary and light.notes == full.notes
    with pytest.raises(ValueError):
        nc.page_claims(memory_store.db, sample.vaccine, sort="c.id; DROP TABLE claims")


def test_stamp_changes_with_claims_and_with_review(memory_store):
    sample = sample_store(memory_store)
    db = memory_store.db
    before = nc.narrative_stamp(db, sample.vaccine)
    assert nc.narrative_stamp(db, sample.vaccine) == before
    assert nc.narrative_stamp(db, sample.ballots) != before
    review.set_status(memory_store, sample.vaccine, "reviewing")
    after_status = nc.narrative_stamp(db, sample.vaccine)
    assert after_status.members == before.members and after_status.review != before.review
    review.split(memory_store, sample.vaccine, sample.vaccine_claims[3:])
    after_split = nc.narrative_stamp(db, sample.vaccine)
    assert after_split.members != before.members
    assert nc.narrative_stamp(db, 999) == nc.NarrativeStamp(None, None)


def test_small_timeline_has_a_point_per_claim(memory_store):
    sample = sample_store(memory_store)
    timeline = tl.narrative_timeline(memory_store.db, sample.vaccine)
    assert timeline.bucket_hours is None and timeline.claims == 5
    assert [lane.title for lane in timeline.lanes] == ["The Daily Ledger", "Severny Vestnik", "Open Eyes Report",
                                                       "Stimme der Mitte", "Le Courrier du Lac"]
    assert [p.member.claim_id for p in timeline.points] == sample.vaccine_claims
    assert timeline.languages == (("en", 2), ("ru", 1), ("de", 1), ("fr", 1))
    assert tl.narrative_timeline(memory_store.db, 999) == tl.EMPTY


def test_large_timeline_is_counted_in_sql_and_bounded(memory_store):
    narrative_id = large_narrative(memory_store, 6000, sources=40, days=20)
    timeline = tl.narrative_timeline(memory_store.db, narrative_id)
    assert timeline.bucket_hours == 12  # 20 days in round buckets, fewer than MAX_BUCKETS of them
    assert len(timeline.lanes) == tl.MAX_LANES and timeline.lanes[-1].title == "31 more sources"
    assert len(timeline.points) <= tl.MAX_LANES * tl.MAX_BUCKETS
    assert sum(p.claims for p in timeline.points) == 6000 == timeline.claims
    assert sum(n for _code, n in timeline.languages) == 6000
    assert sum(lane.claims for lane in timeline.lanes) == 6000
    # lanes: the first teller, then the loudest sources, in the order they first told it
    firsts = [lane.first_seen for lane in timeline.lanes[:-1]]
    assert firsts == sorted(firsts)
    assert "Outlet 00" in [lane.title for lane in timeline.lanes]
    per_lane = {lane: 0 for lane in range(len(timeline.lanes))}
    for point in timeline.points:
        per_lane[point.lane] += point.claims
        assert point.language == point.languages[0][0] and sum(n for _c, n in point.languages) == point.claims
    assert [per_lane[i] for i in range(len(timeline.lanes))] == [lane.claims for lane in timeline.lanes]


def test_timeline_buckets_are_round(memory_store):
    narrative_id = large_narrative(memory_store, 500, sources=3, days=3)
    timeline = tl.narrative_timeline(memory_store.db, narrative_id, exact_limit=100)
    assert timeline.bucket_hours == 2
    assert all(p.at.endswith(":00:00Z") and int(p.at[11:13]) % 2 == 0 for p in timeline.points)
    assert tl.bucket_hours("2026-10-01T00:00:00Z", "2027-06-01T00:00:00Z") == 24 * 7


def test_many_sources_fold_into_one_lane_keeping_the_first_teller():
    sources = [(i, f"S{i}", 100 - i if i else 1, f"2026-10-{1 + i:02d}T00:00:00Z") for i in range(14)]
    lanes, lane_of = tl.choose_lanes(sources)
    assert [lane.title for lane in lanes] == ["S0", *(f"S{i}" for i in range(1, 9)), "5 more sources"]
    assert lane_of[13] == 9 and lanes[-1].sources == 5 and lanes[-1].feed_id is None

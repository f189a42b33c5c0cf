"""The list's read-only queries: filters, server-side sorts, keyset pages, growth, lookups."""

from __future__ import annotations

import pytest

from app.engine.store import narratives as ns
from app.engine.store.narratives import NarrativeFilter
from tests.narrative_data import bulk_narratives, sample_store
from tests.conftest import SQLITE_ONLY


def growth_of(db) -> dict[int, int]:
    """Each listed narrative's claims in its last day of activity, as the list shows it."""
    return {r.summary.id: r.recent_claims for r in ns.page_narratives(db).rows}


def all_pages(db, filters=NarrativeFilter(), *, limit=200, **kw):
    rows, after, pages = [], None, 0
    while True:
        page = ns.page_narratives(db, filters, after=after, limit=limit, **kw)
        rows.extend(page.rows)
        pages += 1
        if page.after is None:
            return rows, pages
        after = page.after


def test_sample_flags_and_default_order(memory_store):
    sample = sample_store(memory_store)
    rows = ns.page_narratives(memory_store.db).rows
    ids = [r.summary.id for r in rows]
    assert ids == [sample.vaccine, sample.ballots, sample.bridge]  # flagged first, then by score
    vaccine = rows[0].summary
    assert vaccine.sources == 5 and set(vaccine.languages) == {"en", "ru", "de", "fr"}
    assert {f.kind for f in vaccine.flags} >= {"spread", "cross-language", "watchlist"}
    assert not rows[2].summary.flagged


@pytest.mark.parametrize("sort, key", [
    ("score", lambda s: (s.score, s.id)),
    ("sources", lambda s: (s.sources, s.id)),
    ("claims", lambda s: (s.size, s.id)),
    ("first_seen", lambda s: (s.first_seen, s.id)),
    ("last_seen", lambda s: (s.last_seen, s.id)),
])
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("flagged_first", [True, False])
def test_keyset_pages_match_a_full_sort(memory_store, sort, key, descending, flagged_first):
    ids = bulk_narratives(memory_store, 1050)
    rows, pages = all_pages(memory_store.db, sort=sort, descending=descending, flagged_first=flagged_first)
    assert pages == 6  # 5 pages of 200 and one of 50
    got = [r.summary for r in rows]
    assert sorted(s.id for s in got) == sorted(ids)  # every row once, none twice
    expected = sorted(got, key=key, reverse=descending)
    if flagged_first:
        expected = sorted(expected, key=lambda s: not s.flagged)  # stable: keeps the sort within groups
    assert [s.id for s in got] == [s.id for s in expected]


def test_filters(memory_store):
    sample = sample_store(memory_store)
    db = memory_store.db

    def ids(**kw):
        return {r.summary.id for r in ns.page_narratives(db, NarrativeFilter(**kw)).rows}

    assert ids(language="ru") == {sample.vaccine}
    assert ids(language="e") == set()  # whole codes only
    assert ids(flag_kind="watchlist") == {sample.vaccine, sample.ballots}
    assert ids(flag_kind="cross-language") == {sample.vaccine}
    assert ids(flagged_only=True) == {sample.vaccine, sample.ballots}
    assert ids(feed_id=sample.feeds["Le Courrier du Lac"]) == {sample.vaccine, sample.bridge}
    assert ids(tag="fact-checker") == {sample.ballots}
    assert ids(tag="mainstream") == {sample.vaccine, sample.ballots, sample.bridge}
    assert ids(since="2026-11-12T00:00:00Z") == {sample.ballots}
    assert ids(status="new") == {sample.vaccine, sample.ballots, sample.bridge}
    assert ids(status="confirmed") == set()
    assert ids(ids=(sample.bridge, 999)) == {sample.bridge}
    assert ids(ids=()) == set()
    assert ids(language="en", tag="watchlist") == {sample.vaccine, sample.ballots}
    assert ns.count_narratives(db, NarrativeFilter(flagged_only=True)) == 2


def test_merged_narratives_are_hidden(memory_store):
    sample = sample_store(memory_store)
    memory_store.db.conn.execute("UPDATE narratives SET merged_into = ? WHERE id = ?", (sample.vaccine, sample.bridge))
    assert sample.bridge not in {r.summary.id for r in ns.page_narratives(memory_store.db).rows}
    assert ns.count_narratives(memory_store.db) == 2


def test_recent_claims_counts_the_last_day_of_activity(memory_store):
    sample = sample_store(memory_store)
    growth = growth_of(memory_store.db)
    # vaccine: last seen 11 Nov 12:00, claims on 10 Nov 15:00, 11 Nov 09:30 and 12:00 are within 24 h
    assert growth == {sample.vaccine: 3, sample.ballots: 3, sample.bridge: 1}


@SQLITE_ONLY
def test_a_database_from_before_the_stored_growth_gets_it_counted_on_upgrade(memory_store):
    from app.engine.store.database import migrate
    from app.engine.store.schema import MIGRATIONS

    sample = sample_store(memory_store)
    conn = memory_store.db.conn
    conn.execute("ALTER TABLE narratives DROP COLUMN recent_claims")
    conn.execute("ALTER TABLE narrative_claims DROP COLUMN evidence")  # migration 8, later still
    conn.execute("DROP INDEX vectors_text_key")  # migration 9
    conn.execute("DROP INDEX feed_templates_common")
    conn.execute("ALTER TABLE vectors DROP COLUMN text_key")
    conn.execute("ALTER TABLE narratives DROP COLUMN version")  # migration 10
    conn.execute("ALTER TABLE feeds DROP COLUMN lease_owner")  # migration 11
    conn.execute("ALTER TABLE feeds DROP COLUMN lease_until")
    conn.execute("PRAGMA user_version = 4")  # migration 5 stores the growth
    assert migrate(memory_store.db) == len(MIGRATIONS)
    assert growth_of(memory_store.db) == {sample.vaccine: 3, sample.ballots: 3, sample.bridge: 1}


def test_unknown_sort_is_refused(memory_store):
    with pytest.raises(ValueError):
        ns.page_narratives(memory_store.db, sort="n.id; DROP TABLE narratives")


def test_filter_choices(memory_store):
    sample = sample_store(memory_store)
    choices = ns.filter_choices(memory_store.db)
    assert choices.languages == ("de", "en", "fr", "ru")
    assert "watchlist" in choices.tags and "fact-checker" in choices.tags
    assert (sample.feeds["ClaimCheck Desk"], "ClaimCheck Desk") in choices.feeds
    assert choices.flag_kinds[:4] == ("spread", "cross-language", "watchlist", "growth")
    assert choices.statuses == ("new", "reviewing", "confirmed", "dismissed")
    assert choices.latest == "2026-11-15T20:00:00Z"


def test_find_narratives_by_id_or_words(memory_store):
    sample = sample_store(memory_store)
    db = memory_store.db
    assert [s.id for s in ns.find_narratives(db, f"#{sample.bridge}")] == [sample.bridge]
    assert [s.id for s in ns.find_narratives(db, str(sample.bridge), exclude=sample.bridge)] == []
    assert [s.id for s in ns.find_narratives(db, "ballots dead")] == [sample.ballots]
    assert ns.find_narratives(db, "100%_") == []  # LIKE wildcards are taken literally

from app.engine.flags import FlagRules, Sighting, evaluate, language_name


def s(feed, lang, when, title=None, tags=()):
    return Sighting(feed, title or f"Outlet {feed}", tuple(tags), lang, when)


def kinds(flags):
    return sorted(f.kind for f in flags)


def test_spread_needs_enough_sources_within_the_window():
    rules = FlagRules(min_sources=3, hours=24)
    close = [s(1, "en", "2026-11-10T08:00:00Z"), s(2, "en", "2026-11-10T12:00:00Z"), s(3, "en", "2026-11-10T20:00:00Z")]
    flags, score, flagged = evaluate(close, rules)
    assert "spread" in kinds(flags) and flagged
    reason = next(f.reason for f in flags if f.kind == "spread")
    assert "3 different sources within 12 hours" in reason and "Outlet 1" in reason
    far = [s(1, "en", "2026-11-10T08:00:00Z"), s(2, "en", "2026-11-12T12:00:00Z"), s(3, "en", "2026-11-14T20:00:00Z")]
    assert "spread" not in kinds(evaluate(far, rules)[0])


def test_one_source_repeating_itself_is_never_flagged():
    same = [s(1, "en", f"2026-11-10T0{h}:00:00Z", tags=("watchlist",)) for h in range(5)]
    flags, _, flagged = evaluate(same, FlagRules(min_sources=2, hours=24))
    assert kinds(flags) == ["watchlist"] and not flagged


def test_cross_language_names_the_first_language_and_the_jump():
    sightings = [s(1, "ru", "2026-11-09T08:00:00Z", "Vestnik"), s(2, "de", "2026-11-10T08:00:00Z"),
                 s(3, "en", "2026-11-11T08:00:00Z")]
    flags, _, _ = evaluate(sightings, FlagRules())
    reason = next(f.reason for f in flags if f.kind == "cross-language")
    assert reason.startswith("Jumped across languages: first in Russian (Vestnik, 2026-11-09), then German, English")


def test_watchlist_and_growth_and_score_ordering():
    rules = FlagRules(min_sources=3, hours=72)
    sightings = [s(1, "en", "2026-11-01T08:00:00Z", "Old"),
                 s(2, "en", "2026-11-10T01:00:00Z", tags=("watchlist",)),
                 s(3, "en", "2026-11-10T05:00:00Z"), s(4, "en", "2026-11-10T09:00:00Z")]
    flags, score, _ = evaluate(sightings, rules)
    assert {"watchlist", "growth", "spread"} <= set(kinds(flags))
    assert "Outlet 2" in next(f.reason for f in flags if f.kind == "watchlist")
    _, smaller, _ = evaluate(sightings[:2], rules)
    assert score > smaller


def test_language_names():
    assert language_name("de") == "German" and language_name("xx") == "xx" and language_name(None) == "unknown language"


def test_fact_checkers_repeating_a_claim_do_not_spread_it():
    rules = FlagRules(min_sources=3, hours=24)
    sightings = [s(1, "en", "2026-11-10T08:00:00Z"), s(2, "en", "2026-11-10T09:00:00Z"),
                 s(3, "en", "2026-11-10T10:00:00Z", "ClaimCheck", tags=("fact-checker",))]
    flags, _, flagged = evaluate(sightings, rules)
    assert "spread" not in kinds(flags) and not flagged
    flags, _, _ = evaluate(sightings[:2] + [s(4, "en", "2026-11-10T11:00:00Z")], rules)
    assert "spread" in kinds(flags)

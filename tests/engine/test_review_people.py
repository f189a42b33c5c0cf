"""Several reviewers on one store: who did each action, and no change overwritten unseen (issue 13)."""

from __future__ import annotations

import pytest

from app.engine import review, settings as settings_module
from app.engine.errors import ImportFileError, ReviewConflict
from app.engine.settings import USER_ENV, Settings, load_settings, reviewer_name, save_settings
from app.engine.store import narratives as narrative_store
from tests.narrative_data import sample_store


@pytest.fixture
def sample(store):
    return store, sample_store(store)


def version(store, narrative_id):
    return narrative_store.get_narrative(store.db, narrative_id, members=False).summary.version


def stored(store, narrative_id):
    """What a reviewer sees of a narrative, and what the database holds of its history."""
    found = narrative_store.get_narrative(store.db, narrative_id)
    return (found.summary.status, found.notes, found.summary.version, [m.claim_id for m in found.members],
            len(review.audit_trail(store, narrative_id)))


def test_the_reviewer_is_the_option_then_the_environment_then_the_setting_then_the_system_user(monkeypatch):
    monkeypatch.setattr(settings_module, "current_user", lambda: "os-user")
    monkeypatch.delenv(USER_ENV, raising=False)
    configured = Settings(reviewer="maria")
    assert reviewer_name(Settings()) == "os-user"
    assert reviewer_name(configured) == "maria"
    monkeypatch.setenv(USER_ENV, "  jonas ")
    assert reviewer_name(configured) == "jonas"
    assert reviewer_name(configured, "ana") == "ana"
    monkeypatch.setenv(USER_ENV, " ")  # blank names nobody
    assert reviewer_name(configured, "") == "maria"


def test_the_reviewer_setting_is_kept_and_must_be_one_line(data_dir):
    save_settings(data_dir, Settings(reviewer="Maria Lopez"))
    assert load_settings(data_dir).reviewer == "Maria Lopez"
    (data_dir / "settings.toml").write_text('reviewer = "maria\\nlopez"\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="reviewer"):
        load_settings(data_dir)


def test_every_review_write_counts_a_version_but_fact_check_decisions_and_reclustering_do_not(sample):
    store, s = sample
    assert version(store, s.vaccine) == 0
    review.set_status(store, s.vaccine, "confirmed", actor="ana")
    review.set_status(store, s.vaccine, "confirmed", actor="ana")  # no change, no new version
    review.set_notes(store, s.vaccine, "Denied by the health office.", actor="ana")
    assert version(store, s.vaccine) == 2
    new_id = review.split(store, s.vaccine, s.vaccine_claims[-1:], actor="ana")
    assert version(store, s.vaccine) == 3 and version(store, new_id) == 0
    review.merge(store, s.vaccine, s.bridge, actor="ana")
    assert version(store, s.vaccine) == 4
    review.undo_last(store, actor="ana")  # the merge: both come back changed
    assert version(store, s.vaccine) == 5 and version(store, s.bridge) == 2
    review.undo_last(store, actor="ana")  # the split
    assert version(store, s.vaccine) == 6


@pytest.mark.parametrize("action", ["status", "notes", "split", "merge"])
def test_a_write_on_a_stale_version_is_refused_naming_who_changed_what_and_changes_nothing(sample, action):
    store, s = sample
    shown = version(store, s.vaccine)
    review.set_status(store, s.vaccine, "confirmed", actor="maria")  # maria, while ana looks at version 0
    before = stored(store, s.vaccine), stored(store, s.bridge)
    write = {
        "status": lambda: review.set_status(store, s.vaccine, "dismissed", actor="ana", expected_version=shown),
        "notes": lambda: review.set_notes(store, s.vaccine, "Looks true.", actor="ana", expected_version=shown),
        "split": lambda: review.split(store, s.vaccine, s.vaccine_claims[:1], actor="ana", expected_version=shown),
        "merge": lambda: review.merge(store, s.vaccine, s.bridge, actor="ana", expected_version=shown),
    }[action]
    with pytest.raises(ReviewConflict) as raised:
        write()
    message = str(raised.value)
    assert message.startswith(f"Narrative {s.vaccine} was changed by maria at ")
    assert "(status new → confirmed) after you opened it; reload to see the change, then make yours again." in message
    assert (raised.value.narrative_id, raised.value.version) == (s.vaccine, shown + 1)
    assert (stored(store, s.vaccine), stored(store, s.bridge)) == before
    # made again on the version shown now, it goes through
    assert review.set_notes(store, s.vaccine, "Looks true.", actor="ana", expected_version=shown + 1) is None


def test_the_other_narrative_of_a_merge_is_checked_too(sample):
    store, s = sample
    review.set_notes(store, s.bridge, "Same as the vaccine one?", actor="maria")
    with pytest.raises(ReviewConflict, match=f"Narrative {s.bridge} was changed by maria .*notes edited"):
        review.merge(store, s.vaccine, s.bridge, actor="ana", expected_version=0, other_version=0)
    assert narrative_store.merged_into(store.db, s.bridge) is None


def test_the_same_status_on_a_stale_version_is_still_a_conflict(sample):
    # ana did not see maria's change: agreeing with it by chance is not knowing about it.
    store, s = sample
    review.set_status(store, s.vaccine, "confirmed", actor="maria")
    review.set_notes(store, s.vaccine, "Fake.", actor="maria")
    with pytest.raises(ReviewConflict, match="notes edited"):
        review.set_status(store, s.vaccine, "confirmed", actor="ana", expected_version=1)


def test_without_an_expected_version_the_write_acts_on_the_current_one(sample):
    store, s = sample
    review.set_status(store, s.vaccine, "confirmed", actor="maria")
    review.set_status(store, s.vaccine, "dismissed", actor="ana")
    assert [(e.actor, review.describe(e)) for e in review.audit_trail(store, s.vaccine)] == [
        ("ana", "status confirmed → dismissed"), ("maria", "status new → confirmed")]

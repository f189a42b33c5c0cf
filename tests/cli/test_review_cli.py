"""Review from the command line: status, notes, merge, split, undo and the audit trail."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
from click.testing import CliRunner

from app.cli import main
from app.engine.store import Store
from app.engine.store import narratives as narrative_store


@pytest.fixture
def run(data_dir):
    runner = CliRunner()

    def invoke(*args, code=0, stdin=None):
        result = runner.invoke(main, ["narrative", args[0], "--data-dir", str(data_dir), *args[1:]], input=stdin)
        assert result.exit_code == code, (result.output, result.stderr if result.stderr_bytes else "")
        return result

    return invoke


def stored(data_dir, narrative_id):
    store = Store.open(data_dir)
    try:
        return narrative_store.get_narrative(store.db, narrative_id)
    finally:
        store.close()


def history(run, narrative_id):
    return json.loads(run("history", str(narrative_id), "--format", "json").stdout)


def test_status_and_notes_are_saved_audited_and_undone(run, sample, data_dir):
    run("status", str(sample.vaccine), "confirmed")
    run("notes", str(sample.vaccine), "Checked with the manufacturer.")
    found = stored(data_dir, sample.vaccine)
    assert found.summary.status == "confirmed" and found.notes == "Checked with the manufacturer."
    assert [e["action"] for e in history(run, sample.vaccine)] == ["notes", "status"]
    assert history(run, sample.vaccine)[1]["what"] == "status new → confirmed"
    undone = run("undo")
    assert "Undone: notes edited" in undone.stderr
    assert stored(data_dir, sample.vaccine).notes == ""


def test_the_status_a_narrative_already_has_is_not_an_action(run, sample, data_dir):
    said = run("status", str(sample.vaccine), "new")
    assert "already new; nothing changed" in said.stderr
    assert history(run, sample.vaccine) == []


def test_notes_from_standard_input(run, sample, data_dir):
    run("notes", str(sample.ballots), "--file", "-", stdin="Line one\nLine two\n")
    assert stored(data_dir, sample.ballots).notes == "Line one\nLine two\n"


def test_merge_then_split_then_undo(run, sample, data_dir):
    before = len(stored(data_dir, sample.vaccine).members) + len(stored(data_dir, sample.bridge).members)
    run("merge", str(sample.vaccine), str(sample.bridge))
    assert len(stored(data_dir, sample.vaccine).members) == before
    claim = sample.vaccine_claims[0]
    new_id = int(run("split", str(sample.vaccine), str(claim)).stdout)
    assert [m.claim_id for m in stored(data_dir, new_id).members] == [claim]
    run("undo")
    assert claim in [m.claim_id for m in stored(data_dir, sample.vaccine).members]
    run("undo")
    assert stored(data_dir, sample.bridge).members and len(stored(data_dir, sample.vaccine).members) < before


def test_mistakes_are_told_in_plain_words(run, sample):
    assert "No narrative 999999" in run("status", "999999", "confirmed", code=1).stderr
    assert "'maybe' is not one of" in run("status", str(sample.vaccine), "maybe", code=2).stderr
    assert "cannot be merged with itself" in run("merge", str(sample.vaccine), str(sample.vaccine), code=1).stderr
    assert "not both" in run("notes", str(sample.vaccine), code=2).stderr
    assert "Nothing to undo" in run("undo", code=1).stderr


def test_the_history_of_no_narrative_is_an_error_not_an_empty_trail(run, sample, data_dir):
    result = run("history", "999", code=1)
    assert "No narrative 999." in result.stderr and "yet" not in result.stderr and not result.stdout
    assert "No review actions on narrative" in run("history", str(sample.bridge)).stderr
    run("merge", str(sample.vaccine), str(sample.bridge))
    assert history(run, sample.bridge) == [], "a narrative merged away still names a narrative"
    assert [e["action"] for e in history(run, sample.vaccine)] == ["merge"]


def test_a_review_waits_for_a_fetch_holding_the_write_lock(run, sample, data_dir, monkeypatch):
    # Writes other than reviews give up after the usual wait (made short here); the review
    # must outlast it and be saved once the other writer commits.
    monkeypatch.setattr("app.engine.store.database.BUSY_TIMEOUT_MS", 200)
    writer = sqlite3.connect(data_dir / "radar.db", isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, lambda: writer.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        run("status", str(sample.vaccine), "reviewing")
        assert time.monotonic() - started >= 1.0, "it waited for the other writer"
    finally:
        release.join()
        writer.close()
    assert stored(data_dir, sample.vaccine).summary.status == "reviewing"


def test_the_reviewer_is_named_by_user_option_over_environment_over_setting(sample, data_dir, monkeypatch):
    from app.engine.settings import USER_ENV, Settings, save_settings

    save_settings(data_dir, Settings(reviewer="maria"))
    monkeypatch.delenv(USER_ENV, raising=False)
    runner = CliRunner()

    def act(*args):
        result = runner.invoke(main, [*args, "--data-dir", str(data_dir)])
        assert result.exit_code == 0, result.output

    act("narrative", "notes", str(sample.vaccine), "one")
    monkeypatch.setenv(USER_ENV, "jonas")
    act("narrative", "status", str(sample.vaccine), "reviewing")
    act("--user", "ana", "narrative", "status", str(sample.vaccine), "confirmed")
    act("--user", "ana", "narrative", "undo")
    trail = json.loads(runner.invoke(main, ["narrative", "history", str(sample.vaccine), "--format", "json",
                                            "--data-dir", str(data_dir)]).stdout)
    assert [(e["actor"], e["action"]) for e in trail] == [
        ("ana", "undo"), ("ana", "status"), ("jonas", "status"), ("maria", "notes")]
    table = runner.invoke(main, ["narrative", "history", str(sample.vaccine), "--data-dir", str(data_dir)]).stdout
    assert "who" in table.splitlines()[0] and "jonas" in table and "status new → reviewing" in table


def test_expect_version_refuses_a_stale_write_and_show_gives_the_version(run, sample, data_dir):
    shown = json.loads(run("show", str(sample.vaccine), "--format", "json").stdout)
    assert shown["version"] == 0 and "(version 0)" in run("show", str(sample.vaccine)).stdout
    run("status", str(sample.vaccine), "confirmed", "--expect-version", "0")
    refused = run("notes", str(sample.vaccine), "Mine.", "--expect-version", "0", code=1)
    assert f"Narrative {sample.vaccine} was changed by " in refused.stderr
    assert "(status new → confirmed) after you opened it; reload" in refused.stderr
    refused = run("status", str(sample.vaccine), "dismissed", "--expect-version", "0", code=1)
    assert "after you opened it" in refused.stderr
    found = stored(data_dir, sample.vaccine)
    assert (found.summary.status, found.notes, found.summary.version) == ("confirmed", "", 1)
    run("notes", str(sample.vaccine), "Mine.", "--expect-version", "1")
    run("status", str(sample.vaccine), "dismissed")  # without it: the current version, as one user expects
    assert json.loads(run("show", str(sample.vaccine), "--format", "json").stdout)["version"] == 3


def test_merge_refuses_when_either_narrative_changed_since_shown(run, sample, data_dir):
    run("status", str(sample.bridge), "reviewing")
    refused = run("merge", str(sample.vaccine), str(sample.bridge), "--expect-version", "0",
                  "--expect-other-version", "0", code=1)
    assert f"Narrative {sample.bridge} was changed by " in refused.stderr
    assert stored(data_dir, sample.bridge).summary.size > 0
    run("merge", str(sample.vaccine), str(sample.bridge), "--expect-version", "0", "--expect-other-version", "1")
    assert stored(data_dir, sample.bridge).summary.size == 0  # its claims went to the one kept

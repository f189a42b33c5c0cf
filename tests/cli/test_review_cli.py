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

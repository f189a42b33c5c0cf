"""recover, backup and restore-reviews from the command line; a read-only folder still lists and exports."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from app.cli import main
from app.engine.paths import DATABASE_NAME


def invoke(*args, code=0):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (result.output, result.stderr)
    return result


def test_recover_a_damaged_database_then_restore_reviews(sample, data_dir):
    folder = str(data_dir)
    invoke("narrative", "status", str(sample.vaccine), "confirmed", "--data-dir", folder)
    backup = invoke("backup", "--data-dir", folder).stdout.strip()
    assert backup.endswith(".db")
    assert "nothing to recover" in invoke("recover", "--data-dir", folder).stderr

    database = data_dir / DATABASE_NAME
    database.write_bytes(database.read_bytes()[:4096] + b"\0" * 4096)
    failed = invoke("narratives", "--data-dir", folder, code=1)
    assert "narrative-radar recover" in failed.stderr

    report = json.loads(invoke("recover", "--data-dir", folder).stdout)
    assert report["restored"]["narratives"] >= 1 and "damaged" in report["damaged_copy"]
    shown = json.loads(invoke("narrative", "show", str(sample.vaccine), "--data-dir", folder,
                              "--format", "json").stdout)
    assert shown["status"] == "confirmed"
    restored = json.loads(invoke("restore-reviews", backup, "--data-dir", folder).stdout)
    assert restored["narratives"] == 0


def test_a_read_only_folder_lists_and_says_why_it_cannot_change(sample, data_dir, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK and real_access(path, mode))
    listed = invoke("narratives", "--data-dir", str(data_dir), "--format", "json")
    assert "opened read-only" in listed.stderr and json.loads(listed.stdout)
    refused = invoke("narrative", "status", str(sample.vaccine), "confirmed", "--data-dir", str(data_dir), code=1)
    assert "read-only: it can be browsed and exported" in refused.stderr

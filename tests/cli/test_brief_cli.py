"""``brief``: formats, filters, and exit codes (1 errors, 2 usage)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from app.cli import main
from app.engine.briefs.export import CSV_COLUMNS


@pytest.fixture
def brief(data_dir, sample):
    runner = CliRunner()

    def invoke(*args, code=0):
        result = runner.invoke(main, ["brief", "--data-dir", str(data_dir), "--quiet", *args])
        assert result.exit_code == code, (result.output, result.stderr)
        return result

    return invoke


def test_html_brief_of_flagged_narratives_since_a_date(brief, sample, tmp_path):
    out = tmp_path / "week.html"
    result = brief("--since", "2026-11-01", "--flagged", "--format", "html", "--output", str(out),
                   "--title", "Week 46", "--author", "Desk Ana")
    assert result.stdout.splitlines() == [str(out)]  # stdout is data: the files written
    html = out.read_text(encoding="utf-8")
    assert "Week 46" in html and "Desk Ana" in html and "flagged only" in html
    assert "Вакцина от гриппа" in html and "Forty thousand ballots" in html and "old bridge" not in html


def test_format_from_the_extension_and_ids(brief, sample, tmp_path):
    out = tmp_path / "two.json"
    brief("--ids", f"{sample.vaccine},{sample.bridge}", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(n["id"] for n in data["narratives"]) == sorted([sample.vaccine, sample.bridge])
    assert data["brief"]["filter"]["ids"] == [sample.vaccine, sample.bridge]


def test_csv_and_markdown(brief, sample, tmp_path):
    brief("--status", "new", "--format", "csv", "--output", str(tmp_path / "b.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "b.csv").read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 5 + 3 + 2  # the narratives hold their titles
    result = brief("--ids", str(sample.ballots), "--format", "md", "--output", str(tmp_path / "b.md"))
    written = result.stdout.splitlines()
    assert written[0] == str(tmp_path / "b.md")
    assert any(line.endswith(".svg") for line in written[1:])  # charts beside the Markdown


def test_nothing_matches_fails_with_a_message_unless_allowed(brief, tmp_path):
    out = tmp_path / "none.html"
    result = brief("--since", "2030-01-01", "--output", str(out), code=1)
    assert "No narrative matches this filter" in result.stderr and not out.exists()
    brief("--since", "2030-01-01", "--output", str(out), "--allow-empty")
    assert "No narrative matches this filter" in out.read_text(encoding="utf-8")


def test_bad_usage_exits_2_and_bad_paths_exit_1(brief, tmp_path):
    assert "not a list of narrative numbers" in brief("--ids", "1,x", "--output", str(tmp_path / "a.html"),
                                                      code=2).stderr
    assert "Cannot tell the format" in brief("--output", str(tmp_path / "a.txt"), code=2).stderr
    assert "is not a date" in brief("--since", "last week", "--output", str(tmp_path / "a.html"), code=2).stderr
    brief("--format", "docx", "--output", str(tmp_path / "a.docx"), code=2)
    result = brief("--output", str(tmp_path / "missing" / "a.html"), code=1)
    assert "does not exist" in result.stderr


def test_suggested_factchecks_only_with_the_flag(brief, sample, data_dir, tmp_path):
    from app.engine.factchecks.items import FactCheckDraft
    from app.engine.factchecks.library import save_draft
    from app.engine.store import Store, write_transaction

    store = Store.open(data_dir)
    with write_transaction(store.db) as conn:
        weak, _ = save_draft(conn, FactCheckDraft(claim="A photo shows a flooded high street.", rating="False",
                                                  publisher="Other Desk"), source="test.json")
        conn.execute("INSERT INTO factcheck_matches (claim_id, factcheck_id, model, score, status, matched_at)"
                     " VALUES (?, ?, 'use-multilingual', 0.41, 'new', '2026-11-14T00:00:00Z')",
                     (sample.vaccine_claims[0], weak))
    store.close()
    brief("--ids", str(sample.vaccine), "--output", str(tmp_path / "plain.md"))
    assert "Other Desk" not in (tmp_path / "plain.md").read_text(encoding="utf-8")
    brief("--ids", str(sample.vaccine), "--suggestions", "--output", str(tmp_path / "asked.md"))
    assert "suggestion, unconfirmed (0.41)" in (tmp_path / "asked.md").read_text(encoding="utf-8")

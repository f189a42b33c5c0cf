"""The ``factchecks`` commands: import, list, match (the JSON Lines contract), review, demo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from app.engine import pipeline
from tests.conftest import REPO
from tests.factcheck_data import FACTCHECKS, VACCINE, use_fake_thresholds
from tests.fakes import HashingEmbedder

LIBRARY = FACTCHECKS[:2]


def rss(outlet: str, n: int) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>{outlet}</title>
<item><title>{VACCINE}</title><link>https://{outlet}.example/{n}</link><guid>{outlet}-{n}</guid>
<pubDate>Tue, 10 Nov 2026 0{n}:00:00 GMT</pubDate><description>{VACCINE}.</description></item>
</channel></rss>""".encode()


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    monkeypatch.setattr(pipeline, "load_embedder", lambda *a, **k: HashingEmbedder())
    use_fake_thresholds(monkeypatch)


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()
    data = tmp_path / "data"

    def invoke(*args, code=0, input=None):
        result = runner.invoke(main, ["--data-dir", str(data), *args], input=input)
        assert result.exit_code == code, (result.output, result.stderr if result.stderr_bytes else "",
                                          result.exception)
        return result

    return invoke


@pytest.fixture
def library_file(tmp_path) -> Path:
    path = tmp_path / "library.json"
    path.write_text(json.dumps(LIBRARY), encoding="utf-8")
    return path


def test_import_then_list_as_json(run, library_file):
    result = run("factchecks", "import", str(library_file), "--format", "json")
    report = json.loads(result.stdout)
    assert (report["added"], report["errors"]) == (2, [])
    listed = json.loads(run("factchecks", "list", "--format", "json").stdout)
    assert {f["external_id"] for f in listed} == {"fc-1", "fc-2"}
    assert {"id", "claim", "rating", "verdict", "publisher", "url", "review_date", "language"} <= set(listed[0])
    again = json.loads(run("factchecks", "import", str(library_file), "--format", "json").stdout)
    assert (again["added"], again["unchanged"]) == (0, 2)
    assert len(json.loads(run("factchecks", "list", "--format", "json").stdout)) == 2
    assert "fc-1" in run("factchecks", "list", "--search", "microchips").stdout


def test_import_with_bad_items_exits_3_naming_file_and_line(run, tmp_path, library_file):
    bad = tmp_path / "bad.csv"
    bad.write_text("claim,rating\nA claim,False\n,True\n", encoding="utf-8")
    result = run("factchecks", "import", str(library_file), str(bad), code=3)
    assert f"{bad}, line 3: no claim text" in result.stderr
    assert len(json.loads(run("factchecks", "list", "--format", "json").stdout)) == 3


def test_import_of_nothing_readable_is_an_error(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("rating,url\nFalse,x\n", encoding="utf-8")
    result = run("factchecks", "import", str(bad), code=1)
    assert "bad.csv, line 1" in result.stderr and "claim" in result.stderr


def test_a_missing_file_is_reported_once(tmp_path):
    # A process of its own: the engine's log lines reach stderr as they do for a person.
    missing = tmp_path / "missing.json"
    result = subprocess.run([sys.executable, str(REPO / "main.py"), "factchecks", "import", "--data-dir",
                             str(tmp_path / "data"), str(missing)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1 and not result.stdout
    assert result.stderr.count(str(missing)) == 1, result.stderr
    assert f"Error: Nothing imported: {missing}: cannot be opened" in result.stderr


def test_match_jsonl_contract(run, tmp_path, library_file):
    run("factchecks", "import", str(library_file))
    queries = tmp_path / "queries.jsonl"
    queries.write_text("\n".join([
        json.dumps({"id": "q1", "text": VACCINE}),
        json.dumps({"id": 2, "text": "Dead voters cast forty thousand ballots in Valdoria"}),
        "{not json",
        json.dumps({"id": "q4", "text": "The orchestra plays Brahms tonight"}),
    ]) + "\n", encoding="utf-8")
    result = run("factchecks", "match", "--input", str(queries), "--top", "2", "--format", "jsonl", code=3)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["q1", 2, None, "q4"]
    assert lines[0]["matches"][0]["external_id"] == "fc-1"
    assert set(lines[0]["matches"][0]) == {"factcheck_id", "external_id", "score"}
    assert lines[1]["matches"][0]["external_id"] == "fc-2"
    assert all(len(line["matches"]) <= 2 for line in lines)
    scores = [m["score"] for m in lines[0]["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert "queries.jsonl, line 3: malformed JSON" in result.stderr and lines[2]["error"]


def test_match_from_stdin_and_for_a_person(run, library_file):
    run("factchecks", "import", str(library_file))
    result = run("factchecks", "match", "--input", "-", "--format", "jsonl",
                 input=json.dumps({"id": 7, "text": VACCINE}) + "\n")
    assert json.loads(result.stdout)["matches"][0]["external_id"] == "fc-1"
    table = run("factchecks", "match", VACCINE).stdout
    assert "ClaimCheck Desk" in table and "https://claimcheck.example/corvax" in table
    run("factchecks", "match", code=2)


def test_narrative_show_lists_its_factchecks_and_review_commands(run, tmp_path, library_file):
    for n, outlet in enumerate(("alpha", "beta", "gamma"), 1):
        path = tmp_path / f"{outlet}.xml"
        path.write_bytes(rss(outlet, n))
    run("factchecks", "import", str(library_file))
    run("ingest", *(str(tmp_path / f"{o}.xml") for o in ("alpha", "beta", "gamma")), "--quiet")
    [top] = json.loads(run("narratives", "--format", "json").stdout)
    assert "fact-checked" in {f["kind"] for f in top["flags"]}
    shown = json.loads(run("narrative", "show", str(top["id"]), "--format", "json").stdout)
    [match] = shown["factchecks"]
    assert (match["external_id"], match["rating"], match["status"], match["flagging"]) == ("fc-1", "False", "new", True)
    table = run("narrative", "show", str(top["id"])).stdout
    assert "Previously fact-checked: rated False by ClaimCheck Desk" in table
    assert "why linked" in table and "like claim" in table  # each claim says why it was linked
    assert all(c["evidence"].startswith("like claim ") for c in shown["claims"])
    run("factchecks", "reject", str(top["id"]), str(match["factcheck_id"]))
    [after] = json.loads(run("narratives", "--all", "--format", "json").stdout)
    assert "fact-checked" not in {f["kind"] for f in after["flags"]}
    run("--user", "lena", "factchecks", "confirm", str(top["id"]), str(match["factcheck_id"]))
    shown = json.loads(run("narrative", "show", str(top["id"]), "--format", "json").stdout)
    assert shown["factchecks"][0]["status"] == "confirmed"
    assert shown["version"] == 0  # a decision on matches changes no status, notes or claims of the narrative
    trail = json.loads(run("narrative", "history", str(top["id"]), "--format", "json").stdout)
    assert (trail[0]["actor"], trail[0]["what"]) == ("lena", "confirmed the match with fact-check "
                                                             f"{match['factcheck_id']} (3 claims)")
    detail = json.loads(run("factchecks", "show", str(match["factcheck_id"]), "--format", "json").stdout)
    assert len(detail["claims"]) == 3 and detail["claims"][0]["narrative_id"] == top["id"]
    run("factchecks", "reject", "999", str(match["factcheck_id"]), code=1)
    result = run("factchecks", "match-all")
    assert "3 claim(s) matched" in result.stderr
    run("factchecks", "remove", str(match["factcheck_id"]))
    [gone] = json.loads(run("narratives", "--all", "--format", "json").stdout)
    assert "fact-checked" not in {f["kind"] for f in gone["flags"]}

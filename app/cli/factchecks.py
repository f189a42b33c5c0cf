"""``factchecks``: import the library, list it, match claims against it, review matches."""

from __future__ import annotations

import itertools
import json
import sys
import threading
from pathlib import Path

import click

from app.engine.errors import AppError, Cancelled
from app.engine.factchecks.updates import import_and_match, rematch
from app.engine.factchecks.updates import remove as remove_from_library
from app.engine.factchecks.match import FactCheckMatcher
from app.engine.factchecks.library import list_factchecks, set_claim_match_status, set_match_status
from app.engine.factchecks.values import VERDICTS
from app.engine.pipeline import Pipeline
from app.engine.store.factcheck_matches import matching_claims
from app.engine.store.factchecks import get_factcheck

from .output import (Progress, data_dir_option, emit_csv, emit_json, emit_table, format_option, reviewer, say,
                     to_jsonable)

EXIT_SOME_ITEMS_FAILED = 3
MATCH_BATCH = 256


@click.group()
def factchecks() -> None:
    """The library of known fact-checks, and the claims that repeat them."""


def _matcher(store, settings, quiet: bool) -> FactCheckMatcher:
    progress = Progress(quiet)
    matcher = FactCheckMatcher(store, Pipeline(store, settings).embedder)
    try:
        matcher.prepare(progress=progress)
    finally:
        progress.finish()
    return matcher


@factchecks.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-match", is_flag=True, help="Do not match the stored claims against the library afterwards.")
@format_option("table", "json")
@data_dir_option
def import_(files: tuple[Path, ...], no_match: bool, fmt: str, store, settings, quiet) -> None:
    """Import fact-checks from FILES: ClaimReview JSON-LD, JSON, JSON Lines, CSV or HTML pages.

    Re-importing a file updates its fact-checks. Every item that cannot be read is
    listed on stderr with its file and line or item; the others are stored (exit
    code 3). Afterwards the stored claims that may repeat the new fact-checks are
    matched again ('factchecks match-all' matches every claim).
    """
    progress = Progress(quiet)
    cancel = threading.Event()
    try:
        update = import_and_match(Pipeline(store, settings), files, match=not no_match, progress=progress,
                                  cancel=cancel)
        report, matched = update.imported, update.matched
    except KeyboardInterrupt:
        raise Cancelled("Interrupted; the fact-checks and matches stored so far are kept.") from None
    finally:
        progress.finish()
    # With nothing stored the errors are the whole story: the error message alone tells it, once.
    nothing = bool(report.errors) and not report.stored
    for problem in () if nothing else report.errors:
        say(quiet, f"error   {problem}")
    for problem in report.warnings[:50]:
        say(quiet, f"warning {problem}")
    if len(report.warnings) > 50:
        say(quiet, f"... and {len(report.warnings) - 50} more warnings")
    if fmt == "json":
        emit_json({**{k: v for k, v in to_jsonable(report).items() if k != "factcheck_ids"},
                   "errors": [str(p) for p in report.errors], "warnings": [str(p) for p in report.warnings],
                   "claims_matched": matched.claims_checked if matched else 0,
                   "narratives_flagged": len(matched.narratives_touched) if matched else 0})
    elif not nothing:
        say(quiet, report.summary())
        if matched:
            say(quiet, f"{matched.claims_checked} claim(s) matched against the library: {matched.flagging} "
                       f"match(es) flag their narrative.")
    if nothing:
        raise click.ClickException("Nothing imported: " + "\n".join(map(str, report.errors)))
    if report.errors:
        raise SystemExit(EXIT_SOME_ITEMS_FAILED)


@factchecks.command("list")
@click.option("--search", default=None, help="Only fact-checks whose claim or title has all these words.")
@click.option("--verdict", type=click.Choice(VERDICTS), default=None, help="Only this verdict.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10_000_000))
@format_option("table", "json", "csv")
@data_dir_option
def list_(search: str | None, verdict: str | None, limit: int, fmt: str, store, settings, quiet) -> None:
    """List the fact-check library, newest first."""
    rows = list_factchecks(store.db, search=search, verdict=verdict, limit=limit)
    if fmt == "json":
        emit_json(rows)
        return
    headers = ["id", "external id", "rating", "verdict", "publisher", "date", "lang", "claim", "url"]
    table = [[f.id, f.external_id, f.rating, f.verdict, f.publisher, f.review_date, f.language, f.claim, f.url]
             for f in rows]
    if fmt == "csv":
        emit_csv(headers, table)
    else:
        emit_table(headers, table, max_width=50)
        if not rows:
            say(quiet, "No fact-checks. 'factchecks import FILE' adds some.")


@factchecks.command("show")
@click.argument("factcheck_id", type=int)
@format_option("table", "json")
@data_dir_option
def show(factcheck_id: int, fmt: str, store, settings, quiet) -> None:
    """Show one fact-check and the claims that match it."""
    fc = get_factcheck(store.db, factcheck_id)
    if fc is None:
        raise AppError(f"No fact-check {factcheck_id}. 'factchecks list' lists them.")
    claims = matching_claims(store.db, factcheck_id)
    if fmt == "json":
        emit_json({**to_jsonable(fc), "claims": claims})
        return
    click.echo(f"Fact-check {fc.id}: {fc.claim}")
    click.echo(f"{fc.describe()}")
    click.echo(f"claimant {fc.claimant or '-'} · language {fc.language or '-'} · from {fc.source}")
    click.echo("")
    emit_table(["claim", "narrative", "score", "status", "text"],
               [[c.claim_id, c.narrative_id, f"{c.score:.3f}", c.status, c.text] for c in claims], max_width=80)


def _read_queries(handle, name: str):
    """``(line number, id, text, error)`` for each line of a JSON Lines input."""
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, None, f"{name}, line {number}: malformed JSON: {exc.msg}"
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            yield number, item.get("id") if isinstance(item, dict) else None, None, (
                f"{name}, line {number}: expected an object with a 'text' string")
            continue
        yield number, item.get("id"), item["text"], None


@factchecks.command("match")
@click.argument("text", required=False)
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default=None,
              help="JSON Lines of {\"id\": ..., \"text\": ...} ('-' for stdin); one output line per input line.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 100), help="Matches per text.")
@click.option("--min-score", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Leave out weaker matches.")
@format_option("table", "json", "jsonl")
@data_dir_option
def match(text: str | None, input_file, top: int, min_score: float, fmt: str, store, settings, quiet) -> None:
    """Find the known fact-checks that TEXT (or each line of --input) repeats, best first.

    With --input the output is JSON Lines whatever --format says:
    {"id": ..., "matches": [{"factcheck_id": ..., "external_id": ..., "score": ...}, ...]}.
    """
    if (text is None) == (input_file is None):
        raise click.UsageError("Give either TEXT or --input FILE.jsonl.")
    matcher = _matcher(store, settings, quiet)
    if input_file is None:
        [found] = matcher.match_texts([text], top=top, min_score=min_score)
        if fmt == "json":
            emit_json([m.as_json() for m in found])
            return
        if fmt == "jsonl":
            click.echo(json.dumps({"id": None, "matches": [m.as_json() for m in found]}, ensure_ascii=False))
            return
        emit_table(["fact-check", "score", "rating", "publisher", "date", "lang", "claim", "url"],
                   [[m.factcheck.id, f"{m.score:.3f}", m.factcheck.rating, m.factcheck.publisher,
                     m.factcheck.review_date, m.factcheck.language, m.factcheck.claim, m.factcheck.url]
                    for m in found], max_width=60)
        if not found:
            say(quiet, "No fact-check matches.")
        return
    name = getattr(input_file, "name", "input")
    failed = 0
    lines = _read_queries(input_file, name)
    while batch := list(itertools.islice(lines, MATCH_BATCH)):
        good = [q for q in batch if q[3] is None]
        results = iter(matcher.match_texts([q[2] for q in good], top=top, min_score=min_score) if good else [])
        for _, query_id, _, error in batch:
            if error:
                failed += 1
                say(quiet, f"error   {error}")
                click.echo(json.dumps({"id": query_id, "matches": [], "error": error}, ensure_ascii=False))
            else:
                found = next(results)
                click.echo(json.dumps({"id": query_id, "matches": [
                    {k: v for k, v in m.as_json().items() if k in ("factcheck_id", "external_id", "score")}
                    for m in found]}, ensure_ascii=False))
        sys.stdout.flush()
    if failed:
        raise SystemExit(EXIT_SOME_ITEMS_FAILED)


@factchecks.command("match-all")
@data_dir_option
def match_all_(store, settings, quiet) -> None:
    """Match every stored claim against the library again (reviewed matches keep their status)."""
    progress = Progress(quiet)
    try:
        report = rematch(Pipeline(store, settings), progress=progress).matched
    except KeyboardInterrupt:
        raise Cancelled("Interrupted; the claims matched so far keep their matches, the others are matched "
                        "at the next fetch.") from None
    finally:
        progress.finish()
    say(quiet, f"{report.claims_checked} claim(s) matched in {report.seconds:.1f} s: {report.matches} match(es), "
               f"{report.flagging} flagging; {len(report.narratives_touched)} narrative(s) refreshed.")


def _review(status: str, narrative_id: int, factcheck_id: int, claim: bool, store, settings, quiet) -> None:
    if claim:
        set_claim_match_status(store, narrative_id, factcheck_id, status, settings=settings, actor=reviewer(settings))
        say(quiet, f"Match of claim {narrative_id} with fact-check {factcheck_id}: {status}.")
    else:
        count = set_match_status(store, narrative_id, factcheck_id, status, settings=settings,
                                 actor=reviewer(settings))
        say(quiet, f"Match of narrative {narrative_id} with fact-check {factcheck_id} ({count} claims): {status}.")


def _review_command(status: str, doc: str):
    @click.argument("narrative_id", type=int)
    @click.argument("factcheck_id", type=int)
    @click.option("--claim", is_flag=True, help="The first id is a claim's, not a narrative's.")
    @data_dir_option
    def command(narrative_id: int, factcheck_id: int, claim: bool, store, settings, quiet) -> None:
        _review(status, narrative_id, factcheck_id, claim, store, settings, quiet)

    command.__doc__ = doc
    return command


factchecks.command("confirm")(_review_command(
    "confirmed", "Confirm that NARRATIVE_ID repeats fact-check FACTCHECK_ID: it flags the narrative (audited)."))
factchecks.command("reject")(_review_command(
    "rejected", "Reject the match of NARRATIVE_ID with fact-check FACTCHECK_ID: it stops flagging (audited)."))
factchecks.command("reset")(_review_command(
    "new", "Forget a confirm or reject: the match of NARRATIVE_ID and FACTCHECK_ID counts by its score again."))


@factchecks.command("remove")
@click.argument("factcheck_ids", nargs=-1, required=True, type=int)
@data_dir_option
def remove(factcheck_ids: tuple[int, ...], store, settings, quiet) -> None:
    """Remove fact-checks from the library, with their matches."""
    missing = [i for i in factcheck_ids if get_factcheck(store.db, i) is None]
    if missing:
        raise AppError(f"No fact-check {', '.join(map(str, missing))}.")
    remove_from_library(Pipeline(store, settings), factcheck_ids)
    say(quiet, f"{len(factcheck_ids)} fact-check(s) removed.")

"""``narrative status|notes|merge|split|undo|history``: the fact-checker's review from the command line.

The same engine functions as the window's review buttons, so every action lands in
the same audit trail (who, when, what) and ``undo`` takes back the last one, whichever
face made it.
"""

from __future__ import annotations

import click

from app.engine import review

from .output import data_dir_option, emit_json, emit_table, expect_version_option, format_option, reviewer, say


@click.command("status")
@click.argument("narrative_id", type=int)
@click.argument("status", type=click.Choice(review.STATUSES), metavar="STATUS")
@expect_version_option
@data_dir_option
def status(narrative_id: int, status: str, expected_version: int | None, store, settings, quiet) -> None:
    """Set a narrative's review status: new, reviewing, confirmed or dismissed."""
    if review.set_status(store, narrative_id, status, actor=reviewer(settings),
                         expected_version=expected_version) == status:
        say(quiet, f"Narrative {narrative_id} is already {status}; nothing changed.")
    else:
        say(quiet, f"Narrative {narrative_id} is now {status}.")


@click.command("notes")
@click.argument("narrative_id", type=int)
@click.argument("text", required=False)
@click.option("--file", "path", type=click.File("r", encoding="utf-8"), default=None,
              help="Read the notes from this file ('-' for standard input).")
@expect_version_option
@data_dir_option
def notes(narrative_id: int, text: str | None, path, expected_version: int | None, store, settings, quiet) -> None:
    """Replace a narrative's notes with TEXT (or the text of --file; empty text clears them)."""
    if (text is None) == (path is None):
        raise click.UsageError("Give the notes as TEXT or with --file, not both.")
    review.set_notes(store, narrative_id, path.read() if path is not None else text, actor=reviewer(settings),
                     expected_version=expected_version)
    say(quiet, f"Notes of narrative {narrative_id} saved.")


@click.command("merge")
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
@expect_version_option
@click.option("--expect-other-version", "other_version", type=int, default=None, metavar="N",
              help="As --expect-version, for OTHER_ID.")
@data_dir_option
def merge(keep_id: int, other_id: int, expected_version: int | None, other_version: int | None, store, settings,
          quiet) -> None:
    """Merge narrative OTHER_ID into KEEP_ID (its old id then leads to KEEP_ID)."""
    review.merge(store, keep_id, other_id, settings=settings, actor=reviewer(settings),
                 expected_version=expected_version, other_version=other_version)
    say(quiet, f"Narrative {other_id} merged into {keep_id}.")


@click.command("split")
@click.argument("narrative_id", type=int)
@click.argument("claim_ids", type=int, nargs=-1, required=True)
@expect_version_option
@data_dir_option
def split(narrative_id: int, claim_ids: tuple[int, ...], expected_version: int | None, store, settings, quiet) -> None:
    """Move claims (ids from 'narrative show') out of a narrative into a new one; print its id."""
    new_id = review.split(store, narrative_id, list(claim_ids), settings=settings, actor=reviewer(settings),
                          expected_version=expected_version)
    say(quiet, f"{len(claim_ids)} claim(s) split out of narrative {narrative_id} into narrative:")
    click.echo(new_id)


@click.command("undo")
@data_dir_option
def undo(store, settings, quiet) -> None:
    """Take back the last review action, on whichever narrative it was."""
    entry = review.undo_last(store, settings=settings, actor=reviewer(settings))
    say(quiet, f"Undone: {review.describe(entry)} ({entry.subject}, by {entry.actor} at {entry.at}).")


@click.command("history")
@click.argument("narrative_id", type=int)
@format_option("table", "json")
@data_dir_option
def history(narrative_id: int, fmt: str, store, settings, quiet) -> None:
    """Show a narrative's audit trail, newest first: who did what, and when."""
    entries = review.audit_trail(store, narrative_id)
    if fmt == "json":
        emit_json([{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "what": review.describe(e)}
                   for e in entries])
        return
    emit_table(["#", "when", "who", "what"], [[e.id, e.at, e.actor, review.describe(e)] for e in entries])
    if not entries:
        say(quiet, f"No review actions on narrative {narrative_id} yet.")


REVIEW_COMMANDS = (status, notes, merge, split, undo, history)  # sub-commands of "narrative"

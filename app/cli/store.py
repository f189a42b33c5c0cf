"""``store migrate``: move a laptop's data folder into a newsroom store."""

from __future__ import annotations

import os
from pathlib import Path

import click

from app.engine.errors import AppError
from app.engine.paths import STORE_ENV
from app.engine.store import redact_url
from app.engine.store.postgres import is_postgres_url
from app.engine.store.transfer import migrate_store

from .output import emit_json, emit_table, say


@click.group()
def store() -> None:
    """The newsroom store (PostgreSQL) several people and workers share."""


@store.command()
@click.option("--from", "source", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The data folder whose database is copied (it is left as it is).")
@click.option("--to", "url", default=None, metavar="URL",
              help="The empty newsroom store, postgresql://user@host/database (default: --store, "
                   "env NARRATIVE_RADAR_STORE).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def migrate(source: Path, url: str | None, fmt: str, quiet: bool) -> None:
    """Copy a data folder's store (every table, ids kept) into an empty newsroom store.

    All or nothing: one transaction, row counts checked before it commits. A newsroom
    store that already holds feeds or claims is refused. Prints each table's rows.
    """
    url = url or os.environ.get(STORE_ENV, "").strip()
    if not url:
        raise click.UsageError("Name the newsroom store: --to postgresql://user@host/database.")
    if not is_postgres_url(url):
        raise click.UsageError(f"--to {redact_url(url)!r} is not a PostgreSQL URL (postgresql://user@host/database).")

    def progress(table: str, copied: int, total: int) -> None:
        if copied == 0 or copied == total:
            say(quiet, f"{table}: {copied:,}/{total:,}")
        else:
            say(quiet, f"{table}: {copied:,}/{total:,} ...")

    say(quiet, f"Copying {source} into {redact_url(url)} ...")
    try:
        report = migrate_store(source, url, progress=progress)
    except AppError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        emit_json({t: {"source": n, "newsroom": report.target[t]} for t, n in report.source.items()})
    else:
        emit_table(["table", "source", "newsroom"], [[t, n, report.target[t]] for t, n in report.source.items()])
    say(quiet, f"Done: {sum(report.target.values()):,} rows copied, every table's count matches.")

"""``recover``, ``backup`` and ``restore-reviews``: a damaged database and the backup of review work."""

from __future__ import annotations

from pathlib import Path

import click

from app.engine.errors import AppError
from app.engine.paths import DATABASE_NAME, default_data_dir
from app.engine.store import check_database, recover_database

from .output import data_dir_option, emit_json, say


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="NARRATIVE_RADAR_DATA_DIR", help="Data folder (default: the per-user data folder).")
@click.option("--force", is_flag=True, help="Rebuild the database even when SQLite finds nothing wrong with it.")
@click.option("--quiet", "-q", is_flag=True, help="No summary on stderr.")
def recover(data_dir: Path | None, force: bool, quiet: bool) -> None:
    """Recover a damaged database: keep it aside, copy what can be read into a new one.

    The damaged file goes to damaged/ in the data folder; the newest reviews backup
    (backups/) puts back review work the damaged file no longer gives; the vector
    index is rebuilt on the next run. Close the window first. Prints what was kept (JSON).
    """
    folder = (data_dir or default_data_dir()).expanduser()
    problems = check_database(folder / DATABASE_NAME)
    if not problems and not force:
        say(quiet, f"The database in {folder} is sound; nothing to recover (--force rebuilds it anyway).")
        return
    try:
        report = recover_database(folder)
    except AppError as exc:
        raise click.ClickException(str(exc)) from exc
    emit_json(report)
    lost = f"; damaged tables: {', '.join(report.unreadable)}" if report.unreadable else ""
    say(quiet, f"Recovered {sum(report.kept.values()):,} rows{lost}. The damaged file is kept at {report.damaged_copy}.")


@click.command()
@data_dir_option
def backup(store, settings, quiet) -> None:
    """Back up the review work now (reviews are also backed up after every review action)."""
    path = store.backup_reviews()
    click.echo(str(path))
    say(quiet, f"Reviews, fact-check decisions and the audit trail backed up to {path}.")


@click.command("restore-reviews")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@data_dir_option
def restore_reviews(path: Path | None, store, settings, quiet) -> None:
    """Put back review work from a backup (default: the newest) that the database lacks."""
    report = store.restore_reviews(path)
    emit_json(report)
    say(quiet, f"Put back {report.narratives} narratives ({report.claims} claims), {report.decisions} fact-check "
               f"decisions and {report.audit_entries} audit entries.")

"""Shared options and output for the commands: data folder, format, progress on stderr."""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from app.engine.errors import AppError
from app.engine.factchecks.values import parse_moment
from app.engine.paths import default_data_dir
from app.engine.settings import Settings, load_settings, reviewer_name
from app.engine.spreadsheet import spreadsheet_text
from app.engine.store import Store


def data_dir_option(func: Callable) -> Callable:
    """Add ``--data-dir`` and ``--quiet`` to a command; pass ``store``, ``settings`` and ``quiet``."""

    @click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  envvar="NARRATIVE_RADAR_DATA_DIR",
                  help="Data folder (default: the per-user data folder; env NARRATIVE_RADAR_DATA_DIR).")
    @click.option("--quiet", "-q", is_flag=True, help="No progress or summary on stderr.")
    @functools.wraps(func)
    def wrapper(*args: Any, data_dir: Path | None, quiet: bool, **kwargs: Any) -> Any:
        folder = data_dir or default_data_dir()
        try:
            settings = load_settings(folder)
            store = Store.open(folder)
        except AppError as exc:
            raise click.ClickException(str(exc)) from exc
        if store.read_only:
            say(quiet, f"{folder} cannot be written: opened read-only (browse and export only).")
        try:
            return func(*args, store=store, settings=settings, quiet=quiet, **kwargs)
        except AppError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            store.close()

    return wrapper


def reviewer(settings: Settings) -> str:
    """The name review actions are kept under: the program's ``--user``, else as
    :func:`~app.engine.settings.reviewer_name` says."""
    return reviewer_name(settings, click.get_current_context().find_root().params.get("user"))


def expect_version_option(func: Callable) -> Callable:
    """Add ``--expect-version``: act only if the narrative is still at the version shown."""
    return click.option("--expect-version", "expected_version", type=int, default=None, metavar="N",
                        help="Refuse (exit 1, nothing changed) if the narrative is no longer at version N, as "
                             "'narrative show' gave it: another reviewer changed it meanwhile. "
                             "Default: act on the current version.")(func)


def format_option(*choices: str) -> Callable:
    """Add ``--format`` with the given choices, the first being the default."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="Output format.")


def date_option(name: str, help: str) -> Callable:
    """Add a date option (``--since``, ``--until``); the command gets it as the store keeps times.

    Dates are read as the fact-check importers read them (:func:`parse_moment`), so one
    written as in a newsroom's files (``17/11/2026``, ``17 Nov 2026``) works here too.
    """
    return click.option(name, default=None, callback=_moment,
                        help=f"{help} (2026-11-17, 17/11/2026, 17 Nov 2026 or an ISO time; UTC).")


def _moment(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if not value:
        return None
    moment = parse_moment(value)
    if moment is None:
        raise click.BadParameter(f"{value!r} is not a date; use e.g. 2026-11-17, 17/11/2026, 17 Nov 2026 "
                                 "or an ISO time (2026-11-17T09:30+01:00).")
    return moment


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def emit_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2))


def emit_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int = 60) -> None:
    """Print rows as aligned columns, cutting long cells so the table stays readable."""
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    click.echo(line.rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


def emit_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write rows as CSV; text that a spreadsheet would run as a formula gets a leading ``'``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows([spreadsheet_text(v) if isinstance(v, str) else v for v in row] for row in rows)
    click.echo(buffer.getvalue(), nl=False)


def _cell(value: Any, max_width: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


class Progress:
    """A one-line progress display on stderr (nothing when quiet or not a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._last = -1

    def __call__(self, fraction: float, message: str) -> None:
        if self.quiet:
            return
        percent = int(fraction * 100)
        if self.tty:
            click.echo(f"\r{percent:3d}% {message[:70]:<70}", err=True, nl=False)
        elif percent // 10 != self._last // 10 or fraction >= 1.0:
            click.echo(f"{percent:3d}% {message}", err=True)
        self._last = percent

    def finish(self) -> None:
        if not self.quiet and self.tty:
            click.echo("", err=True)


def say(quiet: bool, message: str) -> None:
    """A human message on stderr, so that stdout stays data."""
    if not quiet:
        click.echo(message, err=True)


__all__ = ["Progress", "Settings", "data_dir_option", "date_option", "emit_csv", "emit_json", "emit_table",
           "format_option", "say", "to_jsonable"]

"""``brief``: export the narratives that matter as PDF, HTML, Markdown, CSV or JSON."""

from __future__ import annotations

from pathlib import Path

import click

from app.engine.briefs.export import FORMATS, BriefFilter, format_for_path
from app.engine.briefs.formats import check_output
from app.engine.review import STATUSES
from app.render.brief_export import export_brief

from .output import Progress, data_dir_option, date_option, say


def _ids(value: str | None) -> tuple[int, ...] | None:
    if not value:
        return None
    try:
        ids = tuple(int(part) for part in value.replace(" ", "").split(",") if part)
    except ValueError:
        raise click.UsageError(f"--ids {value!r} is not a list of narrative numbers; use e.g. --ids 1,2,3.") from None
    if not ids:
        raise click.UsageError("--ids needs at least one narrative number, e.g. --ids 1,2,3.")
    return ids


@click.command()
@date_option("--since", "Narratives active since this date")
@date_option("--until", "...and first seen before this date")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only narratives with this review status.")
@click.option("--flagged", is_flag=True, help="Only flagged narratives.")
@click.option("--flag", "flag_kind", default=None, help="Only narratives with this flag (spread, cross-language, ...).")
@click.option("--tag", default=None, help="Only narratives told by a source with this tag.")
@click.option("--ids", default=None, help="Only these narratives: 1,2,3.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="pdf, html, md, csv or json (default: from the output file's extension).")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True, help="The file to write.")
@click.option("--title", default="", help="The brief's title (default: 'Narrative brief').")
@click.option("--author", default="", help="Who prepared the brief, shown on the cover.")
@click.option("--allow-empty", is_flag=True, help="Write a brief even when no narrative matches.")
@click.option("--suggestions", is_flag=True,
              help="Also list fact-checks that match without flagging, marked as suggestions.")
@data_dir_option
def brief(since: str | None, until: str | None, status: str | None, flagged: bool, flag_kind: str | None,
          tag: str | None, ids: str | None, fmt: str | None, output: Path, title: str, author: str,
          allow_empty: bool, suggestions: bool, store, settings, quiet) -> None:
    """Export a brief of the selected narratives: claims, sources, spread chart, fact-checks, evidence.

    \b
    python main.py brief --since 2026-11-16 --flagged --format pdf --output week47.pdf
    python main.py brief --ids 3,8 --format html --output two.html --title "Ballots" --author "Desk"

    A narrative with very many claims is summarised in PDF, HTML and Markdown; every
    claim then goes to NAME-claims.csv beside the brief. The written files are printed.
    """
    fmt = fmt or format_for_path(output)
    if fmt is None:
        raise click.UsageError(f"Cannot tell the format from {output.name!r}; add --format "
                               f"{'|'.join(FORMATS)}.")
    brief_filter = BriefFilter(since=since, until=until, status=status,
                               flagged_only=flagged, flag_kind=flag_kind, tag=tag, ids=_ids(ids))
    output = check_output(output)  # fail before the work
    progress = Progress(quiet)
    result = export_brief(store, brief_filter, output, fmt, title=title, author=author, allow_empty=allow_empty,
                          suggestions=suggestions, progress=progress)
    progress.finish()
    for path in result.files:
        click.echo(str(path))
    say(quiet, f"Brief: {result.narratives} narrative(s), {result.claims} claim(s) -> {result.path}"
        + (f"; claims tables summarised, every claim in {result.claims_csv.name}"
           if result.summarised and result.claims_csv and result.claims_csv != result.path else ""))

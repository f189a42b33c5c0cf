"""The command line: a thin face over ``app.engine``.

Exit codes: 0 success, 1 an error (message on stderr), 2 bad usage,
3 some feeds failed while the others were stored.
"""

from __future__ import annotations

import logging

import click

from app import __version__

from .brief import brief
from .feeds import feeds
from .ingest import articles, demo, ingest
from .narratives import narrative, narratives, recluster, reindex, search


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="narrative-radar")
@click.option("--verbose", "-v", is_flag=True, help="Log details on stderr.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Narrative Radar: watch news feeds and flag near-duplicate narratives, offline."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


main.add_command(feeds)
main.add_command(ingest)
main.add_command(articles)
main.add_command(demo)
for command in (narratives, narrative, search, reindex, recluster):
    main.add_command(command)
main.add_command(brief)

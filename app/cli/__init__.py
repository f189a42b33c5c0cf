"""The command line: a thin face over ``app.engine``.

Exit codes: 0 success, 1 an error (message on stderr), 2 bad usage,
3 some feeds failed while the others were stored.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from app import __version__
from app.engine.paths import STORE_ENV

from .brief import brief
from .factchecks import factchecks
from .feeds import feeds
from .ingest import articles, demo, ingest
from .maintenance import backup, recover, restore_reviews
from .narratives import narrative, narratives, recluster, reindex, search
from .review import REVIEW_COMMANDS
from .store import store
from .worker import worker


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="narrative-radar")
@click.option("--verbose", "-v", is_flag=True, help="Log details on stderr.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="NARRATIVE_RADAR_DATA_DIR",
              help="Data folder for the window (and the default for every command).")
@click.option("--store", "store_url", metavar="URL", default=None, envvar=STORE_ENV,
              help="Newsroom store (postgresql://user@host/database) every command and the window work on, "
                   "instead of the data folder's own database (env NARRATIVE_RADAR_STORE).")
@click.option("--user", metavar="NAME", default=None,
              help="Reviewer name kept in the audit trail for review actions, in the window and every command "
                   "(default: env NARRATIVE_RADAR_USER, else the 'reviewer' setting, else the system's user name).")
@click.pass_context
def main(ctx: click.Context, verbose: bool, data_dir: Path | None, store_url: str | None,
         user: str | None) -> None:
    """Narrative Radar: watch news feeds and flag near-duplicate narratives, offline.

    With no command, the desktop window opens.
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if store_url:
        # Every Store.open of this process reads it, the window's worker threads included.
        os.environ[STORE_ENV] = store_url
    if ctx.invoked_subcommand is None:
        # The window is the other face: the program that offers both (app.program) passes its
        # opener in, so the command line never imports Qt or the window.
        open_window = (ctx.obj or {}).get("open_window")
        if open_window is None:
            raise click.UsageError("Give a command (see --help).")
        ctx.exit(open_window(data_dir, user))
    if data_dir is not None:
        ctx.default_map = _data_dir_defaults(ctx.command, data_dir)


def _data_dir_defaults(group: click.Group, data_dir: Path) -> dict:
    """``main.py --data-dir D feeds list`` means ``feeds list --data-dir D``."""
    defaults: dict = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            defaults[name] = _data_dir_defaults(command, data_dir)
        elif any(param.name == "data_dir" for param in command.params):
            defaults[name] = {"data_dir": data_dir}
    return defaults


main.add_command(feeds)
main.add_command(factchecks)
main.add_command(ingest)
main.add_command(articles)
main.add_command(demo)
for command in (narratives, narrative, search, reindex, recluster):
    main.add_command(command)
for command in REVIEW_COMMANDS:
    narrative.add_command(command)
main.add_command(brief)
for command in (recover, backup, restore_reviews):
    main.add_command(command)
main.add_command(store)
main.add_command(worker)

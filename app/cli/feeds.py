"""``feeds``: add, list, remove, tag, and OPML import/export."""

from __future__ import annotations

from pathlib import Path

import click

from app.engine import opml_import
from app.engine.domain import Feed
from app.engine.opml_export import export_opml as write_opml_file, opml_document
from app.engine.ingest import add_source
from app.engine.store import feeds as feed_store

from .output import data_dir_option, emit_csv, emit_json, emit_table, format_option, say, to_jsonable

EXIT_SOME_NOT_ADDED = 3


@click.group()
def feeds() -> None:
    """Manage the feeds that are watched."""


@feeds.command("add")
@click.argument("sources", nargs=-1, required=True)
@click.option("--tag", "-t", "tags", multiple=True, help="Tag for the feeds (repeatable), e.g. watchlist.")
@click.option("--title", default=None, help="Title for the feed (one source only).")
@data_dir_option
def add(sources: tuple[str, ...], tags: tuple[str, ...], title: str | None, store, settings, quiet) -> None:
    """Add feeds by URL, by feed file, or by folder (every feed in it; other files are listed as skipped)."""
    if title and len(sources) > 1:
        raise click.UsageError("--title names one feed; give one source with it.")
    added = add_and_say(store, settings, sources, tags, title, quiet)
    for feed in added:
        click.echo(f"{feed.id}\t{feed.url}")
    say(quiet, f"{len(added)} feed(s) added or updated. 'ingest' reads them.")


def add_and_say(store, settings, sources: tuple[str, ...], tags: tuple[str, ...], title: str | None,
                quiet: bool) -> list[Feed]:
    """Add the sources as feeds, saying which files of a folder were left out (not feeds) and why."""
    added: list[Feed] = []
    for source in sources:
        result = add_source(store, source, tags=tags, title=title, max_bytes=settings.max_feed_bytes)
        added += [feed for feed, _ in result.feeds]
        for path, why in result.skipped:
            say(quiet, f"Skipped {path}: not a feed ({why})")
    return added


@feeds.command("list")
@click.option("--tag", default=None, help="Only feeds with this tag.")
@format_option("table", "json", "csv")
@data_dir_option
def list_(tag: str | None, fmt: str, store, settings, quiet) -> None:
    """List feeds with their health: last fetch, last success, last error, entries, next fetch."""
    rows = feed_store.list_feeds(store.db, tag=tag)
    if fmt == "json":
        emit_json([{**to_jsonable(f), "health": f.health} for f in rows])
        return
    headers = ["id", "title", "tags", "health", "entries", "last fetch", "last success", "next fetch", "last error"]
    table = [[f.id, f.display_title, f.tags, f.health, f.entries, f.last_fetch_at, f.last_success_at,
              f.next_fetch_at, f.last_error] for f in rows]
    if fmt == "csv":
        emit_csv(headers, table)
    else:
        emit_table(headers, table, max_width=48)


@feeds.command("remove")
@click.argument("feed_refs", nargs=-1, required=True)
@data_dir_option
def remove(feed_refs: tuple[str, ...], store, settings, quiet) -> None:
    """Remove feeds (by id or URL) with their articles and claims."""
    for ref in feed_refs:
        feed = feed_store.remove_feed(store.db, ref)
        say(quiet, f"Removed feed {feed.id}: {feed.display_title} ({feed.entries} articles).")


@feeds.command("tag")
@click.argument("feed_ref")
@click.argument("tags", nargs=-1)
@data_dir_option
def tag(feed_ref: str, tags: tuple[str, ...], store, settings, quiet) -> None:
    """Replace a feed's tags (none given: remove all tags)."""
    feed = feed_store.set_feed_tags(store.db, feed_ref, tags)
    say(quiet, f"Feed {feed.id} tags: {', '.join(feed.tags) or '(none)'}")


@feeds.command("enable")
@click.argument("feed_ref")
@click.option("--off", is_flag=True, help="Disable instead.")
@data_dir_option
def enable(feed_ref: str, off: bool, store, settings, quiet) -> None:
    """Enable (or with --off disable) a feed."""
    feed = feed_store.update_feed(store.db, feed_ref, enabled=not off)
    say(quiet, f"Feed {feed.id} is {'enabled' if feed.enabled else 'disabled'}.")


@feeds.command("import-opml")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tag", "-t", "tags", multiple=True, help="Extra tag for every imported feed.")
@click.option("--allow-local-paths", is_flag=True,
              help="Also add the files, folders and local-network addresses that the file lists.")
@data_dir_option
def import_opml(path: Path, tags: tuple[str, ...], allow_local_paths: bool, store, settings, quiet) -> None:
    """Import feeds from an OPML file; nested outlines become tags.

    Local paths in the file (~/..., /..., file: URLs, paths relative to the file) and
    addresses on this computer or its network (http://127.0.0.1/..., http://192.168.1.1/...)
    are listed and not followed unless --allow-local-paths is given. One import adds at most
    max_feeds_per_import feeds (a setting, 500). Exit code 3 means some outlines were not
    added (each is listed).
    """
    result = opml_import.import_opml(store, path, tags=tags, allow_local_paths=allow_local_paths,
                                     max_feeds=settings.max_feeds_per_import)
    for url, why in result.skipped:
        say(quiet, f"Skipped {url}: {why}")
    refusals = (opml_import.LOCAL_PATH_REFUSED, opml_import.LOCAL_ADDRESS_REFUSED)
    if any(why in refusals for _, why in result.skipped):
        say(quiet, "The file lists paths or addresses on this machine or its network; "
                   "--allow-local-paths adds them too.")
    say(quiet, f"{result.added} feed(s) added, {len(result.feeds) - result.added} already there, "
               f"from {path}.")
    if result.skipped:
        raise SystemExit(EXIT_SOME_NOT_ADDED)


@feeds.command("export-opml")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@data_dir_option
def export_opml(path: Path | None, store, settings, quiet) -> None:
    """Export the feeds as OPML to PATH (or stdout)."""
    if path is None:
        click.echo(opml_document(store)[0].decode("utf-8"), nl=False)
        return
    count = write_opml_file(store, path)
    say(quiet, f"Exported {count} feed(s) to {path}.")

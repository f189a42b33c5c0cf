"""``ingest``, ``articles`` and ``demo``: read feeds and look at what was stored."""

from __future__ import annotations

import threading

import click

from app.engine.errors import Cancelled
from app.engine.demo import add_demo
from app.engine.ingest import ingest as run_ingest
from app.engine.pipeline import Pipeline, PipelineReport
from app.engine.store import articles as article_store
from app.engine.store import feeds as feed_store

from .feeds import add_and_say
from .output import Progress, data_dir_option, date_option, emit_csv, emit_json, emit_table, format_option, say

EXIT_SOME_FEEDS_FAILED = 3


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--tag", "-t", "tags", multiple=True, help="Tag for feeds added by this command.")
@click.option("--force", is_flag=True, help="Also fetch feeds that are backing off after errors.")
@click.option("--no-narratives", is_flag=True, help="Only store articles and claims; embed and cluster later.")
@format_option("table", "json")
@data_dir_option
def ingest(sources: tuple[str, ...], tags: tuple[str, ...], force: bool, no_narratives: bool, fmt: str,
           store, settings, quiet) -> None:
    """Fetch feeds and store their new articles and claims.

    SOURCES are URLs, feed files or folders; they are added as feeds first. With no
    SOURCES every enabled feed is read. Exit code 3 means some feeds failed (their
    errors are listed and kept on each feed); the others were stored.
    """
    feeds = add_and_say(store, settings, sources, tags, None, quiet) if sources else None
    report = _run(store, feeds, settings, force, quiet, not no_narratives)
    _summarise(report, fmt, quiet)
    if report.ingest.failed:
        raise SystemExit(EXIT_SOME_FEEDS_FAILED)


def _run(store, feeds, settings, force: bool, quiet: bool, narratives: bool) -> PipelineReport:
    progress = Progress(quiet)
    cancel = threading.Event()
    pipeline = Pipeline(store, settings)
    try:
        if not narratives:
            return PipelineReport(ingest=run_ingest(store, feeds, settings=settings, force=force,
                                                    progress=progress, cancel=cancel))
        return pipeline.run(feeds, force=force, progress=progress, cancel=cancel)
    except KeyboardInterrupt:
        raise Cancelled("Interrupted; feeds already read are kept.") from None
    finally:
        progress.finish()


def _summarise(pipeline_report: PipelineReport, fmt: str, quiet: bool) -> None:
    report = pipeline_report.ingest
    if fmt == "json":
        summary = {k: v for k, v in report.__dict__.items() if k != "new_article_ids"}
        summary["claims_embedded"] = pipeline_report.claims_embedded
        summary["narratives_touched"] = len(pipeline_report.narratives_touched)
        emit_json(summary)
        return
    for feed, message in report.errors:
        say(quiet, f"error   {feed}: {message}")
    for feed, message in report.warnings:
        say(quiet, f"warning {feed}: {message}")
    say(quiet, (
        f"{report.feeds} feed(s): {report.fetched} read, {report.unchanged} unchanged, "
        f"{report.failed} failed, {report.skipped_backoff} backing off; "
        f"{report.articles_new} new article(s) of {report.articles_found}, {report.claims_new} new claim(s)"
        + (f" ({report.claims_boilerplate} line(s) the feeds repeat under many articles left out)."
           if report.claims_boilerplate else ".")
    ))
    if pipeline_report.claims_embedded:
        say(quiet, f"{pipeline_report.claims_embedded} claim(s) embedded; "
                   f"{len(pipeline_report.narratives_touched)} narrative(s) new or grown.")


@click.command()
@click.option("--feed", "feed_ref", default=None, help="Only this feed (id or URL).")
@date_option("--since", "Published on or after this date")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@format_option("table", "json", "csv")
@data_dir_option
def articles(feed_ref: str | None, since: str | None, limit: int, fmt: str, store, settings, quiet) -> None:
    """List stored articles, newest first."""
    feed_id = feed_store.get_feed(store.db, feed_ref).id if feed_ref else None
    rows = article_store.list_articles(store.db, feed_id=feed_id, since=since, limit=limit)
    if fmt == "json":
        emit_json([{**a.__dict__, "claims": [c.__dict__ for c in article_store.claims_of(store.db, a.id)]}
                   for a in rows])
        return
    headers = ["id", "published", "feed", "lang", "copies", "title", "link"]
    table = [[a.id, a.published_at + ("~" if a.published_estimated else ""), a.feed_title, a.language,
              a.copies, a.title, a.link] for a in rows]
    if fmt == "csv":
        emit_csv(headers, table)
    else:
        emit_table(headers, table)


@click.command()
@format_option("table", "json")
@data_dir_option
def demo(fmt: str, store, settings, quiet) -> None:
    """Load the bundled demo feeds (eight outlets, six languages) and ingest them."""
    added = add_demo(store)
    library, feeds = added.library, list(added.feeds)
    report = _run(store, feeds, settings, True, quiet, True)
    _summarise(report, fmt, quiet)
    say(quiet, f"Fact-check library: {library.summary()}")
    if fmt == "table":
        say(quiet, f"Data folder: {store.data_dir}. 'narratives' lists what was flagged.")

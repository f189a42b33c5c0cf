"""``worker``: fetch due feeds and process claims, beside other workers on one newsroom store."""

from __future__ import annotations

from pathlib import Path

import click

from app.engine.errors import AppError
from app.engine.paths import default_data_dir
from app.engine.settings import load_settings
from app.engine.store import Store
from app.engine.worker import RoundReport, run_worker, worker_name

from .ingest import EXIT_SOME_FEEDS_FAILED
from .output import say


@click.command()
@click.option("--once", is_flag=True, help="Do what is due now and exit (for cron).")
@click.option("--interval", default=300.0, show_default=True, type=click.FloatRange(min=1),
              metavar="SECONDS", help="Seconds between rounds without --once.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              envvar="NARRATIVE_RADAR_DATA_DIR",
              help="Data folder: settings, evidence and this machine's index cache (default: the per-user one).")
@click.option("--quiet", "-q", is_flag=True, help="No summaries on stderr.")
def worker(once: bool, interval: float, data_dir: Path | None, quiet: bool) -> None:
    """Fetch the due feeds and process their new claims, round after round.

    Several workers on several machines can share one newsroom store (--store): each feed
    is leased to one worker at a time, a stopped worker's leases expire after ten minutes,
    and only one worker clusters at a time. Ctrl-C stops after the feed in hand.
    Exit code 3 (with --once) means some feeds failed; the others were stored.
    """
    folder = (data_dir or default_data_dir()).expanduser()
    name = worker_name()
    failed = False

    def report_round(round_: RoundReport) -> None:
        nonlocal failed
        report = round_.ingest
        failed = bool(report.failed)
        for feed, message in report.errors:
            say(quiet, f"error   {feed}: {message}")
        clustering = (" another worker is clustering, it takes the new claims." if round_.clustering_skipped
                      else f" {round_.claims_embedded} claim(s) embedded, {round_.narratives_touched} narrative(s) "
                           "new or grown.")
        say(quiet, f"{name}: {round_.feeds_taken} feed(s) taken ({round_.feeds_left} left to other workers), "
                   f"{report.fetched} read, {report.failed} failed, {report.articles_new} new article(s), "
                   f"{report.claims_new} new claim(s);" + clustering)

    try:
        settings = load_settings(folder)
        with_store = Store.open(folder)
        say(quiet, f"Worker {name} on {with_store.location}" + ("." if once else f", every {interval:g} s."))
        with_store.close()
        run_worker(lambda: Store.open(folder), settings, once=once, interval=interval, owner=name,
                   report_round=report_round, report_error=lambda message: say(False, f"error: {message}"))
    except KeyboardInterrupt:
        say(quiet, "Stopped; feeds already read are kept.")
        return
    except AppError as exc:
        raise click.ClickException(str(exc)) from exc
    if once and failed:
        raise SystemExit(EXIT_SOME_FEEDS_FAILED)

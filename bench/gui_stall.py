"""Measure the longest stall of the window's event loop while 10,000 articles are ingested.

The window is opened (offscreen unless ``QT_QPA_PLATFORM`` says otherwise) on an
empty data folder, and a folder of generated feed files is added through
:meth:`MainWindow.add_sources`, the same path as *Add feed…*: the writer task
adds the feeds, reads them, stores articles and claims, embeds the claims with
the default model, indexes and clusters them (in a child process, as the window
does; ``--in-process`` runs it on a thread of the window's process instead, as
before), then the views re-read. The largest narrative is then shown in the
detail view, and the views are told once more that the data changed, as after
every scheduled fetch. A QTimer ticks every 5 ms on the GUI thread; the gap
between ticks is how long the loop could not run. The goal is a longest gap of
at most 100 ms.

Where the articles come from
----------------------------
Generated from the shared stsb-multi-mt sentences (1,500 pairs in 11
languages): each article is one (pair, language) sentence as its title, and a
body of four more sentences of the same language, as HTML paragraphs with a
line that makes every article distinct. The same pair in several languages
gives the cross-language near-duplicates that real narratives are made of.
Articles are spread over 100 RSS files (100 items each), dated over the last
14 days.

This benchmark drives the window, so unlike the others in ``bench/`` it imports
``app.ui``.

Usage::

    python bench/gui_stall.py [--articles 10000] [--feeds 100] [--no-narratives] [--in-process]

Writes ``bench/results/gui_stall.md`` and prints it.
"""

from __future__ import annotations

import argparse
import gc
import html
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
STSB = DATA / "stsb-multi-mt" / "dev.jsonl"
RESULTS = ROOT / "bench" / "results" / "gui_stall.md"
TICK_MS = 5
GOAL_MS = 100


def load_sentences() -> dict[str, list[str]]:
    """Sentences by language: sentence1 and sentence2 of every pair."""
    by_language: dict[str, list[str]] = {}
    with STSB.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            for key in ("sentence1", "sentence2"):
                for language, text in row[key].items():
                    by_language.setdefault(language, []).append(text)
    return by_language


def write_feeds(folder: Path, articles: int, feeds: int, seed: int = 7) -> int:
    """Write ``articles`` items over ``feeds`` RSS files; return how many were written."""
    rng = random.Random(seed)
    sentences = load_sentences()
    languages = sorted(sentences)
    now = datetime.now(timezone.utc)
    per_feed = -(-articles // feeds)
    written = 0
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(feeds):
        items = []
        for k in range(min(per_feed, articles - written)):
            n = written + k
            language = languages[n % len(languages)]
            pool = sentences[language]
            title = pool[(n // len(languages)) % len(pool)]
            body = [rng.choice(pool) for _ in range(4)]
            published = now - timedelta(minutes=rng.randrange(14 * 24 * 60))
            paragraphs = "".join(f"<p>{html.escape(s)}</p>" for s in body)
            paragraphs += f"<p>Dispatch {n} from desk {f}.</p>"
            items.append(
                f"<item><title>{html.escape(title)}</title>"
                f"<link>https://bench{f}.example/{n}</link><guid>bench-{f}-{n}</guid>"
                f"<pubDate>{format_datetime(published)}</pubDate>"
                f"<description>{html.escape(paragraphs)}</description></item>")
        written += len(items)
        (folder / f"outlet-{f:03d}.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Bench outlet {f}</title><link>https://bench{f}.example/</link>"
            f"<description>generated</description>{''.join(items)}</channel></rss>", encoding="utf-8")
        if written >= articles:
            break
    return written


def measure(feed_folder: Path, data_dir: Path, narratives: bool, in_process: bool) -> dict:
    from PySide6.QtCore import QSettings, QTimer

    from app.ui import jobs
    from app.ui.app import create_application, open_window, settle_heap

    app = create_application()
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(data_dir / "qsettings"))
    window = open_window(data_dir, schedule=False)
    window.context.isolate = not in_process
    window.resize(1440, 900)
    window.show()
    settle_heap()  # as run_window does once the window is up
    collections: list[tuple[int, float]] = []  # (generation, ms) of every cyclic collection
    gc_started: dict = {}

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            gc_started[threading.get_ident()] = time.perf_counter()
        elif threading.get_ident() in gc_started:
            elapsed = (time.perf_counter() - gc_started.pop(threading.get_ident())) * 1000
            collections.append((info["generation"], elapsed))

    gc.callbacks.append(on_gc)

    # wall, GUI-thread CPU, GUI-thread run-queue wait (s)
    ticks: list[tuple[float, float, float]] = []
    stage = {"now": "idle"}
    stage_at_tick: list[str] = []
    schedstat = SchedStat()

    def tick() -> None:
        ticks.append((time.perf_counter(), time.thread_time(), schedstat.run_queue_wait()))
        stage_at_tick.append(stage["now"])

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    outcome: dict = {}

    if not narratives:
        # Ingest only: the same task, without embedding and clustering.
        from app.engine.ingest import add_sources, ingest

        def work(progress, cancel):
            store = window.context.pipeline.store
            feeds = add_sources(store, [str(feed_folder)])
            report = ingest(store, feeds, settings=window.context.settings, force=True,
                            progress=progress, cancel=cancel)
            return jobs.FeedsAdded(tuple(feeds), (), jobs.PipelineReport(ingest=report))

        def start():
            return window._track_fetch(window.run_job("Ingesting", "ingesting", work,
                                                      on_done=window._on_feeds_added))
    else:
        def start():
            return window.add_sources([str(feed_folder)])

    # Settle, then measure an idle baseline of one second.
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        app.processEvents()
    timer.start()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    idle_ticks = len(ticks)

    started = time.perf_counter()
    # The runner hears of the end first, before the window's handlers make the views re-read.
    window.context.tasks.finished.connect(lambda _task: stage.__setitem__("now", "task ended: views re-reading"))
    task = start()
    task.signals.progress.connect(lambda fraction, message: stage.__setitem__("now", message))
    shown = {"at": 0.0}

    def report_progress(fraction: float, message: str) -> None:
        if time.monotonic() - shown["at"] > 30:
            shown["at"] = time.monotonic()
            print(f"{time.perf_counter() - started:6.0f} s {fraction:4.0%} {message}", file=sys.stderr)

    task.signals.progress.connect(report_progress)
    task.signals.done.connect(lambda result: outcome.setdefault("done", (time.perf_counter(), result)))
    task.signals.failed.connect(lambda error: outcome.setdefault("failed", error))
    stage["now"] = "starting"
    app_exec_until(app, lambda: bool(outcome))
    # Keep measuring while the views re-read.
    settle = time.monotonic() + 2.0
    app_exec_until(app, lambda: time.monotonic() > settle)
    largest = window.context.store.db.conn.execute(
        "SELECT narrative_id, count(*) FROM narrative_claims GROUP BY narrative_id ORDER BY 2 DESC LIMIT 1").fetchone()
    if largest is not None:
        stage["now"] = f"showing the largest narrative ({largest[1]:,} claims)"
        window.narratives.select_id(largest[0])
        settle = time.monotonic() + 2.0
        app_exec_until(app, lambda: time.monotonic() > settle)
        stage["now"] = "views re-reading after the next fetch"
        window.context.data_changed.emit()
        settle = time.monotonic() + 2.0
        app_exec_until(app, lambda: time.monotonic() > settle)
    timer.stop()
    gc.callbacks.remove(on_gc)
    if "failed" in outcome:
        raise SystemExit(f"ingest failed: {outcome['failed']}")
    finished, result = outcome["done"]
    report = result.report
    counts = window.context.store.counts()
    narratives_count = window.narratives.model.total_count()
    window.close()

    # Each gap split into: the GUI thread working, waiting for a CPU (the machine is busy), and the rest:
    # blocked, which (the loop being due) means waiting for the GIL held by the worker.
    parts = [tuple((y - x) * 1000 for x, y in zip(a, b)) for a, b in zip(ticks, ticks[1:])]
    gaps = [p[0] for p in parts]
    idle_gaps, busy_gaps = gaps[: idle_ticks - 1], gaps[idle_ticks:]
    busy_parts = parts[idle_ticks:]
    busy_stages = stage_at_tick[idle_ticks + 1:]
    worst = sorted(zip(busy_parts, busy_stages), reverse=True)[:10]
    # Not the machine's fault: the GUI thread was not waiting for a CPU.
    ours = [gap - wait for gap, _cpu, wait in busy_parts]
    return {
        "seconds": finished - started,
        "articles": counts["articles"],
        "claims": counts["claims"],
        "embedded": report.claims_embedded if report else 0,
        "narratives": narratives_count,
        "largest": largest[1] if largest else 0,
        "idle_max": max(idle_gaps),
        "max": max(busy_gaps),
        "max_ours": max(ours),
        "over_100_ours": sum(g > GOAL_MS for g in ours),
        "run_queue": schedstat.available,
        "load": os.getloadavg(),
        "p99": statistics.quantiles(busy_gaps, n=100)[98],
        "p999": statistics.quantiles(busy_gaps, n=1000)[998],
        "median": statistics.median(busy_gaps),
        "over_50": sum(g > 50 for g in busy_gaps),
        "over_100": sum(g > GOAL_MS for g in busy_gaps),
        "ticks": len(busy_gaps),
        "worst": worst,
        "gen2": [ms for generation, ms in collections if generation == 2],
    }


class SchedStat:
    """The calling thread's time spent runnable but waiting for a CPU (Linux; 0 elsewhere)."""

    def __init__(self) -> None:
        try:
            self._file = open("/proc/thread-self/schedstat", "rb", buffering=0)  # noqa: SIM115 - read per tick
            self.available = True
        except OSError:
            self._file, self.available = None, False

    def run_queue_wait(self) -> float:
        if self._file is None:
            return 0.0
        self._file.seek(0)
        return int(self._file.read().split()[1]) / 1e9


def app_exec_until(app, predicate) -> None:
    """Run the event loop until ``predicate()`` holds (a local loop, like QEventLoop)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: predicate() and loop.quit())
    check.start()
    loop.exec()
    check.stop()


def render(result: dict, args: argparse.Namespace) -> str:
    mode = "ingest, claims, embedding, index and clustering" if not args.no_narratives else "ingest and claims only"
    where = "on a thread of the window's process" if args.in_process else "in a child process"
    verdict = "meets" if result["max"] <= GOAL_MS else "misses"
    lines = [
        "# GUI event-loop stall during background ingest",
        "",
        f"Run {datetime.now():%Y-%m-%d} by `python bench/gui_stall.py --articles {args.articles} --feeds {args.feeds}"
        f"{' --no-narratives' if args.no_narratives else ''}{' --in-process' if args.in_process else ''}` on {platform.machine()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, Qt platform `{os.environ['QT_QPA_PLATFORM']}`.",
        "",
        f"The window is open on an empty data folder; a folder of {args.feeds} generated RSS files "
        f"({result['articles']:,} articles from stsb-multi-mt sentences, 11 languages) is added as with *Add feed*, "
        f"and the writer task runs {mode} {where}. Then the largest narrative is shown in the detail view and "
        f"the views re-read as after the next fetch. A QTimer ticks every {TICK_MS} ms on the GUI thread; "
        "a gap longer than that is time the window could not respond.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| **longest stall** | **{result['max']:.1f} ms** ({verdict} the {GOAL_MS} ms goal) |",
        f"| 99.9th / 99th percentile gap | {result['p999']:.1f} / {result['p99']:.1f} ms |",
        f"| median gap | {result['median']:.1f} ms |",
        f"| gaps over 50 ms / over {GOAL_MS} ms | {result['over_50']} / {result['over_100']} of {result['ticks']:,} |",
        f"| longest stall not explained by CPU contention (GUI thread waiting for a core) | "
        f"{result['max_ours']:.1f} ms; "
        f"{result['over_100_ours']} over {GOAL_MS} ms |",
        f"| longest gap while idle (baseline) | {result['idle_max']:.1f} ms |",
        f"| load average at the end (1/5/15 min) | {' / '.join(f'{x:.1f}' for x in result['load'])} |",
        f"| full (gen-2) garbage collections: count, longest | {len(result['gen2'])}, "
        f"{max(result['gen2'], default=0):.1f} ms |",
        f"| task duration | {result['seconds']:.0f} s |",
        f"| articles / claims stored | {result['articles']:,} / {result['claims']:,} |",
        f"| claims embedded / narratives | {result['embedded']:,} / {result['narratives']:,} |",
        f"| largest narrative | {result['largest']:,} claims |",
        "",
        "Longest gaps and what the task was doing:",
        "",
        "| gap (ms) | GUI thread working | GUI waiting for a CPU | GUI blocked (GIL) | stage (last progress message) |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {gap:.1f} | {cpu:.1f} | {wait:.1f} | {max(0.0, gap - cpu - wait):.1f} | {stage} |"
          for (gap, cpu, wait), stage in result["worst"]],
        "",
        "*Working*: CPU time the GUI thread used (its own work, e.g. views re-reading). *Waiting for a CPU*: "
        "runnable but not scheduled (from `/proc/<thread>/schedstat`): other processes or other threads had the "
        "cores. *Blocked*: the rest, which for a due timer is waiting for the GIL (held by another thread of the "
        "window's process: the task's thread, which runs the work itself with `--in-process`).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--no-narratives", action="store_true", help="ingest and claims only, no embedding")
    parser.add_argument("--in-process", action="store_true",
                        help="run the work on a thread of the window's process, not in a child process")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep", type=Path, default=None, help="build the data folder here and keep it")
    args = parser.parse_args()
    if not STSB.exists():
        raise SystemExit(f"{STSB} is missing: this benchmark needs the shared data beside the repository")
    with tempfile.TemporaryDirectory(prefix="gui-stall-") as tmp:
        if args.keep is not None:
            tmp = args.keep
            Path(tmp).mkdir(parents=True, exist_ok=False)
        folder = Path(tmp) / "feeds"
        written = write_feeds(folder, args.articles, args.feeds)
        print(f"wrote {written} articles in {args.feeds} feed files", file=sys.stderr)
        result = measure(folder, Path(tmp) / "data", not args.no_narratives, args.in_process)
    text = render(result, args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()

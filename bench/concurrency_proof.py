"""Two processes on one data folder: reviews while another process writes, and two ingests at once (issue 14).

1. The demo is loaded into a data folder and a few narratives are marked reviewing.
   One process re-clusters every narrative again and again (the heaviest writer
   there is: every unreviewed narrative is deleted and rebuilt, batch by batch)
   while another makes review actions back to back (notes, statuses), each with
   a text of its own. Every action must succeed (no "database is locked", no
   "busy"), be in the audit trail, and the last notes written must be the stored ones.
2. Two processes ingest the demo into one empty folder at the same moment: both
   must finish, with every article stored once.

Usage: ``python bench/concurrency_proof.py [--reviews 150]``; results in
``bench/results/concurrency_proof.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crash_proof import snapshot  # noqa: E402
from bench.report import measures_table, write_results  # noqa: E402
from app.engine import review  # noqa: E402
from app.engine.demo import add_demo  # noqa: E402
from app.engine.errors import AppError  # noqa: E402
from app.engine.pipeline import Pipeline  # noqa: E402
from app.engine.settings import load_settings  # noqa: E402
from app.engine.store import Store  # noqa: E402
from app.engine.store import narratives as narrative_store  # noqa: E402

STATUSES = ("reviewing", "confirmed", "dismissed")


def load_demo(folder: Path) -> None:
    store = Store.open(folder)
    demo = add_demo(store)
    Pipeline(store, load_settings(folder)).run(list(demo.feeds), force=True)
    store.close()


def reviewer(folder: Path, count: int, targets: list[int]) -> None:
    """Make ``count`` review actions; print one JSON line per action: what, how long, and any error."""
    store = Store.open(folder)
    for i in range(count):
        narrative_id = targets[i % len(targets)]
        start = time.monotonic()
        try:
            if i % 3 == 2:
                review.set_status(store, narrative_id, STATUSES[i % len(STATUSES)], actor="bench")
            else:
                review.set_notes(store, narrative_id, f"note {i}", actor="bench")
            error = None
        except AppError as exc:
            error = str(exc)
        print(json.dumps({"i": i, "narrative": narrative_id, "seconds": time.monotonic() - start, "error": error}),
              flush=True)
    store.close()


def writer(folder: Path, stop: Path) -> None:
    """Re-cluster until ``stop`` exists; print how many times."""
    store = Store.open(folder)
    pipeline = Pipeline(store, load_settings(folder))
    rounds = 0
    while not stop.exists():
        pipeline.recluster()
        rounds += 1
    print(rounds, flush=True)
    store.close()


def _child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def reviews_during_reclustering(tmp: Path, count: int) -> list[tuple[str, str]]:
    folder = tmp / "reviews"
    load_demo(folder)
    store = Store.open(folder)
    targets = [s.id for s in narrative_store.list_narratives(store.db)[:6]]
    for narrative_id in targets:
        review.set_status(store, narrative_id, "reviewing", actor="bench")
    store.close()
    stop = tmp / "stop"
    writing = _child("--writer", str(folder), str(stop))
    time.sleep(2)  # the writer is in its first re-cluster
    reviewing = _child("--reviewer", str(folder), str(count), ",".join(map(str, targets)))
    out, err = reviewing.communicate()
    stop.touch()
    rounds, writer_err = writing.communicate()
    actions = [json.loads(line) for line in out.splitlines()]
    failed = [a for a in actions if a["error"]]
    store = Store.open(folder)
    audited = store.db.conn.execute("SELECT count(*) FROM audit WHERE actor = 'bench' AND action IN ('notes', 'status')"
                                    ).fetchone()[0]
    last_notes = {}
    for action in actions:
        if action["i"] % 3 != 2 and not action["error"]:
            last_notes[action["narrative"]] = f"note {action['i']}"
    kept = all(narrative_store.get_narrative(store.db, n, members=False).notes == text for n, text in last_notes.items())
    store.close()
    waits = sorted(a["seconds"] for a in actions)
    return [
        ("review actions made while re-clustering", f"{len(actions)} (of {count} asked)"),
        ("re-clusters run meanwhile by the other process", rounds.strip() or f"failed: {writer_err[-300:]}"),
        ("actions that failed", f"**{len(failed)}**" + (f": {failed[0]['error']}" if failed else "")),
        ("actions in the audit trail", f"{audited - len(targets)} of {len(actions)}"),
        ("last notes stored for every narrative", "yes" if kept else "**no**"),
        ("wait per action: median / max", f"{waits[len(waits) // 2]:.2f} s / {waits[-1]:.2f} s"),
        ("reviewer's stderr", (err.strip().splitlines() or ["(empty)"])[-1][:200]),
    ]


def two_ingests(tmp: Path) -> list[tuple[str, str]]:
    folder = tmp / "two-ingests"
    first, second = _child("--ingest", str(folder)), _child("--ingest", str(folder))
    codes = [p.wait() for p in (first, second)]
    errors = [p.stderr.read().strip().splitlines()[-1:] for p in (first, second) if p.returncode]
    reference = tmp / "one-ingest"
    load_demo(reference)
    both, one = snapshot(folder), snapshot(reference)
    return [
        ("two ingests at once: exit codes", f"{codes[0]}, {codes[1]}" + (f" ({errors})" if errors else "")),
        ("articles stored (one ingest alone)", f"{len(both.articles)} ({len(one.articles)}); "
                                               f"distinct {len(set(both.articles))}"),
        ("claims stored (one ingest alone)", f"{len(both.claims)} ({len(one.claims)})"),
        ("integrity_check", both.integrity),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=150)
    parser.add_argument("--reviewer", nargs=3)
    parser.add_argument("--writer", nargs=2)
    parser.add_argument("--ingest")
    args = parser.parse_args()
    if args.reviewer:
        folder, count, targets = args.reviewer
        reviewer(Path(folder), int(count), [int(t) for t in targets.split(",")])
    elif args.writer:
        writer(Path(args.writer[0]), Path(args.writer[1]))
    elif args.ingest:
        load_demo(Path(args.ingest))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = reviews_during_reclustering(Path(tmp), args.reviews) + two_ingests(Path(tmp))
        write_results("concurrency_proof.md", measures_table(
            "Two processes on one data folder (issue 14)",
            f"`python bench/concurrency_proof.py --reviews {args.reviews}`: the demo, default model, 2 shared cores.",
            rows))


if __name__ == "__main__":
    main()

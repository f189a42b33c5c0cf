"""Workers sharing one newsroom store: 1 worker on SQLite against 2 and 4 workers on one
PostgreSQL (a throwaway cluster on this machine), all reading the same real feed files
(../shared/data/feeds/fastfeedparser-realworld) once, each as its own process with its own
data folder (index cache), as on several machines.

Measured per run: wall time from the first worker's start until every claim is clustered
(the workers' rounds, then one more ``worker --once`` that takes the claims left by a
worker that found the clustering lock held), claims per second, duplicated work (feeds
fetched more than once, articles stored twice, claims without exactly one vector or
narrative), and how the narratives agree with the single worker's (BCubed precision and
recall over the claims, matched by feed, article and position, as incremental
clustering depends on the order claims arrive in).

Usage: ``python bench/workers.py [--feeds 60] [--workers 2,4]``; writes bench/results/workers.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_results  # noqa: E402
from app.engine.ingest import add_sources  # noqa: E402
from app.engine.store import Store  # noqa: E402
from tests.pg_server import PgServer, find_binaries  # noqa: E402

FEEDS = ROOT.parent / "shared" / "data" / "feeds" / "fastfeedparser-realworld" / "benchmark_data"


def feed_files(count: int) -> list[Path]:
    return sorted(p for p in FEEDS.iterdir() if p.is_file())[:count]


def run_workers(folders: list[Path], url: str | None) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("NARRATIVE_RADAR_STORE", None)
    if url:
        env["NARRATIVE_RADAR_STORE"] = url
    started = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, str(ROOT / "main.py"), "worker", "--once", "--quiet",
                                 "--data-dir", str(folder)], env=env) for folder in folders]
    for worker in workers:
        worker.wait()
    # Claims a worker left because another held the clustering lock are taken by the next round.
    subprocess.run([sys.executable, str(ROOT / "main.py"), "worker", "--once", "--quiet",
                    "--data-dir", str(folders[0])], env=env, check=False)
    return time.perf_counter() - started


def census(store: Store) -> dict:
    q = lambda sql: store.db.conn.execute(sql).fetchone()[0]  # noqa: E731
    members = store.db.conn.execute(
        "SELECT f.url, coalesce(a.guid, a.link, a.title), c.position, nc.narrative_id FROM claims c"
        " JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id"
        " LEFT JOIN narrative_claims nc ON nc.claim_id = c.id").fetchall()
    return {
        "claims": q("SELECT count(*) FROM claims"),
        "twice_fetched": q("SELECT count(*) FROM (SELECT feed_id FROM fetches GROUP BY feed_id HAVING count(*) > 1) AS t"),
        "twice_stored": q("SELECT count(*) FROM (SELECT feed_id, content_sha256 FROM articles"
                          " GROUP BY feed_id, content_sha256 HAVING count(*) > 1) AS t"),
        "unembedded": q("SELECT count(*) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.claim_id = c.id)"),
        "narratives": q("SELECT count(*) FROM narratives WHERE merged_into IS NULL"),
        "flagged": q("SELECT count(*) FROM narratives WHERE merged_into IS NULL AND flagged = 1"),
        "members": {(url, key, pos): n for url, key, pos, n in members},
    }


def bcubed(found: dict, truth: dict) -> tuple[float, float]:
    """BCubed precision and recall of ``found`` against ``truth`` over the claims both hold;
    an unclustered claim is its own cluster."""
    keys = [k for k in truth if k in found]

    def groups(of: dict) -> dict:
        out = defaultdict(set)
        for k in keys:
            out[of[k] if of[k] is not None else ("alone", k)].add(k)
        return {k: out[of[k] if of[k] is not None else ("alone", k)] for k in keys}

    mine, theirs = groups(found), groups(truth)
    precision = sum(len(mine[k] & theirs[k]) / len(mine[k]) for k in keys) / max(len(keys), 1)
    recall = sum(len(mine[k] & theirs[k]) / len(theirs[k]) for k in keys) / max(len(keys), 1)
    return precision, recall


def prepare(folder: Path, files: list[Path], url: str | None) -> None:
    store = Store.open(folder, url=url)
    add_sources(store, [str(f) for f in files])
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=60)
    parser.add_argument("--workers", default="2,4")
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        sys.exit("PostgreSQL is not installed: initdb and pg_ctl were not found.")
    files = feed_files(args.feeds)
    server = PgServer(binaries).start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="radar-workers-") as tmp:
            base = Path(tmp) / "sqlite"
            prepare(base, files, None)
            seconds = run_workers([base], None)
            store = Store.open(base, url=None)
            single = census(store)
            store.close()
            rows.append(("1 worker, SQLite", seconds, single, (1.0, 1.0)))
            for count in [int(n) for n in args.workers.split(",")]:
                url = server.create_database(f"workers{count}")
                folders = [Path(tmp) / f"pg{count}-{n}" for n in range(count)]
                prepare(folders[0], files, url)
                seconds = run_workers(folders, url)
                store = Store.open(folders[0], url=url)
                found = census(store)
                store.close()
                rows.append((f"{count} workers, PostgreSQL", seconds, found, bcubed(found["members"], single["members"])))
    finally:
        server.stop()
    lines = ["# Workers on one newsroom store", "",
             f"Run {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores: {len(files)} real feed files "
             "(fastfeedparser-realworld), each worker a process with its own index cache, then one more "
             "`worker --once` to cluster what a worker left.", "",
             "| run | seconds | claims/s | claims | feeds fetched twice | articles stored twice | claims without vector "
             "| narratives | flagged | BCubed P vs 1 worker | BCubed R vs 1 worker |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, seconds, c, (p, r) in rows:
        lines.append(f"| {name} | {seconds:.0f} | {c['claims'] / seconds:.0f} | {c['claims']} | {c['twice_fetched']} "
                     f"| {c['twice_stored']} | {c['unembedded']} | {c['narratives']} | {c['flagged']} | {p:.3f} | {r:.3f} |")
    write_results("workers.md", "\n".join(lines) + "\n", keep_from="\n## Reading")


if __name__ == "__main__":
    main()

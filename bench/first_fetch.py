"""A journalist's first fetch: the 200 real feeds of ../shared/data/feeds/fastfeedparser-realworld,
from an empty data folder, through the whole pipeline (ingest, claims, embed, index, narratives).

Measured in one run: wall and CPU time of the whole first fetch, when the first flagged narrative
could be read (a second connection polls the database, as the window's views do), peak memory
(RSS), an unchanged re-run, and raw encoding of the same texts with the same model beside it (the
texts the pipeline embedded, each once). ``--copies 3`` reads every feed file three times under
three names (three times the articles and claims; texts repeat, so embedding costs little more),
to see whether memory grows with the corpus.

``--agreement`` then clusters every claim again (``recluster``) and compares.

Usage: ``python bench/first_fetch.py [--copies N] [--no-raw] [--agreement] [--out first_fetch.md]``
Writes ``bench/results/first_fetch.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import measures_table, write_results  # noqa: E402
from app.engine.embedding import DEFAULT_MODEL, load_embedder  # noqa: E402
from app.engine.ingest import add_sources  # noqa: E402
from app.engine.pipeline import Pipeline  # noqa: E402
from app.engine.settings import Settings  # noqa: E402
from app.engine.store import Store  # noqa: E402

FEEDS = ROOT.parent / "shared" / "data" / "feeds" / "fastfeedparser-realworld" / "benchmark_data"
POLL_SECONDS = 0.5


class Recording:
    """The model, keeping every text the pipeline asked it to encode."""

    def __init__(self, model) -> None:
        self.model, self.name, self.dim = model, model.name, model.dim
        self.texts: list[str] = []

    def encode(self, texts, **kwargs):
        self.texts.extend(texts)
        return self.model.encode(texts, **kwargs)


class FirstFlag(threading.Thread):
    """Polls a data folder's database, as a reader would, until a flagged narrative appears."""

    def __init__(self, database: Path, started: float) -> None:
        super().__init__(daemon=True)
        self.database, self.started = database, started
        self.seconds: float | None = None
        self.first_claims: float | None = None
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(POLL_SECONDS):
            try:
                conn = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=1)
                try:
                    if self.first_claims is None and conn.execute("SELECT 1 FROM claims LIMIT 1").fetchone():
                        self.first_claims = time.perf_counter() - self.started
                    if conn.execute("SELECT 1 FROM narratives WHERE flagged = 1 AND merged_into IS NULL"
                                    " LIMIT 1").fetchone():
                        self.seconds = time.perf_counter() - self.started
                        return
                finally:
                    conn.close()
            except sqlite3.Error:
                continue  # the database is being created or migrated


def _pairs(conn) -> set[tuple[int, int]]:
    """Every pair of claims that share a narrative."""
    members: dict[int, list[int]] = {}
    for narrative_id, claim_id in conn.execute("SELECT narrative_id, claim_id FROM narrative_claims"):
        members.setdefault(narrative_id, []).append(claim_id)
    return {(a, b) for ids in members.values() for a in ids for b in ids if a < b}


def _feed_files(folder: Path, copies: int) -> list[Path]:
    files = sorted(p for p in FEEDS.iterdir() if p.is_file())
    if copies == 1:
        return files
    out = []
    for n in range(copies):
        target = folder / f"copy{n}"
        target.mkdir()
        for p in files:
            out.append(Path(shutil.copy(p, target / p.name)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--no-raw", action="store_true", help="skip the raw encoding beside the run")
    parser.add_argument("--agreement", action="store_true",
                        help="then recluster everything and compare the narratives with the fetch's")
    parser.add_argument("--out", default="first_fetch.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = _feed_files(Path(tmp), args.copies)
        data = Path(tmp) / "data"
        start, cpu = time.perf_counter(), time.process_time()
        embedder = Recording(load_embedder(DEFAULT_MODEL))
        store = Store.open(data)
        poll = FirstFlag(data / "radar.db", start)
        poll.start()
        pipeline = Pipeline(store, Settings(), embedder=embedder)
        feeds = add_sources(store, [str(p) for p in files])
        report = pipeline.run(feeds)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        poll.done.set()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        again = time.perf_counter()
        unchanged = pipeline.run(feeds)
        rerun = time.perf_counter() - again
        conn = store.db.conn
        narratives, flagged = conn.execute(
            "SELECT count(*), coalesce(sum(flagged), 0) FROM narratives WHERE merged_into IS NULL").fetchone()
        clustered = conn.execute("SELECT count(*) FROM narrative_claims").fetchone()[0]
        vectors, texts = conn.execute("SELECT count(*), count(DISTINCT text_key) FROM vectors").fetchone()
        rows = [
            ("feeds (copies)", f"{len(files)} ({args.copies})"),
            ("articles / claims stored", f"{report.ingest.articles_new} / {report.ingest.claims_new}"),
            ("texts embedded (claims sharing a text share its vector)", f"{texts} for {vectors} claims"),
            ("claims in a narrative / narratives / flagged", f"{clustered} / {narratives} / {flagged}"),
            ("first fetch, wall time (CPU time)", f"{wall:.0f} s ({cpu:.0f} s)"),
            ("first claims readable, wall time", f"{poll.first_claims:.0f} s" if poll.first_claims else "never"),
            ("first flagged narrative readable, wall time",
             f"{poll.seconds:.0f} s" if poll.seconds is not None else "none before the end"),
            ("peak memory (RSS)", f"{peak_mb:.0f} MB"),
            ("unchanged re-run", f"{rerun:.2f} s ({unchanged.claims_embedded} claims embedded)"),
        ]
        if not args.no_raw:
            raw_start, raw_cpu = time.perf_counter(), time.process_time()
            embedder.model.encode(embedder.texts)
            raw_wall, raw_cpu = time.perf_counter() - raw_start, time.process_time() - raw_cpu
            rows.append(("raw encoding of the same texts beside it", f"{len(embedder.texts)} texts: "
                         f"{raw_wall:.0f} s ({raw_cpu:.0f} s CPU), {raw_cpu / cpu:.0%} of the first fetch's CPU"))
        if args.agreement:
            before = _pairs(conn)
            pipeline.recluster()
            after = _pairs(conn)
            both = len(before & after) / max(1, len(before | after))
            rows.append(("`recluster` afterwards: claim pairs put together by both, of those either put together",
                         f"{both:.1%} ({len(before)} pairs after the fetch, {len(after)} after recluster)"))
        store.close()
    write_results(args.out, measures_table(
        "A first fetch of 200 real feeds",
        f"by `python bench/first_fetch.py {' '.join(sys.argv[1:])}` on 2 cores, default model and settings, "
        "from an empty data folder.", rows), keep_from="\n## Notes")


if __name__ == "__main__":
    main()

"""Ingest speed: the 200 real feeds of ../shared/data/feeds/fastfeedparser-realworld.

Parse, clean, detect language, split claims and store (no embedding), into a fresh
data folder. Records articles/s, claims/s and peak memory (RSS) in
``bench/results/ingest.md``.

Usage: ``python bench/ingest.py``
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import measures_table, write_results  # noqa: E402
from app.engine.ingest import add_sources, ingest  # noqa: E402
from app.engine.settings import Settings  # noqa: E402
from app.engine.store import Store  # noqa: E402

FEEDS = ROOT.parent / "shared" / "data" / "feeds" / "fastfeedparser-realworld" / "benchmark_data"


def main() -> None:
    files = sorted(p for p in FEEDS.iterdir() if p.is_file())
    size = sum(p.stat().st_size for p in files)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(tmp)
        feeds = add_sources(store, [str(p) for p in files])
        start, cpu = time.perf_counter(), time.process_time()
        report = ingest(store, feeds, settings=Settings())
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        again = time.perf_counter()
        unchanged = ingest(store, feeds, settings=Settings())
        rerun = time.perf_counter() - again
        db_size = sum(p.stat().st_size for p in Path(tmp).glob("radar.db*"))
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("feeds", f"{len(files)} ({size / 1e6:.1f} MB)"),
        ("read / failed", f"{report.fetched} / {report.failed}"),
        ("articles stored", f"{report.articles_new}"),
        ("claims stored", f"{report.claims_new}"),
        ("wall time", f"{wall:.1f} s (CPU {cpu:.1f} s)"),
        ("articles/s", f"{report.articles_new / wall:.0f}"),
        ("claims/s", f"{report.claims_new / wall:.0f}"),
        ("feeds/s", f"{len(files) / wall:.1f}"),
        ("second run (all unchanged)", f"{rerun:.2f} s, {unchanged.unchanged} unchanged"),
        ("database size", f"{db_size / 1e6:.1f} MB"),
        ("peak memory (RSS)", f"{peak_mb:.0f} MB"),
    ]
    write_results("ingest.md", measures_table(
        "Ingest: 200 real feeds, no embedding",
        "by `python bench/ingest.py` on 2 cores (parse, clean, language, claims, store in SQLite with FTS5).", rows))


if __name__ == "__main__":
    main()

"""End-to-end claim throughput against the raw speed of the embedding model.

Ingests real feeds (../shared/data/feeds/fastfeedparser-realworld) into a fresh data
folder, then times ``Pipeline.process_claims`` (embed, store vectors, index, cluster,
flag) on the first N claims, and ``encode`` alone on the same texts. Goal: the pipeline
keeps at least 80% of the raw encode throughput. Also times adding one claim to a
corpus of that size (flat cost is the goal).

Usage: ``python bench/pipeline.py [--claims 20000] [--model use-multilingual]``
Writes ``bench/results/pipeline.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import measures_table, write_results  # noqa: E402
from app.engine.embedding import DEFAULT_MODEL, load_embedder  # noqa: E402
from app.engine.ingest import add_sources, ingest  # noqa: E402
from app.engine.pipeline import Pipeline  # noqa: E402
from app.engine.settings import Settings  # noqa: E402
from app.engine.store import Store, write_transaction  # noqa: E402

FEEDS = ROOT.parent / "shared" / "data" / "feeds" / "fastfeedparser-realworld" / "benchmark_data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(tmp)
        ingest(store, add_sources(store, [str(p) for p in sorted(FEEDS.iterdir())]))
        with write_transaction(store.db) as conn:  # keep the first N claims in publication order
            conn.execute(
                "DELETE FROM claims WHERE id NOT IN (SELECT c.id FROM claims c JOIN articles a ON a.id = c.article_id"
                " ORDER BY a.published_at, c.id LIMIT ?)", (args.claims,))
        texts = [r[0] for r in store.db.conn.execute("SELECT text FROM claims")]
        start, cpu = time.perf_counter(), time.process_time()
        embedder.encode(texts)
        raw, raw_cpu = (len(texts) / (time.perf_counter() - start), len(texts) / (time.process_time() - cpu))
        pipeline = Pipeline(store, Settings(), embedder=embedder)
        start, cpu = time.perf_counter(), time.process_time()
        report = pipeline.process_claims()
        end_to_end = report.claims_embedded / (time.perf_counter() - start)
        end_to_end_cpu = report.claims_embedded / (time.process_time() - cpu)
        narratives = store.db.conn.execute("SELECT count(*), sum(flagged) FROM narratives"
                                           " WHERE merged_into IS NULL").fetchone()
        # One more claim on top of the corpus: the cost of the next arrival.
        with write_transaction(store.db) as conn:
            article = conn.execute("SELECT id FROM articles ORDER BY published_at DESC LIMIT 1").fetchone()[0]
            conn.execute("INSERT INTO claims (article_id, position, text, language) VALUES (?, 9999, ?, 'en')",
                         (article, "Officials confirmed the new bridge will open to traffic next spring."))
        start, cpu = time.perf_counter(), time.process_time()
        pipeline.process_claims()
        one, one_cpu = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
        store.close()
    rows = [
        ("model", args.model),
        ("claims", f"{len(texts)}"),
        ("raw encode, claims per second (per CPU-second)", f"{raw:.0f} ({raw_cpu:.0f})"),
        ("end to end: embed, store, index, cluster, flag (per CPU-second)", f"{end_to_end:.0f} ({end_to_end_cpu:.0f})"),
        ("share of raw, by CPU time (by wall time)", f"{end_to_end_cpu / raw_cpu:.0%} ({end_to_end / raw:.0%}); goal ≥ 80%"),
        ("narratives / flagged", f"{narratives[0]} / {narratives[1] or 0}"),
        ("one more claim on this corpus, ms (CPU ms)", f"{one:.0f} ({one_cpu:.0f}), saving the index included"),
    ]
    write_results("pipeline.md", measures_table(
        "Pipeline throughput",
        f"by `python bench/pipeline.py --claims {args.claims}` on 2 cores, "
        "claims of the 200 real feeds in publication order. CPU time is given beside wall time "
        "because the machine was shared with other work.", rows))


if __name__ == "__main__":
    main()

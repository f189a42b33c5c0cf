"""The narratives found in the 200 real feeds of ../shared/data/feeds/fastfeedparser-realworld.

Ingests every feed into a fresh data folder, embeds and clusters all claims, and lists
the 50 largest and the 50 best-scored narratives with their label, size, sources and
languages, for a person to read: none of them may be site boilerplate (sign-offs,
newsletter prompts, cookie notices) or a page that is not an article. Also records how
many lines were left out as boilerplate and what the run cost.

Usage: ``python bench/real_feeds.py [--out real_feeds.md]``
Writes ``bench/results/real_feeds.md``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_results  # noqa: E402
from app.engine.ingest import add_sources  # noqa: E402
from app.engine.pipeline import Pipeline  # noqa: E402
from app.engine.settings import Settings  # noqa: E402
from app.engine.store import Store  # noqa: E402

FEEDS = ROOT.parent / "shared" / "data" / "feeds" / "fastfeedparser-realworld" / "benchmark_data"
LISTED = 50


def _table(conn, order: str) -> list[str]:
    rows = conn.execute(
        "SELECT n.id, n.size, n.sources, n.languages, round(n.score, 2), n.flagged, c.text,"
        " (SELECT count(DISTINCT c2.article_id) FROM narrative_claims nc JOIN claims c2 ON c2.id = nc.claim_id"
        "  WHERE nc.narrative_id = n.id)"
        " FROM narratives n LEFT JOIN claims c ON c.id = n.label_claim_id WHERE n.merged_into IS NULL"
        f" ORDER BY {order}, n.id LIMIT {LISTED}").fetchall()
    lines = ["| id | claims | articles | sources | languages | score | flagged | label |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for nid, size, sources, languages, score, flagged, label, articles in rows:
        text = " ".join((label or "").split()).replace("|", "\\|")[:160]
        lines.append(f"| {nid} | {size} | {articles} | {sources} | {languages} | {score} | {'yes' if flagged else ''} | {text} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="real_feeds.md")
    args = parser.parse_args()
    files = sorted(p for p in FEEDS.iterdir() if p.is_file())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(tmp)
        feeds = add_sources(store, [str(p) for p in files])
        start, cpu = time.perf_counter(), time.process_time()
        report = Pipeline(store, Settings()).run(feeds)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        conn = store.db.conn
        narratives, flagged = conn.execute(
            "SELECT count(*), coalesce(sum(flagged), 0) FROM narratives WHERE merged_into IS NULL").fetchone()
        clustered = conn.execute("SELECT count(*) FROM narrative_claims").fetchone()[0]
        lines = [
            "# Narratives in the 200 real feeds", "",
            f"Run {time.strftime('%Y-%m-%d')} by `python bench/real_feeds.py {' '.join(sys.argv[1:])}` "
            "(default model, default settings, fresh data folder, 2 cores).", "",
            "| measure | value |", "| --- | --- |",
            f"| feeds read / failed | {report.ingest.fetched} / {report.ingest.failed} |",
            f"| articles | {report.ingest.articles_new} |",
            f"| claims stored | {report.ingest.claims_new} |",
            f"| lines left out as a feed's boilerplate | {getattr(report.ingest, 'claims_boilerplate', 0)} |",
            f"| claims in a narrative | {clustered} |",
            f"| narratives / flagged | {narratives} / {flagged} |",
            f"| wall time / CPU time | {wall:.0f} s / {cpu:.0f} s |",
            f"| peak memory (RSS) | {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB |",
            "", f"## The {LISTED} largest narratives", "",
            *_table(conn, "n.size DESC"),
            "", f"## The {LISTED} best-scored narratives", "",
            *_table(conn, "n.score DESC, n.size DESC"), ""]
        store.close()
    write_results(args.out, "\n".join(lines), keep_from="\n## Judged by reading")


if __name__ == "__main__":
    main()

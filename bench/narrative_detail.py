"""Time to show one very large narrative in the detail view, and to refresh it.

A data folder is built straight in SQL (no model, no embedding): 300 outlets with a
long tail, 50,000 articles of one claim each, published over 30 days in five
languages, and one narrative holding all 50,000 claims. The narrative detail view
(:class:`app.ui.narrative_view.NarrativeView`) is opened offscreen at 1200x900 and
asked to show it; the time is measured until the event loop has painted it. Then:

* **refresh unchanged**: ``data_changed`` is emitted (as after every scheduled fetch)
  while the narrative did not change;
* **refresh changed**: one claim is added to it first, then ``data_changed``;
* **timeline tab**: switching to *Spread over time* and painting the chart.

This benchmark drives a view, so unlike most in ``bench/`` it imports ``app.ui``.

Usage::

    python bench/narrative_detail.py [--claims 50000] [--sources 300]

Writes ``bench/results/narrative_detail.md`` and prints it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import measures_table, write_results  # noqa: E402
from app.engine.store import Store, write_transaction  # noqa: E402

LANGUAGES = ("en", "ru", "de", "fr", "es")
WORDS = ("vaccine", "chips", "tracking", "officials", "deny", "report", "claims", "secret", "lab", "leak",
         "ballots", "bridge", "minister", "funds", "border", "troops", "water", "energy", "grid", "prices")


def build_store(folder: Path, claims: int, sources: int, seed: int = 11) -> int:
    """One narrative of ``claims`` claims from ``sources`` outlets; return its id."""
    rng = random.Random(seed)
    store = Store.open(folder)
    weights = [1 / (k + 1) ** 0.9 for k in range(sources)]  # a few loud outlets, a long tail
    start = 1_762_761_600  # 2025-11-10 08:00 UTC
    with write_transaction(store.db) as conn:
        conn.executemany(
            "INSERT INTO feeds (id, url, kind, title, added_at) VALUES (?, ?, 'http', ?, '2025-11-01T00:00:00Z')",
            [(k + 1, f"https://outlet{k}.example/feed.xml", f"Outlet {k:03d} {rng.choice(WORDS).title()}")
             for k in range(sources)])
        feeds = rng.choices(range(1, sources + 1), weights=weights, k=claims)
        articles, claim_rows = [], []
        for n in range(claims):
            text = " ".join(rng.choice(WORDS) for _ in range(12)) + f" (dispatch {n})."
            at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + rng.randrange(30 * 86400)))
            articles.append((n + 1, feeds[n], f"g{n}", f"https://a.example/{n}", text[:60], text,
                             LANGUAGES[n % 5 if n % 3 else 0], at, "2025-12-10T00:00:00Z",
                             hashlib.sha256(text.encode()).hexdigest()))
            claim_rows.append((n + 1, n + 1, 0, text[:60], LANGUAGES[n % 5 if n % 3 else 0], 1))
        conn.executemany("INSERT INTO articles (id, feed_id, guid, link, title, text, language, published_at,"
                         " fetched_at, content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", articles)
        conn.executemany("INSERT INTO claims (id, article_id, position, text, language, is_title)"
                         " VALUES (?, ?, ?, ?, ?, ?)", claim_rows)
        first, last = min(a[7] for a in articles), max(a[7] for a in articles)
        narrative_id = conn.execute(
            "INSERT INTO narratives (created_at, updated_at, model, centroid, size, label_claim_id, first_seen,"
            " last_seen, sources, languages, score, flagged) VALUES (?, ?, 'bench', x'00', ?, 1, ?, ?, ?, ?, 9, 1)",
            ("2025-12-10T00:00:00Z", "2025-12-10T00:00:00Z", claims, first, last, sources, ",".join(LANGUAGES)),
        ).lastrowid
        facet_id = conn.execute("INSERT INTO facets (narrative_id, centroid, size) VALUES (?, x'00', ?)",
                                (narrative_id, claims)).lastrowid
        conn.executemany(
            "INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at)"
            " VALUES (?, ?, ?, ?, '2025-12-10T00:00:00Z')",
            [(n + 1, narrative_id, facet_id, round(0.6 + 0.4 * rng.random(), 3)) for n in range(claims)])
    store.close()
    return narrative_id


def add_claim(folder: Path, narrative_id: int) -> None:
    """One more claim in the narrative, as the pipeline would add it."""
    store = Store.open(folder)
    with write_transaction(store.db) as conn:
        article_id = conn.execute(
            "INSERT INTO articles (feed_id, guid, title, text, language, published_at, fetched_at, content_sha256)"
            " VALUES (1, 'late', 'late', 'A late claim.', 'en', '2025-12-09T12:00:00Z', '2025-12-10T00:00:00Z', 'x')"
        ).lastrowid
        claim_id = conn.execute("INSERT INTO claims (article_id, position, text, language, is_title)"
                                " VALUES (?, 0, 'A late claim.', 'en', 1)", (article_id,)).lastrowid
        facet_id = conn.execute("SELECT id FROM facets WHERE narrative_id = ?", (narrative_id,)).fetchone()[0]
        conn.execute("INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at)"
                     " VALUES (?, ?, ?, 0.9, '2025-12-10T00:00:00Z')", (claim_id, narrative_id, facet_id))
        conn.execute("UPDATE narratives SET updated_at = '2025-12-10T00:01:00Z' WHERE id = ?", (narrative_id,))
    store.close()


def timed(app, action) -> float:
    """Seconds until ``action()`` has run and the event loop has painted the result."""
    started = time.perf_counter()
    action()
    for _ in range(3):
        app.processEvents()
    return time.perf_counter() - started


def measure(folder: Path, narrative_id: int) -> dict:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.ui.context import AppContext
    from app.ui.narrative_view import NarrativeView

    app = QApplication.instance() or QApplication([])
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(folder / "qsettings"))
    context = AppContext(folder)
    view = NarrativeView(context)
    view.resize(1200, 900)
    view.show()
    for _ in range(3):
        app.processEvents()
    result = {"show": timed(app, lambda: view.show_narrative(narrative_id))}
    result["rows"] = view.claims_model.rowCount()
    result["unchanged"] = timed(app, context.data_changed.emit)
    add_claim(folder, narrative_id)
    result["changed"] = timed(app, context.data_changed.emit)
    result["timeline"] = timed(app, lambda: view.tabs.setCurrentWidget(view.timeline))
    series = view.timeline.chart().series()
    result["points"] = sum(s.count() for s in series)
    view.claims.scrollToBottom()
    result["scroll"] = timed(app, view.claims.scrollToBottom)
    result["rows_after_scroll"] = view.claims_model.rowCount()
    context.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--output", default="narrative_detail.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="narrative-detail-") as tmp:
        folder = Path(tmp) / "data"
        started = time.perf_counter()
        narrative_id = build_store(folder, args.claims, args.sources)
        print(f"built {args.claims} claims in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        result = measure(folder, narrative_id)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("narrative", f"{args.claims:,} claims from {args.sources} outlets, 5 languages, 30 days"),
        ("show it (GUI thread, until painted)", f"{result['show'] * 1000:,.0f} ms"),
        ("claim rows loaded when shown", f"{result['rows']:,}"),
        ("data_changed, narrative unchanged", f"{result['unchanged'] * 1000:,.0f} ms"),
        ("data_changed, one claim added", f"{result['changed'] * 1000:,.0f} ms"),
        ("open the timeline tab (painted)", f"{result['timeline'] * 1000:,.0f} ms"),
        ("points drawn on the timeline", f"{result['points']:,}"),
        ("scroll the claims to the bottom (one step)", f"{result['scroll'] * 1000:,.0f} ms"),
        ("claim rows loaded after two scrolls to the bottom", f"{result['rows_after_scroll']:,}"),
        ("peak memory (RSS)", f"{peak_mb:.0f} MB"),
    ]
    write_results(args.output, measures_table(
        f"Narrative detail: one narrative of {args.claims:,} claims",
        "by `python bench/narrative_detail.py` (offscreen, 1200x900; store built in SQL in a temporary folder).",
        rows), keep_from="\n## Before")


if __name__ == "__main__":
    main()

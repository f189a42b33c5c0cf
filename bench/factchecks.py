"""Fact-check matching quality and speed on CLEF-2020 CheckThat! Task 2 (English tweets -> Snopes claims).

Read in place from ``../shared/data/clef2020-checkthat-task2-en``: 10,375 verified claims
(the library, imported through the app's own JSON Lines import) and tweets each labelled
with the fact-check(s) it repeats. For every embedding model:

* rankings compared: **BM25** alone (FTS5 over claim and title), the **embedding** alone
  (cosine over the whole library), and the **fused** ranking the app uses (BM25 and vector
  candidates re-ranked by IDF-weighted word overlap, cosine and reciprocal rank);
* metrics: MAP@5 (the lab's official metric), Recall@1 and Recall@5, on the *dev* tweets;
  the fusion weights are tuned on the *train* tweets;
* the **flag threshold**, picked on train for precision: each train tweet is asked twice,
  once with its fact-check in the library (its top match should be it) and once with
  its fact-check left out (any match would be a false flag, as for the many claims no one
  has checked); the threshold is the lowest score at which flags are right at least
  ``TARGET_PRECISION`` of the time, and its precision and recall are then measured on dev;
* the time to match one claim against the 10,375 fact-checks (embedding included).

Usage: ``python bench/factchecks.py [--models use-multilingual,e5-small,minilm] [--threads 2]``
Writes ``bench/results/factchecks.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine.embedding import load_embedder  # noqa: E402
from app.engine.factchecks.importer import import_factchecks  # noqa: E402
from app.engine.factchecks.match import FactCheckMatcher, fused_score  # noqa: E402
from app.engine.factchecks.library import (FALLBACK_THRESHOLDS as FALLBACK, MODEL_THRESHOLDS, fold_text,  # noqa: E402
                                   thresholds_for)
from app.engine.store import Store  # noqa: E402
from app.engine.store import factchecks as factchecks_store  # noqa: E402

CLEF = ROOT.parent / "shared" / "data" / "clef2020-checkthat-task2-en"
RESULTS = ROOT / "bench" / "results" / "factchecks.md"
TARGET_PRECISION = 0.95
# A suggestion is read by a person deciding whether to open it: at half precision (the bar
# before) it was the best wrong fact-check of nearly every claim (issue 15). The tweets here
# are half with and half without their fact-check; most claims of a real stream have none, so
# the same bar is right less often there than here.
SUGGEST_PRECISION = 0.9
LEXICAL_WEIGHTS = [0.5, 1.0, 2.0, 4.0]
BM25_WEIGHTS = [0.0, 0.25, 0.5, 1.0]
RANK_WEIGHTS = [0.0, 0.1, 0.2, 0.4]


def clean_tweet(text: str) -> str:
    """A tweet as a claim: without links, its "— Author (@handle) Month D, YYYY" footer cut to the author.

    Who said it is part of many claims ("Trump said ..."); the date is not, and its
    numbers would read as the claim's.
    """
    text = re.sub(r"pic\.twitter\.com/\S+|https?://\S+", "", text)
    text = re.sub(r"—\s*([^—]*?)\s*\(@\w+\)\s*\w+ \d+, \d{4}\s*$", r" \1", text)
    return " ".join(text.split())


def load_tweets(split: str) -> list[tuple[str, set[str]]]:
    rows = [json.loads(line) for line in (CLEF / f"queries_{split}.jsonl").open(encoding="utf-8")]
    return [(clean_tweet(r["text"]), set(r["vclaim_ids"])) for r in rows if r["vclaim_ids"]]


def average_precision(ranked: list[str], gold: set[str], k: int = 5) -> float:
    hits, total = 0, 0.0
    for position, item in enumerate(ranked[:k], 1):
        if item in gold:
            hits += 1
            total += hits / position
    return total / min(len(gold), k)


def metrics(rankings: list[list[str]], golds: list[set[str]]) -> dict[str, float]:
    return {
        "MAP@5": statistics.mean(average_precision(r, g) for r, g in zip(rankings, golds)),
        "R@1": statistics.mean(bool(set(r[:1]) & g) for r, g in zip(rankings, golds)),
        "R@5": statistics.mean(len(set(r[:5]) & g) / len(g) for r, g in zip(rankings, golds)),
    }


class Split:
    """The tweets of one split with their candidates and evidence, computed once per model."""

    def __init__(self, matcher: FactCheckMatcher, library: np.ndarray, library_ids: list[str],
                 external: dict[int, str], tweets: list[tuple[str, set[str]]]) -> None:
        self.golds = [g for _, g in tweets]
        texts = [t for t, _ in tweets]
        self.vectors = matcher.embedder.encode(texts, batch_size=64)
        self.candidates = matcher.candidates(texts, self.vectors, ["en"] * len(texts))
        self.external = external
        rows = matcher.store.db.conn.execute("SELECT external_id, claim FROM factchecks").fetchall()
        self.claim_text = {e: fold_text(c) for e, c in rows}
        order = np.argsort(-(self.vectors @ library.T), axis=1)[:, :5]
        self.vector_rankings = [[library_ids[j] for j in row] for row in order]
        self.bm25_rankings = [[external[c.factcheck_id] for c in sorted(
            (c for c in cands if c.bm25_rank), key=lambda c: c.bm25_rank)] for cands in self.candidates]

    def fused(self, thresholds) -> list[list[tuple[str, float]]]:
        out = []
        for cands in self.candidates:
            scored = sorted(((self.external[c.factcheck_id], fused_score(c, thresholds)) for c in cands),
                            key=lambda pair: -pair[1])
            out.append(scored)
        return out

    def pool_recall(self) -> float:
        return statistics.mean(bool({self.external[c.factcheck_id] for c in cands} & g)
                               for cands, g in zip(self.candidates, self.golds))


def cosine_points(split: Split) -> list[tuple[float, bool]]:
    """:func:`flag_points` scored by the cosine alone, the only evidence a match across languages has."""
    cosine_only = replace(FALLBACK, lexical_weight=0.0, bm25_weight=0.0, rank_weight=0.0, numbers_penalty=0.0)
    return flag_points(split, cosine_only)


def flag_points(split: Split, thresholds) -> list[tuple[float, bool]]:
    """``(score, right)`` of the flag each tweet would raise, with and without its fact-check in the library.

    The library repeats some claims word for word under other ids; those count as the
    tweet's own fact-check (left out with it, right when matched).
    """
    points = []
    for scored, gold in zip(split.fused(thresholds), split.golds):
        same = {split.claim_text[g] for g in gold}
        if scored:
            points.append((scored[0][1], split.claim_text[scored[0][0]] in same))
        others = [pair for pair in scored if split.claim_text[pair[0]] not in same]
        if others:
            points.append((others[0][1], False))
    return points


def pick_threshold(points: list[tuple[float, bool]], target: float = TARGET_PRECISION) -> float:
    """The lowest score from which flags are right at least ``target`` of the time."""
    best = 1.0
    for threshold in sorted({round(s, 2) for s, _ in points}, reverse=True):
        above = [right for s, right in points if s >= threshold]
        if above and sum(above) / len(above) >= target:
            best = threshold
        elif len(above) > 20:
            break
    return best


def at_threshold(points: list[tuple[float, bool]], threshold: float, positives: int) -> tuple[float, float, float]:
    """Precision, recall (tweets flagged with their fact-check) and false-flag rate at a threshold."""
    above = [right for s, right in points if s >= threshold]
    right = sum(above)
    wrong_absent = sum(1 for s, r in points if s >= threshold and not r)
    precision = right / len(above) if above else 1.0
    return precision, right / positives, wrong_absent / max(1, positives)


def bench_model(name: str, threads: int, folder: Path) -> dict:
    embedder = load_embedder(name, threads=threads)
    store = Store.open(folder / name)
    started = time.perf_counter()
    report = import_factchecks(store, [CLEF / "verified_claims.jsonl"])
    import_seconds = time.perf_counter() - started
    matcher = FactCheckMatcher(store, embedder)
    started = time.perf_counter()
    matcher.prepare()
    embed_seconds = time.perf_counter() - started
    external = dict(store.db.conn.execute("SELECT id, external_id FROM factchecks").fetchall())
    ids, vectors = factchecks_store.stored_vectors(store.db, embedder.name, embedder.dim)
    library_ids = [external[int(i)] for i in ids]
    train = Split(matcher, vectors, library_ids, external, load_tweets("train"))
    dev = Split(matcher, vectors, library_ids, external, load_tweets("dev"))

    # One score serves the ranking a person reads and the flags: the weights maximise
    # train MAP@5 plus the share of train tweets flagged at the precision asked for.
    base = thresholds_for(name)
    best, best_objective = base, -1.0
    for w, bw, rw in itertools.product(LEXICAL_WEIGHTS, BM25_WEIGHTS, RANK_WEIGHTS):
        trial = replace(base, lexical_weight=w, bm25_weight=bw, rank_weight=rw)
        ranking = metrics([[i for i, _ in r] for r in train.fused(trial)], train.golds)["MAP@5"]
        points = flag_points(train, trial)
        recall = at_threshold(points, pick_threshold(points), len(train.golds))[1]
        if ranking + recall > best_objective + 1e-9:
            best, best_objective = trial, ranking + recall
    points = flag_points(train, best)
    threshold = pick_threshold(points)
    # Across languages only the cosine counts: the cosine at which cosine-alone matches are right
    # as often as suggestions must be (English, so a strict bar across languages).
    cross_suggest = min(pick_threshold(cosine_points(train), SUGGEST_PRECISION), base.cross_language - 0.01)
    tuned = replace(best, flag=threshold, suggest=min(threshold, pick_threshold(points, SUGGEST_PRECISION)),
                    cross_suggest=cross_suggest)
    dev_points = flag_points(dev, tuned)
    dev_flags = at_threshold(dev_points, threshold, len(dev.golds))
    dev_suggestions = at_threshold(dev_points, tuned.suggest, len(dev.golds))
    train_flags = at_threshold(flag_points(train, tuned), threshold, len(train.golds))

    # One claim at a time, as a person's search or one new claim in the pipeline.
    matcher.thresholds = tuned
    texts = [t for t, _ in load_tweets("dev")][:100]
    latencies, retrieval = [], []
    for text in texts:
        started = time.perf_counter()
        vector = embedder.encode([text])
        middle = time.perf_counter()
        matcher.match_texts([text], top=5, languages=["en"], vectors=vector)
        latencies.append(time.perf_counter() - started)
        retrieval.append(time.perf_counter() - middle)
    store.close()
    return {
        "model": name, "factchecks": report.stored, "import_s": import_seconds, "embed_s": embed_seconds,
        "bm25": metrics(dev.bm25_rankings, dev.golds), "vector": metrics(dev.vector_rankings, dev.golds),
        "fused": metrics([[i for i, _ in r] for r in dev.fused(tuned)], dev.golds),
        "fused_train": metrics([[i for i, _ in r] for r in train.fused(tuned)], train.golds),
        "bm25_train": metrics(train.bm25_rankings, train.golds),
        "pool_recall": dev.pool_recall(), "weights": (tuned.lexical_weight, tuned.bm25_weight, tuned.rank_weight),
        "threshold": threshold, "suggest": tuned.suggest, "cross_suggest": cross_suggest, "train_flags": train_flags,
        "dev_flags": dev_flags,
        "dev_suggestions": dev_suggestions,
        "latency_ms": (1000 * statistics.median(latencies), 1000 * sorted(latencies)[int(0.95 * len(latencies))]),
        "retrieval_ms": 1000 * statistics.median(retrieval), "current": MODEL_THRESHOLDS.get(name),
    }


def write_results(rows: list[dict], args) -> None:
    import platform

    lines = [
        "# Fact-check matching",
        "",
        f"Run by `bench/factchecks.py` on {platform.machine()}, Python {platform.python_version()}, "
        f"{args.threads} thread(s). Library: the {rows[0]['factchecks']:,} Snopes verified claims of CLEF-2020 "
        "CheckThat! Task 2, imported by the app's JSON Lines import. Queries: its tweets (links removed, the "
        "author/date footer cut to the author's name), dev split unless marked; weights tuned on train. MAP@5 is the lab's "
        "official metric (the lab's BM25 baseline scored 0.818 on the 2022 edition of this task).",
        "",
        "## Ranking quality on the dev tweets",
        "",
        "| model | ranking | MAP@5 | R@1 | R@5 |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        for label, key in (("BM25 alone", "bm25"), ("embedding alone", "vector"), ("fused (the app)", "fused")):
            m = r[key]
            lines.append(f"| {r['model']} | {label} | {m['MAP@5']:.3f} | {m['R@1']:.3f} | {m['R@5']:.3f} |")
    lines += [
        "",
        "BM25 alone is the same for every model. *embedding alone*: cosine with the claim or the title, whichever "
        "is closer, over the whole library. *fused*: the 30 best of BM25 and the 30 nearest by embedding, "
        "re-ranked by the app's score, whose weights maximise train MAP@5 plus the share of train tweets "
        "flagged at the precision asked for below (one score serves both the list a person reads and the flags).",
        "",
        "| model | gold in the candidate pool (dev) | tuned weights: lexical, BM25, rank (cosine 1) | "
        "train MAP@5 fused | train MAP@5 BM25 |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['model']} | {r['pool_recall']:.3f} | {', '.join(map(str, r['weights']))} | "
                     f"{r['fused_train']['MAP@5']:.3f} | {r['bm25_train']['MAP@5']:.3f} |")
    lines += [
        "",
        "## The flag threshold",
        "",
        f"Picked on train as the lowest score whose flags are right at least {TARGET_PRECISION:.0%} of the time, "
        "each tweet asked with its fact-check in the library and again with it left out. *recall*: tweets "
        "flagged with their own fact-check; *false flags*: tweets flagged with a wrong one (mostly when theirs "
        "is absent), per tweet. The *suggest* threshold (matches kept and shown as possible, not flagging) is "
        f"where train matches are right {SUGGEST_PRECISION:.0%} of the time.",
        "",
        "| model | flag threshold | suggest threshold | train precision | train recall | dev precision | "
        "dev recall | dev false flags |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        tp, tr, _ = r["train_flags"]
        dp, dr, df = r["dev_flags"]
        lines.append(f"| {r['model']} | {r['threshold']:.2f} | {r['suggest']:.2f} | {tp:.3f} | {tr:.3f} | {dp:.3f} | "
                     f"{dr:.3f} | {df:.3f} |")
    lines += [
        "",
        "## Speed",
        "",
        "Matching one claim against the library, one at a time (median and 95th percentile of 100 dev tweets): "
        "embedding the claim, BM25 and vector candidates, re-ranking. *retrieval* leaves out the embedding. "
        "Importing and embedding the library happen once.",
        "",
        "| model | one claim, ms (median) | p95 ms | retrieval only, ms | import 10k, s | embed library, s |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['model']} | {r['latency_ms'][0]:.1f} | {r['latency_ms'][1]:.1f} | "
                     f"{r['retrieval_ms']:.1f} | {r['import_s']:.1f} | {r['embed_s']:.0f} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="use-multilingual,e5-small,minilm")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", default=None, help="Keep the libraries (and their vectors) in this folder "
                                                     "between runs instead of a temporary one.")
    args = parser.parse_args()
    if not CLEF.is_dir():
        sys.exit(f"{CLEF} is absent: the shared data folder sits beside the repository.")
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.work) if args.work else Path(temporary)
        for name in args.models.split(","):
            print(f"{name}...", file=sys.stderr, flush=True)
            row = bench_model(name, args.threads, folder)
            print(json.dumps(row, default=str), file=sys.stderr, flush=True)
            rows.append(row)
    write_results(rows, args)
    print(RESULTS.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()

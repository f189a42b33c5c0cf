"""Benchmark the bundled embedding models: quality across languages, and speed.

Quality: Spearman rank correlation between the cosine of the two sentences of a
pair and the human similarity score, on the stsb-multi-mt pairs (the shared data
holds the dev split only, 1,500 pairs). Same-language pairs use sentence1 and
sentence2 in one language; cross-language pairs put sentence1 in English and
sentence2 in the other language, the way a claim crosses from one outlet to
another. Also: translation retrieval, the share of English sentences whose
nearest neighbour among the 1,500 translations is their own translation.

Speed: sentences per second with 1 and 2 threads, on 1,500 sentences mixed
across languages (after a warm-up), batch size 64.

Usage::

    python bench/embeddings.py [--models use-multilingual e5-small minilm]

Writes ``bench/results/embeddings.md`` and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_results  # noqa: E402
from app.engine.embedding import DEFAULT_MODEL, MODELS, load_embedder  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "stsb-multi-mt" / "dev.jsonl"
SAME = ("en", "de", "fr", "es", "ru", "pl")
CROSS = ("de", "fr", "es", "ru", "pl")


def rank(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing their average rank (as Spearman needs)."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.zeros(len(counts))
    np.add.at(sums, inverse, ranks)
    return (sums / counts)[inverse]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(rank(np.asarray(a)), rank(np.asarray(b)))[0, 1])


def load_pairs() -> list[dict]:
    if not DATA.is_file():
        sys.exit(f"missing {DATA}: the shared data folder is needed")
    with DATA.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def quality(name: str, rows: list[dict]) -> dict[str, float]:
    embedder = load_embedder(name, threads=2)
    gold = np.array([r["score"] for r in rows])
    vec: dict[tuple[str, int], np.ndarray] = {}
    for lang in sorted(set(SAME) | set(CROSS)):
        for side in (1, 2):
            vec[lang, side] = embedder.encode([r[f"sentence{side}"][lang] for r in rows])
    out: dict[str, float] = {}
    for lang in SAME:
        cos = np.einsum("ij,ij->i", vec[lang, 1], vec[lang, 2])
        out[f"{lang}"] = spearman(cos, gold)
    for lang in CROSS:
        cos = np.einsum("ij,ij->i", vec["en", 1], vec[lang, 2])
        out[f"en-{lang}"] = spearman(cos, gold)
    # Translation retrieval over the distinct English sentence1 texts.
    _, first = np.unique([r["sentence1"]["en"] for r in rows], return_index=True)
    hits = []
    for lang in CROSS:
        sim = vec["en", 1][first] @ vec[lang, 1][first].T
        hits.append(float((sim.argmax(axis=1) == np.arange(len(first))).mean()))
    out["retrieval@1"] = float(np.mean(hits))
    return out


def speed(name: str, rows: list[dict], threads: int) -> tuple[float, float]:
    """Sentences per wall-clock second (best of three runs) and per CPU second.

    Other work on a shared machine only slows runs down, hence the best run.
    With one thread the model works on the calling thread alone, so its CPU
    time measures the work whatever else the machine is doing.
    """
    embedder = load_embedder(name, threads=threads)
    langs = ("en", "de", "fr", "es", "ru", "pl")
    texts = [r["sentence1"][langs[i % len(langs)]] for i, r in enumerate(rows)]
    embedder.encode(texts[:128])
    best, cpu_best = 0.0, 0.0
    for _ in range(3):
        start, cpu = time.perf_counter(), time.thread_time()
        embedder.encode(texts, batch_size=64)
        best = max(best, len(texts) / (time.perf_counter() - start))
        cpu_best = max(cpu_best, len(texts) / max(time.thread_time() - cpu, 1e-9))
    return best, cpu_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    args = parser.parse_args()
    rows = load_pairs()

    results = {}
    for name in args.models:
        print(f"{name}: quality...", file=sys.stderr, flush=True)
        q = quality(name, rows)
        print(f"{name}: speed...", file=sys.stderr, flush=True)
        q["speed1"], q["cpu1"] = speed(name, rows, 1)
        q["speed2"], _ = speed(name, rows, 2)
        results[name] = q

    cols = [*SAME, *(f"en-{c}" for c in CROSS)]
    lines = [
        "# Embedding models",
        "",
        f"Run by `bench/embeddings.py` on {platform.machine()}, {platform.python_version()}, "
        f"{len(rows)} stsb-multi-mt dev pairs (the shared data holds no test split). "
        "Spearman x100 between cosine and the human score; `en-xx` pairs sentence1 in "
        "English with sentence2 in xx. `mean cross` averages the five `en-xx` columns. "
        "`retr@1`: share of English sentences whose nearest of the translations into "
        "de/fr/es/ru/pl is their own (mean over the five). Speed: sentences/s, batch 64, "
        "1,500 short sentences (stsb sentence1, ~60 characters) mixed over six languages, best "
        "of three runs; the machine was shared with other work (load average "
        f"{os.getloadavg()[0]:.1f} at the end), so wall-clock speeds are indicative; "
        "sentences per CPU second with one thread are not affected by the load.",
        "",
        "| model | dim | " + " | ".join(cols) + " | mean cross | retr@1 | sent/s 1 thr | sent/s 2 thr "
        "| sent/CPU-s 1 thr |",
        "|---" * (len(cols) + 7) + "|",
    ]
    for name, q in results.items():
        dim = MODELS[name].dim if name in MODELS else "?"
        cross = np.mean([q[f"en-{c}"] for c in CROSS])
        cells = " | ".join(f"{100 * q[c]:.1f}" for c in cols)
        bold = " (default)" if name == DEFAULT_MODEL else ""
        lines.append(
            f"| {name}{bold} | {dim} | {cells} | {100 * cross:.1f} | "
            f"{100 * q['retrieval@1']:.1f} | {q['speed1']:.0f} | {q['speed2']:.0f} | {q['cpu1']:.0f} |"
        )
    write_results("embeddings.md", "\n".join(lines) + "\n", keep_from="\n## Conclusion")


if __name__ == "__main__":
    main()

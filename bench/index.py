"""Benchmark the vector index at 10k, 100k and 1M claim vectors.

Measures, for :class:`app.engine.index.VectorIndex` as the app uses it:
build time, time to add one vector to the built index, single-query search
time (one query a call, as the clustering does), the index's memory (its FAISS
serialised size, which is what it holds in RAM), and recall@10 against exact
search over the same float32 vectors.

Where the vectors come from
---------------------------
Real text, embedded with the default model: every distinct sentence of the
shared data that is 20-400 characters long (stsb-multi-mt in its 11 languages,
the CLEF fact-checked claims, their titles and tweets, and the titles and
summaries of the 200 real-world feeds, split into sentences): about 128k
sentences. 1,000 of them are held out as queries, never indexed.

There are not 1M real sentences on hand, so past the real ones the corpus is
filled with synthetic vectors made from real ones: each is a convex
combination ``a*u + (1-a)*v`` of a random real vector ``u`` and another real
vector ``v`` (a ~ U(0.55, 0.95)), plus Gaussian noise of norm ~0.25,
renormalised. They stay on the manifold of real sentence vectors (mostly near
one real sentence, like reworded claims), but they are not real text, and the
clusters of a real 1M corpus may be tighter or looser than these.

The 10k and 100k corpora are real vectors only; 1M is ~127k real plus ~873k
synthetic. Embeddings are cached under ``~/.cache/narrative-radar-bench``.

Usage::

    python bench/index.py [--sizes 10000 100000 1000000] [--threads 2]

Writes ``bench/results/index.md`` and prints it.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_results  # noqa: E402
from app.engine.embedding import DEFAULT_MODEL, load_embedder  # noqa: E402
from app.engine.index import FLAT_LIMIT, VectorIndex  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = Path.home() / ".cache" / "narrative-radar-bench"
N_QUERIES = 1_000
N_TIMED = 300


def real_sentences() -> list[str]:
    """Distinct sentences of 20-400 characters from the shared data."""
    found: set[str] = set()

    def keep(text: str) -> None:
        text = re.sub(r"\s+", " ", text).strip()
        if 20 <= len(text) <= 400:
            found.add(text)

    with (DATA / "stsb-multi-mt" / "dev.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for side in ("sentence1", "sentence2"):
                for text in row[side].values():
                    keep(text)
    clef = DATA / "clef2020-checkthat-task2-en"
    with (clef / "verified_claims.jsonl").open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            keep(row["vclaim"])
            keep(row["title"])
    for name in ("queries_train.jsonl", "queries_dev.jsonl"):
        with (clef / name).open(encoding="utf-8") as f:
            for line in f:
                keep(json.loads(line)["text"])
    # Feed texts: parsed with feedparser only to get at the words; this is
    # data preparation, not the app's feed reading.
    import feedparser

    feeds = DATA / "feeds" / "fastfeedparser-realworld"
    with (feeds / "manifest.jsonl").open(encoding="utf-8") as f:
        files = [json.loads(line)["file"] for line in f]
    for name in files:
        parsed = feedparser.parse((feeds / name).read_bytes())
        for entry in parsed.entries:
            for field in ("title", "summary"):
                text = html.unescape(re.sub(r"<[^>]+>", " ", entry.get(field, "") or ""))
                for sentence in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text)):
                    keep(sentence)
    return sorted(found)


def real_vectors(model: str) -> np.ndarray:
    sentences = real_sentences()
    key = hashlib.sha256(("\n".join(sentences) + model).encode()).hexdigest()[:16]
    path = CACHE / f"{model}-{key}.npy"
    if path.is_file():
        return np.load(path)
    print(f"embedding {len(sentences)} real sentences with {model}...", file=sys.stderr, flush=True)
    embedder = load_embedder(model)
    start = time.perf_counter()
    vectors = embedder.encode(sentences, batch_size=256)
    print(f"  {len(sentences) / (time.perf_counter() - start):.0f} sentences/s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def synthetic(real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Convex combinations of real vectors plus small noise, renormalised."""
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        a = rng.uniform(0.55, 0.95, size=(m, 1)).astype(np.float32)
        u = real[rng.integers(0, len(real), m)]
        v = real[rng.integers(0, len(real), m)]
        noise = rng.standard_normal((m, real.shape[1])).astype(np.float32)
        noise *= 0.25 / np.sqrt(real.shape[1])
        block = a * u + (1 - a) * v + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + m] = block
    return out


def exact_top(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Row positions of the exact top k by inner product (blocked matmul)."""
    best_s = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(base), 200_000):
        sims = queries @ base[start : start + 200_000].T
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        s = np.take_along_axis(sims, part, axis=1)
        all_s = np.concatenate([best_s, s], axis=1)
        all_i = np.concatenate([best_i, part + start], axis=1)
        top = np.argpartition(-all_s, k - 1, axis=1)[:, :k]
        best_s = np.take_along_axis(all_s, top, axis=1)
        best_i = np.take_along_axis(all_i, top, axis=1)
    return best_i


def measure(n: int, real: np.ndarray, queries: np.ndarray, rng: np.random.Generator) -> dict:
    if n <= len(real):
        base = real[rng.choice(len(real), n, replace=False)]
        made = "real"
    else:
        base = np.concatenate([real, synthetic(real, n - len(real), rng)])
        made = f"{len(real) // 1000}k real + {(n - len(real)) // 1000}k synthetic"
    # Ids as the app has them: int64 claim ids, not row numbers.
    ids = np.arange(n, dtype=np.int64) * 7 + 1_000
    dim = base.shape[1]

    start, cpu = time.perf_counter(), time.process_time()
    index = VectorIndex.build(ids, base, model=DEFAULT_MODEL, dim=dim)
    build_s = time.perf_counter() - start
    build_cpu_s = time.process_time() - cpu

    timed = queries[:N_TIMED]
    index.search(timed[:10], k=10)  # warm-up
    start, cpu = time.perf_counter(), time.thread_time()
    for q in timed:
        index.search(q, k=10)
    query_ms = (time.perf_counter() - start) / len(timed) * 1000
    # A single query runs on this thread alone, so its CPU time is the work
    # done, whatever else the shared machine is busy with.
    query_cpu_ms = (time.thread_time() - cpu) / len(timed) * 1000

    _, found = index.search(queries, k=10)
    truth = ids[exact_top(base, queries, 10)]
    recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))

    import faiss

    size_mb = faiss.serialize_index(index._index).size / 1e6

    extra = synthetic(real, 20, rng)
    start = time.perf_counter()
    for j, vector in enumerate(extra):
        index.add(np.array([ids[-1] + 7 * (j + 1)]), vector[None, :])
    add_ms = (time.perf_counter() - start) / len(extra) * 1000

    start = time.perf_counter()
    index.remove(ids[:1])
    remove_ms = (time.perf_counter() - start) * 1000

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.faiss"
        start = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - start
        start = time.perf_counter()
        VectorIndex.load(path, model=DEFAULT_MODEL, dim=dim)
        load_s = time.perf_counter() - start

    info = index.info
    return {
        "n": n,
        "made": made,
        "kind": f"{info.kind}" + (f" (nlist {info.nlist}, nprobe {info.nprobe})" if info.nlist else ""),
        "build_s": build_s,
        "query_ms": query_ms,
        "query_cpu_ms": query_cpu_ms,
        "build_cpu_s": build_cpu_s,
        "recall": recall,
        "size_mb": size_mb,
        "add_ms": add_ms,
        "remove_ms": remove_ms,
        "save_s": save_s,
        "load_s": load_s,
        "flat_mb": n * dim * 4 / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not (DATA / "stsb-multi-mt").is_dir():
        sys.exit(f"missing {DATA}: the shared data folder is needed")
    import faiss

    faiss.omp_set_num_threads(args.threads)

    rng = np.random.default_rng(42)
    vectors = real_vectors(DEFAULT_MODEL)
    order = rng.permutation(len(vectors))
    queries, real = vectors[order[:N_QUERIES]], vectors[order[N_QUERIES:]]
    print(f"{len(real)} real vectors of {real.shape[1]} dims, {len(queries)} held-out queries",
          file=sys.stderr)

    rows = []
    for n in args.sizes:
        print(f"{n} vectors...", file=sys.stderr, flush=True)
        rows.append(measure(n, real, queries, rng))
        print(rows[-1], file=sys.stderr, flush=True)

    lines = [
        "# Vector index",
        "",
        f"Run by `bench/index.py` on {platform.machine()}, Python {platform.python_version()}, "
        f"{args.threads} FAISS threads, model `{DEFAULT_MODEL}` ({real.shape[1]} dims). "
        f"Flat below {FLAT_LIMIT:,} vectors, IVF-SQ8 from there. Queries: {N_QUERIES} real "
        "sentences held out of the index; time is one query a call (mean of "
        f"{N_TIMED}), recall@10 is against exact float32 search over the same vectors. "
        "Memory is the FAISS serialised size (the index in RAM; flat float32 shown for "
        "comparison). Add = one vector added to the built index; remove = one id; save and "
        "load = the atomic file write (with fsync) and the checked read. "
        "Vectors past the ~127k real ones are synthetic (convex combinations of two real "
        "vectors plus small noise, renormalised): see the script's docstring. The machine is "
        "shared with other work (load average "
        f"{os.getloadavg()[0]:.1f} at the end of the run): wall-clock times vary with it; "
        "the CPU time of a query does not.",
        "",
        "| vectors | made of | index | build s (CPU s) | ms/query (CPU ms) | recall@10 | memory MB "
        "| flat float32 MB | add ms | remove ms | save s | load s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['made']} | {r['kind']} | {r['build_s']:.1f} ({r['build_cpu_s']:.0f}) | "
            f"{r['query_ms']:.2f} ({r['query_cpu_ms']:.2f}) | "
            f"{r['recall']:.3f} | {r['size_mb']:.0f} | {r['flat_mb']:.0f} | {r['add_ms']:.2f} | "
            f"{r['remove_ms']:.1f} | {r['save_s']:.2f} | {r['load_s']:.2f} |"
        )
    write_results("index.md", "\n".join(lines) + "\n", keep_from="\n## ")


if __name__ == "__main__":
    main()

"""Kill -9 at random moments of a first fetch, then check the folder and finish the work (issue 14).

Each trial loads the bundled demo into a fresh data folder in a child process (the
engine calls of ``main.py demo``: the outlets and the fact-check library, then the
pipeline: fetch, parse, store, embed, index, cluster, match fact-checks) and kills
it with SIGKILL at a random moment of one phase, taking the phases in turn: a
random share of that phase's length in a reference run after the child enters it. Then:

- right after the kill: ``PRAGMA integrity_check`` is ok, every foreign key holds,
  every stored article has all of its claims (as many as in the reference run), and
  the index file holds exactly the stored vectors, or else differs from them in
  count or is unreadable, which makes the next run rebuild it;
- a second child runs to the end; then the articles and claims are those of the
  reference (none lost, none twice), every claim has its vector, the index holds
  exactly the stored vectors, fact-check matches are the reference's, and the
  narratives are compared with the reference by the pairs of claims they put together.

Usage: ``python bench/crash_proof.py [--trials 50] [--seed 14]``; results in
``bench/results/crash_proof.md``. ``python bench/crash_proof.py --child FOLDER`` is
the child.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import write_results  # noqa: E402
from app.engine.errors import VectorIndexError  # noqa: E402
from app.engine.index import VectorIndex  # noqa: E402
from app.engine.paths import DATABASE_NAME, INDEX_NAME  # noqa: E402

# A child's progress lines, in the order the phases come; the first phase is the
# start-up (Python, the engine, the store) before the first line.
PHASES = ("start-up", "fact-check library", "fetch, parse, store", "embed, index, cluster", "fact-check matching")
_MARKERS = (("adding the demo", 1), ("feeds", 2), ("embedding new claims", 3), ("fact-check", 4))


def phase_of(line: str) -> int:
    """The phase a progress line belongs to (0 for lines that name none, such as "indexing")."""
    return next((phase for marker, phase in reversed(_MARKERS) if marker in line), 0)


def reached(lines: list[tuple[float, str]]) -> int:
    """The latest phase a child's lines have entered."""
    return max((phase_of(line) for _, line in lines), default=0)


@dataclass(frozen=True)
class Snapshot:
    """What a data folder holds, keyed so that two runs' ids need not agree."""

    articles: list[tuple]                 # (feed, guid), one per stored article, duplicates kept
    claims_per_article: dict[tuple, int]
    claims: set[tuple]                    # (feed, guid, position)
    vectors: set[tuple]
    claim_ids_with_vectors: set[int]
    narrative_pairs: set[frozenset]
    claims_in_narratives: int
    narratives: int
    matches: set[tuple]                   # (claim key, fact-check claim text)
    integrity: str
    foreign_key_violations: int


def snapshot(folder: Path) -> Snapshot | None:
    """Read a data folder without changing it (None: no database yet)."""
    path = folder / DATABASE_NAME
    if not path.exists():
        return None
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        violations = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'claims'").fetchone():
            return Snapshot([], {}, set(), set(), set(), set(), 0, 0, set(), integrity, violations)
        key = "f.url, a.guid, c.position"
        join = "FROM claims c JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id"
        articles = conn.execute("SELECT f.url, a.guid FROM articles a JOIN feeds f ON f.id = a.feed_id").fetchall()
        per_article = {(url, guid): n for url, guid, n in conn.execute(
            "SELECT f.url, a.guid, count(c.id) FROM articles a JOIN feeds f ON f.id = a.feed_id"
            " LEFT JOIN claims c ON c.article_id = a.id GROUP BY a.id")}
        claims = set(conn.execute(f"SELECT {key} {join}").fetchall())
        vectors = set(conn.execute(f"SELECT {key} {join} JOIN vectors v ON v.claim_id = c.id").fetchall())
        with_vectors = {r[0] for r in conn.execute("SELECT claim_id FROM vectors")}
        members: dict[int, list[tuple]] = {}
        for narrative, *claim in conn.execute(
                f"SELECT nc.narrative_id, {key} {join} JOIN narrative_claims nc ON nc.claim_id = c.id"
                " JOIN narratives n ON n.id = nc.narrative_id WHERE n.merged_into IS NULL"):
            members.setdefault(narrative, []).append(tuple(claim))
        pairs = {frozenset(p) for group in members.values() for p in itertools.combinations(group, 2)}
        matches = set(conn.execute(f"SELECT {key}, fc.claim {join} JOIN factcheck_matches m ON m.claim_id = c.id"
                                   " JOIN factchecks fc ON fc.id = m.factcheck_id").fetchall())
    return Snapshot(articles, per_article, claims, vectors, with_vectors, pairs,
                    sum(len(m) for m in members.values()), len(members), matches, integrity, violations)


def index_state(folder: Path, stored_ids: set[int], model: str, dim: int) -> str:
    """Whether the index file holds exactly the stored vectors, or how the next run will see it."""
    path = folder / INDEX_NAME
    if not path.exists():
        return "absent (built from the vectors)"
    try:
        index = VectorIndex.load(path, model=model, dim=dim)
    except VectorIndexError:
        return "unreadable (rebuilt)"
    ids = {int(i) for i in index.ids()}
    if ids == stored_ids:
        return "agrees"
    if len(ids) != len(stored_ids):
        return "differs in count (rebuilt)"
    return "SAME COUNT, OTHER IDS (would be kept: a fault)"


def after_kill_faults(snap: Snapshot | None, reference: Snapshot) -> list[str]:
    """What must hold in a folder whatever moment a kill came at."""
    if snap is None:
        return []
    faults = []
    if snap.integrity != "ok":
        faults.append(f"integrity_check: {snap.integrity}")
    if snap.foreign_key_violations:
        faults.append(f"{snap.foreign_key_violations} foreign key violations")
    half = [a for a, n in snap.claims_per_article.items() if n != reference.claims_per_article.get(a)]
    if half:
        faults.append(f"{len(half)} articles with claims missing")
    if len(snap.articles) != len(set(snap.articles)):
        faults.append("an article stored twice")
    return faults


def completed_faults(snap: Snapshot, reference: Snapshot) -> list[str]:
    """What must hold once a run after the kill has finished the work."""
    faults = after_kill_faults(snap, reference)
    if sorted(snap.articles) != sorted(reference.articles):
        faults.append(f"articles {len(snap.articles)} != reference {len(reference.articles)}")
    if snap.claims != reference.claims:
        faults.append(f"claims {len(snap.claims)} != reference {len(reference.claims)}")
    if snap.vectors != snap.claims:
        faults.append(f"{len(snap.claims - snap.vectors)} claims without a vector")
    return faults


def agreement(a: Snapshot, b: Snapshot) -> float:
    """The share of claim pairs put together by either run that both put together (1.0: the same narratives)."""
    union = a.narrative_pairs | b.narrative_pairs
    return len(a.narrative_pairs & b.narrative_pairs) / len(union) if union else 1.0


def child(folder: Path) -> None:
    """Load the demo into ``folder`` as ``main.py demo`` does, each progress line on stderr at once."""
    from app.engine.demo import add_demo
    from app.engine.pipeline import Pipeline
    from app.engine.settings import load_settings
    from app.engine.store import Store

    def say(_fraction: float, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    store = Store.open(folder)
    settings = load_settings(folder)
    say(0, "adding the demo")
    demo = add_demo(store)
    Pipeline(store, settings).run(list(demo.feeds), force=True, progress=say)
    say(1, "done")


def run_child(folder: Path, kill: tuple[int, float] | None = None) -> tuple[float, list[tuple[float, str]], bool]:
    """Run the child; ``kill`` = (phase, seconds): SIGKILL it that long after it enters that phase.

    Return its wall time, its timed lines and whether it was killed. Timing the kill from
    the phase's start, not from the child's, keeps the phases apart on a loaded machine.
    """
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", str(folder)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: lines.extend((time.monotonic() - start, line.strip())
                                                          for line in proc.stderr), daemon=True)
    reader.start()
    killed = False
    due: float | None = None
    while kill is not None and proc.poll() is None:
        if due is None and reached(lines) >= kill[0]:
            due = time.monotonic() + kill[1]
        if due is not None and time.monotonic() >= due:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.01)
    proc.wait()
    reader.join(5)
    if not killed and proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}): {lines[-5:]}")
    return time.monotonic() - start, lines, killed


def phase_windows(lines: list[tuple[float, str]], total: float) -> list[tuple[float, float]]:
    """Each phase's (start, end) in seconds of a reference run, from its timed lines."""
    starts = [0.0] + [next((t for t, line in lines if phase_of(line) == p), total) for p in range(1, len(PHASES))]
    return [(s, max(s, e)) for s, e in zip(starts, starts[1:] + [total])]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    from app.engine.embedding import DEFAULT_MODEL, MODELS

    model, dim = DEFAULT_MODEL, MODELS[DEFAULT_MODEL].dim
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for name in ("reference", "second-clean"):
            total, lines, _ = run_child(Path(tmp) / name)
            runs.append((total, lines, snapshot(Path(tmp) / name)))
        (total, lines, reference), (_, _, second) = runs
        windows = phase_windows(lines, total)
        rows, faults_seen = [], 0
        for trial in range(args.trials):
            folder = Path(tmp) / f"trial-{trial}"
            aimed = trial % len(PHASES)
            start, end = windows[aimed]
            delay = rng.uniform(0, end - start)
            took, killed_lines, killed = run_child(folder, (aimed, delay))
            hit = reached(killed_lines) if killed else None
            broken = snapshot(folder)
            faults = after_kill_faults(broken, reference)
            index = index_state(folder, broken.claim_ids_with_vectors, model, dim) if broken else "no database yet"
            if "fault" in index:
                faults.append(index)
            stored = (len(broken.articles), len(broken.claims), len(broken.vectors)) if broken else (0, 0, 0)
            run_child(folder)
            done = snapshot(folder)
            faults += completed_faults(done, reference)
            final_index = index_state(folder, done.claim_ids_with_vectors, model, dim)
            if final_index != "agrees":
                faults.append(f"index after the re-run: {final_index}")
            faults_seen += bool(faults)
            rows.append((trial, f"{took:.2f}", f"{PHASES[aimed]} + {delay:.2f}", PHASES[hit] if hit is not None else "(finished first)",
                         "{:,} / {:,} / {:,}".format(*stored), index, broken.integrity if broken else "-",
                         f"{agreement(done, reference):.3f}", done.claims_in_narratives - reference.claims_in_narratives,
                         len(done.matches) - len(reference.matches), "; ".join(faults) or "none"))
            print(rows[-1], flush=True)
    write_results("crash_proof.md", _report(args, total, windows, reference, second, rows, faults_seen))


def _report(args, total, windows, reference, second, rows, faults_seen) -> str:
    hits: dict[str, int] = {}
    for row in rows:
        hits[row[3]] = hits.get(row[3], 0) + 1
    lines = [
        "# Kill -9 at random moments of a first fetch (issue 14)", "",
        f"Run {time.strftime('%Y-%m-%d')}: `python bench/crash_proof.py --trials {args.trials} --seed {args.seed}`, "
        "2 shared cores. The demo (8 outlets, 6 languages, "
        f"{len(reference.articles)} articles, {len(reference.claims)} claims, 13 fact-checks) loaded in a child "
        f"process, default model; an uninterrupted run takes {total:.1f} s.", "",
        "Phases of the reference run (s): " + ", ".join(f"{p} {s:.1f}-{e:.1f}" for p, (s, e) in zip(PHASES, windows)),
        "", "| measure | value |", "| --- | --- |",
        f"| trials | {len(rows)} |",
        f"| trials with any fault | **{faults_seen}** |",
        "| kills by phase reached | " + ", ".join(f"{k}: {v}" for k, v in sorted(hits.items())) + " |",
        f"| two clean runs: narratives | {reference.narratives} and {second.narratives} |",
        f"| two clean runs: claims in narratives | {reference.claims_in_narratives} and {second.claims_in_narratives} |",
        f"| two clean runs: pair agreement | {agreement(second, reference):.3f} |",
        f"| killed then finished: pair agreement with the reference, min / median | "
        f"{min(float(r[7]) for r in rows):.3f} / {sorted(float(r[7]) for r in rows)[len(rows) // 2]:.3f} |",
        "", "Pair agreement: of the claim pairs that either run put in one narrative, the share both did.",
        "", "| trial | killed at (s) | aimed at: phase + s | phase reached | stored at the kill: articles / claims / vectors | "
        "index at the kill | integrity | pair agreement | claims in narratives vs reference | "
        "fact-check matches vs reference | faults |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *["| " + " | ".join(str(v) for v in row) + " |" for row in rows],
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

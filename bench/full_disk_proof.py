"""A full disk during a first fetch, then space freed: what is said, what is kept, what the next run does (issue 14).

The demo is loaded (as ``main.py demo`` does) into a data folder on a tmpfs too small
for it; then the tmpfs is enlarged and the same load runs again. Needs root (it
mounts the tmpfs). Results in ``bench/results/full_disk_proof.md``.

Usage: ``sudo python bench/full_disk_proof.py [--megabytes 3]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crash_proof import agreement, run_child, snapshot  # noqa: E402
from bench.report import measures_table, write_results  # noqa: E402


def _state(folder: Path) -> str:
    snap = snapshot(folder)
    return (f"integrity {snap.integrity}; {len(snap.articles)} articles ({len(set(snap.articles))} distinct), "
            f"{len(snap.claims)} claims, {len(snap.vectors)} vectors, {snap.narratives} narratives "
            f"({snap.claims_in_narratives} claims), {len(snap.matches)} fact-check matches")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reference = Path(tmp) / "reference"
        run_child(reference)
        mount = Path(tmp) / "small"
        mount.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.megabytes}m", "tmpfs", str(mount)], check=True)
        try:
            folder = mount / "data"
            full = _load(folder)
            after_full = _state(folder)
            subprocess.run(["mount", "-o", "remount,size=200m", str(mount)], check=True)
            again = _load(folder)
            after_freed = _state(folder)
            same = agreement(snapshot(folder), snapshot(reference))
        finally:
            subprocess.run(["umount", str(mount)], check=False)
        rows = [
            (f"on a full {args.megabytes} MB disk: exit code, last words", f"{full.returncode}: "
             f"{full.stderr.strip().splitlines()[-1]}"),
            ("kept after the full disk", after_full),
            ("space freed, same command again: exit code", str(again.returncode)),
            ("kept after the second run", after_freed),
            ("uninterrupted run", _state(reference)),
            ("narratives: pair agreement with the uninterrupted run", f"{same:.3f}"),
        ]
    write_results("full_disk_proof.md", measures_table(
        "A full disk during a first fetch (issue 14)",
        f"`python bench/full_disk_proof.py --megabytes {args.megabytes}` (as root): the demo, default model.", rows))


def _load(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--data-dir", str(folder)],
                          capture_output=True, text=True, cwd=ROOT)


if __name__ == "__main__":
    main()

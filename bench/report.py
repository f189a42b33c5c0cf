"""Writing a benchmark's results: a markdown file under bench/results/, also printed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def measures_table(title: str, how: str, rows: Sequence[tuple[str, str]]) -> str:
    """A titled two-column table of measures, with the date and how it was run."""
    lines = [f"# {title}", "", f"Run {time.strftime('%Y-%m-%d')} {how}", "",
             "| measure | value |", "| --- | --- |", *[f"| {k} | {v} |" for k, v in rows]]
    return "\n".join(lines) + "\n"


def write_results(name: str, text: str, *, keep_from: str | None = None) -> Path:
    """Write ``bench/results/NAME`` and print it.

    ``keep_from`` names a heading (e.g. ``"\\n## Conclusion"``) below which the old
    file's hand-written text is kept across runs.
    """
    path = RESULTS_DIR / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if keep_from and path.is_file():
        old = path.read_text(encoding="utf-8")
        if keep_from in old:
            text += old[old.index(keep_from):]
    path.write_text(text, encoding="utf-8")
    print(text)
    return path

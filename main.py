"""Start Narrative Radar: the window with no arguments, else a command-line sub-command."""

from __future__ import annotations

import multiprocessing
import sys


def run() -> None:
    from app.program import run as program

    program()


if __name__ == "__main__":
    multiprocessing.freeze_support()  # the window's background work runs in child processes
    sys.exit(run())

"""Start Narrative Radar: the window with no arguments, else a command-line sub-command."""

from __future__ import annotations

import sys


def run() -> None:
    from app.cli import main

    main()


if __name__ == "__main__":
    sys.exit(run())

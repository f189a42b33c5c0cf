"""The program: the window with no command, else a command-line sub-command.

The one module that knows both faces; each face knows only the engine.
"""

from __future__ import annotations

from pathlib import Path

from app.cli import main as commands


def open_window(data_dir: Path | None, user: str | None = None) -> int:
    from app.ui.app import run_window  # Qt only when the window is wanted

    return run_window(data_dir, user=user)


def run(args: list[str] | None = None) -> None:
    commands.main(args=args, obj={"open_window": open_window})

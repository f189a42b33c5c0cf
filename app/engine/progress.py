"""How long work reports its progress: a callback taking the fraction done (0 to 1) and what
is being done, which the window shows in its status bar and the command line on stderr."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]


def part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A progress callback for one stage, mapped onto ``[start, end]`` of the whole, so that a
    run of several stages moves forward once from 0 to 1 instead of restarting at each."""
    if progress is None:
        return None
    return lambda fraction, message: progress(start + (end - start) * fraction, message)

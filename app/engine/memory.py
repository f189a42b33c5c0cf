"""Handing memory that the program freed back to the operating system."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's; other C libraries have none
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Give the free pages of the C heap back to the system (with glibc; elsewhere nothing to do).

    glibc keeps what was freed for later allocations: after a batch of claims (their texts,
    vectors, search answers) or an index re-clustered beside the old one, tens of megabytes stay
    resident, freed but scattered between live blocks, and each such peak raised resident memory
    for good. Trimming after each batch costs a few milliseconds.
    """
    if _TRIM is not None:
        _TRIM(0)

"""Files written whole or not at all.

A file is written under a temporary name beside its target, flushed to the disk, then
renamed over the target, and the folder is flushed so that the rename itself lasts: a
crash, a full disk or a cancel leaves either the old file or the new one, never half of
one, and two writers at once each have a temporary file of their own.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: Path, *, mode: int | None = 0o644) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``path`` for the caller to write (by name, as SQLite
    and Qt's PDF writer do); when the block ends without an error, put it in place of ``path``.

    ``mode`` is the finished file's permission (readable by others, as a saved file usually
    is); ``None`` keeps it private to the user. On any error the temporary file is removed
    and the error (an ``OSError`` for the disk's own) goes on to the caller.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        _fsync(temporary, os.O_RDWR)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    # The rename is durable once the folder is flushed; not every platform can open a folder.
    with contextlib.suppress(OSError):
        _fsync(path.parent, os.O_RDONLY)


def atomic_write(path: Path, data: bytes, *, mode: int | None = 0o644) -> None:
    """Write ``data`` to ``path`` whole or not at all (see :func:`replacing`)."""
    with replacing(path, mode=mode) as temporary:
        temporary.write_bytes(data)


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""Running long engine work in a child process, so that the window keeps its interpreter to itself.

Embedding and clustering in a thread hold the interpreter lock for tens of
milliseconds at a time (numpy calls, full garbage collections), and when the OS
deschedules that thread while it holds the lock, the window freezes for longer
still. A child process has an interpreter of its own: the window's thread only
waits on a pipe. The child runs at a lower priority, so the person's clicks get
the CPU first.

A job is a picklable callable ``job(pipeline, *, progress, cancel)`` (a module-level
function, or a ``functools.partial`` of one) returning a picklable result. The
child opens the data folder itself; its writes go through the same transactions
as in-process work, so a child that is killed loses nothing already committed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import AppError, Cancelled
from .progress import Progress

log = logging.getLogger(__name__)

Job = Callable[..., Any]

# A cancelled job stops at its next check, usually well within a second; one that
# does not (a long native call) is stopped hard after this.
CANCEL_GRACE_S = 5.0
# The child's progress messages are thinned to this interval: the window redraws no faster.
PROGRESS_INTERVAL_S = 0.05
CHILD_NICENESS = 5

_SPAWN = multiprocessing.get_context("spawn")  # a fork would copy the window's Qt state


def run_in_child(job: Job, data_dir: Path | str, *, progress: Progress | None = None,
                 cancel: threading.Event | None = None, log_file: Path | None = None) -> Any:
    """Run ``job`` on a fresh :class:`~app.engine.pipeline.Pipeline` of ``data_dir`` in a child process.

    Blocks the calling thread (never the GUI thread) until the child ends; progress is
    relayed as it arrives, and setting ``cancel`` asks the child to stop.

    Raises
    ------
    AppError
        What the job raised (an AppError keeps its class and plain message), or,
        when the child died without a word, a message saying so.
    Cancelled
        ``cancel`` was set.
    """
    receiver, sender = _SPAWN.Pipe(duplex=False)
    stop = _SPAWN.Event()
    child = _SPAWN.Process(target=_child_main, args=(job, str(data_dir), sender, stop, log_file),
                           name="narrative-radar-work", daemon=True)
    child.start()
    sender.close()  # the child holds the only writing end: its exit ends our reads
    try:
        return _follow(child, receiver, stop, progress, cancel)
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join(CANCEL_GRACE_S)


def _follow(child, receiver, stop, progress: Progress | None, cancel: threading.Event | None) -> Any:
    cancel_asked_at: float | None = None
    while True:
        if cancel_asked_at is None and cancel is not None and cancel.is_set():
            stop.set()
            cancel_asked_at = time.monotonic()
        if cancel_asked_at is not None and time.monotonic() - cancel_asked_at > CANCEL_GRACE_S:
            child.terminate()
            raise Cancelled("Stopped. Work already saved is kept.")
        if not receiver.poll(0.1):
            continue
        try:
            kind, payload = receiver.recv()
        except EOFError:
            child.join(CANCEL_GRACE_S)
            if cancel_asked_at is not None:
                raise Cancelled("Stopped. Work already saved is kept.") from None
            raise AppError(
                f"The background work stopped unexpectedly (exit code {child.exitcode}). "
                "Work saved before that is kept; try again, and see the log file if it happens again."
            ) from None
        if kind == "progress":
            if progress is not None:
                progress(*payload)
        elif kind == "done":
            return payload
        else:
            raise payload


def _child_main(job: Job, data_dir: str, sender, stop, log_file: Path | None) -> None:
    from .pipeline import Pipeline
    from .settings import load_settings
    from .store import Store

    _log_to(log_file)
    if hasattr(os, "nice"):
        os.nice(CHILD_NICENESS)
    last = 0.0

    def progress(fraction: float, message: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            last = now
            sender.send(("progress", (float(fraction), str(message))))

    try:
        store = Store.open(data_dir)
        try:
            result = job(Pipeline(store, load_settings(Path(data_dir))), progress=progress, cancel=stop)
        finally:
            store.close()
    except AppError as exc:
        _send(sender, ("failed", exc))
    except BaseException as exc:  # the child's entry point: the parent gets it, the log the traceback
        log.exception("background work failed")
        _send(sender, ("failed", exc))
    else:
        _send(sender, ("done", result))
    sender.close()


def _send(sender, message: tuple[str, Any]) -> None:
    try:
        payload = pickle.dumps(message)
        if message[0] == "failed":
            pickle.loads(payload)  # an exception may pickle yet not unpickle (other __init__ arguments)
    except Exception as exc:  # an unpicklable result or error still reaches the parent as words
        log.exception("could not send %s to the window", message[0])
        payload = pickle.dumps(("failed", RuntimeError(f"{type(message[1]).__name__}: {message[1]}; {exc}")))
    sender.send_bytes(payload)


def _log_to(log_file: Path | None) -> None:
    if log_file is None:
        return
    try:
        handler = logging.FileHandler(log_file, encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)

"""Background work for the window: engine calls in a thread, results as queued signals.

An :class:`EngineTask` runs one engine function off the GUI thread, passing it a
``progress`` callback and a ``cancel`` event, and reports through signals that Qt
delivers on the GUI thread. It never touches widgets. Engine writes go through a
pool of one thread (quick writes such as reviews, one at a time); long engine work that
runs in a child process waits on the engine pool's one thread, so a review is saved at
once even during a long fetch (the database serialises the two writers' transactions).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Qt, Signal, Slot

from app.engine.errors import AppError, Cancelled

log = logging.getLogger(__name__)


class TaskSignals(QObject):
    """The task's signals, always emitted on the GUI thread.

    The worker thread emits the private ``_``-signals; they reach this object (which
    lives on the GUI thread) through queued connections and are re-emitted there. So
    a caller that connects to ``done`` right after starting a task never misses it,
    however quickly the task ends: the re-emit waits for the event loop.
    """

    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(object)  # an AppError (plain words) or another exception
    cancelled = Signal()

    _progress = Signal(float, str)
    _done = Signal(object)
    _failed = Signal(object)
    _cancelled = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._progress.connect(self._relay_progress, Qt.QueuedConnection)
        self._done.connect(self._relay_done, Qt.QueuedConnection)
        self._failed.connect(self._relay_failed, Qt.QueuedConnection)
        self._cancelled.connect(self._relay_cancelled, Qt.QueuedConnection)

    @Slot(float, str)
    def _relay_progress(self, fraction: float, message: str) -> None:
        self.progress.emit(fraction, message)

    @Slot(object)
    def _relay_done(self, result: object) -> None:
        self.done.emit(result)

    @Slot(object)
    def _relay_failed(self, error: object) -> None:
        self.failed.emit(error)

    @Slot()
    def _relay_cancelled(self) -> None:
        self.cancelled.emit()


class EngineTask(QRunnable):
    """Runs ``work(progress=..., cancel=...)`` in a worker thread."""

    def __init__(self, title: str, work: Callable[..., Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.title = title
        self.work = work
        self.cancel_event = threading.Event()
        self.signals = TaskSignals()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; it reports ``cancelled``."""
        self.cancel_event.set()

    def run(self) -> None:
        try:
            result = self.work(progress=self.signals._progress.emit, cancel=self.cancel_event)
        except Cancelled:
            self.signals._cancelled.emit()
        except AppError as exc:
            self.signals._failed.emit(exc)
        except Exception as exc:  # the only place, with the entry points, that catches everything
            log.error("task %r failed:\n%s", self.title, traceback.format_exc())
            self.signals._failed.emit(exc)
        else:
            self.signals._done.emit(result)


class TaskRunner(QObject):
    """Starts tasks and keeps them alive until they finish; knows what is running."""

    started = Signal(object)   # EngineTask
    finished = Signal(object)  # EngineTask, whatever the outcome

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.writer_pool = QThreadPool(self)
        self.writer_pool.setMaxThreadCount(1)
        self.reader_pool = QThreadPool(self)
        self.reader_pool.setMaxThreadCount(2)
        self.engine_pool = QThreadPool(self)
        self.engine_pool.setMaxThreadCount(1)
        self.running: list[EngineTask] = []

    @property
    def pools(self) -> tuple[QThreadPool, ...]:
        return self.writer_pool, self.reader_pool, self.engine_pool

    def start(self, task: EngineTask, *, writes: bool = True, in_child: bool = False) -> EngineTask:
        """Queue a task: ``in_child`` work on the engine pool, else writes on the writer pool, reads on the readers'."""
        self.running.append(task)
        for signal in (task.signals.done, task.signals.failed, task.signals.cancelled):
            signal.connect(lambda *_, t=task: self._finish(t))
        pool = self.engine_pool if in_child else self.writer_pool if writes else self.reader_pool
        pool.start(task)
        self.started.emit(task)
        return task

    def _finish(self, task: EngineTask) -> None:
        if task in self.running:
            self.running.remove(task)
            self.finished.emit(task)

    def cancel_all(self, wait_ms: int = 3000) -> None:
        for task in list(self.running):
            task.cancel()
        for pool in self.pools:
            pool.waitForDone(wait_ms)

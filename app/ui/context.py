"""What every part of the window shares: the data folder, settings, stores and tasks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.engine.child_process import Job, run_in_child
from app.engine.paths import LOG_NAME
from app.engine.pipeline import Pipeline
from app.engine.settings import Settings, load_settings, reviewer_name, save_settings
from app.engine.store import Store

from .workers import EngineTask, TaskRunner


class AppContext(QObject):
    """One data folder opened by the window.

    ``store`` is for reads on the GUI thread (small pages, WAL never blocks them).
    ``pipeline`` owns the embedder and the index with its own connection, and is
    used by tasks off the GUI thread (searches, short writes). Long engine work
    (fetching, embedding, clustering) runs in a child process when ``isolate`` is
    true, as in the real window; tests that give ``pipeline`` a fake model set it false.
    ``user`` is the reviewer named on the command line (``--user``), if any.
    """

    data_changed = Signal()        # articles, claims or narratives changed: views re-read
    settings_changed = Signal(object)

    def __init__(self, data_dir: Path, parent: QObject | None = None, *, user: str | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.user = user
        self.settings: Settings = load_settings(self.data_dir)
        self.store = Store.open(self.data_dir)
        self.pipeline = Pipeline(Store.open(self.data_dir), self.settings)
        self.tasks = TaskRunner(self)
        self.isolate = True

    @property
    def reviewer(self) -> str:
        """The name this window's review actions are kept under in the audit trail."""
        return reviewer_name(self.settings, self.user)

    def run(self, title: str, work: Callable[..., Any], *, writes: bool = True) -> EngineTask:
        """Run ``work(progress=, cancel=)`` in the background; connect to the task's signals."""
        return self.tasks.start(EngineTask(title, work), writes=writes, in_child=isinstance(work, ChildWork))

    def engine_work(self, job: Job) -> Callable[..., Any]:
        """``job(pipeline, progress=, cancel=)`` as the work of a task (see :meth:`run`)."""
        if not self.isolate:
            return lambda progress, cancel: job(self.pipeline, progress=progress, cancel=cancel)
        return ChildWork(self, job)

    def update_settings(self, settings: Settings) -> None:
        save_settings(self.data_dir, settings)
        model_changed = (settings.model, settings.threads) != (self.settings.model, self.settings.threads)
        self.settings = settings
        self.pipeline.settings = settings
        if model_changed:
            self.pipeline = Pipeline(self.pipeline.store, settings)
        self.settings_changed.emit(settings)

    def close(self) -> None:
        self.tasks.cancel_all()
        self.pipeline.store.close()
        self.store.close()


class ChildWork:
    """A job run in a child process on the data folder of a context, as a task's work."""

    def __init__(self, context: AppContext, job: Job) -> None:
        self.context = context
        self.job = job

    def __call__(self, progress, cancel) -> Any:
        try:
            return run_in_child(self.job, self.context.data_dir, progress=progress, cancel=cancel,
                                log_file=self.context.data_dir / LOG_NAME)
        finally:
            # The child may have added vectors: searches here reload the index from its file.
            self.context.pipeline.forget_index()

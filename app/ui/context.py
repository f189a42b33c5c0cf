"""What every part of the window shares: the data folder, settings, stores and tasks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.engine.pipeline import Pipeline
from app.engine.settings import Settings, load_settings, save_settings
from app.engine.store import Store

from .workers import EngineTask, TaskRunner


class AppContext(QObject):
    """One data folder opened by the window.

    ``store`` is for reads on the GUI thread (small pages, WAL never blocks them).
    ``pipeline`` owns the embedder and the index with its own connection, and is
    used only by tasks on the one-thread writer pool, one task at a time.
    """

    data_changed = Signal()        # articles, claims or narratives changed: views re-read
    settings_changed = Signal(object)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.settings: Settings = load_settings(self.data_dir)
        self.store = Store.open(self.data_dir)
        self.pipeline = Pipeline(Store.open(self.data_dir), self.settings)
        self.tasks = TaskRunner(self)

    def run(self, title: str, work: Callable[..., Any], *, writes: bool = True) -> EngineTask:
        """Run ``work(progress=, cancel=)`` in the background; connect to the task's signals."""
        return self.tasks.start(EngineTask(title, work), writes=writes)

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

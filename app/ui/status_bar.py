"""The status bar: what runs in the background, how far it is, a Cancel button, the next fetch."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from .workers import EngineTask, TaskRunner

class TaskStatusBar(QStatusBar):
    """Follows a :class:`TaskRunner`: the oldest running task's progress, and Cancel for all.

    Progress arrives as queued signals; the bar only keeps the latest value and
    repaints at most every 50 ms, so a task reporting thousands of steps costs the
    GUI thread almost nothing.
    """

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.task_label = QLabel()
        self.task_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFixedWidth(160)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the work in progress; what is already done is kept.")
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.next_fetch_label = QLabel()
        self.next_fetch_label.setToolTip("Feeds are read in the background at the interval set in Settings.")
        self.addWidget(self.task_label, 1)
        self.addPermanentWidget(self.progress_bar)
        self.addPermanentWidget(self.cancel_button)
        self.addPermanentWidget(self.next_fetch_label)
        self._latest: dict[EngineTask, tuple[float, str]] = {}
        self._idle_message = "Ready."
        self._repaint = QTimer(self, singleShot=True, interval=50)
        self._repaint.timeout.connect(self._show_progress)
        runner.started.connect(self._on_runner_started)
        runner.finished.connect(self._on_runner_finished)
        self._set_busy(False)

    def show_store(self, location: str) -> None:
        """Name the newsroom store this window works on, for good, at the bar's right end."""
        label = QLabel(f"Newsroom store: {location}")
        label.setObjectName("storeLabel")
        label.setToolTip("Narratives, reviews and fact-checks are shared with everyone on this store; "
                         "the lists read it again every few seconds.")
        self.addPermanentWidget(label)

    def set_next_fetch(self, when: datetime | None, *, nothing_to_fetch: bool = False) -> None:
        """Show when the scheduled fetch runs next (None: fetching only on demand, or no feeds yet)."""
        if when is None:
            self.next_fetch_label.setText("No feeds to fetch" if nothing_to_fetch else "Automatic fetching off")
        else:
            same_day = when.date() == datetime.now().astimezone().date()
            stamp = when.strftime("%H:%M") if same_day else when.strftime("%a %d %b %H:%M")
            self.next_fetch_label.setText(f"Next fetch {stamp}")

    def _on_runner_started(self, task: EngineTask) -> None:
        self._latest[task] = (0.0, "starting")
        task.signals.progress.connect(lambda fraction, message, t=task: self._on_task_progress(t, fraction, message))
        self._set_busy(True)
        self._show_progress()

    def _on_task_progress(self, task: EngineTask, fraction: float, message: str) -> None:
        if task in self._latest:
            self._latest[task] = (fraction, message)
            if not self._repaint.isActive():
                self._repaint.start()

    def _on_runner_finished(self, task: EngineTask) -> None:
        self._latest.pop(task, None)
        if self._latest:
            self._show_progress()
        else:
            self._set_busy(False)

    def _show_progress(self) -> None:
        if not self._latest:
            return
        task, (fraction, message) = next(iter(self._latest.items()))
        others = len(self._latest) - 1
        text = f"{task.title}: {message}" if message else task.title
        if others:
            text += f"  (+{others} more waiting)"
        self.task_label.setText(text)
        self.progress_bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def _set_busy(self, busy: bool) -> None:
        self.progress_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.task_label.setText(self._idle_message)

    def _on_cancel_button_clicked(self) -> None:
        for task in list(self._latest):
            task.cancel()
        self.cancel_button.setEnabled(False)
        self.task_label.setText("Stopping…")

    def show_result(self, message: str) -> None:
        """Say how finished work went; shown while nothing else runs, until the next result."""
        self._idle_message = message
        if not self._latest:
            self.task_label.setText(message)

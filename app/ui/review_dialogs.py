"""Review helpers shared by the list and the detail view: running a review write as a
task, showing its failure in plain words, and the dialog that picks what to merge."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QRadioButton,
    QVBoxLayout, QWidget,
)

from app.engine.domain import NarrativeSummary
from app.engine.errors import AppError, ReviewConflict
from app.engine.store import narratives as narrative_store

from .error_presenter import ErrorPresenter, plain_message
from .workers import EngineTask

log = logging.getLogger(__name__)


def show_error(parent: QWidget, title: str, error: object, presenter: ErrorPresenter | None = None,
               doing: str = "saving the review") -> QMessageBox | None:
    """Tell the user a review action failed, in plain words (never a traceback).

    With the window's :class:`ErrorPresenter` the message goes there; otherwise a
    window-modal box opens without a nested event loop, so work goes on behind it.
    """
    if presenter is not None:
        presenter.present(error, doing, title=title)
        return None
    if not isinstance(error, AppError):
        log.error("%s failed: %r", title, error)
    text = plain_message(error, doing) if isinstance(error, BaseException) else str(error)
    box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, parent)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModal)
    box.open()
    return box


class _Callbacks(QObject):
    """A task's callbacks, owned by the widget that started it: when that widget is
    gone (the window closed while the write finished), Qt drops the connections
    instead of calling into a deleted widget."""

    def __init__(self, parent: QWidget, done: Callable[[Any], None], failed: Callable[[object], None]) -> None:
        super().__init__(parent)
        self._done, self._failed = done, failed

    @Slot(object)
    def on_done(self, result: Any) -> None:
        self.deleteLater()
        self._done(result)

    @Slot(object)
    def on_failed(self, error: object) -> None:
        self.deleteLater()
        self._failed(error)


def run_review(context, parent: QWidget, title: str, work: Callable[[Any], Any],
               on_done: Callable[[Any], None] | None = None, *,
               presenter: ErrorPresenter | None = None,
               on_failed: Callable[[object], None] | None = None) -> EngineTask:
    """Run ``work(store)`` on the writer thread with the pipeline's store, then tell every
    view that data changed. Reviews are short transactions: one is saved while a long
    fetch runs in its child process, between the fetch's own transactions.

    Returns the task; it is already running, so wait for its end through
    ``context.tasks`` (``finished``) rather than connecting to its signals late.
    ``on_failed`` gets the error before it is shown.
    """
    def job(progress=None, cancel=None):
        return work(context.pipeline.store)

    def done(result: Any) -> None:
        if on_done is not None:
            on_done(result)
        context.data_changed.emit()

    def failed(error: object) -> None:
        if on_failed is not None:
            on_failed(error)
        show_error(parent, f"{title} failed", error, presenter, doing=title[:1].lower() + title[1:])
        if isinstance(error, ReviewConflict):
            context.data_changed.emit()  # another reviewer's change came first: every view shows it

    # Connect before starting: a quick task can finish before a later connect() would run.
    task = EngineTask(title, job)
    callbacks = _Callbacks(parent, done, failed)
    task.signals.done.connect(callbacks.on_done)
    task.signals.failed.connect(callbacks.on_failed)
    task.signals.cancelled.connect(callbacks.deleteLater)
    return context.tasks.start(task, writes=True)


def short(label: str, limit: int = 70) -> str:
    label = " ".join(label.split())
    return label if len(label) <= limit else label[:limit - 1] + "…"


class MergeDialog(QDialog):
    """Pick the narrative to merge with the current one, and which of the two to keep.

    The kept narrative takes every claim of the other, which then leaves the list.
    """

    def __init__(self, store, current: NarrativeSummary, other: NarrativeSummary | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge narratives")
        self.setMinimumWidth(520)
        self._store = store
        self._current = current
        self._other: NarrativeSummary | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(f"Merge <b>#{current.id}</b> “{short(current.label)}” with:")
        intro.setTextFormat(Qt.RichText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.search = QLineEdit(placeholderText="Type a narrative number (#42) or words of its label")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self.results = QListWidget()
        self.results.setMinimumHeight(160)
        self.results.setTextElideMode(Qt.ElideRight)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(self.results)
        self.keep_current = QRadioButton()
        self.keep_other = QRadioButton()
        self.keep_current.setChecked(True)
        layout.addWidget(QLabel("Keep:"))
        layout.addWidget(self.keep_current)
        layout.addWidget(self.keep_other)
        note = QLabel("The other narrative's claims move into the one kept. Undo (Ctrl+Z) takes it back.")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Merge")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._search)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.results.currentItemChanged.connect(self._on_results_current_changed)
        if other is not None:
            self._show([other])
            self.results.setCurrentRow(0)
        else:
            self._search()
        self._update()

    def _pair(self) -> tuple[NarrativeSummary, NarrativeSummary] | None:
        """The narrative to keep and the one merged into it, as shown, once chosen."""
        if self._other is None:
            return None
        return (self._current, self._other) if self.keep_current.isChecked() else (self._other, self._current)

    def keep_id(self) -> int | None:
        pair = self._pair()
        return pair[0].id if pair else None

    def other_id(self) -> int | None:
        pair = self._pair()
        return pair[1].id if pair else None

    def versions(self) -> tuple[int, int] | None:
        """The versions shown of the narrative kept and of the other (a merge on older ones is refused)."""
        pair = self._pair()
        return (pair[0].version, pair[1].version) if pair else None

    def _search(self) -> None:
        try:
            found = narrative_store.find_narratives(self._store.db, self.search.text(), exclude=self._current.id)
        except AppError as exc:
            found = []
            show_error(self, "Merge narratives", exc)
        self._show(found)

    def _show(self, summaries: list[NarrativeSummary]) -> None:
        self.results.clear()
        for s in summaries:
            item = QListWidgetItem(f"#{s.id} · {s.size} claims, {s.sources} sources · {short(s.label, 200)}")
            item.setData(Qt.UserRole, s)
            item.setToolTip(s.label)
            self.results.addItem(item)

    def _on_results_current_changed(self, item: QListWidgetItem | None, _previous=None) -> None:
        self._other = item.data(Qt.UserRole) if item is not None else None
        self._update()

    def _update(self) -> None:
        c = self._current
        self.keep_current.setText(f"#{c.id} “{short(c.label, 50)}” ({c.size} claims)")
        if self._other is None:
            self.keep_other.setText("the narrative chosen above")
        else:
            o = self._other
            self.keep_other.setText(f"#{o.id} “{short(o.label, 50)}” ({o.size} claims)")
        self.keep_other.setEnabled(self._other is not None)
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(self._other is not None)

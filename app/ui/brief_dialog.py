"""The "Export brief…" dialog: format, file, title and author for the narratives selected in the list.

The export runs as a background task (reads only) with progress and cancel; when it
is done the brief opens in the system's viewer. Errors (an unwritable folder, say)
are shown in the dialog, which stays open so the person can fix the path.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from app.engine.briefs.export import BriefFilter, BriefResult
from app.engine.errors import AppError
from app.engine.store import Store
from app.render.brief_export import export_brief

from .context import AppContext
from .error_presenter import plain_message

log = logging.getLogger(__name__)

FORMATS = [  # (format, label, suffix, file dialog filter)
    ("pdf", "PDF document", ".pdf", "PDF (*.pdf)"),
    ("html", "Web page (HTML, self-contained)", ".html", "HTML (*.html *.htm)"),
    ("md", "Markdown (charts beside it)", ".md", "Markdown (*.md)"),
    ("csv", "Spreadsheet (CSV, one row per claim)", ".csv", "CSV (*.csv)"),
    ("json", "JSON (narrative JSON with a cover)", ".json", "JSON (*.json)"),
]
SETTINGS_FOLDER = "brief/folder"
SETTINGS_AUTHOR = "brief/author"
SETTINGS_FORMAT = "brief/format"


def export_selected(data_dir: Path, narrative_ids: Sequence[int], path: Path, fmt: str, *, title: str, author: str,
                    suggestions: bool = False, progress=None, cancel=None) -> BriefResult:
    """Write a brief of these narratives (runs in a worker thread, on its own Store).

    Raises
    ------
    AppError
        Nothing to export, or the file cannot be written.
    Cancelled
        ``cancel`` was set.
    """
    store = Store.open(data_dir)
    try:
        return export_brief(store, BriefFilter(ids=tuple(narrative_ids)), path, fmt, title=title, author=author,
                            suggestions=suggestions, progress=progress, cancel=cancel)
    finally:
        store.close()


def open_file(path: Path) -> bool:
    """Open a written brief in the system's viewer (tests replace this)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class BriefDialog(QDialog):
    """Export the selected narratives as a brief."""

    brief_written = Signal(object)  # BriefResult

    def __init__(self, context: AppContext, narrative_ids: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export brief")
        self.setMinimumWidth(520)
        self.context = context
        self.narrative_ids = tuple(dict.fromkeys(int(i) for i in narrative_ids))
        self.task = None
        self.result: BriefResult | None = None
        settings = QSettings()

        count = len(self.narrative_ids)
        self.summary = QLabel(f"{count} selected narrative{'s' if count != 1 else ''} will be in the brief."
                              if count else "Select one or more narratives in the list first.")
        self.format_box = QComboBox()
        for fmt, label, _suffix, _filter in FORMATS:
            self.format_box.addItem(label, fmt)
        remembered = settings.value(SETTINGS_FORMAT, "pdf")
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(remembered)))
        folder = Path(str(settings.value(SETTINGS_FOLDER, "") or Path.home()))
        self.path_edit = QLineEdit(str(folder / f"narrative-brief-{date.today().isoformat()}{self._suffix()}"))
        self.path_edit.setClearButtonEnabled(True)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._on_choose_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(choose)
        self.title_edit = QLineEdit("Narrative brief")
        self.author_edit = QLineEdit(str(settings.value(SETTINGS_AUTHOR, "") or ""))
        self.author_edit.setPlaceholderText("Your name or desk (shown on the cover)")
        self.suggestions_check = QCheckBox("Also list suggested fact-checks (matches that do not flag; "
                                           "marked as suggestions)")
        self.open_check = QCheckBox("Open the brief when it is written")
        self.open_check.setChecked(True)

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("File", path_row)
        form.addRow("Title", self.title_edit)
        form.addRow("Prepared by", self.author_edit)
        form.addRow("", self.suggestions_check)
        form.addRow("", self.open_check)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.export_button.setEnabled(bool(self.narrative_ids))
        self.buttons.accepted.connect(self._on_export_clicked)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)

    # --- choices ---

    def fmt(self) -> str:
        return self.format_box.currentData()

    def _suffix(self) -> str:
        return next(s for f, _l, s, _x in FORMATS if f == self.format_box.currentData())

    def _on_format_changed(self, _index: int) -> None:
        # Keep the file name's extension in step with the format.
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(self._suffix())))

    def _on_choose_clicked(self) -> None:
        filters = next(x for f, _l, _s, x in FORMATS if f == self.fmt())
        chosen, _ = QFileDialog.getSaveFileName(self, "Save brief as", self.path_edit.text(), filters)
        if chosen:
            path = Path(chosen)
            self.path_edit.setText(str(path if path.suffix else path.with_suffix(self._suffix())))

    # --- running ---

    def _on_export_clicked(self) -> None:
        if self.task is not None:
            return
        text = self.path_edit.text().strip()
        if not text:
            self.status.setText("Choose where to save the brief.")
            return
        path = Path(text).expanduser()
        fmt, title, author = self.fmt(), self.title_edit.text(), self.author_edit.text()
        suggestions = self.suggestions_check.isChecked()
        settings = QSettings()
        settings.setValue(SETTINGS_FOLDER, str(path.parent))
        settings.setValue(SETTINGS_AUTHOR, author)
        settings.setValue(SETTINGS_FORMAT, fmt)
        ids, data_dir = self.narrative_ids, self.context.data_dir

        def work(progress, cancel):
            return export_selected(data_dir, ids, path, fmt, title=title, author=author, suggestions=suggestions,
                                   progress=progress, cancel=cancel)

        self._set_running(True)
        self.status.setText("Exporting…")
        self.task = self.context.run("Exporting a brief", work, writes=False)
        self.task.signals.progress.connect(self._on_task_progress)
        self.task.signals.done.connect(self._on_task_done)
        self.task.signals.failed.connect(self._on_task_failed)
        self.task.signals.cancelled.connect(self._on_task_cancelled)

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress.setValue(0)
        self.export_button.setEnabled(not running and bool(self.narrative_ids))
        for widget in (self.format_box, self.path_edit, self.title_edit, self.author_edit, self.suggestions_check):
            widget.setEnabled(not running)

    def _on_task_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.status.setText(message[:1].upper() + message[1:] + "…")

    def _on_task_done(self, result: BriefResult) -> None:
        self.task = None
        self.result = result
        self._set_running(False)
        extra = (f" Every claim is in {result.claims_csv.name} beside it."
                 if result.summarised and result.claims_csv and result.claims_csv != result.path else "")
        self.status.setText(f"Wrote {result.path}.{extra}")
        self.brief_written.emit(result)
        if self.open_check.isChecked() and not open_file(result.path):
            log.info("no viewer opened %s", result.path)
        self.accept()

    def _on_task_failed(self, error: BaseException) -> None:
        self.task = None
        self._set_running(False)
        if not isinstance(error, AppError):
            log.error("brief export failed", exc_info=(type(error), error, error.__traceback__))
        self.status.setText(plain_message(error, "exporting the brief"))

    def _on_task_cancelled(self) -> None:
        self.task = None
        self._set_running(False)
        self.status.setText("Export cancelled; nothing was written.")

    def reject(self) -> None:
        """Cancel closes the dialog, after asking a running export to stop."""
        if self.task is not None:
            self.task.cancel()
        super().reject()


def open_brief_dialog(parent: QWidget | None, context: AppContext, narrative_ids: Sequence[int]) -> BriefDialog:
    """Open the dialog (window-modal, without a nested event loop) for these narratives; return it.

    Examples
    --------
    >>> dialog = open_brief_dialog(window, window.context, window.narratives.selected_ids())
    """
    dialog = BriefDialog(context, narrative_ids, parent)
    dialog.open()
    return dialog

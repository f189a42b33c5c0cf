"""The fact-check library: import files, search and list what is known, match every claim again.

Import and matching run as background tasks (``app.engine.factchecks.updates``, in a child process
like the window's other long work) with progress and cancel; the list
reads the library on the GUI thread, a page at a time. Problems of an import (a
malformed item, a CSV row without a claim) are listed with their file and line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QProgressBar,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.engine.domain import site_host
from app.engine.factchecks.values import VERDICTS
from app.engine.domain import FactCheck
from app.engine.factchecks.library import list_factchecks
from app.engine.store.factchecks import count_factchecks

from .context import AppContext
from .error_presenter import plain_message
from app.engine.factchecks.updates import LibraryUpdate, import_and_match, rematch, remove

log = logging.getLogger(__name__)


PAGE = 300
FILE_FILTER = ("Fact-checks (*.json *.jsonld *.jsonl *.ndjson *.csv *.tsv *.html *.htm);;"
               "JSON and JSON-LD (*.json *.jsonld *.jsonl *.ndjson);;CSV (*.csv *.tsv);;Web pages (*.html *.htm);;"
               "All files (*)")
SETTINGS_FOLDER = "factchecks/folder"
COLUMNS = ("Rating", "Verdict", "Publisher", "Date", "Lang", "Claim", "Link")
COLUMN_TIPS = {
    "Rating": "The rating in the publisher's own words",
    "Verdict": "The rating sorted into one of the library's verdicts (false, misleading, mixed, true, unproven, other)",
    "Link": "The fact-check's web page: double-click a row to open it",
}
URL_ROLE = Qt.ItemDataRole.UserRole + 1
LINK_WIDTH = 180  # the host fits; the full address is in the tooltip


def link_text(url: str) -> str:
    """The host of a fact-check's address (without ``www.``), for a narrow column."""
    return site_host(url) or url


def verdict_text(verdict: str) -> str:
    """The verdict capitalised: always shown, since a blank cell reads as "no verdict" even
    where the rating says the same ("False", verdict false)."""
    return verdict[:1].upper() + verdict[1:]


def describe_update(update: LibraryUpdate) -> str:
    """The outcome in plain words, for the status line."""
    parts = []
    if update.imported is not None:
        parts.append(update.imported.summary())
    if update.matched is not None:
        parts.append(f"{update.matched.claims_checked} claims matched; {update.matched.flagging} matches flag "
                     f"their narrative.")
    return " ".join(parts) or "Done."


# --------------------------------------------------------------------------- the dialog


class FactChecksDialog(QDialog):
    """The library of known fact-checks."""

    library_changed = Signal()  # fact-checks or matches changed: narratives' flags may have too

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fact-check library")
        self.resize(960, 600)
        self.context = context
        self.task = None
        self._after: int | None = None  # keyset of the next page

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search claims and titles")
        self.search_edit.setClearButtonEnabled(True)
        self.verdict_box = QComboBox()
        self.verdict_box.addItem("Any verdict", None)
        for verdict in VERDICTS:
            self.verdict_box.addItem(verdict.capitalize(), verdict)
        self.import_button = QPushButton("Import…")
        self.import_button.setToolTip("ClaimReview JSON-LD, JSON, JSON Lines, CSV, or web pages with ClaimReview")
        self.match_button = QPushButton("Match all claims again")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(self.verdict_box)
        top.addWidget(self.import_button)
        top.addWidget(self.match_button)
        top.addWidget(self.remove_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        for column, name in enumerate(COLUMNS):
            if name in COLUMN_TIPS:
                self.table.horizontalHeaderItem(column).setToolTip(COLUMN_TIPS[name])
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("Claim"), QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(COLUMNS.index("Link"), QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COLUMNS.index("Link"), LINK_WIDTH)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # a claim reads from its start; whole in its tooltip
        self.more_button = QPushButton("Show more")
        self.more_button.setVisible(False)
        self.count_label = QLabel("")

        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(120)
        self.problems.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.stop_button = self.buttons.addButton("Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.stop_button.setVisible(False)
        self.buttons.rejected.connect(self.reject)

        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.problems)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.search_edit.textChanged.connect(self._on_search_edit_text_changed)
        self.verdict_box.currentIndexChanged.connect(self._on_verdict_box_changed)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.match_button.clicked.connect(self._on_match_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.more_button.clicked.connect(self._on_more_button_clicked)
        self.stop_button.clicked.connect(self._on_stop_button_clicked)
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
        self.reload()

    # --- the list ---

    def reload(self) -> None:
        """Read the first page again (after a filter or a change)."""
        self.table.setRowCount(0)
        self._after = None
        self._load_page()
        total = count_factchecks(self.context.store.db)
        self.count_label.setText(f"{total} fact-check{'s' if total != 1 else ''} in the library"
                                 if total else "The library is empty: import a file of fact-checks.")

    def _load_page(self) -> None:
        rows = list_factchecks(self.context.store.db, search=self.search_edit.text().strip() or None,
                               verdict=self.verdict_box.currentData(), after=self._after, limit=PAGE + 1)
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        start = self.table.rowCount()
        self.table.setRowCount(start + len(rows))
        for offset, fc in enumerate(rows):
            self._fill_row(start + offset, fc)
        self._after = rows[-1].id if rows else self._after
        self.more_button.setVisible(more)

    def _fill_row(self, row: int, fc: FactCheck) -> None:
        rating = fc.rating or "unknown"
        url = fc.url or ""
        values = (rating, verdict_text(fc.verdict or ""), fc.publisher or "", fc.review_date or "",
                  fc.language or "", fc.claim, link_text(url) if url else "")
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setData(Qt.ItemDataRole.UserRole, fc.id)
            if column == COLUMNS.index("Claim"):
                item.setToolTip(fc.claim if not fc.title else f"{fc.claim}\n\n{fc.title}")
            elif column == COLUMNS.index("Link") and url:
                item.setData(URL_ROLE, url)
                item.setToolTip(f"{url}\n(double-click to open)")
            self.table.setItem(row, column, item)

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) for row in rows]

    def _on_search_edit_text_changed(self, _text: str) -> None:
        self.reload()

    def _on_verdict_box_changed(self, _index: int) -> None:
        self.reload()

    def _on_more_button_clicked(self) -> None:
        self._load_page()

    def _on_table_selection_changed(self) -> None:
        self.remove_button.setEnabled(self.task is None and bool(self.selected_ids()))

    def _on_table_cell_double_clicked(self, row: int, _column: int) -> None:
        url = self.table.item(row, COLUMNS.index("Link")).data(URL_ROLE) or ""
        if url.startswith(("http://", "https://")):
            QDesktopServices.openUrl(QUrl(url))

    # --- actions ---

    def _on_import_button_clicked(self) -> None:
        settings = QSettings()
        folder = str(settings.value(SETTINGS_FOLDER, "") or Path.home())
        chosen, _ = QFileDialog.getOpenFileNames(self, "Import fact-checks", folder, FILE_FILTER)
        if chosen:
            settings.setValue(SETTINGS_FOLDER, str(Path(chosen[0]).parent))
            self.import_files([Path(p) for p in chosen])

    def import_files(self, paths: Sequence[Path]):
        """Import files in the background, then match the claims they concern; return the task."""
        paths = list(paths)
        return self._start("Importing fact-checks",
                           self.context.engine_work(partial(import_and_match, paths=paths)))

    def _on_match_button_clicked(self) -> None:
        self.match_all()

    def match_all(self):
        """Match every claim against the library again, in the background; return the task."""
        return self._start("Matching claims with fact-checks",
                           self.context.engine_work(rematch))

    def _on_remove_button_clicked(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        answer = QMessageBox.question(self, "Remove fact-checks",
                                      f"Remove {len(ids)} fact-check{'s' if len(ids) != 1 else ''} from the library? "
                                      "Their matches go too, and so do the flags they raised.")
        if answer == QMessageBox.StandardButton.Yes:
            self.remove_ids(ids)

    def remove_ids(self, ids: Sequence[int]):
        """Remove fact-checks in the background; return the task."""
        ids = list(ids)
        return self._start("Removing fact-checks",
                           self.context.engine_work(partial(remove, ids=ids)))

    def _on_stop_button_clicked(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Stopping…")

    # --- tasks ---

    def _start(self, title: str, work):
        if self.task is not None:
            return None
        self.problems.clear()
        self.problems.setVisible(False)
        self._set_running(True)
        self.status.setText(f"{title}…")
        self.task = self.context.run(title, work, writes=True)
        self.task.signals.progress.connect(self._on_task_progress)
        self.task.signals.done.connect(self._on_task_done)
        self.task.signals.failed.connect(self._on_task_failed)
        self.task.signals.cancelled.connect(self._on_task_cancelled)
        return self.task

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress.setValue(0)
        self.stop_button.setVisible(running)
        for widget in (self.import_button, self.match_button):
            widget.setEnabled(not running)
        self.remove_button.setEnabled(not running and bool(self.selected_ids()))

    def _finish(self) -> None:
        self.task = None
        self._set_running(False)
        self.reload()
        self.library_changed.emit()
        self.context.data_changed.emit()

    def _on_task_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.status.setText(message[:1].upper() + message[1:] + "…")

    def _on_task_done(self, update: LibraryUpdate) -> None:
        self._finish()
        self.status.setText(describe_update(update))
        report = update.imported
        if report is not None and (report.errors or report.warnings):
            lines = [f"error: {p}" for p in report.errors] + [f"warning: {p}" for p in report.warnings[:200]]
            self.problems.setPlainText("\n".join(lines))
            self.problems.setVisible(True)

    def _on_task_failed(self, error: BaseException) -> None:
        self._finish()
        self.status.setText(plain_message(error, "working on the fact-check library"))

    def _on_task_cancelled(self) -> None:
        self._finish()
        self.status.setText("Stopped. What was imported or matched so far is kept.")

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
        super().reject()

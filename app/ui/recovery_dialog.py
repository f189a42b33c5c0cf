"""A damaged database, the backup of review work and a read-only folder, at the window.

The engine does the work (``app.engine.store``); here are the questions, the
answers in plain words, and the window's read-only state.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QWidget

from app.engine.errors import AppError
from app.engine.store import RecoveryReport, recover_database

if TYPE_CHECKING:
    from .main_window import MainWindow

BACKUP_FILTER = "Reviews backups (reviews-*.db);;All files (*)"
# What a read-only folder cannot do; reviews fail on their own with a plain message.
WRITING_ACTIONS = ("fetch_all", "fetch_selected", "add_feed", "import_opml", "load_demo", "reindex", "recluster",
                   "remove_feeds", "edit_tags", "mark_read", "restore_reviews", "backup_reviews", "recover_database")


def ask_to_recover(parent: QWidget | None, folder: Path, error: AppError) -> bool:
    """Whether to recover the damaged database of ``folder`` now. Tests replace this function."""
    box = QMessageBox(QMessageBox.Icon.Critical, "The database is damaged", str(error), parent=parent)
    box.setInformativeText(f"Recover it now? The damaged file is kept in {folder / 'damaged'}; what can still "
                           "be read goes into a new database, and the reviews backup puts back review work.")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(recover)
    box.exec()
    return box.clickedButton() is recover


def recover_folder(parent: QWidget | None, folder: Path) -> RecoveryReport | None:
    """Recover ``folder``'s database (every store of it closed) and say what was kept; None if it failed."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        report = recover_database(folder)
    except AppError as exc:
        QMessageBox.critical(parent, "Recovery failed", str(exc))
        return None
    finally:
        QGuiApplication.restoreOverrideCursor()
    QMessageBox.information(parent, "Database recovered", describe_recovery(report))
    return report


def describe_recovery(report: RecoveryReport) -> str:
    kept = sum(report.kept.values())
    text = f"{kept:,} rows were kept; the damaged file is in {report.damaged_copy}."
    if report.unreadable:
        text += f" Parts of these could not be read: {', '.join(report.unreadable)}."
    if report.restored is not None:
        r = report.restored
        text += (f" From the reviews backup: {r.narratives} narratives, {r.decisions} fact-check decisions and "
                 f"{r.audit_entries} audit entries put back.")
    return text + " The vector index is rebuilt at the next fetch or search."


def recover_from_window(window: MainWindow) -> None:
    """File > Recover database: close the folder, recover it, and open it again in a new window."""
    folder = window.context.data_dir
    answer = QMessageBox.question(
        window, "Recover the database",
        "Rebuild the database from what can be read? Running work is stopped; the current file is kept in "
        f"{folder / 'damaged'}.")
    if answer != QMessageBox.StandardButton.Yes:
        return
    window.context.blockSignals(True)
    window.context.close()
    recover_folder(window, folder)
    window.reopen_requested.emit(folder)


def backup_from_window(window: MainWindow) -> None:
    try:
        path = window.context.store.backup_reviews()
    except AppError as exc:
        window.presenter.present(exc, "backing up the reviews")
        return
    window.status.show_result(f"Reviews backed up to {path}.")


def restore_from_window(window: MainWindow) -> None:
    """File > Restore reviews: put back review work from a backup file the database lacks."""
    start = str(window.context.data_dir / "backups")
    path, _ = QFileDialog.getOpenFileName(window, "Restore reviews from", start, BACKUP_FILTER)
    if not path:
        return
    try:
        report = window.context.store.restore_reviews(Path(path))
    except AppError as exc:
        window.presenter.present(exc, "restoring the reviews")
        return
    window.context.data_changed.emit()
    window.status.show_result(f"Put back {report.narratives} narratives, {report.decisions} fact-check decisions "
                              f"and {report.audit_entries} audit entries.")


def show_read_only(window: MainWindow) -> None:
    """A folder that cannot be written is browsed and exported: what would write is turned off, and said so."""
    for name in WRITING_ACTIONS:
        window.actions_by_name[name].setEnabled(False)
    label = QLabel("Read-only folder: browse and export only")
    label.setObjectName("readOnlyLabel")
    label.setToolTip(f"{window.context.data_dir} cannot be written. Copy it to a folder you can write to "
                     "to fetch or review.")
    window.status.addPermanentWidget(label)

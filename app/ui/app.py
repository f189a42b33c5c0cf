"""Starting the window: the QApplication, the data folder, the log file, reopening on another folder."""

from __future__ import annotations

import gc
import logging
import logging.handlers
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.engine.errors import AppError, DatabaseDamagedError
from app.engine.paths import APP_NAME, LOG_NAME, default_data_dir

from .context import AppContext
from .error_presenter import plain_message
from .main_window import MainWindow
from .recovery_dialog import ask_to_recover, recover_folder

log = logging.getLogger(__name__)

_windows: list[MainWindow] = []  # open windows, kept alive here


def configure_application(app: QCoreApplication) -> None:
    """Names under which QSettings keeps the window state (per user)."""
    app.setOrganizationName("NarrativeRadar")
    app.setOrganizationDomain("narrative-radar.invalid")
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Narrative Radar")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (the existing one, if any). The style follows the system's light or dark scheme."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    configure_application(app)
    return app


def remembered_data_dir() -> Path | None:
    """The data folder last chosen in Settings, if any."""
    value = QSettings().value("dataDir")
    return Path(value) if value else None


def _log_to_file(data_dir: Path) -> None:
    """Tracebacks go to a file in the data folder; the person sees plain words."""
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(data_dir / LOG_NAME, maxBytes=1_000_000, backupCount=2,
                                                       encoding="utf-8")
    except OSError as exc:
        log.warning("no log file in %s: %s", data_dir, exc)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    if root.getEffectiveLevel() > logging.INFO:
        # The file gets INFO; the console keeps what the command line asked for (-v or not).
        for existing in root.handlers:
            if existing.level == logging.NOTSET:
                existing.setLevel(root.getEffectiveLevel())
        root.setLevel(logging.INFO)
    root.addHandler(handler)


def settle_heap() -> None:
    """Hide what was loaded at start (Qt, numpy, the engine, the window) from the cyclic collector.

    A full collection holds the GIL wherever it runs; in the worker it stalls the
    window for as long as it scans. Frozen, the start-up objects are skipped, so
    each full collection scans only what the work itself allocated: gen-2 pauses
    measured 29-46 ms before, 16-21 ms after (2,000 articles; bench/gui_stall.py).
    """
    gc.collect()
    gc.freeze()


def open_window(data_dir: Path, *, schedule: bool = True, user: str | None = None) -> MainWindow:
    """Open the window on a data folder (created if missing), for reviewer ``user`` if named.

    Raises
    ------
    AppError
        The folder's database or settings file cannot be opened (StoreError, ImportFileError).
    """
    context = AppContext(Path(data_dir), user=user)
    window = MainWindow(context, schedule=schedule)
    window.reopen_requested.connect(lambda folder, w=window: _reopen(w, folder))
    window.destroyed.connect(lambda _=None, w=window: _windows.remove(w) if w in _windows else None)
    _windows.append(window)
    return window


def open_or_recover(folder: Path, parent: QWidget | None = None, user: str | None = None) -> MainWindow:
    """Open the window on ``folder``; a damaged database is offered recovery first.

    Raises
    ------
    AppError
        As :func:`open_window`, and a damaged database the person chose not to recover.
    """
    try:
        return open_window(folder, user=user)
    except DatabaseDamagedError as exc:
        if not ask_to_recover(parent, folder, exc) or recover_folder(parent, folder) is None:
            raise
    return open_window(folder, user=user)


def _reopen(window: MainWindow, folder: Path) -> None:
    try:
        new = open_or_recover(folder, window, window.context.user)
    except (AppError, OSError) as exc:
        window.presenter.present(exc, f"opening {folder}")
        return
    QSettings().setValue("dataDir", str(folder))
    new.show()
    window.close()
    window.deleteLater()


def run_window(data_dir: Path | None = None, *, user: str | None = None) -> int:
    """Run the window until it is closed; return the exit code.

    ``data_dir`` None means the folder last chosen in Settings, else
    ``NARRATIVE_RADAR_DATA_DIR``, else the per-user data folder. ``user`` names the
    reviewer (``--user``) over the environment and the settings.
    """
    app = create_application()
    folder = Path(data_dir).expanduser() if data_dir else (remembered_data_dir() or default_data_dir())
    _log_to_file(folder)
    try:
        window = open_or_recover(folder, user=user)
    except (AppError, OSError) as exc:  # OSError: the folder cannot even be created
        QMessageBox.critical(None, "Narrative Radar cannot start", plain_message(exc, f"opening {folder}"))
        return 1
    window.show()
    settle_heap()
    return app.exec()

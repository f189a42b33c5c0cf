"""One place that turns failures into plain words for the person at the window.

Every task's ``failed`` signal ends here (as napari routes its workers' errors).
An :class:`~app.engine.errors.AppError` already carries a message written for
people; anything else is a bug, so the traceback goes to the log and the person
gets a sentence saying what was being done and that nothing else was lost.
Per-feed fetch errors never come here: they are stored on the feed and shown on it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.engine.errors import AppError, Cancelled

log = logging.getLogger(__name__)


def plain_message(error: BaseException, doing: str) -> str:
    """Return what to tell a person about ``error``, which happened while ``doing``.

    Examples
    --------
    >>> plain_message(MemoryError(), "embedding claims")
    'The computer ran out of memory while embedding claims. Close other programs and try again.'
    """
    if isinstance(error, AppError):
        return str(error) or f"{doing.capitalize()} did not work."
    if isinstance(error, MemoryError):
        return f"The computer ran out of memory while {doing}. Close other programs and try again."
    if isinstance(error, OSError):
        where = f" ({error.filename})" if getattr(error, "filename", None) else ""
        return f"A file could not be used while {doing}{where}: {error.strerror or error}."
    return (f"Something unexpected went wrong while {doing}. What was saved before stays saved; "
            "the details were written to the log file in the data folder.")


class ErrorPresenter(QObject):
    """Shows failures as message boxes over the window, one box per distinct message.

    Boxes are window-modal but opened without a nested event loop, so background
    work and tests keep running while a box is up.
    """

    presented = Signal(str, str)  # title, message

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._open: dict[str, QMessageBox] = {}
        self.last_message: str | None = None

    def present(self, error: BaseException, doing: str, *, title: str | None = None) -> None:
        """Tell the person that ``doing`` failed with ``error`` (a cancel is not a failure)."""
        if isinstance(error, Cancelled):
            return
        if not isinstance(error, AppError):
            log.error("%s failed", doing, exc_info=(type(error), error, error.__traceback__))
        self.show_message(title or f"{doing.capitalize()} failed", plain_message(error, doing))

    def show_message(self, title: str, message: str, *, icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        """Open a message box unless the same message is already on screen."""
        self.last_message = message
        self.presented.emit(title, message)
        if message in self._open:
            self._open[message].raise_()
            return
        box = QMessageBox(icon, title, message, QMessageBox.StandardButton.Ok, self._window)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0, m=message: self._open.pop(m, None))
        self._open[message] = box
        box.open()

    def open_boxes(self) -> list[QMessageBox]:
        """The message boxes now on screen (tests read and close them)."""
        return list(self._open.values())

"""Errors raised by the engine.

Every error the engine raises on purpose derives from :class:`AppError`, whose
message is written for the person using the app (plain words, no traceback).
Entry points (the window, the command line) catch ``AppError`` and show it.

    AppError
    ├── ReviewError        a review action that cannot be done
    │   └── ReviewConflict another reviewer changed the narrative first
    ├── FeedError          a feed could not be fetched (network, HTTP, size)
    │   └── FeedParseError the bytes are not a feed we can read
    ├── StoreError         the database is locked, full, or unreadable
    │   └── DatabaseDamagedError  the file is damaged: recover it
    ├── ModelError         the embedding model cannot be loaded or used
    ├── VectorIndexError   the FAISS index cannot be built, loaded or saved
    ├── ImportFileError    a user file (OPML, fact-checks) is malformed
    └── Cancelled          the user cancelled long work
"""

from __future__ import annotations


def _rebuild(cls: type, args: tuple, state: dict) -> "AppError":
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class AppError(Exception):
    """Base of all errors meant to be shown to the user."""

    def __reduce__(self):
        # Work run in a child process sends its error back pickled; subclasses whose
        # __init__ takes other arguments than the message would not unpickle by default.
        return _rebuild, (type(self), self.args, self.__dict__)


class FeedError(AppError):
    """A feed could not be fetched or read.

    ``source`` is the feed's URL or path, so the message can be shown on that feed.
    ``status`` is the HTTP status the server answered with, and ``retry_after`` the
    seconds it asked us to wait (``Retry-After``), when it said so.
    """

    def __init__(self, source: str, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.message = message
        self.status = status
        self.retry_after = retry_after


class FeedParseError(FeedError):
    """The fetched bytes are not a feed (an HTML page, an empty file, garbage)."""


class FeedNotFound(AppError):
    """No feed has that id or URL."""


class FactCheckError(AppError):
    """A fact-check action that cannot be done (unknown fact-check or match, bad status)."""


class ReviewError(AppError):
    """A review action that cannot be done (unknown narrative, bad status, nothing to undo)."""


class ReviewConflict(ReviewError):
    """Another reviewer changed the narrative after this one's face showed it: nothing was written.

    ``narrative_id`` names the narrative and ``version`` is its stored version now; the
    message says who changed it, when and how, and that reloading lets the change be made again.
    """

    def __init__(self, message: str, *, narrative_id: int, version: int) -> None:
        super().__init__(message)
        self.narrative_id = narrative_id
        self.version = version


class StoreError(AppError):
    """The database could not be read or written."""


class DatabaseDamagedError(StoreError):
    """The database file is damaged (or is not a database): ``recover`` can rebuild it."""


class ModelError(AppError):
    """The embedding model could not be loaded or used."""


class VectorIndexError(AppError):
    """The vector index could not be built, loaded or saved."""


class ImportFileError(AppError):
    """A file the user asked to import is malformed.

    ``path`` names the file and ``location`` the line or item, when known.
    """

    def __init__(self, path: str, message: str, location: str | None = None) -> None:
        where = f"{path}, {location}" if location else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.location = location


class Cancelled(AppError):
    """Long work stopped because the user asked it to."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)

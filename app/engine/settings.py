"""Engine settings: a dataclass read from and written to ``settings.toml``.

Only the values a user changes on purpose live here; window geometry belongs to
the UI (QSettings). Unknown keys in the file are ignored so that an older app can
read a newer file, and a malformed file gives a clear error instead of defaults
silently replacing what the user chose.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from .atomic_file import atomic_write
from .embedding import MODELS
from .errors import ImportFileError
from .paths import SETTINGS_NAME
from .store.audit import current_user
from .store.postgres import is_postgres_url

# Names the reviewer for this run, over the settings file (the command line's --user is above it).
USER_ENV = "NARRATIVE_RADAR_USER"


@dataclass(frozen=True)
class Settings:
    """Everything the engine can be told to do differently.

    Examples
    --------
    >>> Settings().fetch_timeout
    20.0
    >>> Settings().replace(fetch_timeout=5.0).fetch_timeout
    5.0
    """

    # Fetching
    fetch_interval_minutes: int = 60
    fetch_timeout: float = 20.0
    fetch_deadline: float = 120.0
    max_feed_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    max_concurrent_fetches: int = 8
    user_agent: str = "NarrativeRadar/0.1 (+offline news monitor)"
    proxy: str = ""
    backoff_max_hours: float = 24.0
    max_feeds_per_import: int = 500
    # Evidence
    evidence_retention_days: int = 365
    # Claims
    claim_min_chars: int = 25
    claim_max_chars: int = 400
    # Embedding and narratives
    model: str = ""
    threads: int = 0
    window_days: int = 30
    flag_min_sources: int = 3
    flag_hours: int = 72
    # How similar two claims must be to be the same claim; 0 keeps the model's calibrated value
    # (cosine scales differ between models, so a number set for one model suits no other).
    same_language_threshold: float = 0.0
    cross_language_threshold: float = 0.0
    # Review: the name kept in the audit trail for this reviewer's actions (empty: the
    # system's user name); several fact-checkers on one shared store tell themselves apart by it.
    reviewer: str = ""
    # The newsroom store (postgresql://...) this data folder works on; empty: its own
    # SQLite file. The folder then keeps only the local index cache, evidence and settings.
    store: str = ""

    def replace(self, **changes: object) -> "Settings":
        """Return a copy with some values changed."""
        return dataclasses.replace(self, **changes)


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")

# What each number may be: a test and the allowed range in words.
_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "fetch_interval_minutes": (lambda v: 0 <= v <= 7 * 24 * 60, "from 0 (fetch only when asked) to 10080 (a week)"),
    "fetch_timeout": (lambda v: 0 < v <= 3600, "more than 0 and at most 3600 seconds"),
    "fetch_deadline": (lambda v: 0 < v <= 24 * 3600, "more than 0 and at most 86400 seconds"),
    "max_feed_bytes": (lambda v: v > 0, "more than 0 bytes"),
    "max_redirects": (lambda v: 0 <= v <= 50, "from 0 to 50"),
    "max_concurrent_fetches": (lambda v: 1 <= v <= 256, "from 1 to 256"),
    "backoff_max_hours": (lambda v: 0 < v <= 24 * 365, "more than 0 and at most 8760 hours"),
    "max_feeds_per_import": (lambda v: 1 <= v <= 100_000, "from 1 to 100000 feeds"),
    "evidence_retention_days": (lambda v: 0 <= v <= 36500, "from 0 (keep forever) to 36500 days"),
    "claim_min_chars": (lambda v: 1 <= v <= 10_000, "from 1 to 10000 characters"),
    "claim_max_chars": (lambda v: 1 <= v <= 100_000, "from 1 to 100000 characters"),
    "threads": (lambda v: 0 <= v <= 1024, "from 0 (automatic) to 1024"),
    "window_days": (lambda v: 1 <= v <= 3650, "from 1 to 3650 days"),
    "flag_min_sources": (lambda v: 2 <= v <= 1000, "from 2 to 1000 sources"),
    "flag_hours": (lambda v: 1 <= v <= 24 * 3650, "from 1 to 87600 hours"),
    "same_language_threshold": (lambda v: 0.0 <= v < 1.0, "from 0 (the model's own value) to below 1"),
    "cross_language_threshold": (lambda v: 0.0 <= v < 1.0, "from 0 (the model's own value) to below 1"),
}


def proxy_problem(proxy: str) -> str | None:
    """Why a proxy address is unusable, or None (an empty address means no proxy).

    Examples
    --------
    >>> proxy_problem("socks5://127.0.0.1:9050") is None
    True
    >>> proxy_problem("127.0.0.1:9050")
    'The proxy needs a scheme: http://, https:// or socks5://, then host:port.'
    """
    proxy = proxy.strip()
    if not proxy:
        return None
    if "://" not in proxy:
        return "The proxy needs a scheme: http://, https:// or socks5://, then host:port."
    parts = urlsplit(proxy)
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return f"Proxies of type {parts.scheme}:// are not supported; use http://, https:// or socks5://."
    try:
        port = parts.port
    except ValueError:
        return "The proxy's port must be a number from 1 to 65535."
    if not parts.hostname or port is None:
        return "The proxy needs a host and a port, like socks5://127.0.0.1:9050."
    return None


def settings_problems(settings: Settings) -> list[str]:
    """Everything wrong with ``settings``, in plain words (empty when all is well).

    The window's settings dialog checks with this, and :func:`load_settings` with all of
    it but whether the model is there: a model folder gone missing is reported when the
    model is loaded, and must not keep the window (and its settings) from opening.
    """
    problems = _out_of_range(settings) + [message for _, message in _unusable(settings)]
    if settings.model and settings.model not in MODELS and not Path(settings.model).is_dir():
        problems.append(f"The model {settings.model!r} is neither a bundled model nor a folder.")
    return problems


def _out_of_range(settings: Settings) -> list[str]:
    return [f"{key} must be {words}, not {getattr(settings, key)!r}."
            for key, (allowed, words) in _RANGES.items() if not allowed(getattr(settings, key))]


def _unusable(settings: Settings) -> list[tuple[str, str]]:
    """(key, message) for values that are in range but cannot work, alone or together."""
    problems = []
    if message := proxy_problem(settings.proxy):
        problems.append(("proxy", message))
    agent = settings.user_agent
    if not agent.strip():
        problems.append(("user_agent", "The User-Agent cannot be empty: some sites refuse requests without one."))
    elif any(ch in agent for ch in "\r\n") or not agent.isprintable():
        problems.append(("user_agent", "The User-Agent must be one line of printable text."))
    if settings.store and not is_postgres_url(settings.store):
        problems.append(("store", "The store must be a PostgreSQL URL (postgresql://user@host/database), "
                                  "or empty for the data folder's own database."))
    if len(settings.reviewer) > 80 or not settings.reviewer.isprintable():
        problems.append(("reviewer", "The reviewer's name must be one line of printable text, at most 80 characters."))
    if settings.flag_hours > settings.window_days * 24:
        problems.append(("flag_hours", f"The flag period ({settings.flag_hours} hours) is longer than the time window "
                                       f"({settings.window_days} days): claims older than the window are never compared."))
    if 0 < settings.fetch_interval_minutes < 5:
        problems.append(("fetch_interval_minutes", "Fetch at most every 5 minutes (or 0 to fetch only when asked)."))
    if settings.claim_min_chars >= settings.claim_max_chars:
        problems.append(("claim_min_chars", f"The shortest claim ({settings.claim_min_chars} characters) must be "
                                            f"shorter than the longest ({settings.claim_max_chars})."))
    return problems


def reviewer_name(settings: Settings, given: str | None = None) -> str:
    """Who is reviewing: ``given`` (the command line's ``--user``), else the environment's
    ``NARRATIVE_RADAR_USER``, else the ``reviewer`` setting, else the system's user name.

    Examples
    --------
    >>> reviewer_name(Settings(reviewer="maria"), "ana")
    'ana'
    """
    for name in (given, os.environ.get(USER_ENV), settings.reviewer):
        if name and name.strip():
            return name.strip()
    return current_user()


def settings_path(data_dir: Path) -> Path:
    """Return the settings file of a data folder."""
    return Path(data_dir) / SETTINGS_NAME


def load_settings(data_dir: Path) -> Settings:
    """Read the settings of a data folder; defaults where the file or a key is missing.

    Raises
    ------
    ImportFileError
        The file exists but is not valid TOML, a value has the wrong type or is out of
        its range, or values cannot work together; the message names the key and value.
    """
    path = settings_path(data_dir)
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _unreadable(path, f"not valid TOML ({exc})") from exc
    values = {}
    for field in fields(Settings):
        if field.name not in raw:
            continue
        value = raw[field.name]
        expected = type(getattr(Settings(), field.name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise _unreadable(path, f"{field.name} should be {expected.__name__}, not {value!r}")
        values[field.name] = value
    settings = Settings(**values)
    if out_of_range := _out_of_range(settings):
        raise _unreadable(path, out_of_range[0])
    if unusable := _unusable(settings):
        key, message = unusable[0]
        raise _unreadable(path, f"{key} = {getattr(settings, key)!r}: {message}")
    return settings


def _unreadable(path: Path, problem: str) -> ImportFileError:
    # The way out belongs in the message: the window cannot open until the file is read.
    return ImportFileError(str(path), f"{problem}. Correct it, or rename the file to start from the default "
                                      "settings (nothing else in the data folder is lost).")


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write the settings of a data folder atomically."""
    path = settings_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Narrative Radar settings", ""]
    for field in fields(Settings):
        lines.append(f"{field.name} = {_toml_value(getattr(settings, field.name))}")
    # Whole or not at all, and a temporary file of its own: two windows (or a window and a
    # script) may save at once.
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'

"""Engine settings: a dataclass read from and written to ``settings.toml``.

Only the values a user changes on purpose live here; window geometry belongs to
the UI (QSettings). Unknown keys in the file are ignored so that an older app can
read a newer file, and a malformed file gives a clear error instead of defaults
silently replacing what the user chose.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import ImportFileError
from .paths import SETTINGS_NAME


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

    def replace(self, **changes: object) -> "Settings":
        """Return a copy with some values changed."""
        return dataclasses.replace(self, **changes)


FRACTIONS = ("same_language_threshold", "cross_language_threshold")


def settings_path(data_dir: Path) -> Path:
    """Return the settings file of a data folder."""
    return Path(data_dir) / SETTINGS_NAME


def load_settings(data_dir: Path) -> Settings:
    """Read the settings of a data folder; defaults where the file or a key is missing.

    Raises
    ------
    ImportFileError
        The file exists but is not valid TOML, or a value has the wrong type.
    """
    path = settings_path(data_dir)
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(str(path), f"not valid TOML ({exc})") from exc
    values = {}
    for field in fields(Settings):
        if field.name not in raw:
            continue
        value = raw[field.name]
        expected = type(getattr(Settings(), field.name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ImportFileError(
                str(path), f"{field.name} should be {expected.__name__}, not {value!r}"
            )
        if field.name in FRACTIONS and not 0.0 <= value < 1.0:
            raise ImportFileError(str(path), f"{field.name} should be from 0 (the model's own value) "
                                             f"to below 1, not {value!r}")
        values[field.name] = value
    return Settings(**values)


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write the settings of a data folder atomically."""
    path = settings_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Narrative Radar settings", ""]
    for field in fields(Settings):
        lines.append(f"{field.name} = {_toml_value(getattr(settings, field.name))}")
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'

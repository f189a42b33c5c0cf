"""Where Narrative Radar keeps its data.

The data folder holds the database, the vector index, the evidence store and the
settings file. It defaults to the per-user data folder of the operating system and
can be moved with the ``NARRATIVE_RADAR_DATA_DIR`` environment variable or the
``--data-dir`` option of every command.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "narrative-radar"
DATA_DIR_ENV = "NARRATIVE_RADAR_DATA_DIR"
# A newsroom store's URL (postgresql://...), over the settings file's ``store``.
STORE_ENV = "NARRATIVE_RADAR_STORE"

DATABASE_NAME = "radar.db"
INDEX_NAME = "claims.faiss"
EVIDENCE_DIR = "evidence"
SETTINGS_NAME = "settings.toml"
LOG_NAME = "narrative-radar.log"


def default_data_dir() -> Path:
    """Return the data folder: the environment variable if set, else the OS default."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """Return the folder of bundled resources (demo feeds, icons, styles)."""
    return Path(__file__).resolve().parents[2] / "resources"


def demo_dir() -> Path:
    """Return the folder of the bundled demo data."""
    return resources_dir() / "demo"

"""Shared fixtures: stores in memory or in a temporary data folder, shared data paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (it sits beside the repository in CI)")
    return SHARED_DATA


@pytest.fixture
def memory_store():
    from app.engine.store import Store

    store = Store.open_memory()
    yield store
    store.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir: Path):
    from app.engine.store import Store

    store = Store.open(data_dir)
    yield store
    store.close()


@pytest.fixture
def sample(data_dir):
    """A data folder with six outlets and three narratives of known flags (tests/narrative_data.py)."""
    from app.engine.store import Store
    from tests.narrative_data import sample_store

    store = Store.open(data_dir)
    made = sample_store(store)
    store.close()
    return made

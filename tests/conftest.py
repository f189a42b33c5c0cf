"""Shared fixtures: stores in memory or in a temporary data folder, shared data paths."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from app.engine.paths import STORE_ENV  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (it sits beside the repository in CI)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for the whole run (tests/pg_server.py), with a migrated
    template database each test's own database is copied from."""
    from tests.pg_server import PgServer, find_binaries

    binaries = find_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (initdb and pg_ctl not found): the newsroom store is not tested")
    pytest.importorskip("psycopg")
    server = PgServer(binaries).start()
    from app.engine.store.postgres import open_postgres

    open_postgres(server.create_database("radar_template")).conn.close()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """A new, migrated PostgreSQL database of the throwaway cluster for this test."""
    name = "t_" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    return pg_server.create_database(name, template="radar_template")


# Tests that take ``store`` or ``memory_store`` run on both backends, so the two never drift.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


# For a test of what only SQLite has (its pragmas, a file's full disk, its migrations' history).
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def memory_store(backend, request):
    from app.engine.store import Store

    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
        store = Store.open(request.getfixturevalue("tmp_path") / "pg-cache", url=url)
    else:
        store = Store.open_memory()
    yield store
    store.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def store(data_dir: Path, backend, request):
    from app.engine.store import Store

    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    if url:
        # The data folder works on that store for everything the test opens (the command
        # line, the window's jobs), as a newsroom folder configured with it does.
        request.getfixturevalue("monkeypatch").setenv(STORE_ENV, url)
    store = Store.open(data_dir, url=url)
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

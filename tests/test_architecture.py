import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_engine_layer_contract_is_kept():
    """import-linter: app.engine imports neither PySide6 nor app.render, app.ui or app.cli; app.cli not app.ui."""
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(lint).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    result = subprocess.run([lint], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_importing_the_engine_loads_neither_qt_nor_torch():
    code = "import sys, app.engine, app.engine.ingest; print('PySide6' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_the_engine_has_no_import_cycle():
    """review -> clustering -> fact-checks -> review was held by imports inside functions; none is
    left, inside functions or not (grimp counts both), and none may come back."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("app")
    engine = [m for m in graph.modules if m.startswith("app.engine")]
    cycles = sorted({tuple(sorted((a, b))) for a in engine for b in graph.find_modules_directly_imported_by(a)
                     if b.startswith("app.engine") and graph.chain_exists(importer=b, imported=a)})
    assert cycles == []


SQL_CALLS = {"execute", "executemany", "executescript"}


def test_all_sql_is_in_the_store():
    """Issue 12: every SQL statement lives in app/engine/store/, so that a second database (a
    PostgreSQL dialect beside store/fulltext.py's FTS5 queries) changes the store only. No
    module elsewhere under app/ calls execute, executemany or executescript on anything: the
    names are SQLite's (and sqlite_utils') and nothing else in the app uses them, so there is
    no exception to allow."""
    import ast

    app_dir = REPO / "app"
    store_dir = app_dir / "engine" / "store"
    found = []
    for path in sorted(app_dir.rglob("*.py")):
        if store_dir in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_CALLS):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} .{node.func.attr}(")
    assert found == [], "SQL outside app/engine/store/:\n" + "\n".join(found)

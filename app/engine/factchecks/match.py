"""Matching claims against the fact-check library: lexical and semantic evidence fused.

Claim-matching research found keyword search (BM25) as good as or better than
multilingual embeddings within one language, and embeddings needed across
languages. So candidates come from both, then are re-ranked:

1. **Candidates**: the ``POOL`` best fact-checks by BM25 over their claim and
   title (a stemmed FTS5 index: "fires" finds "fire"; ``#HashTags`` are split into
   words), and the ``POOL`` nearest by embedding cosine with their claim or their
   title (a FAISS index over the stored vectors, built in memory).
2. **Score** of each candidate, in [0, 1]: within one language, a weighted mean of
   the cosine, the IDF-weighted word overlap (:mod:`.lexical`, with word
   frequencies from the library), BM25 relative to the query's best, and
   reciprocal-rank credit from the two lists; across languages (where words are not
   shared) the cosine alone, mapped so that the model's cross-language cosine bars
   land on the same suggest and flag thresholds. Claims stating different numbers (2.3% and 4%)
   lose a penalty.

Weights and thresholds per model are in :data:`app.engine.factchecks.library.MODEL_THRESHOLDS`,
tuned on the CLEF-2020 CheckThat! train tweets and reported on its dev tweets by
``bench/factchecks.py``.

Examples
--------
>>> matcher = FactCheckMatcher(store, load_embedder())
>>> matcher.prepare()
>>> [m.factcheck.rating for m in matcher.match_texts(["Vaccines contain microchips"], top=3)[0]]
['False']
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from ..domain import FactCheck
from ..errors import Cancelled
from .library import MatchThresholds, thresholds_for
from ..lexical import idf, numbers, tokens, weighted_cosine
from ..store import Store, write_transaction
from ..store import factchecks as library_store
from ..store.fulltext import best_factchecks, factcheck_frequencies
from ..progress import Progress

log = logging.getLogger(__name__)


POOL = 30  # candidates from each of BM25 and the vectors
RRF_K = 60  # reciprocal-rank fusion's usual constant
BATCH = 256
MAX_QUERY_WORDS = 64  # the rarest words of a long text are the ones that find it
TITLE = "#title"  # suffix of the model name under which the titles' vectors are stored

_HASHTAG = re.compile(r"#(\w+)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_CAMEL_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass(frozen=True)
class Candidate:
    """The evidence that a text repeats one fact-check."""

    factcheck_id: int
    cosine: float  # with the fact-check's claim or its title, whichever is closer
    lexical: float
    bm25: float  # relative to the query's best BM25 score, in [0, 1]; 0 if not found by BM25
    bm25_rank: int | None  # 1 = best by BM25; None: not among its POOL best
    vector_rank: int | None
    cross_language: bool
    numbers_clash: bool


def fused_score(candidate: Candidate, thresholds: MatchThresholds) -> float:
    """The candidate's score in [0, 1]; from ``thresholds.flag`` on, it flags.

    Within one language, the weighted mean of the cosine (weight 1), the word overlap,
    the relative BM25 score and the reciprocal-rank credit (:class:`MatchThresholds`).
    Across languages the cosine alone, mapped so that ``thresholds.cross_suggest`` and
    ``thresholds.cross_language`` land on the suggest and flag thresholds. A candidate
    stating other numbers than the text (2.3% and 4%) loses ``thresholds.numbers_penalty``.
    """
    t = thresholds
    if candidate.cross_language:
        # One line through the two calibrated points: the cosine that suggests maps to
        # ``suggest``, the one that flags to ``flag``.
        slope = (t.flag - t.suggest) / (t.cross_language - t.cross_suggest)
        score = t.flag + (candidate.cosine - t.cross_language) * slope
    else:
        ranks = sum(RRF_K / (RRF_K + rank) for rank in (candidate.bm25_rank, candidate.vector_rank) if rank) / 2
        score = (candidate.cosine + t.lexical_weight * candidate.lexical + t.bm25_weight * candidate.bm25
                 + t.rank_weight * ranks) / (1 + t.lexical_weight + t.bm25_weight + t.rank_weight)
    if candidate.numbers_clash:
        score -= t.numbers_penalty
    return float(min(1.0, max(0.0, score)))


def _stated_numbers(text: str) -> frozenset[str]:
    # Years place a claim in time ("in August 2019") more than they state it.
    return frozenset(n for n in numbers(text) if not _YEAR.fullmatch(n))


def numbers_clash(text: str, claim: str) -> bool:
    """True when both state numbers, years aside, and share none (2.3% and 4%)."""
    first, second = _stated_numbers(text), _stated_numbers(claim)
    return bool(first) and bool(second) and not (first & second)


def query_words(text: str) -> frozenset[str]:
    """The words of a text as the full-text index folds them, with ``#CamelCase`` hashtags split too."""
    split = " ".join(" ".join(_CAMEL_PART.findall(tag)) for tag in _HASHTAG.findall(text))
    return tokens(text) | tokens(split) if split else tokens(text)


@dataclass(frozen=True)
class FactCheckMatch:
    """A fact-check a text repeats, with the score and the evidence behind it."""

    factcheck: FactCheck
    score: float
    cosine: float
    lexical: float

    @property
    def factcheck_id(self) -> int:
        return self.factcheck.id

    def as_json(self) -> dict:
        """The documented JSON of a match (README, "Fact-checks")."""
        fc = self.factcheck
        return {"factcheck_id": fc.id, "external_id": fc.external_id, "score": round(self.score, 4),
                "claim": fc.claim, "rating": fc.rating, "verdict": fc.verdict, "publisher": fc.publisher,
                "url": fc.url, "date": fc.review_date, "language": fc.language}


def library_frequencies(db: sqlite_utils.Database):
    """Document frequencies of words among the fact-checks (claim and title), read from the FTS index.

    Frequencies are remembered once read: build a new one after the library changes.
    """
    known: dict[str, int] = {}
    size: list[int] = []

    def frequencies(words):
        if not size:
            size.append(library_store.count_factchecks(db))
        missing = [w for w in words if w not in known]
        known.update(dict.fromkeys(missing, 0))
        known.update(factcheck_frequencies(db, missing))
        return known, size[0]

    return frequencies


class FactCheckMatcher:
    """Matches texts against one store's fact-check library with one embedding model.

    Build it once for many texts: :meth:`prepare` embeds the fact-checks that have
    no vector of this model yet and loads them into an in-memory index.
    """

    def __init__(self, store: Store, embedder, *, thresholds: MatchThresholds | None = None,
                 pool: int = POOL) -> None:
        self.store = store
        self.embedder = embedder
        self.thresholds = thresholds or thresholds_for(embedder.name)
        self.pool = pool
        self._index = None
        self._frequencies = library_frequencies(store.db)

    # ------------------------------------------------------------------ library vectors

    def prepare(self, *, progress: Progress | None = None, cancel: threading.Event | None = None) -> int:
        """Embed fact-checks (claims and titles) without a vector of this model, and load the index.

        Returns how many texts were embedded.

        Raises
        ------
        Cancelled
            ``cancel`` was set; vectors stored so far are kept.
        ModelError, StoreError
            The model or the database failed.
        """
        from ..index import VectorIndex

        model, db = self.embedder.name, self.store.db
        jobs = [(model, False), (model + TITLE, True)]  # (vectors stored under, of the titles)
        total = sum(library_store.count_unembedded(db, key, titles=of_titles) for key, of_titles in jobs)
        done = 0
        for key, of_titles in jobs:
            while True:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Stopped; the fact-checks embedded so far are kept.")
                rows = library_store.unembedded(db, key, BATCH, titles=of_titles)
                if not rows:
                    break
                vectors = self.embedder.encode([r[1] for r in rows], cancel=cancel)
                with write_transaction(db) as conn:
                    library_store.save_vectors(conn, key, [r[0] for r in rows], vectors)
                done += len(rows)
                if progress:
                    progress(done / max(total, 1), f"embedding fact-checks: {done}/{total}")
        self._frequencies = library_frequencies(db)  # the library may have changed since
        claims_ids, claims = library_store.stored_vectors(db, model, self.embedder.dim)
        title_ids, titles = library_store.stored_vectors(db, model + TITLE, self.embedder.dim)
        # Both kinds in one index: claim i is 2i, its title 2i + 1.
        ids = np.concatenate([claims_ids * 2, title_ids * 2 + 1])
        self._index = (VectorIndex.build(ids, np.concatenate([claims, titles]), model=model, dim=self.embedder.dim)
                       if len(ids) else None)
        return done

    # ------------------------------------------------------------------ candidates

    def _bm25(self, words: frozenset[str]) -> list[tuple[int, float]]:
        """The ``pool`` best fact-checks by BM25 over claim and title, with their scores, best first."""
        if not words:
            return []
        df, _ = self._frequencies(words)
        # Words the library has never seen find nothing; of a long text, the rarest find most.
        known = sorted((w for w in words if df.get(w)), key=lambda w: (df[w], w))[:MAX_QUERY_WORDS]
        if not known:
            return []
        return best_factchecks(self.store.db, " OR ".join(f'"{w}"' for w in known), self.pool)

    def candidates(self, texts: Sequence[str], vectors: np.ndarray, languages: Sequence[str | None],
                   exclude_articles: Sequence[int | None] | None = None) -> list[list[Candidate]]:
        """The candidates of each text with their evidence (unsorted).

        ``exclude_articles`` gives, per text, the article it comes from: a fact-check made
        from that very article (a fact-checker's own feed) is not a match.
        """
        if self._index is None and library_store.count_factchecks(self.store.db):
            self.prepare()
        if not library_store.count_factchecks(self.store.db) or not len(texts):
            return [[] for _ in texts]
        vectors = np.asarray(vectors, np.float32)
        by_vector: list[list[int]] = [[] for _ in texts]
        if self._index is not None:
            # Twice the pool: a fact-check's claim and title may both be near.
            _, found = self._index.search(vectors, min(2 * self.pool, len(self._index)))
            by_vector = [list(dict.fromkeys(int(i) // 2 for i in row if i >= 0))[:self.pool] for row in found]
        words = [query_words(text) for text in texts]
        by_words = [self._bm25(w) for w in words]
        wanted = sorted({i for ids in by_vector for i in ids} | {i for hits in by_words for i, _ in hits})
        info = library_store.match_fields(self.store.db, wanted)
        closest = self._closest(wanted, vectors)
        all_tokens = {i: tokens(f"{row[1]} {row[2] or ''}") for i, row in info.items()}
        result = []
        for n, text in enumerate(texts):
            bm25 = dict(by_words[n])
            best_bm25 = max(bm25.values(), default=0.0) or 1.0
            pool = [i for i in dict.fromkeys([i for i, _ in by_words[n]] + by_vector[n]) if i in info]
            if exclude_articles is not None and exclude_articles[n] is not None:
                pool = [i for i in pool if info[i][4] != exclude_articles[n]]
            query = words[n]
            vocabulary = set(query).union(*(all_tokens[i] for i in pool)) if pool else set(query)
            df, total = self._frequencies(vocabulary)
            weights = {w: idf(df.get(w, 0), total) for w in vocabulary}
            word_rank = {i: r for r, (i, _) in enumerate(by_words[n], 1)}
            vector_rank = {i: r for r, i in enumerate(by_vector[n], 1)}
            found = []
            for i in pool:
                _, claim, _, language, _ = info[i]
                found.append(Candidate(
                    factcheck_id=i, cosine=float(closest.get(i, np.zeros(len(texts)))[n]),
                    lexical=weighted_cosine(query, all_tokens[i], weights),
                    bm25=max(0.0, bm25.get(i, 0.0) / best_bm25), bm25_rank=word_rank.get(i),
                    vector_rank=vector_rank.get(i),
                    cross_language=bool(languages[n] and language and languages[n] != language),
                    numbers_clash=numbers_clash(text, claim),
                ))
            result.append(found)
        return result

    def _closest(self, ids: Sequence[int], vectors: np.ndarray) -> dict[int, np.ndarray]:
        """Per fact-check, the cosine of each query with its claim or its title, whichever is closer."""
        model, dim = self.embedder.name, self.embedder.dim
        claim_ids, claims = library_store.stored_vectors(self.store.db, model, dim, ids)
        title_ids, titles = library_store.stored_vectors(self.store.db, model + TITLE, dim, ids)
        best = dict(zip(claim_ids.tolist(), (claims @ vectors.T) if len(claim_ids) else []))
        for i, row in zip(title_ids.tolist(), (titles @ vectors.T) if len(title_ids) else []):
            best[i] = np.maximum(best[i], row) if i in best else row
        return best

    # ------------------------------------------------------------------ ranking

    def rank(self, candidates: Sequence[Candidate]) -> list[tuple[Candidate, float]]:
        """Candidates with their scores, best first."""
        scored = [(c, fused_score(c, self.thresholds)) for c in candidates]
        scored.sort(key=lambda pair: (-pair[1], pair[0].factcheck_id))
        return scored

    def match_texts(self, texts: Sequence[str], *, top: int = 5, languages: Sequence[str | None] | None = None,
                    min_score: float = 0.0, vectors: np.ndarray | None = None) -> list[list[FactCheckMatch]]:
        """The ``top`` fact-checks each text repeats, best first.

        Parameters
        ----------
        texts
            Claims, in any language.
        languages
            Their language codes; detected when not given.
        min_score
            Leave out matches scoring less (``thresholds.flag`` keeps only those that flag).

        Raises
        ------
        ModelError, StoreError
            The model or the database failed.
        """
        from ..text import detect_language

        if languages is None:
            languages = [detect_language(t) for t in texts]
        if vectors is None:
            vectors = self.embedder.encode(list(texts)) if texts else np.zeros((0, self.embedder.dim), np.float32)
        results = []
        for found in self.candidates(texts, vectors, languages):
            ranked = [(c, s) for c, s in self.rank(found) if s >= min_score][:top]
            factchecks = library_store.factchecks_by_id(self.store.db, [c.factcheck_id for c, _ in ranked])
            results.append([FactCheckMatch(factchecks[c.factcheck_id], round(s, 4), round(c.cosine, 4),
                                           round(c.lexical, 4)) for c, s in ranked])
        return results


__all__ = ["Candidate", "FactCheckMatch", "FactCheckMatcher", "fused_score", "library_frequencies", "numbers_clash",
           "query_words"]

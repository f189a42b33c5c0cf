"""Why two claims were linked, in words a fact-checker can check.

Written when a claim joins a narrative, from what the clustering weighed: the embedding
cosine (and whether it crossed languages), the overlap of rare words within a language,
the names and numbers both texts state, and whether both are articles as a whole (a
title embedded with its lead), and how close the claim came to the narrative's centre.
"""

from __future__ import annotations

import re

from .lexical import numbers, tokens

# A name: a capitalised word that does not start the sentence ("Valdoria", "Brezic", "NATO").
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[^\W\d_][^\W_]{2,}", re.UNICODE)


def names(text: str) -> frozenset[str]:
    """The capitalised words of a text past its first word, folded as the word index folds them.

    >>> sorted(names("Police said Anton Brezic left Valdoria on Monday."))
    ['anton', 'brezic', 'monday', 'valdoria']
    """
    found = {m.group(0) for m in _NAME.finditer(text) if m.group(0)[0].isupper()}
    return frozenset(w for word in found for w in tokens(word))


def describe(*, neighbour_id: int, claim_text: str, neighbour_text: str, claim_language: str | None,
             neighbour_language: str | None, cosine: float, words: float | None, articles: bool,
             centre: float | None = None) -> str:
    """One line: what made a claim like its neighbour (quoted) and close to the narrative's centre.

    >>> describe(neighbour_id=7, claim_text="Forty thousand ballots were cast in Valdoria.",
    ...          neighbour_text="En Valdoria se emitieron 40.000 votos.", claim_language="en",
    ...          neighbour_language="es", cosine=0.712, words=None, articles=False)
    'like claim 7 “En Valdoria se emitieron 40.000 votos.”: cosine 0.71 across languages (en, es); names: valdoria'
    """
    parts = [f"cosine {cosine:.2f}"]
    if claim_language != neighbour_language:
        parts[0] += f" across languages ({claim_language or '?'}, {neighbour_language or '?'})"
    if words is not None:
        parts.append(f"rare words {words:.2f}")
    shared_names = sorted(names(claim_text) & names(neighbour_text))
    if shared_names:
        parts.append("names: " + ", ".join(shared_names[:6]))
    shared_numbers = sorted(numbers(claim_text) & numbers(neighbour_text))
    if shared_numbers:
        parts.append("numbers: " + ", ".join(shared_numbers[:6]))
    if articles:
        parts.append("both whole articles (title and lead)")
    if centre is not None:
        parts.append(f"{centre:.2f} to the narrative's centre")
    return f"like claim {neighbour_id} “{_quote(neighbour_text)}”: " + "; ".join(parts)


def _quote(text: str, limit: int = 60) -> str:
    """The start of the neighbour's text, so the line reads on its own without looking the id up."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) >= limit // 2 else text[:limit]) + "…"

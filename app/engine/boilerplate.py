"""Site boilerplate: sentences a feed repeats across its articles are not claims.

Sign-offs ("-Fin de nota-"), newsletter and social prompts, cookie and paywall notices,
wire-service credits, "Your browser does not support the audio element", and the text
of a rate-limit or consent page served in place of every article: in any language, what
gives them away is that one feed prints them under many different articles, which a
claim it reports seldom is. A phrase list would know a handful of languages and miss
the next site's wording; counting needs neither.

A sentence is compared as a *template*: case, spacing and punctuation aside, every
number written as 0, so that "Updated 14:32" and "Updated 09:05", or "Page 3 of 12",
count as one line. The counts live in the store, per feed, for every article ever stored,
so a line seen twice before is recognised when it comes a third time alone.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["MIN_ARTICLES", "template_key"]

#: A line that this many articles of one feed carry is the site's, not a claim. Two is
#: too few (an outlet's follow-up quotes its first report); boilerplate is in most articles.
MIN_ARTICLES = 3

_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W_]+")


def template_key(sentence: str) -> int:
    """A 63-bit key of the sentence's template (numbers masked, case and punctuation folded).

    >>> template_key("Updated at 14:32.") == template_key("updated at 9:05")
    True
    >>> template_key("Updated at 14:32.") == template_key("Posted at 14:32.")
    False
    """
    folded = unicodedata.normalize("NFKC", sentence).casefold()
    masked = _DIGITS.sub("0", folded)
    words = _NOT_WORD.sub(" ", masked).strip()
    digest = hashlib.blake2b(words.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1

"""Picking the claims out of an article: its title and its check-worthy sentences.

A claim is a sentence that asserts something a fact-checker could check. We do
not try to judge truth or importance here, only to drop what is clearly not an
assertion: questions, navigation and subscription boilerplate, copyright lines,
bylines, link lists and number tables. The rules are deliberately few and
language-agnostic (with the commonest boilerplate phrases of a handful of
languages), so that they generalise to feeds nobody has looked at.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from app.engine.text import dense_script_share, letter_count, split_sentences

__all__ = ["MAX_CLAIMS_PER_ARTICLE", "ClaimDraft", "extract_claims"]

log = logging.getLogger(__name__)

#: At most this many claims (title included) are kept per article. News feeds carry a summary
#: of one to five sentences; the articles that go past ten are full-text blogs, whose later
#: sentences are explanation and opinion (on the 200 real feeds, 1,019 of 6,539 articles hit
#: the old cap of 40 and gave 45% of all claims). Every claim is embedded, so this bounds what
#: one article costs, and one 100 kB article cannot flood the corpus and the narratives.
MAX_CLAIMS_PER_ARTICLE = 10
#: The lead, the first sentences kept, is what a news story says first and what other outlets
#: repeat: it is always kept. The rest of the places go to the sentences that carry what a
#: fact-checker checks (see :func:`_checkable_marks`), the earlier first.
LEAD_CLAIMS = 3
#: How many check-worthy sentences are read, per place, to choose from: past them, a page is a
#: long read, and its later sentences are not what outlets repeat.
CANDIDATES_PER_PLACE = 3

# Dense scripts (Han, kana, Hangul) say in one character what others say in about
# three (STS-B: Chinese sentences are 0.33x, Japanese 0.46x the English length).
_DENSE_LENGTH_FACTOR = 0.4

_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_QUESTION_RE = re.compile(r"[?？؟⸮][\W_]*$")
# "[…]" and "(...)" left where a feed cut its summary short.
_TRUNCATION_MARK_RE = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\))\s*$")
_TRAILING_PUNCTUATION = " \t.,;:!?…。！？،؛-–—\"'«»“”„‘’)]"

# Navigation and calls to action, at the start of a sentence (after any arrows,
# bullets or brackets). The commonest phrasings in en, de, fr, es, it, pt, ru.
_CALLS_TO_ACTION = (
    r"read (?:more|the full|the rest|also|next)|continue reading|click here|tap here|"
    r"subscribe|sign up|log in|sign in|follow us|share (?:this|on)|like us on|"
    r"download (?:the|our) app|watch (?:the )?video|"
    r"weiterlesen|mehr lesen|lesen sie (?:auch|mehr)|mehr dazu|hier klicken|abonnieren|"
    r"lire (?:la suite|aussi|plus)|en savoir plus|cliquez ici|abonnez-vous|"
    r"leer más|seguir leyendo|lee también|haga clic|haz clic|suscríbete|"
    r"leggi (?:anche|tutto|di più)|continua a leggere|clicca qui|"
    r"leia (?:mais|também)|clique aqui|"
    r"читать (?:далее|также|полностью)|читайте (?:также|далее)|подписывайтесь|подробнее"
)
# Captions and labels: "Photo: Reuters", "Related: ...", "Source: AFP".
_LABELS = (
    r"photo|picture|image|video|credit|source|caption|related(?: \w+)?|see also|tags|"
    r"filed under|advertisement|sponsored(?: content)?|foto|bild|quelle|"
    r"crédit|légende|fuente|fonte|источник|фото"
)
_BOILERPLATE_START_RE = re.compile(
    rf"^[\W_]*(?:(?:{_CALLS_TO_ACTION})\b|(?:{_LABELS})s?\s*[:|»>])", re.IGNORECASE
)
# Boilerplate wherever it appears in the sentence.
_BOILERPLATE_ANYWHERE_RE = re.compile(
    r"\bappeared first on\b|"  # WordPress: "The post X appeared first on Y."
    r"©|\(c\)\s*(?:19|20)\d\d|^\W*copyright\b|\bcopyright\s*(?:\(c\)|\d{4})|"
    r"all rights reserved|alle rechte vorbehalten|tous droits réservés|"
    r"todos los derechos reservados|tutti i diritti riservati|все права защищены|"
    r"\b(?:this (?:site|website)|we) uses? cookies\b|"
    r"\b(?:posted|published|updated|last updated)\s*(?:on|at|:)\s*\S*\d",
    re.IGNORECASE,
)
# A feed's summary often ends in "... Continue reading" or "Read more »".
_TRAILING_CALL_RE = re.compile(
    r"[\s.…]*(?:continue reading|read more|weiterlesen|lire la suite|leer más|"
    r"continua a leggere|читать далее)[\W_]*$",
    re.IGNORECASE,
)
# Source code and markup shown as text (a blog's code blocks, a feed's escaped HTML): braces,
# assignments, tags, calls, statement ends, operators, command-line options, file names. Prose
# in any language has hardly any of these; code has them on every line.
_CODE_MARK_RE = re.compile(
    r"[{}=`\\]|</?[A-Za-z]|\w\(|\)\s*;|;\s*$|::|->|=>|(?:^|\s)--?[A-Za-z]"
    r"|\w\.(?:py|js|ts|json|sh|ya?ml|toml|html?|css|scss|rb|go|rs|java|cs|cpp|php)\b"
)
_NUMBER_RE = re.compile(r"\d")
_QUOTE_RE = re.compile("[\"“”„«»「」『』]")
_SENTENCE_END_RE = re.compile(r"[.!?。！？\"'”’»)]\s*$")
# "By Jane Doe", "Von Max Muster und Erika Muster", "Par Jean Dupont, AFP".
_BYLINE_WORDS = frozenset({"by", "von", "par", "por", "di", "da", "door", "от", "автор", "автор:"})
_BYLINE_JOINERS = frozenset({"and", "und", "et", "y", "e", "en", "и", "&", "|", "-", "–", "—", "/"})


@dataclass(frozen=True)
class ClaimDraft:
    """A claim picked from an article, not yet stored.

    ``position`` is 0 for the title and ``1 + index`` of the sentence in the body,
    so it grows in document order and gaps show where sentences were dropped.
    """

    text: str
    position: int
    is_title: bool


def _tidy(sentence: str) -> str:
    sentence = _TRAILING_CALL_RE.sub("", _TRUNCATION_MARK_RE.sub("", sentence))
    return " ".join(sentence.split())


def _key(sentence: str) -> str:
    """What makes two sentences "the same": case, spacing, end punctuation aside."""
    return " ".join(sentence.casefold().split()).strip(_TRAILING_PUNCTUATION)


def _cut(sentence: str, max_chars: int) -> str:
    """Cut at the last word boundary before *max_chars* (anywhere, if there is none)."""
    if len(sentence) <= max_chars:
        return sentence
    head = sentence[: max_chars + 1]
    space = head.rfind(" ")
    if space >= max_chars // 2:
        head = head[:space]
    return head[:max_chars].rstrip(" ,;:-–—")


def _is_byline(sentence: str) -> bool:
    words = sentence.split()
    if not 2 <= len(words) <= 9 or words[0].casefold() not in _BYLINE_WORDS:
        return False
    # Every other word is a capitalised name, a joiner, or the outlet after a comma.
    for word in words[1:]:
        word = word.strip(",;:()")
        if not word or word.casefold() in _BYLINE_JOINERS:
            continue
        first = next((ch for ch in word if ch.isalpha()), None)
        if first is None or not first.isupper():
            return False
    return True


def _is_check_worthy(sentence: str, min_chars: int) -> bool:
    """Whether *sentence* (already tidied and cut) reads as an assertion."""
    without_urls = _URL_RE.sub(" ", sentence).strip()
    letters = letter_count(without_urls)
    if not letters:
        return False
    dense = dense_script_share(without_urls) >= 0.5
    minimum = max(4, round(min_chars * _DENSE_LENGTH_FACTOR)) if dense else min_chars
    if len(without_urls) < minimum:
        return False
    # Link lists, tables of figures, dates and scores: mostly not words. Dense
    # scripts have no spaces to count words by, so count characters there.
    if dense:
        visible = sum(1 for ch in sentence if not ch.isspace())
        if letters < 0.5 * visible:
            return False
    else:
        words = sentence.split()
        wordy = sum(1 for w in words if not _URL_RE.fullmatch(w) and any(c.isalpha() for c in w))
        if wordy < 0.4 * len(words):
            return False
    if _QUESTION_RE.search(sentence) or sentence.rstrip().endswith(":"):
        return False  # questions, and lead-ins to a list, assert nothing
    if _BOILERPLATE_START_RE.search(sentence) or _BOILERPLATE_ANYWHERE_RE.search(sentence):
        return False
    return not _is_byline(sentence) and not _is_code(sentence)


def _checkable_marks(sentence: str) -> int:
    """How many kinds of checkable detail a sentence carries: a number, a name, a quotation.

    These are what fact-checkers check (ClaimBuster's check-worthy sentences are those
    with figures, named people and places, and reported speech), and they need no word
    list: a number is a digit in any script, a name a capitalised word inside the
    sentence (scripts without case have none, and are ranked by their numbers).
    """
    words = sentence.split()
    names = any(word[:1].isupper() for word in words[1:])
    return (bool(_NUMBER_RE.search(sentence)) + names + bool(_QUOTE_RE.search(sentence)))


def _is_code(sentence: str) -> bool:
    """Whether a line reads as source code, markup or a shell command rather than prose."""
    marks = len(_CODE_MARK_RE.findall(sentence))
    return marks >= 2 or (marks == 1 and not _SENTENCE_END_RE.search(sentence))


def extract_claims(
    title: str | None,
    text: str,
    language: str | None,
    *,
    min_chars: int = 25,
    max_chars: int = 400,
    max_claims: int = MAX_CLAIMS_PER_ARTICLE,
) -> list[ClaimDraft]:
    """Pick the claims of an article: its title, then its check-worthy sentences.

    A body sentence is kept when it is declarative (not a question), at least
    *min_chars* long without its URLs (about 0.4 of that for Chinese, Japanese and
    Korean, which need fewer characters), mostly letters, and not boilerplate
    ("Read more", "Subscribe", "The post X appeared first on Y", copyright lines,
    bylines). Longer sentences are cut at a word boundary to *max_chars*. A sentence
    already kept (or equal to the title) is not repeated. Past *max_claims*, the lead
    (the first :data:`LEAD_CLAIMS` sentences) is kept, then the sentences with the most
    checkable detail (numbers, names, quotations), the earlier first.

    Parameters
    ----------
    title : str or None
        The article's title; kept unless empty or a single word (in a script written with
        spaces): "About" or a product's name asserts nothing.
    text : str
        The article's clean text (see :func:`app.engine.text.html_to_text`).
    language : str or None
        ISO 639 code of the text, for sentence splitting; ``None`` if unknown.
    min_chars, max_chars : int
        Length bounds of a body sentence, in characters.
    max_claims : int
        At most this many claims, title included.

    Returns
    -------
    list of ClaimDraft
        The title first (``position == 0``), then body sentences in document order.

    Examples
    --------
    >>> [c.text for c in extract_claims("Dam failed", "Read more here. "
    ...     "The dam failed after three days of heavy rain. Why did it fail?", "en")]
    ['Dam failed', 'The dam failed after three days of heavy rain.']
    """
    claims: list[ClaimDraft] = []
    seen: set[str] = set()
    clean_title = _cut(_tidy(title or ""), max_chars)
    # A title of one word names a thing ("About", "Contact", a game's name on a tracker); it
    # asserts nothing, and two sites' "About" pages are not one narrative. Scripts written
    # without spaces say a whole headline in one "word".
    if clean_title and max_claims > 0 and (len(clean_title.split()) > 1 or dense_script_share(clean_title) >= 0.5):
        claims.append(ClaimDraft(clean_title, 0, True))
        seen.add(_key(clean_title))
    body: list[ClaimDraft] = []
    for index, sentence in enumerate(split_sentences(text, language)):
        if len(body) >= CANDIDATES_PER_PLACE * max_claims:
            log.debug("stopped reading after %d check-worthy sentences", len(body))
            break
        sentence = _cut(_tidy(sentence), max_chars)
        if not _is_check_worthy(sentence, min_chars):
            continue
        key = _key(sentence)
        if key in seen:
            continue
        seen.add(key)
        body.append(ClaimDraft(sentence, index + 1, False))
    room = max(0, max_claims - len(claims))
    if len(body) > room:
        lead, rest = body[:min(LEAD_CLAIMS, room)], body[min(LEAD_CLAIMS, room):]
        rest = sorted(rest, key=lambda c: (-_checkable_marks(c.text), c.position))[:room - len(lead)]
        body = lead + sorted(rest, key=lambda c: c.position)
    return claims + body

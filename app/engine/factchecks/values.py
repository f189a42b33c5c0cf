"""Values of a fact-check as files write them: texts, dates, languages and ratings.

Fact-check files come from many tools and newsrooms, so each value is read
leniently: a publisher may be a string or ``{"name": ...}``, a date
``2026-11-13``, ``13/11/2026``, ``Nov 13, 2026`` or an RFC 2822 timestamp, a
rating ``False``, ``Pants on Fire`` or ``Faux``. Ratings are kept as given and
also sorted into a small set of verdicts (:data:`VERDICTS`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from ..flags import LANGUAGE_NAMES
from ..store.database import to_utc_text

VERDICTS = ("false", "misleading", "mixed", "true", "unproven", "other")

# Folded rating (lower case, no accents, no punctuation) -> verdict.
_RATINGS: dict[str, str] = {}
for _verdict, _names in {
    "false": (
        "false", "pants on fire", "pants on fire!", "fake", "fake news", "fabricated", "hoax", "incorrect",
        "wrong", "scam", "baseless", "not true", "untrue", "four pinocchios", "debunked", "false claim",
        "falso", "falsa", "faux", "falsch", "fake", "fałsz", "falsz", "nepravda", "ложь",
        "фейк", "неправда", "onwaar", "sahte", "yanlis", "falsk", "väärä", "vaara", "hamis", "fals",
        "infondato", "infonde", "frei erfunden", "erfunden", "bulo", "mentira", "errado",
    ),
    "misleading": (
        "misleading", "mostly false", "altered", "miscaptioned", "misattributed", "missing context", "needs context",
        "lacks context", "out of context", "partly false", "partially false", "exaggerated", "distorted",
        "manipulated", "deceptive", "cherry picked", "cherry-picked", "spin", "edited", "doctored",
        "three pinocchios", "engañoso", "enganoso", "enganador", "enganosa", "trompeur", "trompeuse",
        "irrefuhrend", "irreführend", "manipuliert", "manipulacja", "wprowadza w blad", "manipulado",
        "fuorviante", "misleidend", "вводит в заблуждение", "манипуляция", "sacado de contexto",
        "hors contexte", "fehlender kontext", "descontextualizado", "impreciso", "falso contexto",
    ),
    "mixed": (
        "mixture", "mixed", "half true", "half-true", "partly true", "partially true", "two pinocchios",
        "mostly true but", "true but", "medio verdadero", "verdadero a medias", "a medias", "a moitie vrai",
        "en partie vrai", "teilweise richtig", "teilweise falsch", "czesciowa prawda", "częściowa prawda",
        "polupravda", "полуправда", "misto", "parzialmente vero", "gemischt",
    ),
    "true": (
        "true", "correct", "mostly true", "accurate", "correct attribution", "verified", "legit", "legitimate",
        "real", "geppetto checkmark", "verdadero", "verdadeiro", "vrai", "wahr", "richtig", "prawda", "правда",
        "vero", "waar", "dogru", "sant",
    ),
    "unproven": (
        "unproven", "unverified", "unsupported", "no evidence", "unsubstantiated", "lacks evidence",
        "research in progress", "not proven", "cannot be verified", "unverifiable", "sin pruebas",
        "no verificable", "inverifiable", "non verifie", "unbelegt", "nicht belegt", "niepotwierdzone",
        "не подтверждено", "infundado",
    ),
}.items():
    for _name in _names:
        _RATINGS.setdefault(re.sub(r"[^\w ]", "", unicodedata.normalize("NFKD", _name.lower())
                                   .encode("ascii", "ignore").decode() or _name.lower()).strip(), _verdict)
        _RATINGS.setdefault(_name.lower(), _verdict)


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    folded = re.sub(r"[^\w ]", " ", ascii_text or text.lower())
    return " ".join(folded.split())


def verdict_of(rating: str | None) -> str:
    """Sort a rating as written (``Pants on Fire``, ``Faux``, ``Missing context``) into a verdict.

    Returns one of :data:`VERDICTS`; ``other`` when the rating is unknown or absent.

    Examples
    --------
    >>> verdict_of("Pants on Fire!"), verdict_of("Engañoso"), verdict_of("Satire")
    ('false', 'misleading', 'other')
    """
    if not rating or not rating.strip():
        return "other"
    for key in (rating.strip().lower(), _fold(rating)):
        if key in _RATINGS:
            return _RATINGS[key]
    folded = _fold(rating)
    # Longer ratings often start with the verdict: "False. The photo shows ...".
    first = re.split(r"[.:;,(\-–—]", rating.strip().lower(), maxsplit=1)[0].strip()
    if first in _RATINGS:
        return _RATINGS[first]
    if folded.startswith(("false", "fake", "not true", "incorrect")):
        return "false"
    return "other"


def text_of(value: Any) -> str | None:
    """A field's text: a string, a number, the ``name`` of an object, the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "", {}, [])), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("text") or value.get("alternateName")
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = " ".join(str(value).split())
    return text or None


_LANGUAGE_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}


def language_code(value: Any) -> str | None:
    """A two-letter language code from ``en``, ``en-US``, ``English`` or ``{"alternateName": "en"}``."""
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name") or value.get("@value")
    text = text_of(value)
    if not text:
        return None
    text = text.strip().lower()
    if text in _LANGUAGE_BY_NAME:
        return _LANGUAGE_BY_NAME[text]
    code = re.split(r"[-_]", text, maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


_MONTHS = {
    name: number
    for number, names in enumerate((
        ("jan", "january", "janvier", "januar", "enero", "stycznia", "gennaio"),
        ("feb", "february", "fevrier", "februar", "febrero", "lutego", "febbraio"),
        ("mar", "march", "mars", "marz", "maerz", "marzo", "marca"),
        ("apr", "april", "avril", "abril", "kwietnia", "aprile"),
        ("may", "mai", "mayo", "maja", "maggio"),
        ("jun", "june", "juin", "juni", "junio", "czerwca", "giugno"),
        ("jul", "july", "juillet", "juli", "julio", "lipca", "luglio"),
        ("aug", "august", "aout", "agosto", "sierpnia"),
        ("sep", "sept", "september", "septembre", "septiembre", "wrzesnia", "settembre"),
        ("oct", "october", "octobre", "oktober", "octubre", "pazdziernika", "ottobre"),
        ("nov", "november", "novembre", "noviembre", "listopada"),
        ("dec", "december", "decembre", "dezember", "diciembre", "grudnia", "dicembre"),
    ), 1)
    for name in names
}


def _day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_date(text: str | None) -> str | None:
    """Read a date in any common form; return ``YYYY-MM-DD`` (the day as written), or None.

    Accepts ISO 8601 (with or without time and offset), ``2026/11/13``,
    ``20261113``, ``13.11.2026``, ``13/11/2026`` (day first, as most of the world
    writes it, unless only month first makes a date: ``11/13/2026``), ``Nov 13, 2026``, ``13 November 2026``, RFC 2822, and
    Unix timestamps.

    Examples
    --------
    >>> parse_date("Fri, 13 Nov 2026 09:00:00 +0000"), parse_date("13 novembre 2026"), parse_date("soon")
    ('2026-11-13', '2026-11-13', None)
    """
    if not text:
        return None
    text = text.strip()
    if moment := _iso(text):
        return moment.date().isoformat()
    if re.fullmatch(r"\d{9,10}(?:\.\d+)?", text):
        return datetime.fromtimestamp(float(text), timezone.utc).date().isoformat()
    if re.fullmatch(r"\d{12,13}", text):  # milliseconds
        return datetime.fromtimestamp(int(text) / 1000, timezone.utc).date().isoformat()
    if match := re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text):
        return _day(*map(int, match.groups()))
    if match := re.match(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\b", text):
        return _day(*map(int, match.groups()))
    if match := re.match(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b", text):
        first, second, year = map(int, match.groups())
        if first <= 12 < second:
            return _day(year, first, second)  # month first: 11/13/2026
        return _day(year, second, first)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    else:
        return moment.date().isoformat()
    words = re.findall(r"[^\W\d_]+|\d+", _fold(text))
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    numbers = [int(w) for w in words if w.isdigit()]
    years = [n for n in numbers if 1900 <= n <= 2200]
    days = [n for n in numbers if 1 <= n <= 31]
    if month and years and days:
        return _day(years[0], month, days[0])
    return None


def parse_moment(text: str) -> str | None:
    """Read a date or time as a person types it; return it as the store keeps times, or None.

    An ISO time keeps its time (an offset is converted, none means UTC); every other
    form :func:`parse_date` reads, with its day/month rule, is that day at midnight
    UTC. The command line's ``--since``/``--until`` read dates this way, so that a
    date written as in the fact-check files is understood there too.

    Examples
    --------
    >>> parse_moment("17/11/2026"), parse_moment("2026-11-17T10:00+02:00"), parse_moment("next week")
    ('2026-11-17T00:00:00Z', '2026-11-17T08:00:00Z', None)
    """
    if moment := _iso(text):
        return to_utc_text(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))
    day = parse_date(text)
    return f"{day}T00:00:00Z" if day else None


__all__ = ["VERDICTS", "language_code", "parse_date", "parse_moment", "text_of", "verdict_of"]

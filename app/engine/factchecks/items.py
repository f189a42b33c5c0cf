"""Fact-check items as files hold them, turned into :class:`FactCheckDraft` values.

One item may be a schema.org ``ClaimReview`` (alone, in a list, in an ``@graph``
or nested in a ``WebPage``), a claim of the Google Fact Check Tools API with its
reviews, or a flat record (our demo format, most tools' exports, a CSV row) whose
field names are any of :data:`FIELD_ALIASES`. The readers of whole files are in
:mod:`.formats`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .values import language_code, parse_date, text_of

# Canonical field -> accepted names, compared without case, spaces, dashes or underscores.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "external_id", "factcheck_id", "fact_check_id", "claim_id", "vclaim_id", "identifier",
                    "uid", "guid"),
    "claim": ("claim", "claim_text", "claimReviewed", "claim_reviewed", "text", "statement", "vclaim", "quote"),
    "title": ("title", "headline", "review_title", "name"),
    "claimant": ("claimant", "claim_author", "claimed_by", "speaker", "said_by", "source"),
    "claim_date": ("claim_date", "claimDate", "date_of_claim"),
    "rating": ("rating", "textualRating", "textual_rating", "verdict", "rating_text", "label", "ruling",
               "conclusion"),
    "publisher": ("publisher", "publisher_name", "fact_checker", "factchecker", "reviewer", "organisation",
                  "organization", "checked_by", "author"),
    "publisher_site": ("publisher_site", "site", "domain"),
    "url": ("url", "link", "review_url", "fact_check_url", "factcheck_url", "article_url", "href"),
    "review_date": ("date", "review_date", "reviewDate", "date_published", "datePublished", "published",
                    "published_at", "publication_date"),
    "language": ("language", "lang", "language_code", "languageCode", "inLanguage", "locale"),
}


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9@]", "", name.lower())


_ALIAS_OF: dict[str, str] = {}
for _canonical, _names in FIELD_ALIASES.items():
    for _name in _names:
        _ALIAS_OF.setdefault(_fold(_name), _canonical)


@dataclass(frozen=True)
class FactCheckDraft:
    """One fact-check as read from a file, before it is stored."""

    claim: str
    url: str | None = None
    external_id: str | None = None
    title: str | None = None
    claimant: str | None = None
    claim_date: str | None = None
    rating: str | None = None
    publisher: str | None = None
    publisher_site: str | None = None
    review_date: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ReadItem:
    """One item of a file: its fact-checks, or ``error`` saying why it was left out.

    ``warnings`` are kept items' oddities (a date not understood, a rating not known).
    """

    location: str
    drafts: tuple[FactCheckDraft, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = ()


class ItemError(ValueError):
    """An item that holds no usable fact-check."""


# --------------------------------------------------------------------------- items


@dataclass
class _Collected:
    drafts: list[FactCheckDraft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _types(node: dict) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values if v}


def claim_reviews(value: Any, depth: int = 0) -> Iterator[dict]:
    """ClaimReview nodes anywhere in a JSON-LD document (``@graph``, ``mainEntity``, lists)."""
    if depth > 8:
        return
    if isinstance(value, list):
        for item in value:
            yield from claim_reviews(item, depth + 1)
    elif isinstance(value, dict):
        if "ClaimReview" in _types(value):
            yield value
            return
        for item in value.values():
            if isinstance(item, (dict, list)):
                yield from claim_reviews(item, depth + 1)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _rating_of_review(rating: Any) -> str | None:
    """The textual rating of a ClaimReview's ``reviewRating``; a bare number is put on its scale."""
    rating = _first(rating)
    if not isinstance(rating, dict):
        return text_of(rating)
    for key in ("alternateName", "name", "ratingExplanation"):
        if text_of(rating.get(key)):
            return text_of(rating.get(key))
    try:
        value = float(rating["ratingValue"])
        best, worst = float(rating.get("bestRating", 5)), float(rating.get("worstRating", 1))
    except (KeyError, TypeError, ValueError):
        return None
    if best == worst:
        return None
    share = (value - worst) / (best - worst)
    return "False" if share <= 0.2 else "True" if share >= 0.8 else "Mixture"


def _dated(raw: Any, what: str, out: _Collected) -> str | None:
    text = text_of(raw)
    if not text:
        return None
    date = parse_date(text)
    if date is None:
        out.warnings.append(f"{what} {text!r} is not a date we can read; kept without it")
    return date


def _from_claimreview(node: dict, out: _Collected) -> None:
    item = _first(node.get("itemReviewed")) or {}
    item = item if isinstance(item, dict) else {}
    claim = text_of(node.get("claimReviewed")) or text_of(item.get("name")) or text_of(item.get("text"))
    if not claim:
        raise ItemError("ClaimReview without claimReviewed (the claim's text)")
    author = _first(node.get("author")) or _first(node.get("publisher"))
    url = text_of(node.get("url"))
    node_id = text_of(node.get("@id"))
    if not url and node_id and node_id.startswith(("http://", "https://")):
        url = node_id.split("#", 1)[0]
    out.drafts.append(FactCheckDraft(
        claim=claim, url=url,
        external_id=text_of(node.get("identifier")) or node_id,
        title=text_of(node.get("headline")) or text_of(node.get("name")),
        claimant=text_of(item.get("author")), claim_date=_dated(item.get("datePublished"), "claim date", out),
        rating=_rating_of_review(node.get("reviewRating")),
        publisher=text_of(author), publisher_site=text_of(author.get("url")) if isinstance(author, dict) else None,
        review_date=_dated(node.get("datePublished"), "date", out),
        language=language_code(node.get("inLanguage")),
    ))


def _from_google(claim: dict, out: _Collected) -> None:
    text = text_of(claim.get("text"))
    if not text:
        raise ItemError("claim without 'text'")
    reviews = claim.get("claimReview") or []
    for review in reviews if isinstance(reviews, list) else [reviews]:
        if not isinstance(review, dict):
            continue
        publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
        out.drafts.append(FactCheckDraft(
            claim=text, url=text_of(review.get("url")), title=text_of(review.get("title")),
            claimant=text_of(claim.get("claimant")), claim_date=_dated(claim.get("claimDate"), "claim date", out),
            rating=text_of(review.get("textualRating")), publisher=text_of(publisher.get("name")),
            publisher_site=text_of(publisher.get("site")), review_date=_dated(review.get("reviewDate"), "date", out),
            language=language_code(review.get("languageCode")),
        ))
    if not out.drafts:
        raise ItemError("claim without any claimReview")


def field_of(name: str) -> str | None:
    """The canonical field a column or key name stands for (``Claim Text`` -> ``claim``), or None."""
    return _ALIAS_OF.get(_fold(name))


def canonical_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Map a flat record's keys onto :data:`FIELD_ALIASES` (first alias present wins)."""
    found: dict[str, Any] = {}
    for key, value in record.items():
        canonical = _ALIAS_OF.get(_fold(str(key)))
        if canonical and canonical not in found and value not in (None, "", [], {}):
            found[canonical] = value
    return found


def _from_flat(record: dict, out: _Collected) -> None:
    values = canonical_fields(record)
    claim = text_of(values.get("claim"))
    if not claim:
        raise ItemError("no claim text (a 'claim' field)")
    publisher = values.get("publisher")
    site = values.get("publisher_site")
    if isinstance(publisher, dict):
        site = site or publisher.get("site") or publisher.get("url")
    out.drafts.append(FactCheckDraft(
        claim=claim, url=text_of(values.get("url")), external_id=text_of(values.get("external_id")),
        title=text_of(values.get("title")), claimant=text_of(values.get("claimant")),
        claim_date=_dated(values.get("claim_date"), "claim date", out), rating=text_of(values.get("rating")),
        publisher=text_of(publisher), publisher_site=text_of(site),
        review_date=_dated(values.get("review_date"), "date", out), language=language_code(values.get("language")),
    ))


def drafts_of(value: Any) -> tuple[list[FactCheckDraft], list[str]]:
    """The fact-checks one JSON item holds, and warnings about them.

    Raises
    ------
    ItemError
        The item holds no fact-check (no claim text, not an object). JSON-LD nodes
        of other types hold none either, but are not an error.
    """
    out = _Collected()
    reviews = list(claim_reviews(value))
    if reviews:
        problems = []
        for node in reviews:
            try:
                _from_claimreview(node, out)
            except ItemError as exc:
                problems.append(str(exc))
        if not out.drafts:
            raise ItemError("; ".join(problems))
        out.warnings.extend(problems)
    elif isinstance(value, dict) and "claimReview" in value:
        _from_google(value, out)
    elif isinstance(value, dict) and "@type" in value:
        pass  # another JSON-LD node (a WebSite, a breadcrumb): nothing to import, nothing wrong
    elif isinstance(value, dict):
        _from_flat(value, out)
    else:
        raise ItemError(f"expected an object, found {type(value).__name__}")
    return out.drafts, out.warnings


def read_item(location: str, value: Any) -> ReadItem:
    """The item at ``location``: its fact-checks and warnings, or why it holds none."""
    try:
        drafts, warnings = drafts_of(value)
    except ItemError as exc:
        return ReadItem(location, error=str(exc))
    return ReadItem(location, tuple(drafts), warnings=tuple(warnings))


__all__ = ["FIELD_ALIASES", "FactCheckDraft", "ItemError", "ReadItem", "canonical_fields", "claim_reviews", "drafts_of",
           "field_of", "read_item"]

"""The documented JSON of a narrative, shared by the command line and the briefs.

Scripts rely on this shape (README, "Narrative JSON"): add keys, never rename them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .domain import Narrative, NarrativeSummary
from .factchecks.library import NarrativeFactCheck


def summary_json(summary: NarrativeSummary) -> dict[str, Any]:
    """A narrative without its claims."""
    return {
        "id": summary.id,
        "label": summary.label,
        "status": summary.status,
        "version": summary.version,
        "score": summary.score,
        "flagged": summary.flagged,
        "flags": [{"kind": f.kind, "reason": f.reason} for f in summary.flags],
        "first_seen": summary.first_seen,
        "last_seen": summary.last_seen,
        "size": summary.size,
        "sources": summary.sources,
        "languages": list(summary.languages),
    }


def factcheck_match_json(match: NarrativeFactCheck) -> dict[str, Any]:
    """A fact-check a narrative's claims matched, with the match's score and review status."""
    fc = match.factcheck
    return {
        "factcheck_id": fc.id,
        "external_id": fc.external_id,
        "claim": fc.claim,
        "rating": fc.rating,
        "verdict": fc.verdict,
        "publisher": fc.publisher,
        "url": fc.url,
        "date": fc.review_date,
        "language": fc.language,
        "score": match.score,
        "status": match.status,
        "flagging": match.flagging,
        "claim_ids": list(match.claim_ids),
    }


def narrative_json(narrative: Narrative, factchecks: Sequence[NarrativeFactCheck] | None = None) -> dict[str, Any]:
    """A narrative with every member claim and where it came from.

    With ``factchecks`` (:func:`app.engine.factchecks.library.narrative_factchecks`), the
    key ``factchecks`` lists them, flagging ones first.
    """
    data = summary_json(narrative.summary)
    data["notes"] = narrative.notes
    data["claims"] = [
        {
            "claim_id": m.claim_id,
            "text": m.text,
            "language": m.language,
            "similarity": round(m.similarity, 4),
            "evidence": m.evidence,
            "article_id": m.article_id,
            "article_title": m.article_title,
            "article_link": m.article_link,
            "feed_id": m.feed_id,
            "feed_title": m.feed_title,
            "published_at": m.published_at,
        }
        for m in narrative.members
    ]
    if factchecks is not None:
        data["factchecks"] = [factcheck_match_json(m) for m in factchecks]
    return data

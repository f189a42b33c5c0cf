"""The documented JSON of a narrative, shared by the command line and the briefs.

Scripts rely on this shape (README, "Narrative JSON"): add keys, never rename them.
"""

from __future__ import annotations

from typing import Any

from .domain import Narrative, NarrativeSummary


def summary_json(summary: NarrativeSummary) -> dict[str, Any]:
    """A narrative without its claims."""
    return {
        "id": summary.id,
        "label": summary.label,
        "status": summary.status,
        "score": summary.score,
        "flagged": summary.flagged,
        "flags": [{"kind": f.kind, "reason": f.reason} for f in summary.flags],
        "first_seen": summary.first_seen,
        "last_seen": summary.last_seen,
        "size": summary.size,
        "sources": summary.sources,
        "languages": list(summary.languages),
    }


def narrative_json(narrative: Narrative) -> dict[str, Any]:
    """A narrative with every member claim and where it came from."""
    data = summary_json(narrative.summary)
    data["notes"] = narrative.notes
    data["claims"] = [
        {
            "claim_id": m.claim_id,
            "text": m.text,
            "language": m.language,
            "similarity": round(m.similarity, 4),
            "article_id": m.article_id,
            "article_title": m.article_title,
            "article_link": m.article_link,
            "feed_id": m.feed_id,
            "feed_title": m.feed_title,
            "published_at": m.published_at,
        }
        for m in narrative.members
    ]
    return data

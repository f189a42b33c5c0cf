"""Review: status, notes, merge and split of narratives, each kept in the audit trail.

Every action records what it changed and how to take it back, so the last action
can be undone. A reviewed narrative keeps its id and claims through a re-cluster.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .domain import AuditEntry
from .errors import ReviewError
from .settings import Settings
from .store import Store, review_transaction, store_errors
from .factchecks.library import describe_match_action, factcheck_flags
from .narrative_state import refresh_stored
from .store import audit
from .store import memberships as members
from .store import reviews
from .store.vectors import load_vectors

STATUSES = ("new", "reviewing", "confirmed", "dismissed")


def _subject(narrative_id: int) -> str:
    return f"narrative:{narrative_id}"


def _audit(conn, actor: str | None, action: str, narrative_id: int, detail: dict, *,
           subject: str | None = None) -> None:
    audit.record(conn, actor=actor, action=action, subject=subject or _subject(narrative_id), detail=detail)


def _require(conn, narrative_id: int) -> tuple[str, str]:
    row = reviews.review_fields(conn, narrative_id)
    if row is None:
        raise ReviewError(f"No narrative {narrative_id} (it may have been merged into another).")
    return row


def set_status(store: Store, narrative_id: int, status: str, *, actor: str | None = None) -> str:
    """Set a narrative's review status (new, reviewing, confirmed, dismissed); return the one it had.

    Setting the status it already has changes nothing: no audit entry, and the narrative is
    not marked reviewed (which would shield it from re-clustering), from either face.

    Raises
    ------
    ReviewError
        Unknown narrative or status.
    """
    if status not in STATUSES:
        raise ReviewError(f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")
    with review_transaction(store.db, store.data_dir) as conn:
        old, _ = _require(conn, narrative_id)
        if old == status:
            return old
        reviews.set_status(conn, narrative_id, status)
        _audit(conn, actor, "status", narrative_id, {"from": old, "to": status})
    return old


def set_notes(store: Store, narrative_id: int, notes: str, *, actor: str | None = None) -> None:
    """Replace a narrative's reviewer notes."""
    with review_transaction(store.db, store.data_dir) as conn:
        _, old = _require(conn, narrative_id)
        if old == notes:
            return
        reviews.set_notes(conn, narrative_id, notes)
        _audit(conn, actor, "notes", narrative_id, {"from": old, "to": notes})


def _recompute(store: Store, settings: Settings, narrative_ids: Sequence[int]) -> None:
    """Centroids, statistics, label and flags of narratives whose members changed."""
    conn = store.db.conn
    for narrative_id in narrative_ids:
        dim = members.vector_dim(conn, narrative_id)
        if dim is not None:
            members.recompute(conn, narrative_id, dim, lambda ids: load_vectors(store.db, ids, dim))
    refresh_stored(store, narrative_ids, settings, factcheck_flags)


def merge(store: Store, keep_id: int, other_id: int, *, settings: Settings = Settings(),
          actor: str | None = None) -> None:
    """Move every claim of ``other_id`` into ``keep_id``; ``other_id`` is then hidden.

    Raises
    ------
    ReviewError
        The same narrative twice, or one of them does not exist.
    """
    if keep_id == other_id:
        raise ReviewError("A narrative cannot be merged with itself.")
    with review_transaction(store.db, store.data_dir) as conn:
        _require(conn, keep_id)
        _require(conn, other_id)
        moved = reviews.claims_of(conn, other_id)
        facets = members.absorb(conn, keep_id, other_id)
        reviews.mark_reviewed(conn, [keep_id, other_id])
        _audit(conn, actor, "merge", keep_id,
               {"from": other_id, "claims": moved, "facets": facets})
        _recompute(store, settings, [keep_id])


def split(store: Store, narrative_id: int, claim_ids: Sequence[int], *, settings: Settings = Settings(),
          actor: str | None = None) -> int:
    """Move some claims of a narrative into a new narrative; return its id.

    Raises
    ------
    ReviewError
        No claims given, claims not in that narrative, or all of its claims.
    """
    claim_ids = sorted({int(c) for c in claim_ids})
    with review_transaction(store.db, store.data_dir) as conn:
        _require(conn, narrative_id)
        current = set(reviews.claims_of(conn, narrative_id))
        if not claim_ids:
            raise ReviewError("Choose the claims to split out.")
        if not set(claim_ids) <= current:
            raise ReviewError(f"Some of those claims are not in narrative {narrative_id}.")
        if set(claim_ids) == current:
            raise ReviewError("Splitting out every claim would leave the narrative empty.")
        facets = {str(c): f for c, (_, f) in members.memberships(conn, claim_ids).items()}
        new_id = reviews.new_reviewed_narrative(conn, narrative_id, claim_ids)
        members.new_facet(conn, new_id, claim_ids, pinned=True)
        reviews.mark_reviewed(conn, [narrative_id])
        _audit(conn, actor, "split", narrative_id,
               {"into": new_id, "claims": claim_ids, "facets": facets})
        _recompute(store, settings, [narrative_id, new_id])
    return new_id


def _put_back(conn, narrative_id: int, facet_of_claim: dict[str, int]) -> None:
    """Return split-out claims to the facets they came from (or a new one, if that facet is gone)."""
    by_facet: dict[int, list[int]] = {}
    for claim, facet in facet_of_claim.items():
        by_facet.setdefault(int(facet), []).append(int(claim))
    existing = set(members.facets_of(conn, narrative_id))
    for facet, claims in by_facet.items():
        if facet in existing:
            reviews.return_to_facet(conn, narrative_id, facet, claims)
        else:
            members.new_facet(conn, narrative_id, claims, pinned=True)


def undo_last(store: Store, *, settings: Settings = Settings(), actor: str | None = None) -> AuditEntry:
    """Take back the most recent review action that has not been undone; return it.

    Review actions are status, notes, merge, split and a fact-check match confirmed,
    rejected or reset.

    Raises
    ------
    ReviewError
        Nothing to undo.
    """
    with review_transaction(store.db, store.data_dir) as conn:
        row = reviews.last_undoable(conn)
        if row is None:
            raise ReviewError("Nothing to undo.")
        entry = AuditEntry(*row)
        detail = json.loads(entry.detail)
        kind, _, number = entry.subject.partition(":")
        # A fact-check decision on a claim of no narrative is audited on the claim.
        narrative_id = int(number) if kind == "narrative" else None
        if entry.action == "factcheck-match":
            reviews.set_match_statuses(conn, detail["factcheck_id"], {int(c): old for c, old in detail["from"].items()})
            if narrative_id is not None:
                _recompute(store, settings, [narrative_id])
        elif entry.action == "status":
            reviews.set_status(conn, narrative_id, detail["from"], reviewed=False)
        elif entry.action == "notes":
            reviews.set_notes(conn, narrative_id, detail["from"], reviewed=False)
        elif entry.action == "merge":
            members.move_facets(conn, detail["facets"], detail["from"])
            reviews.unmerge(conn, detail["from"])
            _recompute(store, settings, [narrative_id, detail["from"]])
        else:
            _put_back(conn, narrative_id, detail["facets"])
            reviews.delete_narrative(conn, detail["into"])
            _recompute(store, settings, [narrative_id])
        _audit(conn, actor, "undo", narrative_id, {"undid": entry.id, "action": entry.action},
               subject=entry.subject)
    return entry


def audit_trail(store: Store, narrative_id: int) -> list[AuditEntry]:
    """Every review action on a narrative, newest first (one merged away keeps its own).

    Raises
    ------
    ReviewError
        There is no such narrative, and never was one with a review action.
    """
    with store_errors():
        rows = reviews.trail(store.db.conn, _subject(narrative_id))
        # An empty trail must not read as "not reviewed yet" for a number that names no narrative.
        if not rows and not reviews.narrative_exists(store.db.conn, narrative_id):
            raise ReviewError(f"No narrative {narrative_id}.")
    return [AuditEntry(*r) for r in rows]


def describe(entry: AuditEntry) -> str:
    """One line of the audit trail in plain words."""
    detail = json.loads(entry.detail or "{}")
    if entry.action == "status":
        return f"status {detail['from']} → {detail['to']}"
    if entry.action == "notes":
        return "notes edited"
    if entry.action == "merge":
        return f"merged narrative {detail['from']} in ({len(detail['claims'])} claims)"
    if entry.action == "split":
        return f"split {len(detail['claims'])} claims out into narrative {detail['into']}"
    if entry.action == "factcheck-match":
        return describe_match_action(entry.detail)
    if entry.action == "undo":
        return f"undid the {detail['action']} action #{detail['undid']}"
    return entry.action

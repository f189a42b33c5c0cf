"""Review: status, notes, merge and split of narratives, each kept in the audit trail.

Every action records who did it, what it changed and how to take it back, so the last
action can be undone. A reviewed narrative keeps its id and claims through a re-cluster.

Several reviewers may work on one store: a face passes the version of the narrative it
showed (``expected_version``), and a write on an older version raises
:class:`ReviewConflict` naming who changed it, instead of overwriting that change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from .domain import AuditEntry
from .errors import ReviewConflict, ReviewError
from .settings import Settings
from .store import Store, review_transaction, store_errors, utc_now
from .factchecks.library import describe_match_action, factcheck_flags
from .narrative_state import refresh_stored
from .store import audit
from .store import memberships as members
from .store import reviews
from .store.vectors import load_vectors

STATUSES = ("new", "reviewing", "confirmed", "dismissed")

# The actions that change a narrative's version (and their undo). Only what a reviewer sees
# and decides counts: its status, its notes, and the claims a reviewer moved in or out. The
# clustering adding claims, re-scoring or re-labelling does not: a fetch runs every hour on a
# newsroom's store, and a reviewer's note must not be refused because one more article
# repeated the narrative meanwhile. Fact-check match decisions do not either: they are
# decisions on claims, each kept with its reviewer, and overwrite no status or notes.
VERSIONED = ("status", "notes", "merge", "split")


def _subject(narrative_id: int) -> str:
    return f"narrative:{narrative_id}"


def _audit(conn, actor: str | None, action: str, narrative_id: int, detail: dict, *,
           subject: str | None = None) -> None:
    audit.record(conn, actor=actor, action=action, subject=subject or _subject(narrative_id), detail=detail)


def _require(conn, narrative_id: int) -> tuple[str, str, int]:
    """``(status, notes, version)`` of a narrative that can be reviewed."""
    row = reviews.review_fields(conn, narrative_id)
    if row is None:
        raise ReviewError(f"No narrative {narrative_id} (it may have been merged into another).")
    return row


def _bump(conn, narrative_id: int, expected: int | None, current: int) -> None:
    """Count a reviewer's change of a narrative whose face showed version ``expected``
    (None: the ``current`` one, read in this transaction).

    Raises
    ------
    ReviewConflict
        The narrative is at another version now: another reviewer's change came first.
    """
    if not reviews.bump_version(conn, narrative_id, current if expected is None else expected):
        raise _conflict(conn, narrative_id)


def _conflict(conn, narrative_id: int) -> ReviewConflict:
    _, _, version = _require(conn, narrative_id)
    entries = (AuditEntry(*row) for row in reviews.trail(conn, _subject(narrative_id)))
    change = next((e for e in entries if _versioned(e)), None)
    who = (f"by {change.actor} at {_moment(change.at)} ({describe(change)})" if change
           else "by another reviewer")
    return ReviewConflict(f"Narrative {narrative_id} was changed {who} after you opened it; reload to see the "
                          "change, then make yours again.", narrative_id=narrative_id, version=version)


def _versioned(entry: AuditEntry) -> bool:
    if entry.action == "undo":
        return json.loads(entry.detail)["action"] in VERSIONED
    return entry.action in VERSIONED


def _moment(at: str) -> str:
    """A stored UTC time as ``14:02 UTC``, with its date when it is not today's."""
    clock = f"{at[11:16]} UTC"
    return clock if at[:10] == utc_now()[:10] else f"{at[:10]} {clock}"


def set_status(store: Store, narrative_id: int, status: str, *, actor: str | None = None,
               expected_version: int | None = None) -> str:
    """Set a narrative's review status (new, reviewing, confirmed, dismissed); return the one it had.

    Setting the status it already has changes nothing: no audit entry, and the narrative is
    not marked reviewed (which would shield it from re-clustering), from either face.
    ``expected_version`` is the version the reviewer saw; None acts on the current one.

    Raises
    ------
    ReviewError
        Unknown narrative or status.
    ReviewConflict
        The narrative is no longer at ``expected_version``; nothing was changed.
    """
    if status not in STATUSES:
        raise ReviewError(f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")
    with review_transaction(store.db, store.data_dir) as conn:
        old, _, version = _require(conn, narrative_id)
        if old == status and expected_version in (None, version):
            return old
        _bump(conn, narrative_id, expected_version, version)
        reviews.set_status(conn, narrative_id, status)
        _audit(conn, actor, "status", narrative_id, {"from": old, "to": status})
    return old


def set_notes(store: Store, narrative_id: int, notes: str, *, actor: str | None = None,
              expected_version: int | None = None) -> None:
    """Replace a narrative's reviewer notes.

    Raises
    ------
    ReviewError
        Unknown narrative.
    ReviewConflict
        The narrative is no longer at ``expected_version``; nothing was changed.
    """
    with review_transaction(store.db, store.data_dir) as conn:
        _, old, version = _require(conn, narrative_id)
        if old == notes and expected_version in (None, version):
            return
        _bump(conn, narrative_id, expected_version, version)
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
          actor: str | None = None, expected_version: int | None = None,
          other_version: int | None = None) -> None:
    """Move every claim of ``other_id`` into ``keep_id``; ``other_id`` is then hidden.

    ``expected_version`` and ``other_version`` are the versions of the two the reviewer saw.

    Raises
    ------
    ReviewError
        The same narrative twice, or one of them does not exist.
    ReviewConflict
        One of them is no longer at the version given; nothing was changed.
    """
    if keep_id == other_id:
        raise ReviewError("A narrative cannot be merged with itself.")
    with review_transaction(store.db, store.data_dir) as conn:
        for narrative_id, expected in ((keep_id, expected_version), (other_id, other_version)):
            _bump(conn, narrative_id, expected, _require(conn, narrative_id)[2])
        moved = reviews.claims_of(conn, other_id)
        facets = members.absorb(conn, keep_id, other_id)
        reviews.mark_reviewed(conn, [keep_id, other_id])
        _audit(conn, actor, "merge", keep_id,
               {"from": other_id, "claims": moved, "facets": facets})
        _recompute(store, settings, [keep_id])


def split(store: Store, narrative_id: int, claim_ids: Sequence[int], *, settings: Settings = Settings(),
          actor: str | None = None, expected_version: int | None = None) -> int:
    """Move some claims of a narrative into a new narrative; return its id.

    Raises
    ------
    ReviewError
        No claims given, claims not in that narrative, or all of its claims.
    ReviewConflict
        The narrative is no longer at ``expected_version``; nothing was changed.
    """
    claim_ids = sorted({int(c) for c in claim_ids})
    with review_transaction(store.db, store.data_dir) as conn:
        _bump(conn, narrative_id, expected_version, _require(conn, narrative_id)[2])
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
    """Take back this reviewer's most recent review action that has not been undone; return it.

    Review actions are status, notes, merge, split and a fact-check match confirmed,
    rejected or reset. On a store several reviewers share, each takes back only their own
    actions, and only while no one else has changed the narratives they touched since.

    Raises
    ------
    ReviewError
        Nothing of this reviewer's to undo.
    ReviewConflict
        Another reviewer changed the narrative since: nothing was taken back.
    """
    who = actor or audit.current_user()
    with review_transaction(store.db, store.data_dir) as conn:
        row = reviews.last_undoable(conn, who)
        if row is None:
            raise ReviewError("Nothing to undo: you have made no review action that is not undone yet.")
        entry = AuditEntry(*row)
        detail = json.loads(entry.detail)
        kind, _, number = entry.subject.partition(":")
        # A fact-check decision on a claim of no narrative is audited on the claim.
        narrative_id = int(number) if kind == "narrative" else None
        touched = [entry.subject] + ([_subject(detail["from"])] if entry.action == "merge" else [])
        if (later := reviews.acted_since(conn, touched, entry.id, who)) is not None:
            other = AuditEntry(*later)
            changed = int(other.subject.partition(":")[2]) if other.subject.startswith("narrative:") else narrative_id
            raise ReviewConflict(
                f"Your last action ({describe(entry)}) cannot be undone: {other.actor} changed "
                f"{other.subject.replace(':', ' ')} at {_moment(other.at)} ({describe(other)}) since. "
                "Make the change you want by hand.",
                narrative_id=changed or 0, version=_require(conn, changed)[2] if changed else 0)
        if entry.action == "factcheck-match":
            reviews.set_match_statuses(conn, detail["factcheck_id"], {int(c): old for c, old in detail["from"].items()})
            if narrative_id is not None:
                _recompute(store, settings, [narrative_id])
        elif entry.action == "status":
            reviews.set_status(conn, narrative_id, detail["from"], reviewed=False)
            reviews.bump_version(conn, narrative_id)
        elif entry.action == "notes":
            reviews.set_notes(conn, narrative_id, detail["from"], reviewed=False)
            reviews.bump_version(conn, narrative_id)
        elif entry.action == "merge":
            members.move_facets(conn, detail["facets"], detail["from"])
            reviews.unmerge(conn, detail["from"])
            for changed in (narrative_id, detail["from"]):
                reviews.bump_version(conn, changed)
            _recompute(store, settings, [narrative_id, detail["from"]])
        else:
            reviews.bump_version(conn, narrative_id)
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

"""Reading one narrative's claims a page at a time, and telling cheaply whether it changed.

A narrative can hold tens of thousands of claims, so the detail view never reads them
all: :func:`page_claims` returns one page in a server-side sort order (keyset paging,
like :func:`.narratives.page_narratives`), :func:`count_claims` how many there are,
and :func:`narrative_stamp` a small signature that changes whenever what the detail
view shows of the narrative changes.

Examples
--------
>>> page = page_claims(store.db, narrative_id, sort="outlet")
>>> more = page_claims(store.db, narrative_id, sort="outlet", after=page.after)
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from ..domain import Member
from .database import store_errors
from .keyset import read_page

CLAIM_SORT_COLUMNS: dict[str, str] = {
    "outlet": "lower(coalesce(f.title, f.url))",
    "language": "coalesce(c.language, '')",
    "published": "a.published_at",
    "similarity": "nc.similarity",
    "text": "lower(c.text)",
}
"""What a narrative's claims can be sorted by, and the SQL each sort orders on."""

MEMBER_COLUMNS = ("c.id, c.text, c.language, nc.similarity, a.id, a.title, a.link, f.id,"
                  " coalesce(f.title, f.url), a.published_at, nc.evidence")
MEMBER_JOINS = ("narrative_claims nc JOIN claims c ON c.id = nc.claim_id JOIN articles a ON a.id = c.article_id"
                " JOIN feeds f ON f.id = a.feed_id")


@dataclass(frozen=True)
class ClaimPage:
    """One page of a narrative's claims; pass ``after`` back for the next (None: no more)."""

    members: tuple[Member, ...]
    after: tuple | None


@dataclass(frozen=True)
class NarrativeStamp:
    """What the detail view shows of a narrative, reduced to a few values.

    ``members`` changes when its claims change (added, moved, re-scored: the count, the
    newest claim id and the narrative's ``updated_at``); ``review`` when its status,
    notes, flags, history or fact-check matches may have changed. ``None`` fields: the
    narrative is gone.
    """

    members: tuple
    review: tuple


def page_claims(db: sqlite_utils.Database, narrative_id: int, *, sort: str = "published",
                descending: bool = False, after: tuple | None = None, limit: int = 200) -> ClaimPage:
    """Return one page of a narrative's claims, sorted in SQL (ties broken by claim id).

    Parameters
    ----------
    narrative_id
        The narrative.
    sort
        A key of :data:`CLAIM_SORT_COLUMNS`; the default is publication time, oldest first.
    after
        The previous page's ``after``: every page costs about the same however far the
        reader scrolls.

    Raises
    ------
    StoreError
        The database cannot be read.
    ValueError
        ``sort`` is not a known key.

    Examples
    --------
    >>> first = page_claims(store.db, 7, sort="similarity", descending=True, limit=50)
    >>> [m.similarity for m in first.members][:2]
    [0.98, 0.97]
    """
    if sort not in CLAIM_SORT_COLUMNS:
        raise ValueError(f"cannot sort claims by {sort!r}; choose one of {', '.join(CLAIM_SORT_COLUMNS)}")
    order = [(CLAIM_SORT_COLUMNS[sort], descending), ("c.id", descending)]
    rows, after = read_page(db, select=MEMBER_COLUMNS, source=MEMBER_JOINS, where=["nc.narrative_id = ?"],
                            params=[int(narrative_id)], order=order, after=after, limit=limit)
    return ClaimPage(tuple(Member(*r) for r in rows), after)


def count_claims(db: sqlite_utils.Database, narrative_id: int) -> int:
    """Return how many claims the narrative holds (read from an index: cheap at any size).

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    with store_errors():
        return db.conn.execute("SELECT count(*) FROM narrative_claims WHERE narrative_id = ?",
                               (int(narrative_id),)).fetchone()[0]


def narrative_stamp(db: sqlite_utils.Database, narrative_id: int) -> NarrativeStamp:
    """Return a signature of what the detail view shows of a narrative, in a few index reads.

    Two equal stamps mean there is nothing to re-read; compare ``members`` alone to know
    whether the claims (table and timeline) must be re-read.

    Raises
    ------
    StoreError
        The database cannot be read.

    Examples
    --------
    >>> before = narrative_stamp(store.db, 7)
    >>> narrative_stamp(store.db, 7) == before
    True
    """
    with store_errors():
        row = db.conn.execute(
            "SELECT n.updated_at, (SELECT count(*) FROM narrative_claims WHERE narrative_id = n.id),"
            " (SELECT max(claim_id) FROM narrative_claims WHERE narrative_id = n.id),"
            " n.status, n.notes, n.version, n.merged_into, n.size, n.score, n.flagged, n.label_claim_id,"
            " (SELECT max(id) FROM audit WHERE subject = 'narrative:' || n.id),"
            " (SELECT group_concat(kind || ':' || reason, '|') FROM flags WHERE narrative_id = n.id),"
            " (SELECT max(rowid) FROM factcheck_matches)"
            " FROM narratives n WHERE n.id = ?", (int(narrative_id),)).fetchone()
    if row is None:
        return NarrativeStamp(None, None)
    return NarrativeStamp(tuple(row[:3]), tuple(row[3:]))

"""Reading narratives: the list with its flags, one narrative with its claims, and pages for the window.

Writes (membership, centroids, statistics) live in :mod:`.memberships`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from ..domain import Flag, Member, Narrative, NarrativeSummary
from .database import store_errors
from .keyset import read_page
from .narrative_claims import MEMBER_COLUMNS, MEMBER_JOINS

SUMMARY_COLUMNS = """
    n.id, coalesce(c.text, ''), n.status, n.size, n.sources, n.languages, n.first_seen, n.last_seen,
    n.score, n.flagged, n.version
"""


def _flags_of(db: sqlite_utils.Database, ids: Sequence[int]) -> dict[int, tuple[Flag, ...]]:
    found: dict[int, list[Flag]] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        rows = db.conn.execute(
            f"SELECT narrative_id, kind, reason, weight FROM flags WHERE narrative_id IN ({','.join('?' * len(chunk))})"
            " ORDER BY weight DESC", chunk,
        )
        for narrative_id, kind, reason, weight in rows:
            found.setdefault(narrative_id, []).append(Flag(kind, reason, weight))
    return {k: tuple(v) for k, v in found.items()}


def _summaries(db: sqlite_utils.Database, rows: list[tuple]) -> list[NarrativeSummary]:
    flags = _flags_of(db, [r[0] for r in rows])
    return [
        NarrativeSummary(
            id=r[0], label=r[1], status=r[2], size=r[3], sources=r[4],
            languages=tuple(x for x in r[5].split(",") if x), first_seen=r[6], last_seen=r[7],
            score=r[8], flagged=bool(r[9]), flags=flags.get(r[0], ()), version=r[10],
        )
        for r in rows
    ]


def list_narratives(db: sqlite_utils.Database, filters: NarrativeFilter | None = None, *,
                    limit: int | None = None, offset: int = 0) -> list[NarrativeSummary]:
    """Return the narratives that pass ``filters`` (any, when None), flagged first, then by score
    and recency; ``offset`` skips the first ones. :func:`count_narratives` tells how many a capped
    list left out.
    """
    where, params = _filter_sql(filters or NarrativeFilter())
    sql = (f"SELECT {SUMMARY_COLUMNS} FROM narratives n LEFT JOIN claims c ON c.id = n.label_claim_id"
           f" WHERE {' AND '.join(where)} ORDER BY n.flagged DESC, n.score DESC, n.last_seen DESC, n.id")
    if limit or offset:
        sql += f" LIMIT {int(limit) if limit else -1} OFFSET {int(offset)}"
    with store_errors():
        return _summaries(db, db.conn.execute(sql, params).fetchall())


def get_narrative(db: sqlite_utils.Database, narrative_id: int, *, members: bool = True) -> Narrative | None:
    """Return a narrative with its members, oldest first, or None.

    ``members=False`` leaves the members out (an empty tuple): a large narrative's
    claims are read a page at a time with :func:`.narrative_claims.page_claims`.
    """
    with store_errors():
        row = db.conn.execute(
            f"SELECT {SUMMARY_COLUMNS}, n.notes FROM narratives n LEFT JOIN claims c ON c.id = n.label_claim_id"
            " WHERE n.id = ?", (narrative_id,),
        ).fetchone()
        if row is None:
            return None
        if not members:
            return Narrative(summary=_summaries(db, [row[:11]])[0], notes=row[11], members=())
        rows = db.conn.execute(
            f"SELECT {MEMBER_COLUMNS} FROM {MEMBER_JOINS} WHERE nc.narrative_id = ? ORDER BY a.published_at, c.id",
            (narrative_id,),
        ).fetchall()
    summary = _summaries(db, [row[:11]])[0]
    return Narrative(summary=summary, notes=row[11], members=tuple(Member(*m) for m in rows))


def merged_into(db: sqlite_utils.Database, narrative_id: int) -> int | None:
    """The narrative this one was merged into, or None (not merged, or no such narrative)."""
    with store_errors():
        row = db.conn.execute("SELECT merged_into FROM narratives WHERE id = ?", (narrative_id,)).fetchone()
    return row[0] if row else None


# --- Read-only queries for the window's list: filters, server-side sort, keyset pages. ---

SORT_COLUMNS: dict[str, str] = {
    "score": "n.score",
    "sources": "n.sources",
    "claims": "n.size",
    "first_seen": "coalesce(n.first_seen, '')",
    "last_seen": "coalesce(n.last_seen, '')",
    "status": "n.status",
}
"""What the list can be sorted by, and the SQL each sort orders on."""



@dataclass(frozen=True)
class NarrativeFilter:
    """Which narratives the list shows; ``None`` means any.

    ``since`` and ``until`` keep narratives active in that period (last seen at or after
    ``since``, first seen before ``until``); ``ids`` restricts the list to these narratives
    (search results). The window's list, the command line and briefs all filter with it.
    """

    status: str | None = None
    flagged_only: bool = False
    flag_kind: str | None = None
    language: str | None = None
    feed_id: int | None = None
    tag: str | None = None
    since: str | None = None
    until: str | None = None
    ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class NarrativeRow:
    """A narrative as a row of the list, with how fast it is growing."""

    summary: NarrativeSummary
    recent_claims: int  # claims published in the last GROWTH_HOURS of its activity


@dataclass(frozen=True)
class NarrativePage:
    """One page of the list; pass ``after`` back to get the next page (None: no more)."""

    rows: tuple[NarrativeRow, ...]
    after: tuple | None


@dataclass(frozen=True)
class FilterChoices:
    """The values the list's filters can take in this store."""

    statuses: tuple[str, ...]
    flag_kinds: tuple[str, ...]
    languages: tuple[str, ...]
    feeds: tuple[tuple[int, str], ...]  # (id, title)
    tags: tuple[str, ...]
    latest: str | None  # the latest activity of any narrative (a sensible "since" starts before it)


def _filter_sql(filters: NarrativeFilter) -> tuple[list[str], list]:
    where, params = ["n.merged_into IS NULL"], []
    if filters.status:
        where.append("n.status = ?")
        params.append(filters.status)
    if filters.flagged_only:
        where.append("n.flagged = 1")
    if filters.flag_kind:
        where.append("EXISTS (SELECT 1 FROM flags fl WHERE fl.narrative_id = n.id AND fl.kind = ?)")
        params.append(filters.flag_kind)
    if filters.language:
        # languages is a comma-joined list of codes: match a whole code, not a prefix.
        where.append("instr(',' || n.languages || ',', ',' || ? || ',') > 0")
        params.append(filters.language)
    if filters.feed_id is not None:
        where.append("n.id IN (SELECT nc.narrative_id FROM articles a JOIN claims c ON c.article_id = a.id"
                     " JOIN narrative_claims nc ON nc.claim_id = c.id WHERE a.feed_id = ?)")
        params.append(int(filters.feed_id))
    if filters.tag:
        where.append("n.id IN (SELECT nc.narrative_id FROM feed_tags t JOIN articles a ON a.feed_id = t.feed_id"
                     " JOIN claims c ON c.article_id = a.id JOIN narrative_claims nc ON nc.claim_id = c.id"
                     " WHERE t.tag = ?)")
        params.append(filters.tag)
    if filters.since:
        where.append("n.last_seen >= ?")
        params.append(filters.since)
    if filters.until:
        where.append("coalesce(n.first_seen, '') < ?")
        params.append(filters.until)
    if filters.ids is not None:
        # json_each: any number of ids without hitting SQLite's variable limit.
        where.append("n.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in filters.ids]))
    return where, params


def _order(sort: str, descending: bool, flagged_first: bool) -> list[tuple[str, bool]]:
    if sort not in SORT_COLUMNS:
        raise ValueError(f"cannot sort narratives by {sort!r}; choose one of {', '.join(SORT_COLUMNS)}")
    # The (flagged, score) index serves the rank order; for any other order it only
    # slows the sort down, so "+" keeps SQLite from using it there.
    flagged = "n.flagged" if sort == "score" else "+n.flagged"
    columns = [(flagged, True)] if flagged_first else []
    return columns + [(SORT_COLUMNS[sort], descending), ("n.id", descending)]


def page_narratives(db: sqlite_utils.Database, filters: NarrativeFilter = NarrativeFilter(), *,
                    sort: str = "score", descending: bool = True, flagged_first: bool = True,
                    after: tuple | None = None, limit: int = 200) -> NarrativePage:
    """Return one page of narratives, filtered and sorted in SQL.

    Keyset paging: ``after`` is the previous page's ``after``, so every page costs
    the same however far the user scrolls, and rows do not shift under the reader.

    Parameters
    ----------
    filters
        Which narratives to show.
    sort
        A key of :data:`SORT_COLUMNS`; ties are broken by id.
    flagged_first
        Put flagged narratives before the others, whatever the sort.

    Raises
    ------
    StoreError
        The database cannot be read.
    ValueError
        ``sort`` is not a known key.

    Examples
    --------
    >>> page = page_narratives(store.db, NarrativeFilter(flagged_only=True), sort="sources")
    >>> more = page_narratives(store.db, NarrativeFilter(flagged_only=True), sort="sources", after=page.after)
    """
    where, params = _filter_sql(filters)
    rows, after = read_page(db, select=f"{SUMMARY_COLUMNS}, n.recent_claims",
                            source="narratives n LEFT JOIN claims c ON c.id = n.label_claim_id",
                            where=where, params=params, order=_order(sort, descending, flagged_first),
                            after=after, limit=limit)
    return NarrativePage(tuple(NarrativeRow(s, r[-1]) for s, r in zip(_summaries(db, rows), rows)), after)


def count_narratives(db: sqlite_utils.Database, filters: NarrativeFilter = NarrativeFilter()) -> int:
    """Return how many narratives pass the filters."""
    where, params = _filter_sql(filters)
    with store_errors():
        return db.conn.execute(f"SELECT count(*) FROM narratives n WHERE {' AND '.join(where)}",
                               params).fetchone()[0]


def filter_choices(db: sqlite_utils.Database) -> FilterChoices:
    """Return the statuses, flag kinds, languages, feeds and tags the filters can offer."""
    with store_errors():
        languages = set()
        for (joined,) in db.conn.execute("SELECT DISTINCT languages FROM narratives WHERE merged_into IS NULL"):
            languages.update(code for code in (joined or "").split(",") if code)
        kinds = [r[0] for r in db.conn.execute("SELECT DISTINCT kind FROM flags ORDER BY kind")]
        feeds = db.conn.execute("SELECT id, coalesce(title, url) FROM feeds ORDER BY lower(coalesce(title, url)), id")
        feeds = tuple((r[0], r[1]) for r in feeds)
        tags = tuple(r[0] for r in db.conn.execute("SELECT DISTINCT tag FROM feed_tags ORDER BY tag"))
        latest = db.conn.execute("SELECT max(last_seen) FROM narratives WHERE merged_into IS NULL").fetchone()[0]
    known = ["spread", "cross-language", "watchlist", "growth", "fact-checked", "origin"]
    return FilterChoices(
        statuses=("new", "reviewing", "confirmed", "dismissed"),
        flag_kinds=tuple(known + [k for k in kinds if k not in known]),
        languages=tuple(sorted(languages)), feeds=feeds, tags=tags, latest=latest,
    )


def find_narratives(db: sqlite_utils.Database, text: str, *, exclude: int | None = None,
                    limit: int = 50) -> list[NarrativeSummary]:
    """Narratives whose id is ``text`` (``42`` or ``#42``) or whose label contains its words.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    text = text.strip()
    where, params = ["n.merged_into IS NULL"], []
    if exclude is not None:
        where.append("n.id != ?")
        params.append(int(exclude))
    digits = text.lstrip("#")
    if digits.isdigit():
        where.append("n.id = ?")
        params.append(int(digits))
    else:
        for word in text.split():
            where.append("c.text LIKE ? ESCAPE '\\'")
            params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    sql = (f"SELECT {SUMMARY_COLUMNS} FROM narratives n LEFT JOIN claims c ON c.id = n.label_claim_id"
           f" WHERE {' AND '.join(where)} ORDER BY n.flagged DESC, n.score DESC, n.id LIMIT ?")
    with store_errors():
        return _summaries(db, db.conn.execute(sql, params + [int(limit)]).fetchall())

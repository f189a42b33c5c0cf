"""Known fact-checks: the library, its matches with claims, and the "fact-checked" flag.

A fact-checker's first question about a spreading claim is "has anyone checked
this already?". The library holds published fact-checks, imported from files
(:mod:`.importer`) or read from feeds tagged ``fact-checker``; every claim
is matched against it (:mod:`.match`). A narrative whose claims match a
fact-check above the model's calibrated threshold is flagged ``fact-checked``,
with the fact-check's rating, publisher, date and link as the reason. A reviewer
confirms or rejects a match; a rejected match stops flagging, and each decision
is kept in the audit trail next to the narrative's other review actions.

Examples
--------
>>> from app.engine.factchecks.importer import import_factchecks
>>> report = import_factchecks(store, ["factchecks.json"])
>>> [fc.rating for fc in list_factchecks(store.db, limit=3)]
['False', 'False', 'Altered']
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import sqlite_utils

from ..domain import Flag
from ..errors import FactCheckError
from .items import FactCheckDraft
from .values import verdict_of
from ..narrative_state import refresh_stored
from ..settings import Settings
from ..store import Store, review_transaction, store_errors, utc_now, write_transaction
from ..store import audit, reviews

MATCH_STATUSES = ("new", "confirmed", "rejected")


@dataclass(frozen=True)
class MatchThresholds:
    """When a claim repeats a known fact-check, for one embedding model.

    ``flag`` is the score from which a match flags its narrative, picked on the
    CLEF-2020 CheckThat! train tweets for precision (``bench/factchecks.py``,
    ``bench/results/factchecks.md``): a flag a fact-checker opens should be right.
    ``suggest`` is the lowest score kept as a possible match, shown but not flagging.
    Within one language the score is a weighted mean of the embedding cosine
    (weight 1), the IDF-weighted word overlap (``lexical_weight``), the BM25 score
    relative to the best of the query (``bm25_weight``) and reciprocal-rank credit for
    ranking high in both lists (``rank_weight``). ``cross_language`` is the cosine a
    match needs across languages to flag, where words are not shared, and
    ``cross_suggest`` the one it needs to be suggested (by default as far below
    ``cross_language`` as ``suggest`` is below ``flag``). A candidate stating numbers
    the claim does not (and none it does) loses ``numbers_penalty``.
    """

    flag: float
    suggest: float
    lexical_weight: float
    cross_language: float
    bm25_weight: float = 0.0
    rank_weight: float = 0.0
    numbers_penalty: float = 0.1
    cross_suggest: float | None = None

    def __post_init__(self) -> None:
        if self.cross_suggest is None:
            object.__setattr__(self, "cross_suggest", self.cross_language - (self.flag - self.suggest))


MODEL_THRESHOLDS: dict[str, MatchThresholds] = {
    # Weights and thresholds from bench/factchecks.py (bench/results/factchecks.md). CLEF is
    # English only, so the cross-language cosines that flag are the bars STS-B translations gave
    # (the clustering has since lowered its own for recall; a flag that says "debunked" keeps the
    # stricter one), and those that suggest are where the cosine alone is right as often as a
    # suggestion must be on CLEF. MiniLM is English-only: across languages it matches next to nothing.
    "use-multilingual": MatchThresholds(flag=0.63, suggest=0.60, lexical_weight=1.0, bm25_weight=1.0,
                                        rank_weight=0.2, cross_language=0.75, cross_suggest=0.68),
    "e5-small": MatchThresholds(flag=0.78, suggest=0.64, lexical_weight=0.5, bm25_weight=0.5, rank_weight=0.4,
                                cross_language=0.90),
    "minilm": MatchThresholds(flag=0.70, suggest=0.67, lexical_weight=0.5, bm25_weight=1.0, rank_weight=0.2,
                              cross_language=0.90, cross_suggest=0.65),
}
# A model folder the user brings has unknown scales: strict values.
FALLBACK_THRESHOLDS = MatchThresholds(flag=0.80, suggest=0.60, lexical_weight=1.0, bm25_weight=1.0,
                                      rank_weight=0.2, cross_language=0.90)


def thresholds_for(model: str) -> MatchThresholds:
    return MODEL_THRESHOLDS.get(model, FALLBACK_THRESHOLDS)


@dataclass(frozen=True)
class FactCheck:
    """A published fact-check of a claim."""

    id: int
    external_id: str | None
    claim: str
    title: str | None
    claimant: str | None
    claim_date: str | None
    rating: str | None  # as the publisher wrote it
    verdict: str  # false, misleading, mixed, true, unproven or other
    publisher: str | None
    publisher_site: str | None
    url: str | None
    review_date: str | None
    language: str | None
    source: str  # the file it was imported from, or "feed:<id>"
    article_id: int | None
    imported_at: str
    updated_at: str

    def describe(self) -> str:
        """``rated False by ClaimCheck Desk (2026-11-12): https://...`` in plain words."""
        rated = f"rated {self.rating}" if self.rating else "rating unknown"
        by = f" by {self.publisher}" if self.publisher else ""
        when = f" ({self.review_date})" if self.review_date else ""
        link = f": {self.url}" if self.url else ""
        return f"{rated}{by}{when}{link}"


@dataclass(frozen=True)
class NarrativeFactCheck:
    """A fact-check matched by claims of a narrative.

    ``status`` is ``confirmed`` if a reviewer confirmed it for any of the claims,
    else ``rejected`` if one rejected it, else ``new``. ``flagging`` says whether it
    flags the narrative (confirmed, or new and scoring at least the flag threshold).
    """

    factcheck: FactCheck
    score: float
    status: str
    flagging: bool
    claim_ids: tuple[int, ...]


COLUMNS = ("id, external_id, claim, title, claimant, claim_date, rating, verdict, publisher, publisher_site, url,"
           " review_date, language, source, article_id, imported_at, updated_at")
_WRITABLE = ("external_id", "url", "claim", "title", "claimant", "claim_date", "rating", "publisher",
             "publisher_site", "review_date", "language")


def _prefixed(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in COLUMNS.split(","))


def fold_text(text: str) -> str:
    """Lower case, accents off, punctuation and spacing collapsed: texts compared as a reader would."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def text_key(claim: str, publisher: str | None) -> str:
    """The identity of a fact-check without an id or URL: its claim as a reader sees it, and who checked it."""
    return hashlib.sha1(f"{fold_text(claim)}|{fold_text(publisher or '')}".encode()).hexdigest()


def _find(conn: sqlite3.Connection, draft: FactCheckDraft, key: str, touched: set[int]) -> int | None:
    """The stored fact-check a draft is a new version of: same external id, else same URL, else same text."""
    if draft.external_id:
        row = conn.execute("SELECT id FROM factchecks WHERE external_id = ? ORDER BY id LIMIT 1",
                           (draft.external_id,)).fetchone()
        if row:
            return row[0]
    if draft.url:
        rows = conn.execute("SELECT id, text_key, external_id FROM factchecks WHERE url = ? ORDER BY id",
                            (draft.url,)).fetchall()
        rows = [r for r in rows if not (draft.external_id and r[2] and r[2] != draft.external_id)]
        same_text = [r[0] for r in rows if r[1] == key]
        if same_text:
            return same_text[0]
        # One article may check several claims: a second claim at the same URL in the
        # same import is another fact-check, while one claim re-worded since is an update.
        if len(rows) == 1 and rows[0][0] not in touched:
            return rows[0][0]
        return None
    # Two items with their own ids are two fact-checks, even when they say the same.
    row = conn.execute("SELECT id FROM factchecks WHERE text_key = ? AND (? IS NULL OR external_id IS NULL)"
                       " ORDER BY id LIMIT 1", (key, draft.external_id)).fetchone()
    return row[0] if row else None


def save_draft(conn: sqlite3.Connection, draft: FactCheckDraft, *, source: str, article_id: int | None = None,
               keep_existing: bool = False, touched: set[int] | None = None) -> tuple[int, str]:
    """Insert or update one fact-check inside the caller's transaction; return ``(id, outcome)``.

    ``outcome`` is ``added``, ``updated`` or ``unchanged``. A re-import replaces the
    values the file gives and keeps those it leaves out; with ``keep_existing``
    (a fact-checker's feed, which knows less than a file) only empty values are filled.
    A changed claim or title drops the fact-check's vectors, so it is embedded anew.
    """
    touched = touched if touched is not None else set()
    key = text_key(draft.claim, draft.publisher)
    found = _find(conn, draft, key, touched)
    now = utc_now()
    new = {name: getattr(draft, name) for name in _WRITABLE}
    if found is None:
        factcheck_id = conn.execute(
            f"INSERT INTO factchecks ({', '.join(_WRITABLE)}, text_key, verdict, source, article_id, imported_at,"
            f" updated_at) VALUES ({', '.join('?' * len(_WRITABLE))}, ?, ?, ?, ?, ?, ?)",
            [*new.values(), key, verdict_of(draft.rating), source, article_id, now, now],
        ).lastrowid
        touched.add(factcheck_id)
        return factcheck_id, "added"
    touched.add(found)
    row = conn.execute(f"SELECT {', '.join(_WRITABLE)}, article_id FROM factchecks WHERE id = ?",
                       (found,)).fetchone()
    old = dict(zip(_WRITABLE, row[:-1]))
    merged = {name: (old[name] if keep_existing and old[name] else new[name] or old[name]) for name in _WRITABLE}
    changed = merged != old or (article_id is not None and row[-1] != article_id)
    if not changed:
        return found, "unchanged"
    conn.execute(
        f"UPDATE factchecks SET {', '.join(f'{n} = ?' for n in _WRITABLE)}, text_key = ?, verdict = ?,"
        " article_id = coalesce(?, article_id), updated_at = ? WHERE id = ?",
        [*merged.values(), text_key(merged["claim"], merged["publisher"]), verdict_of(merged["rating"]),
         article_id, now, found],
    )
    if (merged["claim"], merged["title"]) != (old["claim"], old["title"]):
        conn.execute("DELETE FROM factcheck_vectors WHERE factcheck_id = ?", (found,))
    return found, "updated"


def _factcheck(row: Sequence) -> FactCheck:
    return FactCheck(*row)


def get_factcheck(db: sqlite_utils.Database, factcheck_id: int) -> FactCheck | None:
    """Return one fact-check, or None."""
    with store_errors():
        row = db.conn.execute(f"SELECT {COLUMNS} FROM factchecks WHERE id = ?", (int(factcheck_id),)).fetchone()
    return _factcheck(row) if row else None


def list_factchecks(db: sqlite_utils.Database, *, search: str | None = None, verdict: str | None = None,
                    after: int | None = None, limit: int | None = 200) -> list[FactCheck]:
    """Return fact-checks, newest first (by id), optionally those whose claim or title has all the words of ``search``.

    ``after`` is the id of the last fact-check of the previous page (keyset paging).

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    from ..search import fts_query  # the same safe quoting as the claim search

    where, params = ["1"], []
    if search and fts_query(search):
        where.append("f.id IN (SELECT rowid FROM factchecks_fts WHERE factchecks_fts MATCH ?)")
        params.append(fts_query(search))
    if verdict:
        where.append("f.verdict = ?")
        params.append(verdict)
    if after is not None:
        where.append("f.id < ?")
        params.append(int(after))
    sql = f"SELECT {_prefixed('f')} FROM factchecks f WHERE {' AND '.join(where)} ORDER BY f.id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    with store_errors():
        return [_factcheck(r) for r in db.conn.execute(sql, params)]


def count_factchecks(db: sqlite_utils.Database) -> int:
    with store_errors():
        return db.conn.execute("SELECT count(*) FROM factchecks").fetchone()[0]


def remove_factchecks(store: Store, ids: Sequence[int]) -> set[int]:
    """Delete fact-checks (and their matches); return the narratives whose flags must be refreshed."""
    ids = [int(i) for i in ids]
    with write_transaction(store.db) as conn:
        narratives = _narratives_matching(conn, ids)
        conn.executemany("DELETE FROM factchecks WHERE id = ?", [(i,) for i in ids])
    return narratives


def _narratives_matching(conn: sqlite3.Connection, factcheck_ids: Sequence[int]) -> set[int]:
    rows = conn.execute(
        "SELECT DISTINCT nc.narrative_id FROM factcheck_matches m JOIN narrative_claims nc ON nc.claim_id = m.claim_id"
        " WHERE m.factcheck_id IN (SELECT value FROM json_each(?))", (json.dumps(list(factcheck_ids)),))
    return {r[0] for r in rows}


# --------------------------------------------------------------------------- matches of narratives


def narrative_factchecks(db: sqlite_utils.Database | sqlite3.Connection, narrative_id: int) -> list[NarrativeFactCheck]:
    """The fact-checks matched by a narrative's claims: flagging ones first, then by score.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    with store_errors():
        rows = conn.execute(
            f"SELECT {_prefixed('f')}, m.claim_id, m.score, m.status, m.model FROM factcheck_matches m"
            " JOIN narrative_claims nc ON nc.claim_id = m.claim_id JOIN factchecks f ON f.id = m.factcheck_id"
            " WHERE nc.narrative_id = ? ORDER BY m.score DESC", (int(narrative_id),)).fetchall()
    width = len(COLUMNS.split(","))
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    found = []
    for group in grouped.values():
        statuses = {r[width + 2] for r in group}
        status = "confirmed" if "confirmed" in statuses else "rejected" if "rejected" in statuses else "new"
        best = max(r[width + 1] for r in group)
        flagging = status == "confirmed" or (
            status == "new" and any(r[width + 1] >= thresholds_for(r[width + 3]).flag for r in group))
        found.append(NarrativeFactCheck(_factcheck(group[0][:width]), round(best, 4), status, flagging,
                                        tuple(sorted({r[width] for r in group}))))
    found.sort(key=lambda m: (not m.flagging, m.status == "rejected", -m.score))
    return found


VERDICT_WEIGHTS = {"false": 3.0, "misleading": 2.5, "mixed": 2.0, "unproven": 2.0, "other": 2.0, "true": 1.0}


def factcheck_flags(conn: sqlite3.Connection, narrative_id: int) -> list[Flag]:
    """The ``fact-checked`` flag of a narrative, if any of its matches flags it (at most one flag).

    The reason names the best fact-check; more of them are counted after it.
    """
    flagging = [m for m in narrative_factchecks(conn, narrative_id) if m.flagging]
    if not flagging:
        return []
    best = flagging[0].factcheck
    more = len(flagging) - 1
    reason = f"Previously fact-checked: {best.describe()}"
    if more:
        reason += f" (and {more} more fact-check{'s' if more > 1 else ''})"
    weight = max(VERDICT_WEIGHTS.get(m.factcheck.verdict, 2.0) for m in flagging)
    return [Flag("fact-checked", reason, weight)]


def claim_factchecks(db: sqlite_utils.Database, claim_id: int) -> list[tuple[FactCheck, float, str]]:
    """The fact-checks one claim matched, best first, with score and status."""
    with store_errors():
        rows = db.conn.execute(
            f"SELECT {_prefixed('f')}, m.score, m.status FROM factcheck_matches m JOIN factchecks f"
            " ON f.id = m.factcheck_id WHERE m.claim_id = ? ORDER BY m.score DESC", (int(claim_id),)).fetchall()
    return [(_factcheck(r[:-2]), r[-2], r[-1]) for r in rows]


@dataclass(frozen=True)
class ClaimMatch:
    """A claim that matched a fact-check, with its narrative (if any)."""

    claim_id: int
    text: str
    narrative_id: int | None
    score: float
    status: str


def factcheck_claims(db: sqlite_utils.Database, factcheck_id: int, *, limit: int = 200) -> list[ClaimMatch]:
    """The claims that matched one fact-check, best first.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    with store_errors():
        rows = db.conn.execute(
            "SELECT m.claim_id, c.text, nc.narrative_id, m.score, m.status FROM factcheck_matches m"
            " JOIN claims c ON c.id = m.claim_id LEFT JOIN narrative_claims nc ON nc.claim_id = m.claim_id"
            " WHERE m.factcheck_id = ? ORDER BY m.score DESC, m.claim_id LIMIT ?",
            (int(factcheck_id), int(limit))).fetchall()
    return [ClaimMatch(*r) for r in rows]


# --------------------------------------------------------------------------- review of matches


def refresh_narratives(store: Store, narrative_ids: Sequence[int], settings: Settings | None = None) -> None:
    """Recompute flags (and labels, scores) of narratives after their fact-check matches changed."""
    if not narrative_ids:
        return
    with write_transaction(store.db):
        refresh_stored(store, sorted(set(narrative_ids)), settings or Settings(), factcheck_flags)


def set_match_status(store: Store, narrative_id: int, factcheck_id: int, status: str, *,
                     settings: Settings | None = None,
                     actor: str | None = None) -> int:
    """Confirm, reject or reset the match of a fact-check with a narrative; return the claims it covers.

    Every claim of the narrative matching the fact-check gets the status. A
    rejected match no longer flags the narrative, and it stays rejected as new
    claims join; a confirmed one flags whatever its score. The action is kept in
    the audit trail as ``factcheck-match`` on the narrative.

    Raises
    ------
    FactCheckError
        Unknown status, or the narrative has no match with that fact-check.
    StoreError
        The database could not be written.
    """
    if status not in MATCH_STATUSES:
        raise FactCheckError(f"A match's status must be one of {', '.join(MATCH_STATUSES)}, not {status!r}.")
    with review_transaction(store.db, store.data_dir) as conn:
        rows = conn.execute(
            "SELECT m.claim_id, m.status FROM factcheck_matches m JOIN narrative_claims nc ON nc.claim_id = m.claim_id"
            " WHERE nc.narrative_id = ? AND m.factcheck_id = ?", (int(narrative_id), int(factcheck_id))).fetchall()
        if not rows:
            raise FactCheckError(f"Narrative {narrative_id} has no match with fact-check {factcheck_id}.")
        reviews.set_match_statuses(conn, factcheck_id, {r[0]: status for r in rows})
        detail = {"factcheck_id": int(factcheck_id), "to": status, "from": {str(r[0]): r[1] for r in rows}}
        audit.record(conn, actor=actor, action="factcheck-match", subject=f"narrative:{int(narrative_id)}",
                     detail=detail)
        refresh_stored(store, [int(narrative_id)], settings or Settings(), factcheck_flags)
    return len(rows)


def set_claim_match_status(store: Store, claim_id: int, factcheck_id: int, status: str, *,
                           settings: Settings | None = None,
                           actor: str | None = None) -> None:
    """Confirm, reject or reset one claim's match with a fact-check (audited on the claim's narrative).

    Raises
    ------
    FactCheckError
        Unknown status, or no such match.
    """
    if status not in MATCH_STATUSES:
        raise FactCheckError(f"A match's status must be one of {', '.join(MATCH_STATUSES)}, not {status!r}.")
    with review_transaction(store.db, store.data_dir) as conn:
        row = conn.execute("SELECT status FROM factcheck_matches WHERE claim_id = ? AND factcheck_id = ?",
                           (int(claim_id), int(factcheck_id))).fetchone()
        if row is None:
            raise FactCheckError(f"Claim {claim_id} has no match with fact-check {factcheck_id}.")
        reviews.set_match_statuses(conn, factcheck_id, {int(claim_id): status})
        owner = conn.execute("SELECT narrative_id FROM narrative_claims WHERE claim_id = ?", (int(claim_id),)).fetchone()
        subject = f"narrative:{owner[0]}" if owner else f"claim:{int(claim_id)}"
        detail = {"factcheck_id": int(factcheck_id), "to": status, "from": {str(int(claim_id)): row[0]}}
        audit.record(conn, actor=actor, action="factcheck-match", subject=subject, detail=detail)
        if owner:
            refresh_stored(store, [owner[0]], settings or Settings(), factcheck_flags)


def describe_match_action(detail_json: str) -> str:
    """One line of the audit trail for a ``factcheck-match`` action."""
    detail = json.loads(detail_json or "{}")
    verb = {"confirmed": "confirmed", "rejected": "rejected", "new": "reset"}.get(detail.get("to"), detail.get("to"))
    return f"{verb} the match with fact-check {detail.get('factcheck_id')} ({len(detail.get('from', {}))} claims)"


__all__ = ["ClaimMatch", "FactCheck", "FactCheckError", "MATCH_STATUSES", "MODEL_THRESHOLDS", "MatchThresholds",
           "NarrativeFactCheck", "claim_factchecks", "count_factchecks", "describe_match_action", "factcheck_claims",
           "factcheck_flags", "fold_text", "get_factcheck", "list_factchecks", "narrative_factchecks",
           "refresh_narratives", "remove_factchecks", "save_draft", "set_claim_match_status", "set_match_status",
           "text_key", "thresholds_for"]

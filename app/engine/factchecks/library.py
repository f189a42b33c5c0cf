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

from ..domain import FactCheck, Flag
from ..errors import FactCheckError
from .items import FactCheckDraft
from .values import verdict_of
from ..narrative_state import refresh_stored
from ..settings import Settings
from ..store import Store, review_transaction, utc_now, write_transaction
from ..store import audit, factcheck_matches, memberships, reviews
from ..store import factchecks as library_store

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
        found = library_store.id_by_external_id(conn, draft.external_id)
        if found is not None:
            return found
    if draft.url:
        rows = library_store.at_url(conn, draft.url)
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
    return library_store.id_by_text_key(conn, key, draft.external_id)


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
    writable = library_store.WRITABLE
    new = {name: getattr(draft, name) for name in writable}
    if found is None:
        factcheck_id = library_store.insert_factcheck(conn, new, key=key, verdict=verdict_of(draft.rating),
                                                      source=source, article_id=article_id, now=now)
        touched.add(factcheck_id)
        return factcheck_id, "added"
    touched.add(found)
    old, old_article = library_store.writable_values(conn, found)
    merged = {name: (old[name] if keep_existing and old[name] else new[name] or old[name]) for name in writable}
    changed = merged != old or (article_id is not None and old_article != article_id)
    if not changed:
        return found, "unchanged"
    library_store.update_factcheck(conn, found, merged, key=text_key(merged["claim"], merged["publisher"]),
                                   verdict=verdict_of(merged["rating"]), article_id=article_id, now=now)
    if (merged["claim"], merged["title"]) != (old["claim"], old["title"]):
        library_store.delete_vectors(conn, found)
    return found, "updated"


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

    return library_store.list_factchecks(db, words=fts_query(search) if search else None, verdict=verdict,
                                         after=after, limit=limit)


def remove_factchecks(store: Store, ids: Sequence[int]) -> set[int]:
    """Delete fact-checks (and their matches); return the narratives whose flags must be refreshed."""
    ids = [int(i) for i in ids]
    with write_transaction(store.db) as conn:
        narratives = factcheck_matches.narratives_matching(conn, ids)
        library_store.delete_factchecks(conn, ids)
    return narratives


# --------------------------------------------------------------------------- matches of narratives


def narrative_factchecks(db: sqlite_utils.Database | sqlite3.Connection, narrative_id: int) -> list[NarrativeFactCheck]:
    """The fact-checks matched by a narrative's claims: flagging ones first, then by score.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    grouped: dict[int, list] = {}
    for match in factcheck_matches.narrative_matches(conn, narrative_id):
        grouped.setdefault(match[0].id, []).append(match)
    found = []
    for group in grouped.values():
        statuses = {status for _, _, _, status, _ in group}
        status = "confirmed" if "confirmed" in statuses else "rejected" if "rejected" in statuses else "new"
        best = max(score for _, _, score, _, _ in group)
        flagging = status == "confirmed" or (
            status == "new" and any(score >= thresholds_for(model).flag for _, _, score, _, model in group))
        found.append(NarrativeFactCheck(group[0][0], round(best, 4), status, flagging,
                                        tuple(sorted({claim_id for _, claim_id, _, _, _ in group}))))
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
        rows = factcheck_matches.narrative_statuses(conn, narrative_id, factcheck_id)
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
        previous = factcheck_matches.match_status(conn, claim_id, factcheck_id)
        if previous is None:
            raise FactCheckError(f"Claim {claim_id} has no match with fact-check {factcheck_id}.")
        reviews.set_match_statuses(conn, factcheck_id, {int(claim_id): status})
        owner = memberships.narrative_of_claim(conn, claim_id)
        subject = f"narrative:{owner}" if owner is not None else f"claim:{int(claim_id)}"
        detail = {"factcheck_id": int(factcheck_id), "to": status, "from": {str(int(claim_id)): previous}}
        audit.record(conn, actor=actor, action="factcheck-match", subject=subject, detail=detail)
        if owner is not None:
            refresh_stored(store, [owner], settings or Settings(), factcheck_flags)


def describe_match_action(detail_json: str) -> str:
    """One line of the audit trail for a ``factcheck-match`` action."""
    detail = json.loads(detail_json or "{}")
    verb = {"confirmed": "confirmed", "rejected": "rejected", "new": "reset"}.get(detail.get("to"), detail.get("to"))
    return f"{verb} the match with fact-check {detail.get('factcheck_id')} ({len(detail.get('from', {}))} claims)"


__all__ = ["FactCheckError", "MATCH_STATUSES", "MODEL_THRESHOLDS", "MatchThresholds", "NarrativeFactCheck",
           "describe_match_action", "factcheck_flags", "fold_text", "list_factchecks", "narrative_factchecks",
           "refresh_narratives", "remove_factchecks", "save_draft", "set_claim_match_status", "set_match_status",
           "text_key", "thresholds_for"]

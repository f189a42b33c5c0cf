"""Matches of claims with fact-checks, and which claims were checked against the library.

Each claim keeps its best matches (``factcheck_matches``) with their score, the model
that scored them and a reviewer's status (``new``, ``confirmed``, ``rejected``; set by
:func:`.reviews.set_match_statuses`); ``factcheck_checked`` remembers the claims each
model has checked. What a match means for a narrative's flag is decided in
:mod:`app.engine.factchecks.library`. Functions taking a connection run inside the
caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

import sqlite_utils

from ..domain import ClaimMatch, FactCheck
from .database import store_errors
from .factchecks import WIDTH, prefixed


def _ids_json(ids: Sequence[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


# --------------------------------------------------------------------------- checking claims


def count_unchecked(db: sqlite_utils.Database, model: str) -> int:
    """How many claims were not checked with ``model`` yet."""
    with store_errors():
        return db.conn.execute(
            "SELECT count(*) FROM claims c LEFT JOIN factcheck_checked k ON k.claim_id = c.id AND k.model = ?"
            " WHERE k.claim_id IS NULL", (model,)).fetchone()[0]


def unchecked_claims(db: sqlite_utils.Database, model: str, limit: int) -> list[tuple[int, str, str | None, int]]:
    """``(id, text, language, article_id)`` of the first ``limit`` claims, by id, not checked with ``model`` yet."""
    with store_errors():
        return db.conn.execute(
            "SELECT c.id, c.text, c.language, c.article_id FROM claims c LEFT JOIN factcheck_checked k"
            " ON k.claim_id = c.id AND k.model = ? WHERE k.claim_id IS NULL ORDER BY c.id LIMIT ?",
            (model, limit)).fetchall()


def claims_with_matches(conn: sqlite3.Connection, claim_ids: Sequence[int]) -> set[int]:
    """Those of ``claim_ids`` that have a match."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT claim_id FROM factcheck_matches WHERE claim_id IN (SELECT value FROM json_each(?))",
        (_ids_json(claim_ids),))}


def replace_new_matches(conn: sqlite3.Connection, claim_id: int, model: str, matches: Sequence[tuple[int, float]],
                        now: str) -> None:
    """Replace a claim's unreviewed matches with ``(factcheck_id, score)`` pairs; a reviewed match
    among them gets the new score and keeps its status."""
    conn.execute("DELETE FROM factcheck_matches WHERE claim_id = ? AND status = 'new'", (claim_id,))
    conn.executemany(
        "INSERT INTO factcheck_matches (claim_id, factcheck_id, model, score, status, matched_at)"
        " VALUES (?, ?, ?, ?, 'new', ?) ON CONFLICT (claim_id, factcheck_id) DO UPDATE SET"
        " score = excluded.score, model = excluded.model, matched_at = excluded.matched_at",
        [(claim_id, factcheck_id, model, score, now) for factcheck_id, score in matches])


def mark_checked(conn: sqlite3.Connection, model: str, claim_ids: Sequence[int], now: str) -> None:
    """Remember these claims as checked with ``model``."""
    conn.executemany("INSERT INTO factcheck_checked (claim_id, model, checked_at) VALUES (?, ?, ?)"
                     " ON CONFLICT (claim_id) DO UPDATE SET model = excluded.model, checked_at = excluded.checked_at",
                     [(i, model, now) for i in claim_ids])


def forget_checked(conn: sqlite3.Connection, claim_ids: Sequence[int] | None = None) -> None:
    """Forget that these claims (every claim, when None) were checked, with any model: they are checked again."""
    if claim_ids is None:
        conn.execute("DELETE FROM factcheck_checked")
    else:
        conn.execute("DELETE FROM factcheck_checked WHERE claim_id IN (SELECT value FROM json_each(?))",
                     (_ids_json(sorted(claim_ids)),))


# --------------------------------------------------------------------------- reading matches


def narrative_matches(conn: sqlite3.Connection, narrative_id: int) -> list[tuple[FactCheck, int, float, str, str]]:
    """``(fact-check, claim_id, score, status, model)`` of every match of a narrative's claims, best score first.

    Raises
    ------
    StoreError
        The database cannot be read.
    """
    with store_errors():
        rows = conn.execute(
            f"SELECT {prefixed('f')}, m.claim_id, m.score, m.status, m.model FROM factcheck_matches m"
            " JOIN narrative_claims nc ON nc.claim_id = m.claim_id JOIN factchecks f ON f.id = m.factcheck_id"
            " WHERE nc.narrative_id = ? ORDER BY m.score DESC", (int(narrative_id),)).fetchall()
    return [(FactCheck(*r[:WIDTH]), *r[WIDTH:]) for r in rows]


def matching_claims(db: sqlite_utils.Database, factcheck_id: int, *, limit: int = 200) -> list[ClaimMatch]:
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


def narrative_statuses(conn: sqlite3.Connection, narrative_id: int, factcheck_id: int) -> list[tuple[int, str]]:
    """``(claim_id, status)`` of the matches of a narrative's claims with one fact-check."""
    return conn.execute(
        "SELECT m.claim_id, m.status FROM factcheck_matches m JOIN narrative_claims nc ON nc.claim_id = m.claim_id"
        " WHERE nc.narrative_id = ? AND m.factcheck_id = ?", (int(narrative_id), int(factcheck_id))).fetchall()


def match_status(conn: sqlite3.Connection, claim_id: int, factcheck_id: int) -> str | None:
    """The status of a claim's match with a fact-check, or None when they do not match."""
    row = conn.execute("SELECT status FROM factcheck_matches WHERE claim_id = ? AND factcheck_id = ?",
                       (int(claim_id), int(factcheck_id))).fetchone()
    return row[0] if row else None


def narratives_matching(conn: sqlite3.Connection, factcheck_ids: Sequence[int]) -> set[int]:
    """The narratives with a claim matching any of these fact-checks."""
    rows = conn.execute(
        "SELECT DISTINCT nc.narrative_id FROM factcheck_matches m JOIN narrative_claims nc ON nc.claim_id = m.claim_id"
        " WHERE m.factcheck_id IN (SELECT value FROM json_each(?))", (json.dumps(list(factcheck_ids)),))
    return {r[0] for r in rows}

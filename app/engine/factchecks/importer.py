"""Filling the fact-check library: from files, and from feeds tagged ``fact-checker``.

An import never stops at a bad item: each is reported with its file and line or
item number, and everything valid is stored. Re-importing a file updates its
fact-checks in place (found again by external id, else URL, else claim text and
publisher), so it never duplicates them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Cancelled, ImportFileError
from .formats import read_factcheck_file
from .items import FactCheckDraft
from .values import verdict_of
from .library import save_draft
from ..store import Store, write_transaction
from ..store import factchecks as library_store
from ..progress import Progress

log = logging.getLogger(__name__)


BATCH = 500
FACT_CHECKER_TAG = "fact-checker"


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong with one item of a file (or with the whole file: ``location`` None)."""

    path: str
    location: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}, {self.location}" if self.location else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    ``errors`` are items (or files) left out; ``warnings`` are oddities of items that
    were kept (a date not understood). ``factcheck_ids`` are the fact-checks added or
    updated, to match claims against.
    """

    files: int
    items: int
    added: int
    updated: int
    unchanged: int
    skipped: int
    failed_files: tuple[str, ...]
    errors: tuple[ImportProblem, ...]
    warnings: tuple[ImportProblem, ...]
    factcheck_ids: tuple[int, ...]

    @property
    def stored(self) -> int:
        return self.added + self.updated + self.unchanged

    def summary(self) -> str:
        """One line in plain words."""
        text = (f"{self.files} file(s): {self.added} fact-check(s) added, {self.updated} updated, "
                f"{self.unchanged} unchanged")
        if self.skipped:
            text += f", {self.skipped} item(s) left out"
        if self.failed_files:
            text += f", {len(self.failed_files)} file(s) unreadable"
        return text + "."


class _Tally:
    def __init__(self) -> None:
        self.items = self.added = self.updated = self.unchanged = self.skipped = 0
        self.errors: list[ImportProblem] = []
        self.warnings: list[ImportProblem] = []
        self.failed: list[str] = []
        self.changed: list[int] = []


def _save_batch(store: Store, batch: list[FactCheckDraft], source: str, tally: _Tally, touched: set[int]) -> None:
    from ..text import detect_language

    # The language decides whether a match must cross languages; guess it where the file is silent.
    batch[:] = [d if d.language else replace(d, language=detect_language(d.claim)) for d in batch]
    with write_transaction(store.db) as conn:
        for draft in batch:
            factcheck_id, outcome = save_draft(conn, draft, source=source, touched=touched)
            setattr(tally, outcome, getattr(tally, outcome) + 1)
            if outcome != "unchanged":
                tally.changed.append(factcheck_id)
    batch.clear()


def _import_file(store: Store, path: Path, tally: _Tally, progress: Progress | None, done: float, share: float,
                 cancel: threading.Event | None) -> None:
    name = str(path)
    batch: list[FactCheckDraft] = []
    touched: set[int] = set()
    source = str(path.resolve())
    fraction = [0.0]
    for number, item in enumerate(read_factcheck_file(path, read=lambda f: fraction.__setitem__(0, f)), 1):
        if item.error:
            tally.skipped += 1
            tally.errors.append(ImportProblem(name, item.location, item.error))
        tally.warnings.extend(ImportProblem(name, item.location, w) for w in item.warnings)
        tally.items += bool(item.drafts or item.error)
        batch.extend(item.drafts)
        if len(batch) >= BATCH:
            if cancel is not None and cancel.is_set():
                raise Cancelled("Import stopped; the fact-checks read so far are kept.")
            _save_batch(store, batch, source, tally, touched)
            if progress:
                progress(done + share * fraction[0], f"importing {path.name}: {number} items")
    if batch:
        _save_batch(store, batch, source, tally, touched)


def import_factchecks(store: Store, paths: Iterable[str | Path], *, progress: Progress | None = None,
                      cancel: threading.Event | None = None) -> ImportReport:
    """Import fact-check files into the library.

    Parameters
    ----------
    paths
        ClaimReview JSON-LD (``.json``, ``.jsonld``), fact-check tools' JSON or JSON
        Lines, CSV with a header row, or HTML pages with ClaimReview JSON-LD; see
        :mod:`app.engine.factchecks.formats`.

    Returns
    -------
    ImportReport
        Counts, and every problem with its file and line or item. A file that
        cannot be read at all is listed in ``failed_files``; the others are stored.

    Raises
    ------
    Cancelled
        ``cancel`` was set; the fact-checks stored so far are kept.
    StoreError
        The database could not be written.

    Examples
    --------
    >>> report = import_factchecks(store, ["factchecks.json", "checks.csv"])
    >>> report.added, [str(p) for p in report.errors]
    (13, ['checks.csv, line 7: no claim text (a 'claim' field)'])
    """
    paths = [Path(p) for p in paths]
    tally = _Tally()
    for index, path in enumerate(paths):
        if cancel is not None and cancel.is_set():
            raise Cancelled("Import stopped; the fact-checks read so far are kept.")
        if progress:
            progress(index / max(1, len(paths)), f"importing {path.name}")
        try:
            _import_file(store, path, tally, progress, index / len(paths), 1 / len(paths), cancel)
        except ImportFileError as exc:
            tally.failed.append(str(path))
            tally.errors.append(ImportProblem(exc.path, exc.location, str(exc).split(": ", 1)[-1]
                                              if exc.location is None else _message(exc)))
    if progress:
        progress(1.0, "fact-checks imported")
    return ImportReport(
        files=len(paths), items=tally.items, added=tally.added, updated=tally.updated, unchanged=tally.unchanged,
        skipped=tally.skipped, failed_files=tuple(tally.failed), errors=tuple(tally.errors),
        warnings=tuple(tally.warnings), factcheck_ids=tuple(dict.fromkeys(tally.changed)),
    )


def _message(exc: ImportFileError) -> str:
    prefix = f"{exc.path}, {exc.location}: "
    text = str(exc)
    return text[len(prefix):] if text.startswith(prefix) else text


# --------------------------------------------------------------------------- feeds tagged fact-checker

_CLAIM_RE = re.compile(r"\b(?:Claim|Behauptung|Affirmation|Afirmaci[oó]n|Twierdzenie|Утверждение)\s*:\s*(.+?)"
                       r"(?=\s*(?:Rating|Verdict|Bewertung|Verdict|Veredicto|Ocena|Вердикт|Note)\s*:|$)",
                       re.IGNORECASE | re.DOTALL)
_RATING_RE = re.compile(r"\b(?:Rating|Verdict|Bewertung|Veredicto|Ocena|Вердикт)\s*:\s*([^.\n]{1,60})",
                        re.IGNORECASE)


def _title_verdict(title: str) -> str | None:
    """The rating a headline states at its start or end ("False: ...", "... - Misleading"), else None."""
    parts = [p.strip() for p in re.split(r"[:?!|\u2013\u2014]|\s-\s", title) if p.strip()]
    for part in (parts[:1] + parts[-1:]) if len(parts) > 1 else []:
        if verdict_of(part) != "other":
            return part
    return None


def draft_from_article(title: str, text: str, first_claim: str | None, link: str | None, publisher: str | None,
                       published_at: str | None, language: str | None) -> FactCheckDraft | None:
    """A fact-check from a fact-checker's article, or None when the article states no checked claim.

    A fact-checker's feed also carries round-ups, explainers and notes on method
    ("Every fact check we publish ends with a rating."): in the library they would
    match whatever mentions fact checks. An article enters when it states a verdict,
    in a ``Rating:`` line or its headline ("False: ..."), or labels the claim it
    checks (``Claim: ...``). The claim is that line, else the article's first claim
    after its title (the title as a last resort).
    """
    head = text[:2000]
    claim_match = _CLAIM_RE.search(head)
    rating_match = _RATING_RE.search(head)
    rating = rating_match.group(1).strip() if rating_match else _title_verdict(title)
    if not (claim_match or rating):
        return None
    claim = " ".join(claim_match.group(1).split()) if claim_match else (first_claim or title)
    return FactCheckDraft(claim=claim.rstrip(), url=link, title=title, rating=rating, publisher=publisher,
                          review_date=published_at[:10] if published_at else None, language=language)


def sync_feed_factchecks(store: Store, *, tag: str = FACT_CHECKER_TAG) -> list[int]:
    """Add the articles of feeds tagged ``fact-checker`` to the library; return the new fact-checks' ids.

    Each article enters once (it is remembered by its id); one already in the
    library from a file (same URL) is linked to it, its file values kept.

    Raises
    ------
    StoreError
        The database could not be written.
    """
    rows = library_store.feed_articles(store.db.conn, tag)
    if not rows:
        return []
    added: list[int] = []
    touched: set[int] = set()
    with write_transaction(store.db) as conn:
        for article_id, title, text, link, publisher, published, language, feed_id, first_claim in rows:
            draft = draft_from_article(title, text, first_claim, link, publisher, published, language)
            if draft is None:
                continue
            factcheck_id, outcome = save_draft(conn, draft, source=f"feed:{feed_id}", article_id=article_id,
                                               keep_existing=True, touched=touched)
            if outcome != "unchanged":
                added.append(factcheck_id)
    log.info("%d fact-checks from fact-checkers' feeds", len(added))
    return added


__all__ = ["FACT_CHECKER_TAG", "ImportProblem", "ImportReport", "draft_from_article", "import_factchecks",
           "sync_feed_factchecks"]

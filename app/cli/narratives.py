"""``narratives``, ``narrative show``, ``search``, ``reindex`` and ``recluster``."""

from __future__ import annotations

import click

from app.engine.errors import AppError
from app.engine.factchecks.library import narrative_factchecks
from app.engine.narrative_json import narrative_json, summary_json
from app.engine.pipeline import Pipeline
from app.engine.search import QueryError, keyword_search, search_text, semantic_search
from app.engine.store import narratives as narrative_store
from app.engine.store.feeds import normalise_tags

from .output import Progress, data_dir_option, date_option, emit_json, emit_table, format_option, say


@click.command()
@click.option("--flagged/--all", "flagged", default=True, show_default=True,
              help="Only flagged narratives, or all of them.")
@date_option("--since", "Seen on or after this date")
@date_option("--until", "First seen before this date")
@click.option("--status", type=click.Choice(["new", "reviewing", "confirmed", "dismissed"]), default=None)
@click.option("--flag", "flag_kind", default=None, metavar="KIND",
              help="Only narratives with this flag: spread, cross-language, watchlist, growth, fact-checked, origin.")
@click.option("--language", default=None, metavar="CODE", help="Only narratives told in this language (en, de…).")
@click.option("--tag", default=None, callback=lambda ctx, param, value: _tag(value),
              help="Only narratives told by a source with this tag.")
@click.option("--feed", "feed_id", type=int, default=None, metavar="ID", help="Only narratives told by this feed.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1_000_000),
              help="List at most this many (stderr says how many more there are).")
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many first: the next page.")
@format_option("table", "json")
@data_dir_option
def narratives(flagged: bool, since: str | None, until: str | None, status: str | None, flag_kind: str | None,
               language: str | None, tag: str | None, feed_id: int | None, limit: int, offset: int, fmt: str,
               store, settings, quiet) -> None:
    """List narratives, flagged first and by score, with the reasons they were flagged.

    The filters are the window's: status, flag, language, source tag, feed and period.
    """
    filters = narrative_store.NarrativeFilter(
        status=status, flagged_only=flagged, flag_kind=flag_kind, language=language and language.lower(),
        feed_id=feed_id, tag=tag, since=since, until=until)
    rows = narrative_store.list_narratives(store.db, filters, limit=limit, offset=offset)
    if fmt == "json":
        emit_json([summary_json(r) for r in rows])
    else:
        emit_table(["id", "score", "claims", "sources", "languages", "first seen", "last seen", "flags", "label"],
                   [[r.id, f"{r.score:.1f}", r.size, r.sources, r.languages, (r.first_seen or "")[:16],
                     (r.last_seen or "")[:16], [f.kind for f in r.flags], r.label] for r in rows])
    total = narrative_store.count_narratives(store.db, filters)
    shown = offset + len(rows)
    if not rows:
        say(quiet, f"{total} narratives; '--offset {offset}' is past the last of them." if total else
            "No narratives yet." if not flagged else "No flagged narratives. '--all' lists every narrative.")
    elif offset or shown < total:
        # A list cut at --limit must say so: a reader takes what is shown for all there is.
        say(quiet, f"Showing narratives {offset + 1}–{shown} of {total}" + (
            "." if shown == total else f"; '--offset {shown}' lists the next {min(limit, total - shown)}"
            + (f", '--limit {total}' all of them." if not offset else ".")))


@click.group()
def narrative() -> None:
    """Look at one narrative, and review it (status, notes, merge, split, undo, history)."""


@narrative.command("show")
@click.argument("narrative_id", type=int)
@format_option("table", "json")
@data_dir_option
def show(narrative_id: int, fmt: str, store, settings, quiet) -> None:
    """Show a narrative: its flags with reasons, and every claim with its source."""
    found = narrative_store.get_narrative(store.db, narrative_id)
    if found is None:
        raise AppError(f"No narrative {narrative_id}. 'narratives --all' lists them.")
    matches = narrative_factchecks(store.db, narrative_id)
    if fmt == "json":
        emit_json(narrative_json(found, matches))
        return
    s = found.summary
    click.echo(f"Narrative {s.id}: {s.label}")
    click.echo(f"status {s.status} (version {s.version}) · score {s.score:.1f} · {s.size} claims · "
               f"{s.sources} sources · languages {', '.join(s.languages) or '-'} · {s.first_seen} → {s.last_seen}")
    for flag in s.flags:
        click.echo(f"  ⚑ {flag.kind}: {flag.reason}")
    for match in matches:
        state = "flags" if match.flagging else match.status if match.status != "new" else "possible"
        click.echo(f"  ✓ fact-check {match.factcheck.id} ({state}, score {match.score:.2f}): "
                   f"{match.factcheck.describe()}")
    if found.notes:
        click.echo(f"Notes: {found.notes}")
    click.echo("")
    emit_table(["claim", "published", "source", "lang", "sim", "text", "link", "why linked"],
               [[m.claim_id, m.published_at[:16], m.feed_title, m.language, f"{m.similarity:.2f}", m.text,
                 m.article_link, m.evidence] for m in found.members], max_width=70)


def _tag(value: str | None) -> str | None:
    """A tag as feeds keep it ("State media" is state-media); a blank one is a usage error."""
    if value is None:
        return None
    for tag in normalise_tags([value]):
        return tag
    raise click.BadParameter("a tag needs a letter or a digit.", param_hint="'--tag'")


def _search_text(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return search_text(value)
    except QueryError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("text", callback=_search_text)
@click.option("--semantic", "mode", flag_value="semantic", default=True, help="By meaning, in any language (default).")
@click.option("--keyword", "mode", flag_value="keyword", help="By words (full-text, BM25).")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@format_option("table", "json")
@data_dir_option
def search(text: str, mode: str, limit: int, fmt: str, store, settings, quiet) -> None:
    """Search the stored claims for TEXT."""
    if mode == "keyword":
        hits = keyword_search(store, text, limit=limit)
    else:
        pipeline = Pipeline(store, settings)
        found = semantic_search(store, pipeline.index(Progress(quiet)), pipeline.embedder, text, limit=limit)
        hits = list(found.hits)
        say(quiet, f"{len(hits)} claim(s) close enough in meaning (the model's bar: {found.bar:.2f}), best first; "
                   f"{found.left_out} weaker of the {found.nearest} nearest left out.")
    if fmt == "json":
        emit_json(hits)
        return
    emit_table(["claim", "score", "narrative", "published", "source", "lang", "text"],
               [[h.claim_id, f"{h.score:.3f}", h.narrative_id, h.published_at[:16], h.feed_title, h.language,
                 h.text] for h in hits], max_width=80)


@click.command()
@data_dir_option
def reindex(store, settings, quiet) -> None:
    """Rebuild the vector index from the vectors stored in the database."""
    progress = Progress(quiet)
    pipeline = Pipeline(store, settings)
    count = pipeline.reindex(progress=progress)
    progress.finish()
    report = pipeline.process_claims(progress=progress)
    progress.finish()
    say(quiet, f"Index rebuilt with {count} vectors; {report.claims_embedded} claims embedded that had none.")


@click.command()
@data_dir_option
def recluster(store, settings, quiet) -> None:
    """Cluster every claim again; reviewed narratives keep their ids and claims."""
    progress = Progress(quiet)
    touched = Pipeline(store, settings).recluster(progress=progress)
    progress.finish()
    flagged = len(narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True)))
    say(quiet, f"{len(touched)} narratives after re-clustering, {flagged} flagged.")

"""A feed's boilerplate lines are not claims; what it reports is."""

from __future__ import annotations

from app.engine.boilerplate import MIN_ARTICLES, template_key
from app.engine.ingest import add_sources, ingest
from app.engine.store import articles as article_store
from tests.engine.helpers import add_article, add_feed

SIGN_OFF = "Puedes seguir EL PAÍS Opinión en Facebook, Twitter o suscribirte aquí a la Newsletter."
STORIES = [
    "El gobierno aprobó el presupuesto de sanidad para el próximo año",
    "Las lluvias torrenciales inundaron el centro de Valencia durante la noche",
    "La selección ganó la final del campeonato europeo en Berlín",
    "Los agricultores bloquearon tres autopistas en protesta por los precios",
    "El banco central mantuvo los tipos de interés sin cambios",
]


def claim_texts(store) -> list[str]:
    return [r[0] for r in store.db.conn.execute("SELECT text FROM claims ORDER BY id")]


def test_a_template_masks_numbers_and_folds_case_and_punctuation():
    assert template_key("Updated at 14:32.") == template_key("UPDATED AT 9:05")
    assert template_key("-Fin de nota-") == template_key("Fin de nota")
    assert template_key("Page 3 of 12") == template_key("Page 4 of 12")
    assert template_key("Updated at 14:32.") != template_key("Posted at 14:32.")
    assert 0 <= template_key("x") < 2 ** 63  # fits SQLite's signed integer


def test_a_line_under_many_articles_of_one_feed_is_left_out_and_the_article_keeps_it(store):
    feed = add_feed(store, "elpais")
    ids = [add_article(store, feed, [story, SIGN_OFF, "-Fin de nota-"], language="es") for story in STORIES[:4]]
    texts = claim_texts(store)
    # The first two articles came alone, before the line was known to be the feed's.
    assert texts.count(SIGN_OFF) == MIN_ARTICLES - 1
    assert all(story in texts for story in STORIES[:4])
    # Once known, the line never becomes a claim again, also when it comes in one article alone.
    add_article(store, feed, [STORIES[4], SIGN_OFF], language="es")
    assert claim_texts(store).count(SIGN_OFF) == MIN_ARTICLES - 1 and STORIES[4] in claim_texts(store)
    assert SIGN_OFF in article_store.get_article(store.db, ids[-1]).text


def test_one_fetch_of_a_feed_knows_its_boilerplate_at_once(store, tmp_path):
    items = "".join(
        f"<item><guid>n{i}</guid><title>{story}</title><description>{story}, dijo la agencia. {SIGN_OFF}"
        f" Actualizado a las {10 + i}:0{i} horas.</description></item>" for i, story in enumerate(STORIES))
    path = tmp_path / "elpais.xml"
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>EL PAÍS</title>{items}</channel></rss>',
                    encoding="utf-8")
    report = ingest(store, add_sources(store, [str(path)]))
    texts = claim_texts(store)
    assert not any("Newsletter" in t or "Actualizado" in t for t in texts)
    assert report.claims_boilerplate == 2 * len(STORIES)
    assert sum(1 for t in texts if "dijo la agencia" in t) == len(STORIES)  # each article's own sentence stays


def test_what_one_feed_repeats_is_its_own_other_feeds_keep_the_line(store):
    line = "The ministry confirmed the figures on Tuesday evening."
    wire = add_feed(store, "wire")
    for story in STORIES[:MIN_ARTICLES]:
        add_article(store, wire, [story, line])
    other = add_feed(store, "other")
    add_article(store, other, ["A different outlet reports the budget", line])
    rows = store.db.conn.execute(
        "SELECT a.feed_id FROM claims c JOIN articles a ON a.id = c.article_id WHERE c.text = ?", (line,)).fetchall()
    assert sorted(r[0] for r in rows) == sorted([wire.id] * (MIN_ARTICLES - 1) + [other.id])


def test_a_line_in_two_articles_is_still_a_claim(store):
    feed = add_feed(store, "follow-up")
    quote = "The mayor said the bridge would reopen within a week."
    add_article(store, feed, [STORIES[0], quote])
    add_article(store, feed, [STORIES[1], quote])
    assert claim_texts(store).count(quote) == 2


def test_the_first_copies_of_a_line_stop_linking_once_it_is_known_as_boilerplate(store):
    from app.engine.pipeline import Pipeline
    from app.engine.settings import Settings
    from app.engine.store import narratives as narrative_store
    from tests.fakes import HashingEmbedder

    feeds = [add_feed(store, "elpais"), add_feed(store, "elmundo")]
    for n, story in enumerate(STORIES[:MIN_ARTICLES]):  # fetched one at a time, a day apart
        for feed in feeds:
            add_article(store, feed, [f"{story} ({feed.title})", SIGN_OFF], language="es",
                        published=f"2026-11-1{n}T08:00:00Z")
    assert claim_texts(store).count(SIGN_OFF) == 2 * (MIN_ARTICLES - 1)  # the first copies were stored
    Pipeline(store, Settings(), embedder=HashingEmbedder()).process_claims()
    told = [m.text for s in narrative_store.list_narratives(store.db)
            for m in narrative_store.get_narrative(store.db, s.id).members]
    assert told and SIGN_OFF not in told  # the two outlets' stories link, their sign-off does not

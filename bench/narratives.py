"""Narrative quality: pairwise precision and recall of the clustering, per model.

Two labelled development sets, both read in place:

* **clef**: tweets from ``../shared/data/clef2020-checkthat-task2-en`` that repeat the same
  Snopes fact-check are real near-duplicate claims (gold cluster = the fact-check); every
  other tweet is noise that must stay out. Each tweet becomes one article of its own source.
  Thresholds are tuned on the *train* tweets and reported on the *dev* tweets.
* **demo**: the bundled demo feeds (team-written, five languages) with ``resources/demo/labels.json``.
  Reported at article level: two articles are a predicted pair when any of their claims share
  a narrative; a gold pair when both are labelled with the same narrative.
* **stsb-cross**, **stsb-same**: the 1,500 STS-B dev pairs of ``../shared/data/stsb-multi-mt``
  (human similarity 0-5), written as RSS feeds of 22 outlets (two per language) and read through
  ``ingest``, language detection included: each sentence of a pair is an article of its own, the
  two in two outlets, in two different languages (cross) or in one (same). Reported: the share of
  same-meaning pairs (score >= 4) whose two sentences share a narrative, and the share of unrelated
  pairs (score <= 1) merged so. The pairs scored in between stay in the corpus as distractors.

Usage: ``python bench/narratives.py [--models use-multilingual,e5-small,minilm] [--tune]``
Writes ``bench/results/narratives.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine import clustering  # noqa: E402
from bench.report import write_results  # noqa: E402
from app.engine.clustering import Thresholds  # noqa: E402
from app.engine.embedding import load_embedder  # noqa: E402
from app.engine.ingest import add_sources, ingest  # noqa: E402
from app.engine.paths import demo_dir  # noqa: E402
from app.engine.pipeline import Pipeline  # noqa: E402
from app.engine.settings import Settings  # noqa: E402
from app.engine.store import Store, write_transaction  # noqa: E402
from app.engine.store import articles as article_store  # noqa: E402
from app.engine.store import feeds as feed_store  # noqa: E402
from app.engine.domain import ArticleDraft  # noqa: E402

CLEF = ROOT.parent / "shared" / "data" / "clef2020-checkthat-task2-en"
STSB = ROOT.parent / "shared" / "data" / "stsb-multi-mt" / "dev.jsonl"
STSB_LANGUAGES = ("en", "de", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "zh")


def clean_tweet(text: str) -> str:
    text = re.sub(r"pic\.twitter\.com/\S+|https?://\S+", "", text)
    text = re.sub(r"—\s*[^—]*\(@\w+\)\s*\w+ \d+, \d{4}\s*$", "", text)
    return " ".join(text.split())


def load_clef(split: str) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in (CLEF / f"queries_{split}.jsonl").open(encoding="utf-8")]
    return [(clean_tweet(r["text"]), r["vclaim_ids"][0]) for r in rows]


def clef_store(tweets: list[tuple[str, str]], folder: Path) -> tuple[Store, dict[int, str]]:
    """One article (one claim) per tweet, each from its own source, all within a week."""
    store = Store.open(folder)
    gold: dict[int, str] = {}
    for n, (text, label) in enumerate(tweets):
        feed, _ = feed_store.add_feed(store.db, f"https://tweet{n}.example/", kind="http", title=f"account {n}")
        draft = ArticleDraft(
            guid=str(n), link=None, title=text[:400], author=None, text=text, language="en",
            published_at=f"2026-11-{10 + n % 7:02d}T{n % 24:02d}:00:00Z", published_estimated=False,
            content_sha256=f"tweet{n}", claims=((0, text[:400], True),),
        )
        with write_transaction(store.db) as conn:
            saved = article_store.save_fetched(
                conn, feed.id, started_at="2026-11-10T00:00:00Z", http_status=None, document_sha256=f"d{n}",
                document_bytes=1, document_path=None, drafts=[draft], error=None, etag=None,
                last_modified=None, feed_title=None, next_fetch_at="2026-11-10T00:00:00Z")
        gold[saved.article_ids[0]] = label
    return store, gold


def clef_stream(seed: int = 11, distractors: int = 2000) -> list[tuple[str, str, str]]:
    """A stream of short items, ``(outlet, text, story)``: each fact-check's headline and its
    claim as two outlets word them, the train tweets that repeat it, and the headlines and
    claims of other fact-checks as distractors (many about the same people and topics)."""
    checks = {r["vclaim_id"]: r for r in map(json.loads, (CLEF / "verified_claims.jsonl").open(encoding="utf-8"))}
    tweets = load_clef("train")
    told = sorted({label for _, label in tweets}, key=int)
    rng = random.Random(seed)
    others = rng.sample(sorted(set(checks) - set(told), key=int), distractors)
    items = [(outlet, checks[c][field], c) for c in told + others
             for outlet, field in (("headlines", "title"), ("claims", "vclaim"))]
    items += [(f"tweet{n}", text, label) for n, (text, label) in enumerate(tweets)]
    rng.shuffle(items)
    return items


def stream_store(items: list[tuple[str, str, str]], folder: Path) -> tuple[Store, dict[int, str]]:
    """Each item an article of its outlet's feed, all within three days."""
    store = Store.open(folder)
    feeds = {}
    gold: dict[int, str] = {}
    for n, (outlet, text, label) in enumerate(items):
        if outlet not in feeds:
            feeds[outlet] = feed_store.add_feed(store.db, f"https://{outlet}.example/", kind="http",
                                                title=outlet)[0].id
        draft = ArticleDraft(
            guid=str(n), link=None, title=text[:400], author=None, text=text, language="en",
            published_at=f"2026-11-{10 + n * 3 // len(items):02d}T{n % 24:02d}:{n % 60:02d}:00Z",
            published_estimated=False, content_sha256=f"item{n}", claims=((0, text[:400], True),),
        )
        with write_transaction(store.db) as conn:
            saved = article_store.save_fetched(
                conn, feeds[outlet], started_at="2026-11-10T00:00:00Z", http_status=None, document_sha256=f"d{n}",
                document_bytes=1, document_path=None, drafts=[draft], error=None, etag=None,
                last_modified=None, feed_title=None, next_fetch_at="2026-11-10T00:00:00Z")
        gold[saved.article_ids[0]] = label
    return store, gold


def bcubed(store: Store, gold: dict[int, str]) -> dict[str, float]:
    """BCubed precision and recall over articles (an article in no narrative is a cluster of its own)."""
    cluster = {a: ("alone", a) for a in gold}
    for narrative_id, article_id in store.db.conn.execute(
            "SELECT coalesce(n.merged_into, n.id), c.article_id FROM narrative_claims nc"
            " JOIN claims c ON c.id = nc.claim_id JOIN narratives n ON n.id = nc.narrative_id"):
        cluster[article_id] = ("narrative", narrative_id)
    by_cluster: dict = {}
    by_label: dict = {}
    for a in gold:
        by_cluster.setdefault(cluster[a], []).append(a)
        by_label.setdefault(gold[a], []).append(a)
    precision = recall = 0.0
    for a in gold:
        same = sum(1 for b in by_cluster[cluster[a]] if gold[b] == gold[a])
        precision += same / len(by_cluster[cluster[a]])
        recall += same / len(by_label[gold[a]])
    precision, recall = precision / len(gold), recall / len(gold)
    return {**score(store, gold), "bcubed_precision": precision, "bcubed_recall": recall,
            "bcubed_f1": 2 * precision * recall / (precision + recall)}


def demo_store(folder: Path) -> tuple[Store, dict[int, str]]:
    store = Store.open(folder)
    ingest(store, add_sources(store, [str(demo_dir() / "feeds")]))
    labels = json.loads((demo_dir() / "labels.json").read_text(encoding="utf-8"))
    by_key = {}
    for narrative in labels["narratives"]:
        for article in narrative["articles"]:
            by_key[(str((demo_dir() / article["feed"]).resolve()), article["guid"])] = narrative["key"]
    gold = {}
    for article_id, guid, url in store.db.conn.execute(
            "SELECT a.id, a.guid, f.url FROM articles a JOIN feeds f ON f.id = a.feed_id"):
        gold[article_id] = by_key.get((url, guid), f"unrelated-{article_id}")
    return store, gold


def _rss(title: str, items: list[tuple[str, str, str]]) -> str:
    body = "".join(f"<item><guid>{escape(guid)}</guid><title>{escape(text)}</title><pubDate>{when}</pubDate></item>"
                   for guid, text, when in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>{body}</channel></rss>'


def stsb_store(folder: Path, *, cross: bool, seed: int = 7) -> tuple[Store, dict[int, str], list[tuple[str, str, float]]]:
    """STS-B dev pairs as two outlets' articles; returns the store, guid of each article and the pairs."""
    rows = [json.loads(line) for line in STSB.open(encoding="utf-8")]
    rng = random.Random(seed)
    outlets = {(lang, n): [] for lang in STSB_LANGUAGES for n in (0, 1)}
    pairs = []
    start = datetime(2026, 11, 10, tzinfo=timezone.utc)
    for i, row in enumerate(rows):
        first = rng.choice(STSB_LANGUAGES)
        second = rng.choice([lang for lang in STSB_LANGUAGES if lang != first]) if cross else first
        n = rng.randrange(2)
        when = start + timedelta(minutes=7 * i)
        for key, lang, outlet in (("sentence1", first, (first, n)), ("sentence2", second, (second, 1 - n))):
            guid = f"{row['id']}-{key}"
            outlets[outlet].append((guid, row[key][lang], format_datetime(when)))
            when += timedelta(minutes=3)
        pairs.append((f"{row['id']}-sentence1", f"{row['id']}-sentence2", float(row["score"])))
    feeds = folder / "feeds"
    feeds.mkdir(parents=True)
    for (lang, n), items in outlets.items():
        (feeds / f"{lang}-{n}.xml").write_text(_rss(f"{lang} outlet {n}", items), encoding="utf-8")
    store = Store.open(folder / "data")
    ingest(store, add_sources(store, [str(feeds)]))
    guids = {article_id: guid for article_id, guid in store.db.conn.execute("SELECT id, guid FROM articles")}
    return store, guids, pairs


def score_pairs(store: Store, guids: dict[int, str], pairs) -> dict[str, float]:
    """Same-meaning pairs linked, and unrelated pairs merged, out of each."""
    together = {tuple(sorted((guids[a], guids[b]))) for a, b in predicted_pairs(store)}
    related = [p for p in pairs if p[2] >= 4]
    unrelated = [p for p in pairs if p[2] <= 1]
    linked = sum(1 for a, b, _ in related if tuple(sorted((a, b))) in together)
    merged = sum(1 for a, b, _ in unrelated if tuple(sorted((a, b))) in together)
    return {"recall": linked / len(related), "merged": merged / len(unrelated),
            "linked": linked, "related": len(related), "merged_pairs": merged, "unrelated": len(unrelated)}


def predicted_pairs(store: Store) -> set[tuple[int, int]]:
    rows = store.db.conn.execute(
        "SELECT nc.narrative_id, c.article_id FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
        " JOIN narratives n ON n.id = nc.narrative_id WHERE n.merged_into IS NULL").fetchall()
    members: dict[int, set[int]] = {}
    for narrative_id, article_id in rows:
        members.setdefault(narrative_id, set()).add(article_id)
    pairs = set()
    for articles in members.values():
        pairs.update(itertools.combinations(sorted(articles), 2))
    return pairs


def score(store: Store, gold: dict[int, str]) -> dict[str, float]:
    predicted = predicted_pairs(store)
    by_label: dict[str, list[int]] = {}
    for article_id, label in gold.items():
        by_label.setdefault(label, []).append(article_id)
    gold_pairs = {p for ids in by_label.values() for p in itertools.combinations(sorted(ids), 2)}
    tp = len(predicted & gold_pairs)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pairs": len(predicted), "gold": len(gold_pairs)}


def demo_coverage(store: Store, gold: dict[int, str]) -> dict[str, int]:
    """How each labelled demo narrative was found: the narrative holding most of its articles,
    whether that one holds an article in each of its languages, and 90% of its articles."""
    members: dict[int, set[int]] = {}
    for narrative_id, article_id in store.db.conn.execute(
            "SELECT nc.narrative_id, c.article_id FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
            " JOIN narratives n ON n.id = nc.narrative_id WHERE n.merged_into IS NULL"):
        members.setdefault(narrative_id, set()).add(article_id)
    language = dict(store.db.conn.execute("SELECT id, language FROM articles"))
    labelled: dict[str, set[int]] = {}
    for article_id, label in gold.items():
        if not label.startswith("unrelated-"):
            labelled.setdefault(label, set()).add(article_id)
    all_languages = most = 0
    for articles in labelled.values():
        best = max(members.values(), key=lambda m: len(m & articles), default=set())
        found = best & articles
        all_languages += {language[a] for a in found} == {language[a] for a in articles}
        most += len(found) >= 0.9 * len(articles)
    return {"labelled": len(labelled), "all_languages": all_languages, "most_articles": most}


def evaluate(pipeline: Pipeline, store: Store, scorer, model: str, thresholds: Thresholds) -> dict[str, float]:
    clustering.MODEL_THRESHOLDS[model] = thresholds
    with write_transaction(store.db) as conn:
        conn.execute("DELETE FROM narratives")
    pipeline.recluster()
    return scorer(store)


def tune(pipeline, store, scorer, model, base: Thresholds) -> Thresholds:
    """Best recall with precision >= 0.9 over a small grid around the model's values."""
    best, best_recall = base, -1.0
    for same in [base.same_language + d for d in (-0.1, -0.05, 0.0, 0.05, 0.1)]:
        for centroid in [base.centroid + d for d in (-0.1, -0.05, 0.0, 0.05)]:
            candidate = Thresholds(same_language=round(same, 3), cross_language=base.cross_language,
                                   centroid=round(centroid, 3), lexical_weight=base.lexical_weight,
                                   seed_margin=base.seed_margin)
            result = evaluate(pipeline, store, scorer, model, candidate)
            print(f"  {candidate} -> P={result['precision']:.3f} R={result['recall']:.3f}", flush=True)
            if result["precision"] >= 0.9 and result["recall"] > best_recall:
                best, best_recall = candidate, result["recall"]
    return best


def build_sets(folder: Path, only: set[str] | None = None) -> dict:
    """Each set's store and the function that scores it, before clustering."""
    def gold_scorer(builder):
        def build(f):
            store, gold = builder(f)
            return store, lambda st: score(st, gold)
        return build

    def demo_scorer(f):
        store, gold = demo_store(f)
        return store, lambda st: {**score(st, gold), **demo_coverage(st, gold)}

    def stsb(cross):
        def build(f):
            store, guids, pairs = stsb_store(f, cross=cross)
            return store, lambda st: score_pairs(st, guids, pairs)
        return build

    builders = {"clef-train": gold_scorer(lambda f: clef_store(load_clef("train"), f)),
                "clef-dev": gold_scorer(lambda f: clef_store(load_clef("dev"), f)),
                "clef-stream": lambda f: (lambda st, gold: (st, lambda x: bcubed(x, gold)))(
                    *stream_store(clef_stream(), f)),
                "demo": demo_scorer,
                "stsb-cross": stsb(True), "stsb-same": stsb(False)}
    return {name: build(folder / name) for name, build in builders.items() if not only or name in only}


def row(model: str, thresholds: Thresholds, name: str, result: dict) -> str:
    settings = (f"{thresholds.same_language}, {thresholds.cross_language}, {thresholds.centroid}, "
                f"{thresholds.seed_margin}")
    if "merged" in result:
        return (f"| {model} | {settings} | {name} | {result['recall']:.3f} of {result['related']} same-meaning "
                f"pairs linked | {result['merged']:.3f} of {result['unrelated']} unrelated pairs merged |")
    if "bcubed_f1" in result:
        return (f"| {model} | {settings} | {name} | BCubed precision {result['bcubed_precision']:.3f}, recall"
                f" {result['bcubed_recall']:.3f}, F1 {result['bcubed_f1']:.3f}; pairwise precision"
                f" {result['precision']:.3f}, recall {result['recall']:.3f} | {result['pairs']} predicted,"
                f" {result['gold']} gold pairs |")
    coverage = (f"; of its {result['labelled']} labelled narratives, {result['all_languages']} found in all their"
                f" languages, {result['most_articles']} with 90% of their articles in one" if "labelled" in result else "")
    return (f"| {model} | {settings} | {name} | precision {result['precision']:.3f}, recall {result['recall']:.3f},"
            f" F1 {result['f1']:.3f}{coverage} | {result['pairs']} predicted, {result['gold']} gold pairs |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="use-multilingual,e5-small,minilm")
    parser.add_argument("--sets", default="", help="comma-separated; default all")
    parser.add_argument("--tune", action="store_true", help="grid-search thresholds on CLEF train")
    args = parser.parse_args()
    only = set(filter(None, args.sets.split(",")))
    lines = ["# Narrative quality", "",
             f"Run {time.strftime('%Y-%m-%d')} by `python bench/narratives.py {' '.join(sys.argv[1:])}`.", "",
             "CLEF and demo: pairwise at article level. STS-B: pairs of sentences, each in an article of"
             " its own, in two outlets.", "",
             "| model | thresholds (same-lang, cross-lang, centroid, seed margin) | set | result | pairs |",
             "| --- | --- | --- | --- | --- |"]
    for model in args.models.split(","):
        embedder = load_embedder(model)
        thresholds = clustering.thresholds_for(model)
        with tempfile.TemporaryDirectory() as tmp:
            sets = {}
            for name, (store, scorer) in build_sets(Path(tmp), only).items():
                pipeline = Pipeline(store, Settings(), embedder=embedder)
                pipeline.process_claims()
                sets[name] = (pipeline, store, scorer)
            if args.tune:
                print(f"tuning {model} on clef-train", flush=True)
                thresholds = tune(*sets["clef-train"], model, thresholds)
                print(f"chosen {thresholds}", flush=True)
            for name, (pipeline, store, scorer) in sets.items():
                result = evaluate(pipeline, store, scorer, model, thresholds)
                print(model, name, result, flush=True)
                lines.append(row(model, thresholds, name, result))
                store.close()
    write_results("narratives.md", "\n".join(lines) + "\n", keep_from="\n## ")


if __name__ == "__main__":
    main()

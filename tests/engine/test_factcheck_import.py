"""Importing fact-checks: every format, re-import updates, bad input reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.engine.errors import ImportFileError
from app.engine.factchecks.formats import read_factcheck_file
from app.engine.factchecks.importer import import_factchecks
from app.engine.factchecks.values import parse_date, verdict_of
from app.engine.factchecks.library import list_factchecks
from app.engine.store.factchecks import count_factchecks
from app.engine.paths import demo_dir

CLAIMREVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://checker.example/checks/moon-cheese",
    "datePublished": "2026-11-02",
    "inLanguage": "en",
    "claimReviewed": "The moon is made of cheese, according to a leaked report.",
    "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "A. Blogger"},
                     "datePublished": "2026-10-30"},
    "author": {"@type": "Organization", "name": "Checker Desk", "url": "https://checker.example/"},
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1,
                     "alternateName": "Pants on Fire"},
}


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
    return path


def only(store):
    [factcheck] = list_factchecks(store.db)
    return factcheck


def test_demo_json_and_its_claimreview_mirror_make_thirteen_factchecks(memory_store):
    folder = demo_dir()
    report = import_factchecks(memory_store, [folder / "factchecks.json", folder / "factchecks_claimreview.jsonld"])
    assert (report.added, report.errors) == (13, ())
    assert count_factchecks(memory_store.db) == 13  # the three ClaimReviews are found again by URL
    first = next(fc for fc in list_factchecks(memory_store.db) if fc.external_id == "fc-001")
    assert (first.rating, first.verdict, first.publisher, first.review_date, first.language) == (
        "False", "false", "ClaimCheck Desk", "2026-11-13", "en")
    assert first.claimant == "Open Eyes Report" and first.url.startswith("https://claimcheck.example/")


def test_single_claimreview_object(memory_store, tmp_path):
    report = import_factchecks(memory_store, [write(tmp_path, "one.jsonld", CLAIMREVIEW)])
    assert report.added == 1
    fc = only(memory_store)
    assert fc.claim.startswith("The moon is made of cheese")
    assert (fc.rating, fc.verdict, fc.publisher, fc.publisher_site) == (
        "Pants on Fire", "false", "Checker Desk", "https://checker.example/")
    assert (fc.claimant, fc.claim_date, fc.review_date, fc.language) == ("A. Blogger", "2026-10-30", "2026-11-02", "en")


def test_graph_with_a_claimreview_inside_a_webpage(memory_store, tmp_path):
    document = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Checker"},
        {"@type": "WebPage", "mainEntity": {**CLAIMREVIEW, "@id": "https://checker.example/checks/moon-cheese#review"}},
    ]}
    report = import_factchecks(memory_store, [write(tmp_path, "graph.json", document)])
    assert (report.added, report.errors) == (1, ())
    assert only(memory_store).external_id == "https://checker.example/checks/moon-cheese#review"


def test_numeric_rating_without_a_name_is_put_on_its_scale(memory_store, tmp_path):
    review = {**CLAIMREVIEW, "reviewRating": {"ratingValue": 5, "bestRating": 5, "worstRating": 1}}
    import_factchecks(memory_store, [write(tmp_path, "num.json", [review])])
    assert only(memory_store).verdict == "true"


def test_html_page_with_embedded_jsonld(memory_store, tmp_path):
    page = f"""<!doctype html><html><head><title>Fact check</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x"}}</script>
<script type="application/ld+json">
{json.dumps(CLAIMREVIEW)}
</script>
<script type="APPLICATION/LD+JSON">{{ "broken": </script>
</head><body><p>We checked it.</p></body></html>"""
    report = import_factchecks(memory_store, [write(tmp_path, "check.html", page)])
    assert report.added == 1
    assert only(memory_store).rating == "Pants on Fire"
    [error] = report.errors
    assert error.path.endswith("check.html") and error.location == "script block 3 (line 6)"
    assert "malformed JSON-LD" in error.message


def test_html_page_without_jsonld_is_a_file_error(memory_store, tmp_path):
    report = import_factchecks(memory_store, [write(tmp_path, "plain.html", "<html><body>nothing</body></html>")])
    assert report.failed_files == (str(tmp_path / "plain.html"),)
    assert "ld+json" in str(report.errors[0])


def test_google_fact_check_tools_shape_one_factcheck_per_review(memory_store, tmp_path):
    document = {"claims": [
        {"text": "Drinking bleach cures the flu", "claimant": "Viral post", "claimDate": "2026-01-02T00:00:00Z",
         "claimReview": [
             {"publisher": {"name": "Checker Desk", "site": "checker.example"},
              "url": "https://checker.example/bleach", "title": "No, bleach does not cure flu",
              "reviewDate": "2026-01-05T10:00:00Z", "textualRating": "False", "languageCode": "en"},
             {"publisher": {"name": "Verifica", "site": "verifica.example"}, "url": "https://verifica.example/lejia",
              "title": "La lejía no cura la gripe", "reviewDate": "2026-01-06", "textualRating": "Falso",
              "languageCode": "es"}]},
        {"text": "no reviews here", "claimReview": []},
    ], "nextPageToken": "abc"}
    report = import_factchecks(memory_store, [write(tmp_path, "google.json", document)])
    assert report.added == 2 and len(report.errors) == 1 and "item 2" in report.errors[0].location
    by_publisher = {fc.publisher: fc for fc in list_factchecks(memory_store.db)}
    assert by_publisher["Verifica"].verdict == "false" and by_publisher["Verifica"].language == "es"
    assert by_publisher["Checker Desk"].title == "No, bleach does not cure flu"
    assert by_publisher["Checker Desk"].claim_date == "2026-01-02"
    assert by_publisher["Checker Desk"].publisher_site == "checker.example"


def test_csv_with_aliases_and_semicolons(memory_store, tmp_path):
    text = ("ID;Claim Text;Verdict;Fact checker;Link;Review date;Lang;Notes\n"
            "x1;The bridge will close for a year;Mostly False;Checker Desk;https://c.example/1;13/11/2026;EN;n\n"
            "x2;\"Schools, it says, will shut; all of them\";True;Checker Desk;https://c.example/2;Nov 2, 2026;en;\n")
    report = import_factchecks(memory_store, [write(tmp_path, "checks.csv", text)])
    assert (report.added, report.errors) == (2, ())
    assert any("Notes" in str(w) for w in report.warnings)
    by_id = {fc.external_id: fc for fc in list_factchecks(memory_store.db)}
    assert by_id["x1"].verdict == "misleading" and by_id["x1"].review_date == "2026-11-13"
    assert by_id["x2"].claim == "Schools, it says, will shut; all of them" and by_id["x2"].review_date == "2026-11-02"
    assert by_id["x2"].language == "en"


def test_csv_without_a_claim_column_names_the_file_and_line(memory_store, tmp_path):
    path = write(tmp_path, "bad.csv", "rating,url\nFalse,https://x.example/\n")
    with pytest.raises(ImportFileError) as caught:
        list(read_factcheck_file(path))
    assert caught.value.path == str(path) and caught.value.location == "line 1"
    assert "claim" in str(caught.value)
    report = import_factchecks(memory_store, [path, write(tmp_path, "good.json", [CLAIMREVIEW])])
    assert report.failed_files == (str(path),) and report.added == 1


def test_csv_rows_without_claims_are_reported_and_the_rest_kept(memory_store, tmp_path):
    text = "claim,rating,date\nFirst claim here,False,2026-11-01\n,False,2026-11-02\nThird claim,Weird,someday\n"
    report = import_factchecks(memory_store, [write(tmp_path, "rows.csv", text)])
    assert report.added == 2 and report.skipped == 1
    assert [(e.location, e.message) for e in report.errors] == [("line 3", "no claim text (a 'claim' field)")]
    assert any(w.location == "line 4" and "someday" in w.message for w in report.warnings)
    third = next(fc for fc in list_factchecks(memory_store.db) if fc.claim == "Third claim")
    assert (third.rating, third.verdict, third.review_date) == ("Weird", "other", None)


def test_csv_with_quoted_newlines_reports_the_record_start_line(memory_store, tmp_path):
    text = 'claim,rating\n"two\nlines",False\n,False\n'
    report = import_factchecks(memory_store, [write(tmp_path, "nl.csv", text)])
    assert report.added == 1 and report.errors[0].location == "line 4"


def test_json_lines_with_a_broken_line(memory_store, tmp_path):
    lines = [json.dumps({"id": "1", "claim": "One"}), "{broken", json.dumps({"vclaim_id": "3", "vclaim": "Three"}), ""]
    report = import_factchecks(memory_store, [write(tmp_path, "items.jsonl", "\n".join(lines))])
    assert report.added == 2
    [error] = report.errors
    assert error.location == "line 2" and "malformed JSON" in error.message


def test_malformed_item_in_a_pretty_array_is_skipped_and_the_rest_kept(memory_store, tmp_path):
    good = json.dumps([{"id": "a", "claim": "Alpha claim"}, {"id": "b", "claim": "Beta claim"},
                       {"id": "c", "claim": "Gamma claim"}], indent=2)
    broken = good.replace('"claim": "Beta claim"', '"claim": "Beta claim" oops')
    report = import_factchecks(memory_store, [write(tmp_path, "broken.json", broken)])
    assert sorted(fc.external_id for fc in list_factchecks(memory_store.db)) == ["a", "c"]
    assert report.errors[0].location == "item 2 (line 6)" and "line 8" in report.errors[0].message


def test_malformed_compact_json_keeps_the_items_before(memory_store, tmp_path):
    text = '[{"id": "a", "claim": "Alpha claim"}, {"id": "b", "claim": "Beta" "x"}, {"id": "c", "claim": "C"}]'
    report = import_factchecks(memory_store, [write(tmp_path, "compact.json", text)])
    assert [fc.external_id for fc in list_factchecks(memory_store.db)] == ["a"]
    assert "item 2" in report.errors[0].location
    assert any("rest of the file" in e.message for e in report.errors)


def test_empty_and_missing_files(memory_store, tmp_path):
    report = import_factchecks(memory_store, [write(tmp_path, "empty.json", ""), tmp_path / "nope.json"])
    assert len(report.failed_files) == 2
    assert "empty" in report.errors[0].message and "cannot be opened" in report.errors[1].message


def test_reimport_updates_never_duplicates(memory_store, tmp_path):
    items = [{"id": "k1", "claim": "Claim one", "rating": "False", "url": "https://c.example/1"},
             {"claim": "Claim two", "url": "https://c.example/2", "publisher": "Desk"},
             {"claim": "Claim three", "publisher": "Desk"}]
    path = write(tmp_path, "lib.json", items)
    assert import_factchecks(memory_store, [path]).added == 3
    again = import_factchecks(memory_store, [path])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    items[0]["rating"] = "Misleading"
    items[0]["url"] = "https://c.example/moved"  # same id, new URL: still the same fact-check
    items[1]["claim"] = "Claim two, reworded"  # same URL: the same fact-check
    write(tmp_path, "lib.json", items)
    third = import_factchecks(memory_store, [path])
    assert (third.added, third.updated, third.unchanged) == (0, 2, 1)
    assert count_factchecks(memory_store.db) == 3
    by_url = {fc.url: fc for fc in list_factchecks(memory_store.db)}
    assert by_url["https://c.example/moved"].verdict == "misleading"
    assert by_url["https://c.example/2"].claim == "Claim two, reworded"


def test_one_article_checking_two_claims_keeps_both(memory_store, tmp_path):
    items = [{"claim": "First claim of the article", "url": "https://c.example/roundup"},
             {"claim": "Second claim of the article", "url": "https://c.example/roundup"}]
    path = write(tmp_path, "roundup.json", items)
    assert import_factchecks(memory_store, [path]).added == 2
    assert import_factchecks(memory_store, [path]).unchanged == 2


def test_same_text_with_two_ids_is_two_factchecks(memory_store, tmp_path):
    lines = "\n".join(json.dumps({"vclaim_id": str(i), "vclaim": "A repeated claim"}) for i in range(2))
    assert import_factchecks(memory_store, [write(tmp_path, "twins.jsonl", lines)]).added == 2


def test_large_file_is_streamed_with_progress(memory_store, tmp_path):
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for i in range(3000):
            item = {"id": f"big-{i}", "claim": f"Claim number {i} about something " + "x" * 300, "rating": "False"}
            handle.write(("," if i else "") + json.dumps(item) + "\n")
        handle.write("]\n")
    calls = []
    report = import_factchecks(memory_store, [path], progress=lambda f, m: calls.append(f))
    assert report.added == 3000 and count_factchecks(memory_store.db) == 3000
    assert calls == sorted(calls) and calls[-1] == 1.0 and len(calls) > 3


def test_json_split_across_read_chunks(monkeypatch, tmp_path):
    from app.engine.factchecks import formats as factcheck_formats

    monkeypatch.setattr(factcheck_formats, "CHUNK", 7)  # every value straddles reads
    items = [{"id": str(i), "claim": f"Claim {i} with “quotes” and ünïcode", "score": 12345.678} for i in range(20)]
    path = write(tmp_path, "wrapped.json", {"meta": {"n": 20}, "factchecks": items})
    read = list(read_factcheck_file(path))
    assert [item.drafts[0].external_id for item in read] == [str(i) for i in range(20)]
    assert read[5].location == "item 6 (line 31)"


@pytest.mark.parametrize("rating, verdict", [
    ("False", "false"), ("Pants on Fire!", "false"), ("Faux", "false"), ("Fałsz", "false"),
    ("Misleading", "misleading"), ("Altered", "misleading"), ("Engañoso", "misleading"),
    ("Half True", "mixed"), ("Mixture", "mixed"), ("Mostly True", "true"), ("Correct Attribution", "true"),
    ("Unproven", "unproven"), ("Labeled Satire", "other"), ("", "other"), ("False. The photo is from 2019", "false"),
])
def test_known_ratings_are_normalised(rating, verdict):
    assert verdict_of(rating) == verdict


@pytest.mark.parametrize("text, day", [
    ("2026-11-13", "2026-11-13"), ("2026-11-13T23:30:00-05:00", "2026-11-13"), ("13/11/2026", "2026-11-13"),
    ("11/13/2026", "2026-11-13"), ("13.11.2026", "2026-11-13"), ("Nov 13, 2026", "2026-11-13"),
    ("13 novembre 2026", "2026-11-13"), ("Fri, 13 Nov 2026 09:00:00 +0000", "2026-11-13"),
    ("20261113", "2026-11-13"), ("1794560400", "2026-11-13"), ("soon", None), ("31/02/2026", None),
])
def test_dates_in_odd_formats(text, day):
    assert parse_date(text) == day


def test_import_then_match_moves_its_progress_forward_once(sample, data_dir):
    # The command line's progress went from 100% back to 0% between importing and matching.
    from app.engine.factchecks.updates import import_and_match
    from app.engine.pipeline import Pipeline
    from app.engine.settings import Settings
    from app.engine.store import Store
    from tests.fakes import HashingEmbedder

    store = Store.open(data_dir)
    try:
        seen: list[float] = []
        update = import_and_match(Pipeline(store, Settings(), embedder=HashingEmbedder()),
                                  [demo_dir() / "factchecks.json"], progress=lambda f, _m: seen.append(f))
    finally:
        store.close()
    assert update.imported.stored == 13 and update.matched is not None
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and max(seen[:-1]) < 1.0

"""A narrative of thousands of claims in the detail view: lazy pages, SQL sorts, a bounded
timeline, and no re-read after a background task that did not change it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from app.engine.store import Store, write_transaction
from app.engine.store.timeline import MAX_BUCKETS, MAX_LANES
from app.ui.claims_model import ClaimRole, ClaimsModel, Column
from app.ui.context import AppContext
from app.ui.narrative_view import NarrativeView
from app.ui.paged_model import PAGE
from tests.narrative_data import large_narrative

CLAIMS = 3000


@pytest.fixture
def big(data_dir):
    store = Store.open(data_dir)
    narrative_id = large_narrative(store, CLAIMS, sources=30)
    store.close()
    return narrative_id


@pytest.fixture
def big_context(data_dir, big):
    context = AppContext(data_dir)
    yield context
    context.close()


@pytest.fixture
def detail(qtbot, big_context):
    view = NarrativeView(big_context)
    qtbot.addWidget(view)
    view.resize(1000, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def add_claim(data_dir, narrative_id) -> int:
    """One more claim in the narrative, as the pipeline adds one (it stamps ``updated_at``)."""
    store = Store.open(data_dir)
    with write_transaction(store.db) as conn:
        article_id = conn.execute(
            "INSERT INTO articles (feed_id, guid, title, text, language, published_at, fetched_at, content_sha256)"
            " VALUES (1, 'late', 'late', 'A late claim.', 'en', '2026-09-01T00:00:00Z', '2026-11-02T00:00:00Z', 'x')"
        ).lastrowid
        claim_id = conn.execute("INSERT INTO claims (article_id, position, text, language) VALUES (?, 0, ?, 'en')",
                                (article_id, "A late claim.")).lastrowid
        conn.execute("INSERT INTO narrative_claims (claim_id, narrative_id, facet_id, similarity, added_at)"
                     " SELECT ?, ?, id, 0.9, 'now' FROM facets WHERE narrative_id = ?",
                     (claim_id, narrative_id, narrative_id))
        conn.execute("UPDATE narratives SET updated_at = '2026-11-02T00:00:00Z' WHERE id = ?", (narrative_id,))
    store.close()
    return claim_id


def test_model_reads_pages_and_sorts_in_sql(qtbot, qtmodeltester, big_context, big):
    model = ClaimsModel(big_context.store)
    model.set_narrative(big_context.store, big)
    assert model.rowCount() == PAGE < model.total == CLAIMS and model.canFetchMore()
    assert model.headerData(Column.CLAIM, Qt.Horizontal) == f"Claim ({CLAIMS:,} in all)"
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE and inserted == [(PAGE, 2 * PAGE - 1)]
    published = [model.member(r).published_at for r in range(model.rowCount())]
    assert published == sorted(published)  # oldest first
    model.sort(Column.SIMILARITY, Qt.DescendingOrder)  # a new sort starts again from one page
    assert model.rowCount() == PAGE
    scores = [model.index(r, Column.SIMILARITY).data(ClaimRole.MEMBER).similarity for r in range(PAGE)]
    assert scores == sorted(scores, reverse=True) and scores[0] == 0.999  # the best of all, not of a page
    model.sort(Column.OUTLET, Qt.AscendingOrder)
    outlets = [model.index(r, Column.OUTLET).data() for r in range(PAGE)]
    assert outlets == sorted(outlets) and outlets[0] == "Outlet 00"
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == CLAIMS and len(set(model.claim_ids())) == CLAIMS
    qtmodeltester.check(model)


def test_view_shows_one_page_and_fetches_on_scroll(qtbot, detail, big):
    detail.show_narrative(big)
    model = detail.claims_model
    assert model.rowCount() == PAGE < CLAIMS
    assert detail.article.highlighted is not None  # the first claim's article, with the claim highlighted
    detail.claims.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() >= 2 * PAGE)
    assert model.rowCount() < CLAIMS
    header = detail.claims.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(Column.CLAIM) + 10, header.height() // 2))
    assert (model.sort_key, model.descending) == ("text", False)
    texts = [model.index(r, Column.CLAIM).data() for r in range(model.rowCount())]
    assert texts == sorted(texts) and texts[0].startswith("Claim 00000")


def test_timeline_of_a_large_narrative_is_bounded(qtbot, detail, big):
    detail.show_narrative(big)
    assert detail.timeline.lanes == []  # nothing is counted before the tab is opened
    detail.tabs.setCurrentWidget(detail.timeline)
    series = detail.timeline.chart().series()
    points = sum(s.count() for s in series)
    assert 0 < points <= MAX_LANES * MAX_BUCKETS
    assert len(detail.timeline.lanes) == MAX_LANES and detail.timeline.lanes[-1].endswith("more sources")
    assert sorted(s.name() for s in series) == ["English (1,000)", "German (1,000)", "Russian (1,000)"]
    assert detail.timeline.timeline.bucket_hours is not None
    assert sum(p.claims for p in detail.timeline.timeline.points) == CLAIMS


def test_unchanged_narrative_is_not_read_again(qtbot, detail, big, big_context, data_dir):
    detail.show_narrative(big)
    detail.claims.scrollToBottom()
    qtbot.waitUntil(lambda: detail.claims_model.rowCount() >= 2 * PAGE)
    wanted = detail.claims_model.claim_ids()[250:253]
    detail.select_claims(wanted)
    scroll = detail.claims.verticalScrollBar().value()
    assert scroll > 0
    resets = []
    detail.claims_model.modelReset.connect(lambda: resets.append(True))
    big_context.data_changed.emit()  # a scheduled fetch that brought nothing for it
    assert resets == []
    add_claim(data_dir, big)
    big_context.data_changed.emit()
    assert resets == [True]  # re-read once, keeping what the reader had
    assert detail.claims_model.total == CLAIMS + 1
    assert detail.claims_model.rowCount() >= 2 * PAGE
    assert sorted(detail.selected_claim_ids()) == sorted(wanted)
    assert detail.claims.verticalScrollBar().value() == scroll
    assert detail.split_action.isEnabled() and detail.split_action.text() == "Split out 3…"


def test_selecting_unloaded_claims_reads_up_to_them(qtbot, detail, big, big_context):
    detail.show_narrative(big)
    last = big_context.store.db.conn.execute(
        "SELECT c.id FROM narrative_claims nc JOIN claims c ON c.id = nc.claim_id"
        " JOIN articles a ON a.id = c.article_id WHERE nc.narrative_id = ?"
        " ORDER BY a.published_at DESC, c.id DESC LIMIT 1", (big,)).fetchone()[0]
    detail.select_claims([last])
    assert detail.selected_claim_ids() == [last]
    assert detail.claims_model.rowCount() == CLAIMS  # it was the oldest-first table's last row

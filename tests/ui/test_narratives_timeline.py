"""The timeline chart: one lane per source, first teller at the top, round time ticks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.engine.domain import Member
from app.ui.timeline_chart import MAX_LANES, TimelineChart, time_ticks


def member(i: int, feed: int, at: str, language: str = "en") -> Member:
    return Member(claim_id=i, text=f"claim {i}", language=language, similarity=0.9, article_id=i,
                  article_title=f"article {i}", article_link=None, feed_id=feed, feed_title=f"Outlet {feed}",
                  published_at=at)


def test_timeline_has_a_lane_per_source_first_at_the_top(qtbot):
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.resize(700, 320)
    members = [member(1, 3, "2026-11-10T08:00:00Z"), member(2, 1, "2026-11-10T09:00:00Z", "ru"),
               member(3, 3, "2026-11-11T08:00:00Z"), member(4, 2, "2026-11-12T10:30:00Z", "de")]
    chart.set_members(members)
    assert chart.lanes == ["Outlet 3", "Outlet 1", "Outlet 2"]
    series = chart.chart().series()
    # a series (a legend entry, a colour) per language, in the order they appeared
    assert [s.name() for s in series] == ["English (2)", "Russian (1)", "German (1)"]
    assert [s.count() for s in series] == [2, 1, 1]
    assert {p.y() for p in series[0].points()} == {2.0}  # the first source is the top lane
    assert [p.y() for p in series[2].points()] == [0.0]
    labels = chart.chart().axes(Qt.Vertical)[0].categoriesLabels()
    assert labels == ["Outlet 2", "Outlet 1", "Outlet 3"]  # bottom to top
    assert chart.chart().legend().isVisible()
    image = chart.grab().toImage()
    assert not image.isNull() and image.width() >= 700
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert "#4e79a7" in colours or len(colours) > 5  # something was drawn, not a blank chart
    chart.clear()
    assert chart.chart().series() == [] and chart.lanes == []


def test_timeline_folds_many_sources_into_one_lane(qtbot):
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.set_members([member(i, i, f"2026-11-{10 + i:02d}T08:00:00Z") for i in range(14)])
    assert len(chart.lanes) == MAX_LANES
    assert chart.lanes[-1] == f"{14 - MAX_LANES + 1} more sources"


def test_many_languages_get_a_legend_column_not_a_cut_row(qtbot):
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.set_members([member(1, 1, "2026-11-10T08:00:00Z"), member(2, 2, "2026-11-10T09:00:00Z", "de")])
    assert chart.chart().legend().alignment() == Qt.AlignTop  # not below, where a short chart clips it
    languages = ["en", "de", "fr", "es", "ru", "pl"]
    chart.set_members([member(i, i, f"2026-11-{10 + i:02d}T08:00:00Z", code) for i, code in enumerate(languages)])
    assert chart.chart().legend().alignment() == Qt.AlignRight


def test_switching_narratives_leaves_nothing_of_the_previous_chart(qtbot):
    first = [member(i, i, f"2026-11-{10 + i:02d}T08:00:00Z") for i in range(6)]
    second = [member(i, i + 20, f"2026-11-{12 + i:02d}T10:00:00Z", "de") for i in range(3)]
    switched, fresh = TimelineChart(), TimelineChart()
    for chart in (switched, fresh):
        qtbot.addWidget(chart)
        chart.resize(600, 320)
        chart.show()
    switched.set_members(first)
    QApplication.processEvents()  # the first chart is laid out before the switch
    switched.set_members(second)
    fresh.set_members(second)
    for _ in range(5):
        QApplication.processEvents()
    assert switched.grab().toImage() == fresh.grab().toImage()


def test_time_ticks_are_round():
    hour = 3_600_000
    start = 1_762_761_600_000 + 17 * 60_000  # 2025-11-10 08:17 UTC
    ticks = time_ticks(start, start + 30 * hour)
    assert 2 <= len(ticks) <= 6
    assert all(at % (6 * hour) == 0 for at, _ in ticks)
    assert ticks[0][1].endswith(":00")
    days = time_ticks(start, start + 20 * 24 * hour)
    assert all(":" not in label for _, label in days)


def test_a_short_spread_labels_its_ticks_with_the_time():
    hour = 3_600_000
    start = 1_762_761_600_000  # 2025-11-10 08:00 UTC
    ticks = time_ticks(start, start + 70 * hour)  # under three days: each tick shows its hour
    assert ticks and all("<br/>" in label and label.endswith(":00") for _, label in ticks)

"""How a narrative spread: one lane per source, one dot per claim, over publication time.

Sources are ordered by when they first told the story (the first at the top), so a
cascade from one outlet to the next reads from top to bottom. The lanes are labelled
with the source names; the dots are coloured by language (the legend), so a jump
across languages shows as a change of colour. Hovering a dot shows its claim.

A large narrative arrives counted per time bucket (see :mod:`app.engine.store.timeline`):
a dot is then a source's claims in that bucket, sized by how many there are and
coloured by their most frequent language, so the chart never holds more than a few
hundred points.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
import math
from datetime import datetime, timezone

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QScatterSeries, QXYSeries
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from app.engine.domain import Member
from app.engine.flags import language_name
from app.engine.store.timeline import EMPTY, MAX_LANES, NarrativeTimeline, TimelinePoint, timeline_of_members

from .article_view import format_time

__all__ = ["MAX_LANES", "TimelineChart", "time_ticks"]

# Tableau 10: distinct hues that stay readable on light and dark backgrounds.
# (one per language)
LANE_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
HOUR_MS = 3_600_000
DOT = 11.0               # one claim
DOT_RANGE = (7.0, 22.0)  # a bucket: from one claim to the busiest bucket
WIDE_LEGEND_LANGUAGES = 4  # more languages than this: the legend goes in a column at the right


STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 30, 24 * 91, 24 * 365)
MAX_TICKS = 6
SHORT_SPREAD_HOURS = 84  # a spread under ~3 days (and the chart's padding) labels its ticks with the time


def _x(published_at: str) -> float:
    """Chart x for a stored UTC time: milliseconds since the epoch."""
    moment = datetime.fromisoformat(published_at.replace("Z", "+00:00"))
    return moment.timestamp() * 1000


def time_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Round UTC times between ``low`` and ``high`` (ms) to label the time axis:
    whole hours or days, at most MAX_TICKS of them."""
    span_hours = max((high - low) / HOUR_MS, 1)
    step = next((h for h in STEPS_HOURS if span_hours / h <= MAX_TICKS), STEPS_HOURS[-1])
    step_ms = step * HOUR_MS
    first = math.ceil(low / step_ms) * step_ms
    # Under about three days, the hour matters: it is shown under the date (two short
    # lines, so a narrow chart does not cut "10 Nov 18:00" to "10 Nov …").
    with_time = step < 24 or span_hours <= SHORT_SPREAD_HOURS
    ticks = []
    at = first
    while at <= high:
        moment = datetime.fromtimestamp(at / 1000, tz=timezone.utc)
        ticks.append((at, moment.strftime("%d %b<br/>%H:%M" if with_time else "%d %b")))
        at += step_ms
    return ticks


def _elide(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _new_chart() -> QChart:
    chart = QChart()
    chart.legend().setVisible(True)
    chart.legend().setAlignment(Qt.AlignTop)
    chart.setMargins(QMargins(4, 4, 4, 4))
    return chart


class TimelineChart(QChartView):
    """The spread of one narrative over time, per source."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._chart = _new_chart()
        super().__init__(self._chart, parent)
        self.setRenderHint(QPainter.Antialiasing)
        self.setMinimumHeight(120)
        self._timeline: NarrativeTimeline = EMPTY
        self._points: dict[tuple[int, int], list[TimelinePoint]] = {}  # (lane y, x) -> points there
        self.lanes: list[str] = []  # lane titles, top to bottom
        self._apply_theme()

    @property
    def timeline(self) -> NarrativeTimeline:
        return self._timeline

    def set_timeline(self, timeline: NarrativeTimeline) -> None:
        """Draw a narrative's timeline (per claim, or counted per time bucket)."""
        self._timeline = timeline
        self._draw()

    def set_members(self, members: Sequence[Member]) -> None:
        """Draw these claims, one dot each."""
        self.set_timeline(timeline_of_members(members))

    def clear(self) -> None:
        self.set_timeline(EMPTY)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange):
            self._draw()  # a fresh chart, themed by the new palette

    def _apply_theme(self) -> None:
        palette = self.palette()
        dark = palette.color(QPalette.Window).lightness() < 128
        self._chart.setTheme(QChart.ChartThemeDark if dark else QChart.ChartThemeLight)
        self._chart.setBackgroundBrush(palette.color(QPalette.Base))
        self._chart.setBackgroundRoundness(0)
        self._chart.legend().setLabelColor(palette.color(QPalette.Text))
        self.setBackgroundBrush(palette.color(QPalette.Base))

    def _x(self, point: TimelinePoint) -> float:
        x = _x(point.at)
        hours = self._timeline.bucket_hours
        return x + hours * HOUR_MS / 2 if hours else x  # a bucket sits at its middle

    def _draw(self) -> None:
        # A fresh chart each time: axes taken off a QChart leave their labels and grid drawn
        # under the new ones (seen when switching narratives), whatever is deleted.
        old, self._chart = self._chart, _new_chart()
        self.setChart(self._chart)
        old.deleteLater()
        self._apply_theme()
        chart = self._chart
        self._points.clear()
        timeline = self._timeline
        self.lanes = [lane.title for lane in timeline.lanes]
        palette = self.palette()
        text_colour = palette.color(QPalette.Text)
        grid = QColor(palette.color(QPalette.Mid))
        if not timeline.lanes or not timeline.points:
            chart.setTitle("")
            return
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPositionOnValue)
        y_axis = QCategoryAxis()
        y_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPositionOnValue)
        count = len(timeline.lanes)
        xs = []
        # One series per language, in the order the languages appeared, so the legend
        # tells them apart and a jump from one language to another shows as a change of
        # colour down the lanes. A bucket's dot takes its most frequent language.
        by_language: dict[str, list[tuple[float, float, TimelinePoint]]] = {code: [] for code, _ in timeline.languages}
        for point in timeline.points:
            x, y = self._x(point), float(count - 1 - point.lane)  # the first source on the top lane
            xs.append(x)
            by_language.setdefault(point.language, []).append((x, y, point))
            self._points.setdefault((round(y), round(x)), []).append(point)
        totals = dict(timeline.languages)
        busiest = max(p.claims for p in timeline.points)
        for number, (code, points) in enumerate(by_language.items()):
            series = QScatterSeries()
            claims = totals.get(code, sum(p.claims for _x, _y, p in points))
            series.setName(f"{language_name(code) if code else 'unknown language'} ({claims:,})")
            series.setMarkerShape(QScatterSeries.MarkerShapeCircle)
            series.setMarkerSize(DOT)
            series.setColor(QColor(LANE_COLOURS[number % len(LANE_COLOURS)]))
            series.setBorderColor(palette.color(QPalette.Base))
            for x, y, _point in points:
                series.append(QPointF(x, y))
            if timeline.bucket_hours:
                low, high = DOT_RANGE
                for index, (_x, _y, point) in enumerate(points):
                    size = low + (high - low) * math.sqrt((point.claims - 1) / max(busiest - 1, 1))
                    series.setPointConfiguration(index, QXYSeries.PointConfiguration.Size, size)
            series.hovered.connect(self._on_hovered)
            chart.addSeries(series)
        for lane in reversed(range(count)):  # a category axis takes its values in increasing order
            y_axis.append(_elide(timeline.lanes[lane].title, 22), float(count - 1 - lane))
        low, high = min(xs), max(xs)
        pad = max((high - low) * 0.06, HOUR_MS)
        x_axis.setStartValue(low - pad)
        for at, label in time_ticks(low - pad, high + pad):
            x_axis.append(label, at)
        x_axis.setRange(low - pad, high + pad)
        x_axis.setTitleText(f"published (UTC); a dot's size: claims per {_duration(timeline.bucket_hours)}"
                            if timeline.bucket_hours else "published (UTC)")
        y_axis.setStartValue(-0.5)
        y_axis.setRange(-0.5, count - 0.5)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        for axis in (x_axis, y_axis):
            axis.setLabelsFont(small)
            axis.setLabelsColor(text_colour)
            axis.setTitleBrush(text_colour)
            axis.setGridLineColor(grid)
            axis.setLinePen(QPen(grid))
        title_font = QFont(small)
        x_axis.setTitleFont(title_font)
        chart.addAxis(x_axis, Qt.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignLeft)
        for series in chart.series():
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)
        chart.legend().setFont(small)
        chart.legend().setLabelColor(text_colour)
        # Side by side above the plot, many languages would be cut to "Rus…"; a column fits them.
        # A few go on top, where a short chart does not clip them (below, they were cut off).
        many = len(by_language) > WIDE_LEGEND_LANGUAGES
        chart.legend().setAlignment(Qt.AlignRight if many else Qt.AlignTop)
        chart.legend().setVisible(True)

    def _on_hovered(self, point: QPointF, state: bool) -> None:
        if not state:
            QToolTip.hideText()
            return
        points = self._points.get((round(point.y()), round(point.x())), [])
        if not points:
            return
        lines = [self._describe(p) for p in points[:3]]
        if len(points) > 3:
            lines.append(f"and {len(points) - 3} more")
        QToolTip.showText(QCursor.pos(), "<p>" + "<br/><br/>".join(lines) + "</p>", self)

    def _describe(self, point: TimelinePoint) -> str:
        lane = html.escape(self._timeline.lanes[point.lane].title)
        m = point.member
        if m is not None:
            source = html.escape(m.feed_title)
            return f"<b>{source}</b>, {format_time(m.published_at)} UTC<br/>{html.escape(m.text)}"
        hours = self._timeline.bucket_hours or 1
        start = _x(point.at)
        end = datetime.fromtimestamp((start + hours * HOUR_MS) / 1000, tz=timezone.utc)
        mix = ", ".join(f"{language_name(code) if code else 'unknown'} {n:,}" for code, n in point.languages)
        return (f"<b>{lane}</b>, {format_time(point.at)} to {end.strftime('%Y-%m-%d %H:%M')} UTC:"
                f" {point.claims:,} claim{'s' if point.claims != 1 else ''}<br/>{mix}")


def _duration(hours: int | None) -> str:
    if not hours or hours < 24:
        return f"{hours or 1} hour{'s' if (hours or 1) > 1 else ''}"
    if hours % (24 * 7) == 0:
        weeks = hours // (24 * 7)
        return "week" if weeks == 1 else f"{weeks} weeks"
    days = hours // 24
    return "day" if days == 1 else f"{days} days"

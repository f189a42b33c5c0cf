"""How a narrative spread: one lane per source, one dot per claim, over publication time.

Sources are ordered by when they first told the story (the first at the top), so a
cascade from one outlet to the next reads from top to bottom. The lanes are labelled
with the source names; the dots are coloured by language (the legend), so a jump
across languages shows as a change of colour. Hovering a dot shows its claim.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
import math
from datetime import datetime, timezone

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QScatterSeries
from PySide6.QtCore import QEvent, QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from app.engine.domain import Member
from app.engine.flags import language_name

from .article_view import format_time

MAX_LANES = 10
# Tableau 10: distinct hues that stay readable on light and dark backgrounds.
# (one per language)
LANE_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
HOUR_MS = 3_600_000


STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48, 24 * 7, 24 * 14, 24 * 30, 24 * 91, 24 * 365)
MAX_TICKS = 6


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
    ticks = []
    at = first
    while at <= high:
        moment = datetime.fromtimestamp(at / 1000, tz=timezone.utc)
        ticks.append((at, moment.strftime("%d %b %H:%M" if step < 24 else "%d %b")))
        at += step_ms
    return ticks


def _elide(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


class TimelineChart(QChartView):
    """The spread of one narrative over time, per source."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._chart = QChart()
        super().__init__(self._chart, parent)
        self.setRenderHint(QPainter.Antialiasing)
        self.setMinimumHeight(120)
        self._chart.legend().setVisible(True)
        self._chart.legend().setAlignment(Qt.AlignBottom)
        self._chart.setMargins(QMargins(4, 4, 4, 4))
        self._members: tuple[Member, ...] = ()
        self._points: dict[tuple[int, int], list[Member]] = {}  # (lane y, x) -> claims there
        self.lanes: list[str] = []  # lane titles, top to bottom
        self._apply_theme()

    def set_members(self, members: Sequence[Member]) -> None:
        """Draw these claims (a narrative's members)."""
        self._members = tuple(members)
        self._draw()

    def clear(self) -> None:
        self.set_members(())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.ApplicationPaletteChange):
            self._apply_theme()
            self._draw()

    def _apply_theme(self) -> None:
        palette = self.palette()
        dark = palette.color(QPalette.Window).lightness() < 128
        self._chart.setTheme(QChart.ChartThemeDark if dark else QChart.ChartThemeLight)
        self._chart.setBackgroundBrush(palette.color(QPalette.Base))
        self._chart.setBackgroundRoundness(0)
        self._chart.legend().setLabelColor(palette.color(QPalette.Text))
        self.setBackgroundBrush(palette.color(QPalette.Base))

    def _lanes(self) -> list[tuple[str, list[Member]]]:
        by_feed: dict[int, list[Member]] = {}
        for member in sorted(self._members, key=lambda m: (m.published_at, m.claim_id)):
            by_feed.setdefault(member.feed_id, []).append(member)
        lanes = [(members[0].feed_title, members) for members in by_feed.values()]
        if len(lanes) > MAX_LANES:
            rest = [m for _, members in lanes[MAX_LANES - 1:] for m in members]
            lanes = lanes[:MAX_LANES - 1] + [(f"{len(lanes) - MAX_LANES + 1} more sources", rest)]
        return lanes

    def _draw(self) -> None:
        chart = self._chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        self._points.clear()
        lanes = self._lanes()
        self.lanes = [title for title, _ in lanes]
        palette = self.palette()
        text_colour = palette.color(QPalette.Text)
        grid = QColor(palette.color(QPalette.Mid))
        if not lanes:
            chart.setTitle("")
            return
        x_axis = QCategoryAxis()
        x_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPositionOnValue)
        y_axis = QCategoryAxis()
        y_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPositionOnValue)
        count = len(lanes)
        xs = []
        by_language: dict[str, list[tuple[float, float, Member]]] = {}
        for lane, (_title, members) in enumerate(lanes):
            y = float(count - 1 - lane)  # the first source on the top lane
            for member in members:
                x = _x(member.published_at)
                xs.append(x)
                by_language.setdefault(member.language or "", []).append((x, y, member))
                self._points.setdefault((round(y), round(x)), []).append(member)
        # One series per language, so the legend tells the languages apart and a jump
        # from one language to another shows as a change of colour down the lanes.
        firsts = sorted(by_language, key=lambda code: min(p[0] for p in by_language[code]))
        for number, code in enumerate(firsts):
            points = by_language[code]
            series = QScatterSeries()
            series.setName(f"{language_name(code) if code else 'unknown language'} ({len(points)})")
            series.setMarkerShape(QScatterSeries.MarkerShapeCircle)
            series.setMarkerSize(11.0)
            series.setColor(QColor(LANE_COLOURS[number % len(LANE_COLOURS)]))
            series.setBorderColor(palette.color(QPalette.Base))
            for x, y, _member in points:
                series.append(QPointF(x, y))
            series.hovered.connect(self._on_hovered)
            chart.addSeries(series)
        for lane in reversed(range(count)):  # a category axis takes its values in increasing order
            y_axis.append(_elide(lanes[lane][0], 22), float(count - 1 - lane))
        low, high = min(xs), max(xs)
        pad = max((high - low) * 0.06, HOUR_MS)
        x_axis.setStartValue(low - pad)
        for at, label in time_ticks(low - pad, high + pad):
            x_axis.append(label, at)
        x_axis.setRange(low - pad, high + pad)
        x_axis.setTitleText("published (UTC)")
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
        chart.legend().setVisible(True)

    def _on_hovered(self, point: QPointF, state: bool) -> None:
        if not state:
            QToolTip.hideText()
            return
        members = self._points.get((round(point.y()), round(point.x())), [])
        if not members:
            return
        lines = [f"<b>{html.escape(m.feed_title)}</b>, {format_time(m.published_at)} UTC<br/>{html.escape(m.text)}"
                 for m in members[:3]]
        if len(members) > 3:
            lines.append(f"and {len(members) - 3} more")
        QToolTip.showText(QCursor.pos(), "<p>" + "<br/><br/>".join(lines) + "</p>", self)

"""Flag badges drawn with QPainter: no icon files, crisp at any scale, same on light and dark.

:class:`FlagsDelegate` paints a list row's flags as a line of these badges.

Each flag kind is a small coloured disc with a white glyph. The disc colours are
mid-tone so that they stand out from both a light and a dark background, and the
glyph is white so it reads on all of them.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, QObject, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

BADGE = 16       # a badge's size in the list, in pixels
BADGE_GAP = 3

KIND_TITLES = {
    "spread": "Spreading",
    "cross-language": "Across languages",
    "watchlist": "Watchlist source",
    "growth": "Growing fast",
    "fact-checked": "Matches a fact-check",
    "origin": "First source uncertain",
}

KIND_COLOURS = {
    "spread": QColor("#d9480f"),
    "cross-language": QColor("#7048e8"),
    "watchlist": QColor("#c92a2a"),
    "growth": QColor("#2b8a3e"),
    "fact-checked": QColor("#1971c2"),
    "origin": QColor("#e67700"),
}
OTHER_COLOUR = QColor("#868e96")


def kind_title(kind: str) -> str:
    return KIND_TITLES.get(kind, kind.replace("-", " ").capitalize())


def flag_text(flag) -> str:
    """A flag's reason as rich text, led by its kind unless the reason already says it."""
    title = kind_title(flag.kind)
    reason = html.escape(flag.reason)
    if flag.reason.lower().startswith(title.lower()):
        return reason
    return f"<b>{html.escape(title)}:</b> {reason}"


def paint_flag(painter: QPainter, rect: QRectF, kind: str) -> None:
    """Draw the badge of one flag kind inside ``rect`` (a square)."""
    painter.save()
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setPen(Qt.NoPen)
    painter.setBrush(KIND_COLOURS.get(kind, OTHER_COLOUR))
    painter.drawEllipse(rect)
    s = rect.width()
    x, y = rect.x(), rect.y()

    def p(fx: float, fy: float) -> QPointF:
        return QPointF(x + fx * s, y + fy * s)

    pen = QPen(QColor("white"), max(1.2, s * 0.09), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.NoBrush)
    if kind == "spread":
        # one source fanning out to three
        hub = p(0.30, 0.50)
        for end in (p(0.72, 0.27), p(0.76, 0.50), p(0.72, 0.73)):
            painter.drawLine(hub, end)
        painter.setBrush(QColor("white"))
        for dot in (hub, p(0.72, 0.27), p(0.76, 0.50), p(0.72, 0.73)):
            painter.drawEllipse(dot, s * 0.07, s * 0.07)
    elif kind == "cross-language":
        # two overlapping speech bubbles
        painter.drawRoundedRect(QRectF(p(0.20, 0.24), p(0.60, 0.54)), s * 0.06, s * 0.06)
        painter.drawRoundedRect(QRectF(p(0.40, 0.46), p(0.80, 0.76)), s * 0.06, s * 0.06)
    elif kind == "watchlist":
        # an eye
        eye = QPainterPath(p(0.18, 0.50))
        eye.quadTo(p(0.50, 0.18), p(0.82, 0.50))
        eye.quadTo(p(0.50, 0.82), p(0.18, 0.50))
        painter.drawPath(eye)
        painter.setBrush(QColor("white"))
        painter.drawEllipse(p(0.50, 0.50), s * 0.09, s * 0.09)
    elif kind == "growth":
        # a rising trend with an arrow head
        painter.drawPolyline([p(0.20, 0.70), p(0.42, 0.50), p(0.55, 0.60), p(0.78, 0.32)])
        painter.drawPolyline([p(0.60, 0.30), p(0.78, 0.32), p(0.76, 0.50)])
    elif kind == "fact-checked":
        painter.drawPolyline([p(0.26, 0.52), p(0.43, 0.68), p(0.74, 0.34)])
    elif kind == "origin":
        # a question mark: who said it first is in doubt
        mark = QPainterPath(p(0.34, 0.36))
        mark.cubicTo(p(0.34, 0.16), p(0.68, 0.16), p(0.66, 0.38))
        mark.cubicTo(p(0.64, 0.52), p(0.50, 0.50), p(0.50, 0.62))
        painter.drawPath(mark)
        painter.setBrush(QColor("white"))
        painter.drawEllipse(p(0.50, 0.77), s * 0.05, s * 0.05)
    else:
        painter.drawPoint(p(0.5, 0.5))
    painter.restore()


def flag_icon(kind: str, size: int = 16) -> QIcon:
    """The badge of a flag kind as an icon (for buttons and labels)."""
    icon = QIcon()
    for scale in (1, 2):
        pixmap = QPixmap(size * scale, size * scale)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        paint_flag(painter, QRectF(0.5, 0.5, size * scale - 1, size * scale - 1), kind)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        icon.addPixmap(pixmap)
    return icon


class FlagsDelegate(QStyledItemDelegate):
    """Paints a row's flags as a line of small badges (the reasons are in the tooltip)."""

    def __init__(self, flags_role: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._flags_role = flags_role  # the model role giving a row's tuple[Flag, ...]
        self._badges: dict[tuple[str, int, float], QPixmap] = {}

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QStyle()
        style.drawControl(QStyle.CE_ItemViewItem, opt, painter, opt.widget)
        flags = index.data(self._flags_role) or ()
        size = min(BADGE, option.rect.height() - 4)
        x = option.rect.x() + 4
        y = option.rect.y() + (option.rect.height() - size) // 2
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        for flag in flags:
            if x + size > option.rect.right():
                break
            painter.drawPixmap(x, y, self._badge(flag.kind, size, ratio))
            x += size + BADGE_GAP

    def _badge(self, kind: str, size: int, ratio: float) -> QPixmap:
        # Painted once per kind and size, then blitted: scrolling paints hundreds.
        key = (kind, size, ratio)
        if key not in self._badges:
            pixmap = QPixmap(round(size * ratio), round(size * ratio))
            pixmap.fill(Qt.transparent)
            badge_painter = QPainter(pixmap)
            paint_flag(badge_painter, QRectF(0.5, 0.5, size * ratio - 1, size * ratio - 1), kind)
            badge_painter.end()
            pixmap.setDevicePixelRatio(ratio)
            self._badges[key] = pixmap
        return self._badges[key]

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        count = len(index.data(self._flags_role) or ())
        return QSize(8 + max(1, count) * (BADGE + BADGE_GAP), BADGE + 4)

"""A narrative's claims side by side, as a small Qt table model."""

from __future__ import annotations

import html

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.engine.domain import Member
from app.engine.flags import language_name

from .article_view import format_time


class ClaimsModel(QAbstractTableModel):
    """A narrative's claims: outlet, language, published, similarity, text."""

    HEADERS = ("Outlet", "Lang.", "Published (UTC)", "Similarity", "Claim")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.members: tuple[Member, ...] = ()

    def set_members(self, members: tuple[Member, ...]) -> None:
        self.beginResetModel()
        self.members = members
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.members)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid():
            return None
        m = self.members[index.row()]
        column = index.column()
        if role == Qt.UserRole:
            return m
        if role == Qt.EditRole:  # raw values: what the proxy sorts on
            return (m.feed_title.lower(), m.language or "", m.published_at, m.similarity, m.text.lower())[column]
        if role == Qt.DisplayRole:
            return (m.feed_title, m.language or "?", format_time(m.published_at), f"{m.similarity:.2f}",
                    " ".join(m.text.split()))[column]
        if role == Qt.ToolTipRole:
            if column == 1:
                return language_name(m.language)
            if column == 3:
                return "How close the claim is to the narrative as a whole (1.00: the same)"
            return f"<p>{html.escape(m.text)}</p><p><i>{html.escape(m.article_title)}</i></p>"
        if role == Qt.TextAlignmentRole and column == 3:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

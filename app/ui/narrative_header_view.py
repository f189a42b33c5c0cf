"""What a narrative says and why it deserves a look: its label, numbers and flags."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.engine.domain import NarrativeSummary
from app.engine.flags import language_name

from .article_view import format_time
from .flag_icons import flag_icon, flag_text, kind_title

STATUS_TITLES = {"new": "New", "reviewing": "Reviewing", "confirmed": "Confirmed", "dismissed": "Dismissed"}


FLAG_LINES = 4
"""The flags box is at least this many text lines tall when its flags need them."""
FLAGS_SHARE = 0.3
"""...and may take up to this share of the detail pane's height: every flag shows (four
of them, wrapped, at 1280x800) while the claims and the tabs below keep most of the room.
Only in a shorter pane do the flags scroll in their box."""


class NarrativeHeaderView(QWidget):
    """The label (large), a line of numbers, and each flag with its reason in plain words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary: NarrativeSummary | None = None
        self._room = 0  # the detail pane's height (set_room)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextSelectableByMouse)
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.meta.setTextFormat(Qt.RichText)
        self.meta.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.meta)
        self.flags_box = QWidget()
        self.flags_box.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        # A grid, not a row widget per flag: nested rows of word-wrapped labels get
        # their heights overestimated by the layout.
        self.flags_layout = QGridLayout(self.flags_box)
        self.flags_layout.setContentsMargins(6, 4, 6, 4)
        self.flags_layout.setHorizontalSpacing(6)
        self.flags_layout.setVerticalSpacing(3)
        self.flags_layout.setColumnStretch(1, 1)
        self.flags_scroll = QScrollArea()
        self.flags_scroll.setFrameShape(QFrame.StyledPanel)
        self.flags_scroll.setWidgetResizable(True)
        self.flags_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.flags_scroll.setWidget(self.flags_box)
        layout.addWidget(self.flags_scroll)

    def set_room(self, height: int) -> None:
        """The height of the pane the header is in, which the flags box may take a share of."""
        if height != self._room:
            self._room = height
            self._fit_flags()

    def flags_height_cap(self) -> int:
        """The most the flags box may take: :data:`FLAGS_SHARE` of the pane, at least
        :data:`FLAG_LINES` lines of text, and its margins."""
        lines = self.fontMetrics().lineSpacing() * FLAG_LINES + 8 + 2 * self.flags_scroll.frameWidth()
        return max(lines, int(self._room * FLAGS_SHARE))

    def _fit_flags(self) -> None:
        """The flags box as tall as its flags at this width, up to :meth:`flags_height_cap`."""
        frame = 2 * self.flags_scroll.frameWidth()
        width = max(1, self.flags_scroll.width() - frame)
        self.flags_layout.activate()
        needed = self.flags_box.heightForWidth(width)
        if needed < 0:
            needed = self.flags_box.sizeHint().height()
        height = min(needed + frame, self.flags_height_cap())
        if self.flags_scroll.minimumHeight() != height or self.flags_scroll.maximumHeight() != height:
            self.flags_scroll.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_flags()

    def show_summary(self, summary: NarrativeSummary) -> None:
        self._summary = summary
        s = summary
        self.title.setText(s.label or f"Narrative {s.id}")
        languages = ", ".join(language_name(code) for code in s.languages) or "unknown language"
        self.meta.setText(
            f"#{s.id} · <b>{html.escape(STATUS_TITLES.get(s.status, s.status))}</b> · score {s.score:.1f} · "
            f"<b>{s.sources}</b> source{'s' if s.sources != 1 else ''} · {s.size} claims · {html.escape(languages)}"
            f"<br/>first seen {format_time(s.first_seen)} UTC · last seen {format_time(s.last_seen)} UTC"
        )
        self._show_flags(summary)

    def flag_texts(self) -> list[str]:
        """The flag lines shown, as rich text (for tests and accessibility checks)."""
        return [self.flags_layout.itemAtPosition(row, 1).widget().text()
                for row in range(self.flags_layout.rowCount())
                if self.flags_layout.itemAtPosition(row, 1) is not None]

    def _show_flags(self, summary: NarrativeSummary) -> None:
        while self.flags_layout.count():
            item = self.flags_layout.takeAt(0)
            if item.widget():
                # Hidden now, deleted later: a label only scheduled for deletion is still
                # painted, over the new narrative's flags.
                item.widget().hide()
                item.widget().deleteLater()
        if not summary.flags:
            note = QLabel("Not flagged: nothing about its spread stands out.")
            note.setEnabled(False)  # the theme's muted text
            self.flags_layout.addWidget(note, 0, 1)
            note.show()  # now, not when the layout gets to it: the box's height counts it
            self._fit_flags()
            return
        for row, flag in enumerate(summary.flags):
            icon = QLabel()
            icon.setPixmap(flag_icon(flag.kind, 16).pixmap(16, 16))
            icon.setToolTip(kind_title(flag.kind))
            text = QLabel(flag_text(flag))
            text.setTextFormat(Qt.RichText)
            text.setWordWrap(True)
            text.setAlignment(Qt.AlignLeft | Qt.AlignTop)
            text.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.flags_layout.addWidget(icon, row, 0, Qt.AlignTop)
            self.flags_layout.addWidget(text, row, 1)
            icon.show()  # now, not when the layout gets to them: the box's height counts them
            text.show()
        self.flags_scroll.verticalScrollBar().setValue(0)
        self._fit_flags()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange and self._summary is not None:
            self._show_flags(self._summary)

"""The filter bar over the narratives list: status, flag, language, source, tag, since."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QGridLayout, QHBoxLayout, QWidget

from app.engine.errors import AppError
from app.engine.flags import language_name
from app.engine.review import STATUSES
from app.engine.store import narratives as narrative_store
from app.engine.store.narratives import NarrativeFilter

from .flag_icons import flag_icon, kind_title

log = logging.getLogger(__name__)

FLAGGED = "*"  # the flag combo's "any flag at all" choice


class NarrativeFiltersView(QWidget):
    """Combos for each filter, in two rows that fit a narrow panel.

    Signals
    -------
    filters_changed()
        The user changed a filter; read :meth:`current_filter`.
    """

    filters_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(4, 4, 4, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        self.status_combo = self._combo("Filter by review status")
        # Most kinds and their icons show whole; the longest ("Matches a fact-check") ends in "…"
        # when chosen, so that the filters fit a laptop's pane beside the detail.
        self.flag_combo = self._combo("Show only flagged narratives, or those with one kind of flag", 16)
        self.language_combo = self._combo("Show narratives told in this language")
        self.source_combo = self._combo("Show narratives this source told")
        self.tag_combo = self._combo("Show narratives told by a source with this tag")
        self.since_check = QCheckBox("Since")
        self.since_check.setToolTip("Active since: show only narratives with a claim published on or after this day")
        self.since_date = QDateEdit()
        self.since_date.setCalendarPopup(True)
        self.since_date.setDisplayFormat("yyyy-MM-dd")
        self.since_date.setEnabled(False)
        grid.addWidget(self.status_combo, 0, 0)
        grid.addWidget(self.flag_combo, 0, 1)
        grid.addWidget(self.language_combo, 0, 2)
        grid.addWidget(self.source_combo, 1, 0)
        grid.addWidget(self.tag_combo, 1, 1)
        since = QHBoxLayout()
        since.setSpacing(4)
        since.addWidget(self.since_check)
        since.addWidget(self.since_date, 1)
        grid.addLayout(since, 1, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        for combo in self.combos():
            combo.currentIndexChanged.connect(self.filters_changed)
        self.since_check.toggled.connect(self.since_date.setEnabled)
        self.since_check.toggled.connect(self.filters_changed)
        self.since_date.dateChanged.connect(self.filters_changed)

    def combos(self) -> tuple[QComboBox, ...]:
        return self.status_combo, self.flag_combo, self.language_combo, self.source_combo, self.tag_combo

    @staticmethod
    def _combo(tip: str, length: int = 12) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(length)
        return combo

    def fill(self, db) -> None:
        """(Re)fill the choices from the store, keeping what is chosen (no signal)."""
        try:
            choices = narrative_store.filter_choices(db)
        except AppError as exc:
            log.warning("reading filter choices failed: %s", exc)
            return
        # Every status, always: a status no narrative has yet is still a choice (and shows an empty list).
        statuses = list(STATUSES) + [s for s in choices.statuses if s not in STATUSES]
        _set_items(self.status_combo, "Any status", [(s.capitalize(), s) for s in statuses])
        _set_items(self.flag_combo, "Any flag", [("Flagged only", FLAGGED)]
                   + [(kind_title(k), k) for k in choices.flag_kinds])
        for index in range(2, self.flag_combo.count()):
            self.flag_combo.setItemIcon(index, flag_icon(self.flag_combo.itemData(index)))
        _set_items(self.language_combo, "Any language",
                   sorted(((language_name(c), c) for c in choices.languages), key=lambda p: p[0]))
        _set_items(self.source_combo, "Any source", [(title, feed_id) for feed_id, title in choices.feeds])
        _set_items(self.tag_combo, "Any tag", [(tag, tag) for tag in choices.tags])
        if not self.since_check.isChecked():
            # A week before the latest activity: what "recent" means for this data, even an old demo.
            latest = choices.latest
            day = (datetime.fromisoformat(latest.replace("Z", "+00:00")) if latest
                   else datetime.now(timezone.utc)) - timedelta(days=7)
            self.since_date.blockSignals(True)
            self.since_date.setDate(QDate(day.year, day.month, day.day))
            self.since_date.blockSignals(False)

    def current_filter(self, ids: tuple[int, ...] | None = None) -> NarrativeFilter:
        """The filter chosen, restricted to ``ids`` (search results) when given."""
        flag = self.flag_combo.currentData()
        since = None
        if self.since_check.isChecked():
            since = self.since_date.date().toString("yyyy-MM-dd") + "T00:00:00Z"
        return NarrativeFilter(
            status=self.status_combo.currentData(),
            flagged_only=flag == FLAGGED,
            flag_kind=flag if flag not in (None, FLAGGED) else None,
            language=self.language_combo.currentData(),
            feed_id=self.source_combo.currentData(),
            tag=self.tag_combo.currentData(),
            since=since,
            ids=ids,
        )

    def clear(self) -> None:
        """Back to "any" everywhere; emits one ``filters_changed``."""
        for widget in (*self.combos(), self.since_check):
            widget.blockSignals(True)
        for combo in self.combos():
            combo.setCurrentIndex(0)
        self.since_check.setChecked(False)
        self.since_date.setEnabled(False)
        for widget in (*self.combos(), self.since_check):
            widget.blockSignals(False)
        self.filters_changed.emit()


def _set_items(combo: QComboBox, any_text: str, items: list[tuple[str, object]]) -> None:
    chosen = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(any_text, None)
    for text, value in items:
        combo.addItem(text, value)
    index = combo.findData(chosen) if chosen is not None else 0
    combo.setCurrentIndex(max(0, index))
    combo.blockSignals(False)

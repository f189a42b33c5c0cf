"""The fact-checks tab words its states plainly and puts the matches that flag first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHeaderView

from app.engine.store import narratives as narrative_store
from app.ui.factcheck_matches_view import CLAIM_COLUMN, state_words, verdict_words


def test_states_and_verdicts_read_plainly():
    assert state_words("new", True) == "Suggested — flags it"
    assert state_words("new", False) == "Suggested"
    assert state_words("confirmed", True) == "Match confirmed"
    assert "rejected" in state_words("rejected", False)
    assert verdict_words("other") == "Other" and verdict_words("False") == "False"


def test_flagging_matches_come_first_and_weak_ones_are_greyed(demo_data, make_window):
    window = make_window(demo_data)
    flagged = [s.id for s in narrative_store.list_narratives(window.context.store.db, narrative_store.NarrativeFilter(flagged_only=True))
               if any(f.kind == "fact-checked" for f in s.flags)]
    window.detail.show_narrative(flagged[0])
    view = window.detail.factchecks
    rows = [view.list.topLevelItem(r) for r in range(view.list.topLevelItemCount())]
    flags = [bool(item.data(4, Qt.UserRole)) for item in rows]
    assert flags[0] and flags == sorted(flags, reverse=True)
    grey = view.list.palette().color(QPalette.PlaceholderText)
    for item, flagging in zip(rows, flags):
        assert (item.foreground(0).color() == grey) != flagging
        assert item.text(0)[:1].isupper() and "·" not in item.text(4)
    assert view.list.header().sectionResizeMode(CLAIM_COLUMN) == QHeaderView.ResizeMode.Stretch
    view.list.setCurrentItem(rows[0])
    assert rows[0].text(CLAIM_COLUMN) in view.claim.text()

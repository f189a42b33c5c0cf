"""The window on a newsroom store: it says which store it works on and reads it again on its
own, as other reviewers and workers change it."""

import pytest
from PySide6.QtWidgets import QLabel

from tests.engine.helpers import add_feed

pytestmark = pytest.mark.postgres


def test_the_window_names_the_newsroom_store_and_sees_others_changes(make_window, data_dir, pg_url, monkeypatch,
                                                                      qtbot):
    from app.engine.store import Store

    monkeypatch.setenv("NARRATIVE_RADAR_STORE", pg_url)
    window = make_window(data_dir)
    assert pg_url.split("?")[0] in window.windowTitle()
    label = window.status.findChild(QLabel, "storeLabel")
    assert label is not None and label.text().startswith("Newsroom store: postgresql://")
    assert window.shared_refresh.isActive()

    colleague = Store.open(data_dir / "elsewhere", url=pg_url)
    add_feed(colleague, "A colleague's outlet")
    colleague.close()
    window.shared_refresh.setInterval(50)
    qtbot.waitUntil(lambda: window.feeds.model.rowCount() == 1, timeout=5000)


def test_a_laptop_window_does_not_poll(make_window, data_dir, monkeypatch):
    monkeypatch.delenv("NARRATIVE_RADAR_STORE", raising=False)
    window = make_window(data_dir)
    assert not window.shared_refresh.isActive()
    assert str(data_dir) in window.windowTitle()

"""Window fixtures: isolated QSettings, a demo data folder loaded once through the window, windows.

Loading the demo embeds about 800 claims with the real model, so it happens once per
session, through the first-start page as a new user would; each test gets its own copy.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

DEMO_TIMEOUT_S = 600


def wait_until(qapp, predicate: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until ``predicate()`` holds (fixtures cannot use the function-scoped qtbot)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        qapp.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture(scope="session", autouse=True)
def window_settings_folder(qapp, tmp_path_factory) -> Path:
    """QSettings of the tests live in a temporary folder, never in the tester's own."""
    from app.ui.app import configure_application

    folder = tmp_path_factory.mktemp("qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    configure_application(qapp)
    return folder


@pytest.fixture(autouse=True)
def fresh_user_choices(window_settings_folder):
    """Each test starts with the columns a new user sees (a test that hides one leaves no trace)."""
    from app.ui.narratives_view import COLUMNS_KEY

    QSettings().remove(COLUMNS_KEY)


@pytest.fixture(scope="session")
def demo_template(qapp, tmp_path_factory) -> tuple[Path, dict]:
    """A data folder with the demo loaded from the first-start page, and what happened on the way."""
    from app.ui.app import open_window

    folder = tmp_path_factory.mktemp("demo-template") / "data"
    window = open_window(folder, schedule=False)
    window.show()
    facts: dict = {"offered": window.pages.currentWidget() is window.welcome,
                   "demo_button_enabled": window.welcome.demo_button.isEnabled()}
    outcome: dict = {}
    started = time.monotonic()
    window.welcome.demo_button.click()
    task = window.demo_task
    facts["task_started"] = task is not None
    if task is not None:
        task.signals.done.connect(lambda result: outcome.setdefault("done", result))
        task.signals.failed.connect(lambda error: outcome.setdefault("failed", error))
        task.signals.cancelled.connect(lambda: outcome.setdefault("cancelled", True))
        wait_until(qapp, lambda: bool(outcome), DEMO_TIMEOUT_S)
        wait_until(qapp, lambda: window.demo_task is None, 5)
    facts["seconds"] = time.monotonic() - started
    facts["outcome"] = outcome
    facts["page_after"] = "main" if window.pages.currentWidget() is window.splitter else "welcome"
    facts["narratives_listed"] = window.narratives.model.rowCount()
    facts["selected_after"] = window.narratives.current_id()
    window.close()
    window.deleteLater()
    qapp.processEvents()
    return folder, facts


@pytest.fixture
def demo_data(demo_template, tmp_path) -> Path:
    """A private copy of the demo data folder."""
    folder, facts = demo_template
    if "done" not in facts["outcome"]:
        pytest.fail(f"loading the demo through the window did not finish: {facts['outcome']}")
    copy = tmp_path / "demo"
    shutil.copytree(folder, copy)
    return copy


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable]:
    """Open windows on data folders; every one is closed (its tasks cancelled) after the test."""
    from app.ui.app import open_window

    opened = []

    def make(folder: Path, *, schedule: bool = False):
        window = open_window(folder, schedule=schedule)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield make
    for window in opened:
        for box in window.presenter.open_boxes():
            box.close()
        if window.isVisible():
            window.close()


@pytest.fixture
def context(data_dir, sample):
    """The window's shared context over the sample data folder."""
    from app.ui.context import AppContext

    context = AppContext(data_dir)
    yield context
    context.close()


def pytest_collection_modifyitems(items) -> None:
    """A test that opens the demo loads it with the real model once per run: it is slow, however
    it is written (marking each by hand let some slip into the fast run)."""
    for item in items:
        if {"demo_data", "demo_template"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

"""``main.py`` with no command opens the window, on ``--data-dir`` or the environment's folder."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main
from app.program import open_window

WINDOW = {"open_window": open_window}


@pytest.fixture
def opened(monkeypatch):
    calls: list = []
    monkeypatch.setattr("app.ui.app.run_window", lambda data_dir=None, user=None: calls.append(data_dir) or 0)
    return calls


def test_no_command_opens_the_window(opened, monkeypatch):
    monkeypatch.delenv("NARRATIVE_RADAR_DATA_DIR", raising=False)
    result = CliRunner().invoke(main, [], obj=WINDOW)
    assert result.exit_code == 0, result.output
    assert opened == [None]


def test_data_dir_option_and_environment_reach_the_window(opened, monkeypatch, tmp_path):
    monkeypatch.delenv("NARRATIVE_RADAR_DATA_DIR", raising=False)
    assert CliRunner().invoke(main, ["--data-dir", str(tmp_path / "a")], obj=WINDOW).exit_code == 0
    monkeypatch.setenv("NARRATIVE_RADAR_DATA_DIR", str(tmp_path / "b"))
    assert CliRunner().invoke(main, [], obj=WINDOW).exit_code == 0
    assert opened == [tmp_path / "a", tmp_path / "b"]


def test_group_data_dir_is_the_default_for_commands(opened, monkeypatch, tmp_path):
    monkeypatch.delenv("NARRATIVE_RADAR_DATA_DIR", raising=False)
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "d"), "feeds", "list", "--format", "json"],
                                obj=WINDOW)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "radar.db").exists()
    assert opened == []


def test_window_exit_code_is_the_programs(monkeypatch):
    monkeypatch.setattr("app.ui.app.run_window", lambda data_dir=None: 1)
    assert CliRunner().invoke(main, [], obj=WINDOW).exit_code == 1


def test_the_command_line_alone_asks_for_a_command(opened):
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 2 and "Give a command" in result.output and opened == []


def test_a_folder_that_cannot_be_opened_is_said_plainly(qapp, monkeypatch, tmp_path):
    from app.ui import app as ui_app

    shown = []
    monkeypatch.setattr(ui_app.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    assert ui_app.run_window(blocker / "data") == 1
    assert shown and "Traceback" not in shown[0]

"""Progress from worker threads: every signal arrives, in order, and the status bar keeps up."""

from __future__ import annotations

from app.ui.workers import EngineTask

SIGNALS = 2000


def test_two_thousand_progress_signals_arrive(qtbot):
    # PySide6 6.12.0 aborts the interpreter after a few hundred Signal.emit() calls from a
    # thread (bool_dealloc); 6.11.3 is pinned for that. This fails (or crashes) if it comes back.
    from PySide6.QtCore import QThreadPool

    received: list[tuple[float, str]] = []

    def work(progress, cancel):
        for i in range(SIGNALS):
            progress(i / SIGNALS, f"step {i}")
        return SIGNALS

    task = EngineTask("Counting", work)
    task.signals.progress.connect(lambda fraction, message: received.append((fraction, message)))
    with qtbot.waitSignal(task.signals.done, timeout=30_000) as done:
        QThreadPool.globalInstance().start(task)
    assert done.args == [SIGNALS]
    qtbot.waitUntil(lambda: len(received) == SIGNALS, timeout=5000)
    assert [m for _, m in received] == [f"step {i}" for i in range(SIGNALS)]


def test_the_status_bar_follows_a_chatty_task(make_window, qtbot, tmp_path):
    window = make_window(tmp_path / "data")

    def work(progress, cancel):
        for i in range(SIGNALS):
            progress((i + 1) / SIGNALS, f"item {i + 1}")
        return None

    task = window.run_job("Chatty", "chatting", work)
    qtbot.waitUntil(lambda: window.status.task_label.text() == "Chatty: done.", timeout=30_000)
    assert not window.status.progress_bar.isVisible()
    assert task not in window.context.tasks.running

"""Engine work in a child process: results, progress, errors, cancel, and a child that dies."""

from __future__ import annotations

import os
import time
from functools import partial

import pytest

from app.engine import child_process
from app.engine.child_process import run_in_child
from app.engine.errors import AppError, Cancelled, ImportFileError
from app.engine.store import Store
from app.engine.store import feeds as feed_store

# The jobs below run in the child, which imports this module by name.


def add_feed_and_report(pipeline, *, url, progress, cancel):
    progress(0.5, "adding")
    feed_store.add_feed(pipeline.store.db, url, kind="http", title="Child")
    progress(1.0, "added")
    return {"pid": os.getpid()}


def fail_plainly(pipeline, *, progress, cancel):
    raise ImportFileError("facts.csv", "no claim column", "line 1")


def fail_with_a_bug(pipeline, *, progress, cancel):
    return {}["missing"]


def commit_then_die(pipeline, *, url, progress, cancel):
    feed_store.add_feed(pipeline.store.db, url, kind="http", title="Saved before the crash")
    os._exit(3)


def wait_for_cancel(pipeline, *, progress, cancel):
    progress(0.1, "waiting")
    while not cancel.is_set():
        time.sleep(0.02)
    raise Cancelled("Stopped by request.")


def ignore_cancel(pipeline, *, progress, cancel):
    progress(0.1, "busy")
    time.sleep(60)


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    Store.open(data).close()
    return data


def feed_urls(folder):
    store = Store.open(folder)
    try:
        return [f.url for f in feed_store.list_feeds(store.db)]
    finally:
        store.close()


def test_the_job_runs_in_another_process_and_its_result_and_progress_come_back(folder):
    seen = []
    result = run_in_child(partial(add_feed_and_report, url="http://example.org/rss"), folder,
                          progress=lambda fraction, message: seen.append((fraction, message)))
    assert result["pid"] != os.getpid()
    assert feed_urls(folder) == ["http://example.org/rss"]
    assert seen[-1] == (1.0, "added")


def test_an_app_error_keeps_its_class_and_plain_message(folder):
    with pytest.raises(ImportFileError) as caught:
        run_in_child(fail_plainly, folder)
    assert str(caught.value) == "facts.csv, line 1: no claim column"
    assert caught.value.path == "facts.csv"


def test_a_bug_in_the_child_arrives_as_the_same_exception_and_goes_to_the_log(folder, tmp_path):
    log_file = tmp_path / "child.log"
    with pytest.raises(KeyError):
        run_in_child(fail_with_a_bug, folder, log_file=log_file)
    assert "Traceback" in log_file.read_text(encoding="utf-8")


def test_a_child_that_dies_is_reported_in_plain_words_and_its_committed_work_is_kept(folder):
    with pytest.raises(AppError, match="stopped unexpectedly .exit code 3."):
        run_in_child(partial(commit_then_die, url="http://example.org/kept"), folder)
    assert feed_urls(folder) == ["http://example.org/kept"]


def test_cancel_reaches_the_child(folder):
    import threading

    cancel = threading.Event()
    started = time.monotonic()

    def progress(fraction, message):
        cancel.set()  # the child is running: ask it to stop

    with pytest.raises(Cancelled, match="Stopped by request"):
        run_in_child(wait_for_cancel, folder, progress=progress, cancel=cancel)
    assert time.monotonic() - started < 30


def test_a_child_that_ignores_cancel_is_stopped_after_the_grace_time(folder, monkeypatch):
    import threading

    monkeypatch.setattr(child_process, "CANCEL_GRACE_S", 0.5)
    cancel = threading.Event()
    with pytest.raises(Cancelled, match="Work already saved is kept"):
        run_in_child(ignore_cancel, folder, progress=lambda *_: cancel.set(), cancel=cancel)

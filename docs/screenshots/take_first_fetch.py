"""Screenshot of a first fetch of the 200 real feeds in ../shared/data, taken while it still runs.

The window lists the narratives the fetch has committed so far (the newest stories first) while
the status bar shows the fetch going on. Run under a virtual X server::

    xvfb-run -a -s '-screen 0 1440x900x24' .venv/bin/python docs/screenshots/take_first_fetch.py

Writes ``first-fetch.png`` next to this script.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from docs.screenshots.take_screenshots import OUT, SIZE, settle, wait_until  # noqa: E402

FEEDS = ROOT.parent / "shared" / "data" / "feeds" / "fastfeedparser-realworld" / "benchmark_data"


def main() -> None:
    from PySide6.QtCore import QSettings

    from app.engine.ingest import add_sources
    from app.engine.store import Store
    from app.ui.app import create_application, open_window

    app = create_application()
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(Path(tmp) / "qt"))
        data = Path(tmp) / "data"
        store = Store.open(data)
        add_sources(store, [str(p) for p in sorted(FEEDS.iterdir()) if p.is_file()])
        store.close()
        window = open_window(data, schedule=False)
        window.resize(*SIZE)
        window.show()
        task = window.fetch_all()
        # The list re-reads every few seconds while the fetch runs: wait until it shows some.
        wait_until(app, lambda: window.narratives.model.rowCount() >= 5 and window.fetch_task is task)
        settle(app, 1.0)
        window.grab().save(str(OUT / "first-fetch.png"))
        print("first-fetch.png taken with", window.narratives.model.rowCount(), "narratives listed;",
              "fetch still running:", window.fetch_task is task)
        window.close()


if __name__ == "__main__":
    main()

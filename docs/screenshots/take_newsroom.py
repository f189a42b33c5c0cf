"""The window on a newsroom store: a throwaway PostgreSQL cluster, a demo data folder moved into
it with ``store migrate``, and the window opened on it at 1280x800.

Run under a virtual X server on a data folder with the demo loaded (``main.py demo``)::

    .venv/bin/python main.py --data-dir /tmp/demo demo
    xvfb-run -a -s '-screen 0 1440x900x24' .venv/bin/python docs/screenshots/take_newsroom.py /tmp/demo

Writes ``newsroom.png`` next to this script.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from docs.screenshots.take_screenshots import OUT, settle  # noqa: E402
from tests.pg_server import PgServer, find_binaries  # noqa: E402


def main(demo: Path) -> None:
    from app.engine.store.transfer import migrate_store
    from app.ui.app import create_application, open_window

    server = PgServer(find_binaries()).start()
    try:
        url = server.create_database("newsroom")
        migrate_store(demo, url)
        os.environ["NARRATIVE_RADAR_STORE"] = url
        app = create_application([])
        with tempfile.TemporaryDirectory() as folder:
            window = open_window(Path(folder), schedule=False)
            window.resize(1280, 800)
            window.show()
            settle(app, 3.0)
            window.grab().save(str(OUT / "newsroom.png"))
            window.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]))

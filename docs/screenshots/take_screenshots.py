"""Take the window's screenshots for the documentation, on a fresh demo data folder.

Run under a virtual X server so fonts and styles are the real ones::

    xvfb-run -a -s '-screen 0 1440x900x24' .venv/bin/python docs/screenshots/take_screenshots.py

Writes ``first-start.png``, ``main-window.png``, ``why-linked.png``, ``feed-error.png``,
``settings.png`` and ``main-window-dark.png`` next to this script. Window state is kept in a
temporary QSettings folder, so the tester's own layout is neither used nor changed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent
SIZE = (1440, 860)


def wait_until(app, predicate, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the window")
        app.processEvents()
        time.sleep(0.01)


def settle(app, seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def dark_palette():
    """The palette a dark desktop theme hands Qt (Fusion's dark colours)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#2b2b2b"), (roles.WindowText, "#e6e6e6"), (roles.Base, "#1e1e1e"),
                         (roles.AlternateBase, "#262626"), (roles.Text, "#e6e6e6"), (roles.Button, "#353535"),
                         (roles.ButtonText, "#e6e6e6"), (roles.Highlight, "#2f65ca"),
                         (roles.HighlightedText, "#ffffff"), (roles.ToolTipBase, "#353535"),
                         (roles.ToolTipText, "#e6e6e6"), (roles.PlaceholderText, "#8a8a8a"), (roles.Link, "#7fb0ff"),
                         (roles.Light, "#4a4a4a"), (roles.Midlight, "#3c3c3c"), (roles.Mid, "#303030"),
                         (roles.Dark, "#1a1a1a"), (roles.Shadow, "#000000")):
        palette.setColor(role, QColor(colour))
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    return palette


def main() -> None:
    from PySide6.QtCore import QSettings

    from app.ui.app import create_application, open_window
    from app.ui.claims_model import ClaimRole
    from app.ui.settings_dialog import SettingsDialog

    app = create_application()
    with tempfile.TemporaryDirectory(prefix="screens-") as tmp:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(Path(tmp) / "qsettings"))
        window = open_window(Path(tmp) / "data")
        window.resize(*SIZE)
        window.show()
        settle(app)
        window.grab().save(str(OUT / "first-start.png"))

        window.welcome.demo_button.click()
        task = window.demo_task
        finished = []
        task.signals.done.connect(lambda _r: finished.append(True))
        task.signals.failed.connect(lambda error: sys.exit(f"demo failed: {error}"))
        wait_until(app, lambda: bool(finished) and window.demo_task is None)
        settle(app)
        window.narratives.select_next()
        window.narratives.select_next()
        settle(app)
        window.grab().save(str(OUT / "main-window.png"))

        # A claim that crossed languages, its article open: the details say why it was linked.
        detail = window.detail
        rows = detail.claims_model.rowCount()
        crossed = next((r for r in range(rows) if "across languages" in
                        (detail.claims_model.index(r, 0).data(ClaimRole.MEMBER).evidence or "")), rows - 1)
        detail.claims.selectRow(crossed)
        settle(app)
        window.grab().save(str(OUT / "why-linked.png"))

        garbage = Path(tmp) / "wire-service.xml"
        garbage.write_bytes(b"<html><body>404 - this page is not a feed</body></html>")
        added = []
        window.fetch_finished.connect(lambda _r: added.append(True))
        window.add_sources([str(garbage)], tags=("wire",), title="Wire service (moved)")
        wait_until(app, lambda: bool(added))
        settle(app)
        window.grab().save(str(OUT / "feed-error.png"))

        dialog = SettingsDialog(window.context.settings.replace(proxy="127.0.0.1:9050"), window.context.data_dir,
                                window)
        dialog.show()
        settle(app)
        dialog.grab().save(str(OUT / "settings.png"))
        dialog.close()

        # A system dark scheme arrives as a dark palette; Xvfb has no theme to send one, so set it here.
        app.setPalette(dark_palette())
        window.feeds.select_feed(window.feeds.model.feeds()[0].id)
        settle(app, 1.0)
        window.grab().save(str(OUT / "main-window-dark.png"))
        window.close()
    print("screenshots written to", OUT)


if __name__ == "__main__":
    main()

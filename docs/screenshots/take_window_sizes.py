"""The window at a laptop's and a desktop's size, light and dark, and a PDF brief's pages.

Run under a virtual X server on a data folder with the demo loaded (``main.py demo``);
the folder is copied first, so it is left as it was::

    .venv/bin/python main.py --data-dir /tmp/demo demo
    xvfb-run -a -s '-screen 0 1920x1080x24' .venv/bin/python docs/screenshots/take_window_sizes.py /tmp/demo

Writes ``window-1280-light.png``, ``window-1280-dark.png``, ``window-1920-light.png``,
``window-1920-dark.png``, ``factchecks.png`` and ``brief-page-N.png`` (with ``pdftoppm``:
the cover, the page where the summary ends and the first narrative starts, and the first
page with a "Miscaptioned" fact-check) next to this script.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from docs.screenshots.take_screenshots import OUT, dark_palette, settle  # noqa: E402

SHOWN_WORD = "Miscaptioned"  # a rating that was broken mid-word in a narrow column


def most_flagged(store) -> int:
    """The narrative with the most flags: the one whose flags box is fullest."""
    from app.engine.store import narratives as narrative_store

    flagged = narrative_store.list_narratives(store.db, narrative_store.NarrativeFilter(flagged_only=True))
    return max(flagged, key=lambda n: (len(n.flags), n.score)).id


def save(image, name: str) -> None:
    """As a 256-colour PNG: a window's flat colours survive, at about half the bytes."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image.toImage().convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither
                                    ).save(str(OUT / name), "PNG", 0)


def first_page_with(pdf: Path, word: str) -> int:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return next((n for n, page in enumerate(text.split("\f"), 1) if word in page), 1)


def main(demo: Path) -> None:
    from PySide6.QtCore import QSettings

    from app.engine.briefs.export import BriefFilter, gather_brief
    from app.ui.app import create_application, open_window
    from app.render.brief_pdf import write_pdf
    from app.ui.factchecks_dialog import FactChecksDialog

    app = create_application()
    light = app.palette()
    with tempfile.TemporaryDirectory(prefix="screens-") as tmp:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(Path(tmp) / "qsettings"))
        data = Path(tmp) / "data"
        shutil.copytree(demo, data)
        window = open_window(data, schedule=False)
        window.show()
        chosen = most_flagged(window.context.store)
        for size, palette, name in (((1280, 800), light, "window-1280-light.png"),
                                    ((1280, 800), dark_palette(), "window-1280-dark.png"),
                                    ((1920, 1080), dark_palette(), "window-1920-dark.png"),
                                    ((1920, 1080), light, "window-1920-light.png")):
            app.setPalette(palette)
            window.resize(*size)
            window.narratives.select_id(chosen)
            settle(app, 1.0)
            save(window.grab(), name)

        app.setPalette(light)
        dialog = FactChecksDialog(window.context, window)
        dialog.show()
        settle(app)
        save(dialog.grab(), "factchecks.png")
        dialog.close()

        brief = gather_brief(window.context.store, BriefFilter(flagged_only=True), title="Week 47")
        pdf = Path(tmp) / "brief.pdf"
        write_pdf(brief, pdf)
        for page in (1, first_page_with(pdf, "Reviewer notes"), first_page_with(pdf, SHOWN_WORD)):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", "-f", str(page), "-l", str(page),
                            str(pdf), str(OUT / f"brief-page-{page}")], check=True)
        window.close()
    print("screenshots written to", OUT)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""The first page of an empty data folder: load the demo, add a feed, or import OPML."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

PANEL_WIDTH = 640
MARGIN = 28


class WelcomeView(QWidget):
    """Offers the bundled demo so that a new user sees flagged narratives within a minute."""

    demo_requested = Signal()
    add_feed_requested = Signal()
    import_opml_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Welcome to Narrative Radar")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel(
            "Narrative Radar reads news feeds on this computer and flags claims that many outlets repeat, "
            "reworded or translated. Nothing you read or add leaves this computer.\n\n"
            "This data folder is empty. To see how it works, load the demo: fictional outlets writing in several "
            "languages, with narratives ready to review. It takes less than a minute.")
        intro.setWordWrap(True)
        self.demo_button = QPushButton("Load the demo data")
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self.demo_requested)
        self.add_button = QPushButton("Add a feed…")
        self.add_button.clicked.connect(self.add_feed_requested)
        self.import_button = QPushButton("Import an OPML list of feeds…")
        self.import_button.clicked.connect(self.import_opml_requested)
        self.note = QLabel()
        self.note.setWordWrap(True)
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setFixedWidth(PANEL_WIDTH)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(MARGIN, 24, MARGIN, 24)
        # A wrapped label in a centred panel is otherwise given the height of a wider one, and clipped.
        intro.setMinimumHeight(intro.heightForWidth(PANEL_WIDTH - 2 * MARGIN))
        inner.setSpacing(12)
        inner.addWidget(title)
        inner.addWidget(intro)
        inner.addSpacing(6)
        for button in (self.demo_button, self.add_button, self.import_button):
            inner.addWidget(button)
        inner.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_loading(self, loading: bool) -> None:
        """While the demo loads: no second click, and say where the progress is."""
        for button in (self.demo_button, self.add_button, self.import_button):
            button.setEnabled(not loading)
        self.note.setText("Loading the demo: progress and Cancel are in the status bar below. "
                          "The first run also loads the language model." if loading else "")

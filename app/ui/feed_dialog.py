"""Dialogs about feeds: add one (URL, file or folder), and edit a feed's tags."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCompleter, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QVBoxLayout, QWidget,
)

from app.engine.ingest import is_url, url_problem
from app.engine.store.feeds import normalise_tags

FEED_FILE_FILTER = "Feed files (*.xml *.rss *.atom *.rdf *.json *.feed);;All files (*)"


def split_tags(text: str) -> tuple[str, ...]:
    """Tags typed as ``a, b; c`` in the tag style the store keeps (``State media`` -> ``state-media``)."""
    return normalise_tags(text.replace(";", ",").split(","))


def source_problem(source: str) -> str | None:
    """Why ``source`` cannot be added as a feed, or None when it can."""
    source = source.strip()
    if not source:
        return "Type a web address, or choose a feed file or a folder of feed files."
    if is_url(source):
        return url_problem(source)
    if "://" in source:
        return "Only http:// and https:// addresses can be fetched."
    if not Path(source).expanduser().exists():
        return "There is no file or folder by that name."
    return None


class TagEdit(QLineEdit):
    """Comma-separated tags, completing the tags already in use."""

    def __init__(self, known_tags: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("e.g. state-media, watchlist")
        self._known = known_tags
        completer = QCompleter(known_tags, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setWidget(self)
        completer.activated.connect(self._on_completer_activated)
        self._completer = completer
        self.textEdited.connect(self._on_text_edited)

    def tags(self) -> tuple[str, ...]:
        return split_tags(self.text())

    def _current_word(self) -> str:
        return self.text()[: self.cursorPosition()].split(",")[-1].strip()

    def _on_text_edited(self, _text: str) -> None:
        word = self._current_word()
        if word:
            self._completer.setCompletionPrefix(word)
            self._completer.complete()
        else:
            self._completer.popup().hide()

    def _on_completer_activated(self, tag: str) -> None:
        before = self.text()[: self.cursorPosition()]
        head = before[: len(before) - len(before.split(",")[-1])]
        self.setText(f"{head}{' ' if head else ''}{tag}, ")


class AddFeedDialog(QDialog):
    """Ask for a feed: a web address, a feed file or a folder of feed files, with tags."""

    def __init__(self, known_tags: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add feed")
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("https://example.org/feed.xml, or a file or folder on this computer")
        self.source_edit.setMinimumWidth(420)
        file_button = QPushButton("File…")
        file_button.clicked.connect(self._on_file_button_clicked)
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._on_folder_button_clicked)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_edit, 1)
        source_row.addWidget(file_button)
        source_row.addWidget(folder_button)
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("optional: the feed's own title is used otherwise")
        self.tags_edit = TagEdit(known_tags)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        form = QFormLayout()
        form.addRow("Address, file or folder:", source_row)
        form.addRow("Title:", self.title_edit)
        form.addRow("Tags:", self.tags_edit)
        hint = QLabel("A folder adds every feed file in it. The feed is read at once; "
                      "if it cannot be read, its error shows on the feed in the list.")
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add and read")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.source_edit.textChanged.connect(self._validate)
        self._validate()

    def source(self) -> str:
        text = self.source_edit.text().strip()
        return text if is_url(text) else str(Path(text).expanduser())

    def feed_title(self) -> str | None:
        return self.title_edit.text().strip() or None

    def tags(self) -> tuple[str, ...]:
        return self.tags_edit.tags()

    def _validate(self) -> None:
        problem = source_problem(self.source_edit.text())
        typed = bool(self.source_edit.text().strip())
        self.problem_label.setText(problem if problem and typed else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(problem is None)

    def _on_file_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a feed file", "", FEED_FILE_FILTER)
        if path:
            self.source_edit.setText(path)

    def _on_folder_button_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder of feed files")
        if path:
            self.source_edit.setText(path)


class TagsDialog(QDialog):
    """Edit one feed's tags (comma-separated)."""

    def __init__(self, feed_title: str, tags: tuple[str, ...], known_tags: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit tags")
        self.tags_edit = TagEdit(known_tags)
        self.tags_edit.setText(", ".join(tags))
        self.tags_edit.setMinimumWidth(360)
        label = QLabel(f"Tags of “{feed_title}”, separated by commas. "
                       "The feed shows under each tag; with none, under “Untagged”.")
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.tags_edit)
        layout.addWidget(buttons)

    def tags(self) -> tuple[str, ...]:
        return self.tags_edit.tags()

"""Search: a box on the toolbar (by words, or by meaning as a task) and a panel of matching claims.

Words go through the full-text index on the GUI thread's store (milliseconds).
Meaning needs the model and the vector index, which belong to the writer pool,
so it runs as a task; a new search cancels the one still waiting.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QLineEdit, QToolButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from app.engine.domain import SearchHit
from app.engine.search import MeaningSearch, QueryError, keyword_search, search_text

from .context import AppContext
from .error_presenter import ErrorPresenter
from .feeds_model import local_time
from .jobs import search_meaning
from .workers import EngineTask

RESULT_LIMIT = 200


class SearchHits(list):
    """The hits of one search, how it searched (the results panel words "nothing found" by it) and,
    by meaning, how many of the nearest claims fell below the model's bar."""

    def __init__(self, hits, by_meaning: bool = False, left_out: int = 0) -> None:
        super().__init__(hits)
        self.by_meaning = by_meaning
        self.left_out = left_out


def narrative_ids(hits: list[SearchHit]) -> list[int]:
    """The narratives the hits belong to, best hit first, each once."""
    return list(dict.fromkeys(h.narrative_id for h in hits if h.narrative_id is not None))


class SearchBar(QWidget):
    """The search box and its words/meaning toggle; emits the hits, or None when cleared."""

    searched = Signal(str, object)  # query, list[SearchHit] | None

    def __init__(self, context: AppContext, presenter: ErrorPresenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.presenter = presenter
        self.edit = QLineEdit()
        self.edit.setObjectName("searchEdit")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(260)
        self.edit.returnPressed.connect(self.search)
        self.edit.textChanged.connect(self._on_edit_text_changed)
        clear = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.edit, context=Qt.ShortcutContext.WidgetShortcut)
        clear.activated.connect(self.edit.clear)
        self.meaning = QToolButton()
        self.meaning.setText("By meaning")
        self.meaning.setCheckable(True)
        self.meaning.setToolTip("Off: claims containing the words (fast).\n"
                                "On: claims that say the same thing, in any language (uses the model).")
        self.meaning.toggled.connect(self._on_meaning_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.meaning)
        self._task: EngineTask | None = None
        self._on_meaning_toggled(False)

    def search(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        try:
            text = search_text(self.edit.text())
        except QueryError:
            self.searched.emit("", None)  # an emptied box is no search: the whole list comes back
            return
        if not self.meaning.isChecked():
            try:
                hits = keyword_search(self.context.store, text, limit=RESULT_LIMIT)
            except Exception as exc:  # an entry point: the person typed, the store answered badly
                self.presenter.present(exc, "searching")
                return
            self.searched.emit(text, SearchHits(hits, by_meaning=False))
            return
        task = self.context.run(
            "Searching by meaning",
            lambda progress, cancel: search_meaning(self.context.pipeline, text, limit=RESULT_LIMIT,
                                                    progress=progress, cancel=cancel))
        self._task = task
        task.signals.done.connect(lambda hits, t=task: self._on_task_done(t, text, hits))
        task.signals.failed.connect(lambda error: self.presenter.present(error, "searching by meaning"))

    def _on_task_done(self, task: EngineTask, text: str, found: MeaningSearch) -> None:
        if task is self._task:
            self._task = None
            self.searched.emit(text, SearchHits(found.hits, by_meaning=True, left_out=found.left_out))

    def _on_edit_text_changed(self, text: str) -> None:
        if not text.strip():
            self.search()

    def _on_meaning_toggled(self, on: bool) -> None:
        self.edit.setPlaceholderText("Search claims by meaning, any language (Ctrl+F; Enter; Esc clears)" if on
                                     else "Search claims by words (Ctrl+F; Enter; Esc clears)")
        if self.edit.text().strip():
            self.search()


class SearchResultsView(QWidget):
    """The claims a search found, with their outlet, date and narrative."""

    narrative_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel("Type in the search box and press Enter.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setHeaderLabels(["Claim", "Outlet", "Published", "Narrative", "Score"])
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.currentItemChanged.connect(lambda item, _prev: item and self._on_tree_item_activated(item))
        # Takes the list's place when a search finds nothing, so the panel says so instead of staying blank.
        self.nothing = QLabel()
        self.nothing.setObjectName("searchNothingFound")
        self.nothing.setWordWrap(True)
        self.nothing.setTextFormat(Qt.TextFormat.PlainText)
        self.nothing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.nothing.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.nothing, 1)

    def show_hits(self, query: str, hits: list[SearchHit] | None) -> None:
        self.tree.clear()
        self.nothing.setVisible(False)
        self.tree.setVisible(True)
        if hits is None:
            self.summary.setText("Type in the search box and press Enter.")
            return
        left_out = getattr(hits, "left_out", 0)
        weaker = f" {left_out} weaker match(es) left out." if left_out else ""
        if not hits:
            by_meaning = getattr(hits, "by_meaning", False)
            self.summary.setText(f"Nothing found for “{query}”.{weaker}")
            self.nothing.setText(
                f"No claim says anything close enough to “{query}”.{weaker} Try other words, or turn By meaning "
                "off to find claims containing the words." if by_meaning else
                f"No claim contains “{query}”. Try By meaning (next to the search box) to find claims that say "
                "the same thing in other words or languages.")
            self.tree.setVisible(False)
            self.nothing.setVisible(True)
            return
        in_narratives = narrative_ids(hits)
        self.summary.setText(f"{len(hits)} claim(s) match “{query}”, in {len(in_narratives)} narrative(s), best "
                             f"first.{weaker} The narratives list shows only those; clear the search to see all.")
        for hit in hits:
            item = QTreeWidgetItem([hit.text, hit.feed_title, local_time(hit.published_at),
                                    f"#{hit.narrative_id}" if hit.narrative_id else "–", f"{hit.score:.2f}"])
            item.setToolTip(0, f"{hit.text}\n\n{hit.article_title}")
            item.setData(0, Qt.ItemDataRole.UserRole, hit.narrative_id)
            self.tree.addTopLevelItem(item)
        self.tree.resizeColumnToContents(1)
        self.tree.setColumnWidth(0, max(320, self.tree.width() // 2))

    def _on_tree_item_activated(self, item: QTreeWidgetItem) -> None:
        narrative_id = item.data(0, Qt.ItemDataRole.UserRole)
        if narrative_id:
            self.narrative_activated.emit(int(narrative_id))

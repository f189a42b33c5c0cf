"""The window's actions, their shortcuts, the menus and the toolbar.

Every action is added to the window itself, so its shortcut works whichever panel
has the focus; single keys (J, K, 1-4) still type into a text box, because text
boxes claim printable keys before shortcuts see them.

Shortcuts: J / Ctrl+Down next narrative, K / Ctrl+Up previous, 1-4 / Ctrl+1..4 set
the status (new, reviewing, confirmed, dismissed), Ctrl+F search (Esc clears),
F5 fetch every feed, Shift+F5 fetch the selected feeds, Ctrl+N add a feed,
Ctrl+E export a brief, Ctrl+L fact-check library, Ctrl+, settings, Ctrl+Q quit,
F1 this list; Ctrl+Z undoes the last review action in the detail view.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QToolBar

from app.engine.review import STATUSES

from .recovery_dialog import backup_from_window, recover_from_window, restore_from_window

if TYPE_CHECKING:
    from .main_window import MainWindow


def add_action(window: MainWindow, actions: dict[str, QAction], name: str, text: str, slot: Callable[[], Any],
               shortcuts: tuple[str, ...] = (), tip: str = "") -> QAction:
    """A window-wide action; its tooltip names its shortcuts."""
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcuts:
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        keys = ", ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
        tip = f"{tip or text.replace('&', '').rstrip('…')} ({keys})"
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    actions[name] = action
    return action


def build_actions(w: MainWindow) -> dict[str, QAction]:
    """Every window-level action, by name."""
    actions: dict[str, QAction] = {}

    def a(*args: Any) -> QAction:
        return add_action(w, actions, *args)

    a("add_feed", "&Add feed…", w.add_feed, ("Ctrl+N",), "Add a feed from a web address, a file or a folder")
    a("import_opml", "&Import OPML…", w.import_opml)
    a("export_opml", "&Export OPML…", w.export_opml)
    a("load_demo", "Load &demo data", w.load_demo)
    a("settings", "&Settings…", w.open_settings, ("Ctrl+,",))
    a("quit", "&Quit", w.close, ("Ctrl+Q",))
    a("fetch_all", "&Fetch now", w.fetch_all, ("F5",), "Read every enabled feed now")
    a("fetch_selected", "Fetch &selected feeds", w.fetch_selected, ("Shift+F5",))
    a("remove_feeds", "&Remove selected feeds…", lambda: w.feeds.remove_feeds(w.feeds.selected_feed_ids()))
    a("edit_tags", "Edit &tags…", w.edit_current_tags)
    a("mark_read", "&Mark all feeds as read", w.feeds.mark_all_read)
    a("next_narrative", "&Next narrative", lambda: w.step_narrative(+1), ("J", "Ctrl+Down"))
    a("previous_narrative", "&Previous narrative", lambda: w.step_narrative(-1), ("K", "Ctrl+Up"))
    for number, status in enumerate(STATUSES, start=1):
        # The detail view owns the status actions (checkable, they show the current status);
        # the window gives them their shortcuts and makes them work from any panel.
        action = w.detail.status_actions[status]
        action.setShortcuts([QKeySequence(str(number)), QKeySequence(f"Ctrl+{number}")])
        w.addAction(action)
        actions[f"status_{status}"] = action
    actions["undo_review"] = w.detail.undo_action
    a("find", "&Search", w.focus_search, ("Ctrl+F",), "Search claims by words or by meaning")
    a("clear_search", "Clear search", w.clear_search)
    a("export_brief", "&Export brief…", w.export_brief, ("Ctrl+E",),
      "Export the selected narratives as a brief: PDF, HTML, Markdown, CSV or JSON")
    a("factchecks", "&Fact-check library…", w.open_factchecks, ("Ctrl+L",),
      "Import, search and re-match the known fact-checks")
    a("reindex", "Re-&index claims", w.reindex, (), "Rebuild the vector index from the stored vectors")
    a("recluster", "Re-&cluster narratives", w.recluster, (),
      "Group every claim into narratives again; reviewed narratives keep their claims")
    a("backup_reviews", "&Back up reviews now", lambda: backup_from_window(w), (),
      "Copy reviews, fact-check decisions and the audit trail to backups/ (done after every review too)")
    a("restore_reviews", "Restore re&views…", lambda: restore_from_window(w), (),
      "Put back review work from a backup that the database lacks")
    a("recover_database", "Re&cover database…", lambda: recover_from_window(w), (),
      "Keep a damaged database aside and rebuild it from what can be read")
    a("shortcuts", "&Keyboard shortcuts", lambda: show_shortcuts(w), ("F1",))
    a("about", "&About Narrative Radar", lambda: show_about(w))
    below = a("detail_below", "Detail &below the list", lambda: w.set_detail_below(below.isChecked()), (),
              "Show the narrative under the list instead of beside it (for narrow screens)")
    below.setCheckable(True)
    return actions


def build_menus_and_toolbar(w: MainWindow) -> QToolBar:
    """The menu bar and the toolbar (Fetch now, Add feed, Export brief, the search box)."""
    act = w.actions_by_name
    menus = (
        ("&File", ["add_feed", "import_opml", "export_opml", None, "load_demo", None, "backup_reviews",
                   "restore_reviews", "recover_database", None, "settings", None, "quit"]),
        ("F&eeds", ["fetch_all", "fetch_selected", None, "edit_tags", "remove_feeds", None, "mark_read"]),
        ("&Narratives", ["next_narrative", "previous_narrative", None,
                         *[f"status_{s}" for s in STATUSES], "undo_review", None, "find", "clear_search"]),
        ("&Data", ["export_brief", "factchecks", None, "reindex", "recluster"]),
    )
    for title, names in menus:
        menu = w.menuBar().addMenu(title)
        for name in names:
            menu.addSeparator() if name is None else menu.addAction(act[name])
    view = w.menuBar().addMenu("&View")
    view.addAction(w.feeds_dock.toggleViewAction())
    view.addAction(w.results_dock.toggleViewAction())
    view.addSeparator()
    view.addAction(act["detail_below"])
    help_menu = w.menuBar().addMenu("&Help")
    help_menu.addAction(act["shortcuts"])
    help_menu.addAction(act["about"])

    toolbar = QToolBar("Toolbar", w)
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    toolbar.addAction(act["fetch_all"])
    toolbar.addAction(act["add_feed"])
    toolbar.addAction(act["export_brief"])
    toolbar.addSeparator()
    w.search_bar.setMaximumWidth(560)
    toolbar.addWidget(w.search_bar)
    w.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    return toolbar


def shortcut_rows(w: MainWindow) -> list[tuple[str, str]]:
    """(what, keys) for every action that has a shortcut."""
    rows = []
    for action in w.actions_by_name.values():
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            rows.append((action.text().replace("&", ""), " or ".join(keys)))
    return rows


def show_shortcuts(w: MainWindow) -> None:
    rows = "".join(f"<tr><td>{html.escape(what)}</td><td><b>{html.escape(keys)}</b></td></tr>"
                   for what, keys in shortcut_rows(w))
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table cellspacing=6>{rows}</table>",
                      QMessageBox.StandardButton.Close, w)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def show_about(w: MainWindow) -> None:
    from app import __version__

    box = QMessageBox(QMessageBox.Icon.Information, "About Narrative Radar",
                      f"Narrative Radar {__version__}\n\nOffline monitoring of news feeds for narratives that "
                      f"spread across outlets and languages.\n\nData folder: {w.context.data_dir}",
                      QMessageBox.StandardButton.Close, w)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()

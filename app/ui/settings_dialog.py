"""The settings dialog: data folder, fetching, model, flag rules, evidence.

Numbers come from spin boxes, within the ranges the engine allows; what they cannot
express (the proxy address, the User-Agent, rules that depend on each other) is
checked by the engine's own rules, the ones ``settings.toml`` is read with. OK stays
disabled while anything is wrong, and the problem is said under the form.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from app.engine.clustering import thresholds_for
from app.engine.embedding import DEFAULT_MODEL, MODELS
from app.engine.settings import Settings, reviewer_name, settings_problems

def _spin(minimum: int, maximum: int, value: int, suffix: str = "", special: str | None = None) -> QSpinBox:
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setValue(value)
    if suffix:
        box.setSuffix(suffix)
    if special:
        box.setSpecialValueText(special)
    box.setAccelerated(True)
    return box


def _similarity(value: float) -> QDoubleSpinBox:
    """0 to 0.99 in hundredths; 0 stands for the model's own value."""
    box = QDoubleSpinBox()
    box.setRange(0.0, 0.99)
    box.setDecimals(2)
    box.setSingleStep(0.01)
    box.setValue(value)
    return box


class SettingsDialog(QDialog):
    """Edit a copy of the settings; :meth:`settings` reads it back once accepted."""

    def __init__(self, settings: Settings, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._original = settings
        self._data_dir = Path(data_dir)
        self.new_data_dir: Path | None = None

        self.data_dir_edit = QLineEdit(str(self._data_dir))
        self.data_dir_edit.setReadOnly(True)
        self.data_dir_edit.setMinimumWidth(380)
        change = QPushButton("Change…")
        change.setToolTip("Open another data folder: the window reopens on it.")
        change.clicked.connect(self._on_change_button_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.data_dir_edit, 1)
        folder_row.addWidget(change)
        self.retention = _spin(0, 36500, settings.evidence_retention_days, " days", "forever")
        self.reviewer = QLineEdit(settings.reviewer)
        self.reviewer.setPlaceholderText(reviewer_name(settings.replace(reviewer="")))
        self.reviewer.setToolTip(
            "The name your review actions are kept under in each narrative's history, so that fact-checkers "
            "sharing one data folder tell who did what. Empty: the system's user name. The --user option and "
            "the NARRATIVE_RADAR_USER environment variable go before it.")
        data = QFormLayout()
        data.addRow("Data folder:", folder_row)
        data.addRow("Keep fetched documents:", self.retention)
        data.addRow("Reviewer name:", self.reviewer)

        self.interval = _spin(0, 7 * 24 * 60, settings.fetch_interval_minutes, " min", "only when asked")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1.0, 300.0)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(settings.fetch_timeout)
        self.proxy = QLineEdit(settings.proxy)
        self.proxy.setPlaceholderText("none; e.g. socks5://127.0.0.1:9050 for Tor")
        self.user_agent = QLineEdit(settings.user_agent)
        fetching = QFormLayout()
        fetching.addRow("Fetch every:", self.interval)
        fetching.addRow("Timeout:", self.timeout)
        fetching.addRow("Proxy:", self.proxy)
        fetching.addRow("User-Agent:", self.user_agent)

        self.model = QComboBox()
        for name, info in MODELS.items():
            self.model.addItem(f"{name}: {info.languages}", name)
            self.model.setItemData(self.model.count() - 1, info.description, Qt.ItemDataRole.ToolTipRole)
        current = settings.model or DEFAULT_MODEL
        if self.model.findData(current) < 0:
            self.model.addItem(f"{current} (folder)", current)
        self.model.setCurrentIndex(self.model.findData(current))
        self.threads = _spin(0, max(64, os.cpu_count() or 1), settings.threads, "", "automatic")
        model_form = QFormLayout()
        model_form.addRow("Model:", self.model)
        model_form.addRow("Threads:", self.threads)
        self.model_note = QLabel("Changing the model embeds every stored claim again, in the background.")
        self.model_note.setWordWrap(True)
        model_form.addRow(self.model_note)

        self.min_sources = _spin(2, 1000, settings.flag_min_sources, " sources")
        self.flag_hours = _spin(1, 24 * 3650, settings.flag_hours, " hours")
        self.window_days = _spin(1, 3650, settings.window_days, " days")
        self.same_language = _similarity(settings.same_language_threshold)
        self.same_language.setToolTip(
            "How similar two claims in one language must be (meaning and shared words, 0 to 1) to count as "
            "the same claim. Higher: fewer, surer narratives. The model's own value is calibrated; scales "
            "differ between models. Applies to claims clustered from now on (Data ▸ Re-cluster for all).")
        self.cross_language = _similarity(settings.cross_language_threshold)
        self.cross_language.setToolTip(
            "The same, for a claim and its translation (meaning only). Applies to claims clustered from now on.")
        rules = QFormLayout()
        rules.addRow("Flag when told by at least:", self.min_sources)
        rules.addRow("within:", self.flag_hours)
        rules.addRow("Compare claims over the last:", self.window_days)
        rules.addRow("Same claim at similarity:", self.same_language)
        rules.addRow("across languages:", self.cross_language)

        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        for title, form in (("Data", data), ("Fetching", fetching), ("Embedding model", model_form),
                            ("Flag rules", rules)):
            box = QGroupBox(title)
            box.setLayout(form)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            layout.addWidget(box)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

        for edit in (self.proxy, self.user_agent, self.reviewer):
            edit.textChanged.connect(self._validate)
        for spin in (self.interval, self.min_sources, self.flag_hours, self.window_days):
            spin.valueChanged.connect(self._validate)
        self.model.currentIndexChanged.connect(self._validate)
        self.model.currentIndexChanged.connect(self._show_model_thresholds)
        self._show_model_thresholds()
        self._validate()

    def settings(self) -> Settings:
        """The settings as edited (every field validated or bounded by its spin box)."""
        model = self.model.currentData()
        return self._original.replace(
            evidence_retention_days=self.retention.value(),
            fetch_interval_minutes=self.interval.value(),
            fetch_timeout=float(self.timeout.value()),
            proxy=self.proxy.text().strip(),
            user_agent=self.user_agent.text().strip(),
            reviewer=self.reviewer.text().strip(),
            model="" if model == DEFAULT_MODEL and not self._original.model else model,
            threads=self.threads.value(),
            flag_min_sources=self.min_sources.value(),
            flag_hours=self.flag_hours.value(),
            window_days=self.window_days.value(),
            same_language_threshold=round(self.same_language.value(), 2),
            cross_language_threshold=round(self.cross_language.value(), 2),
        )

    def problems(self) -> list[str]:
        return settings_problems(self.settings())

    def model_changed(self) -> bool:
        return (self.settings().model or DEFAULT_MODEL) != (self._original.model or DEFAULT_MODEL)

    def _validate(self) -> None:
        problems = self.problems()
        self.problem_label.setText("\n".join(f"• {p}" for p in problems))
        self.problem_label.setVisible(bool(problems))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)
        self.model_note.setText(
            "The model changes when you press OK: every stored claim is embedded again in the background, "
            "then narratives are re-clustered." if self.model_changed() else
            "Changing the model embeds every stored claim again, in the background.")

    def _show_model_thresholds(self) -> None:
        """The 'model's own' choice shows the chosen model's calibrated value."""
        own = thresholds_for(self.model.currentData() or DEFAULT_MODEL)
        self.same_language.setSpecialValueText(f"model's own ({own.same_language:.2f})")
        self.cross_language.setSpecialValueText(f"model's own ({own.cross_language:.2f})")

    def _on_change_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a data folder", str(self._data_dir))
        if folder and Path(folder) != self._data_dir:
            self.new_data_dir = Path(folder)
            self.data_dir_edit.setText(f"{folder}   (reopens on OK)")

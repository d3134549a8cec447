"""The "Why?" tab: every rule with its outcome, the inputs it read and those missing."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.assessment import Assessment, TraceEntry
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.widgets.fields import guard_wheel

_OUTCOME_TEXT = {"fired": "✔ fired", "not_fired": "– not fired",
                 "cannot_evaluate": "? cannot evaluate"}
_OUTCOME_COLOUR = {"fired": "#1d4f8a", "cannot_evaluate": "#7a4d00", "not_fired": "#555555"}


def _value(value: Any) -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class TraceView(QWidget):
    """Rule trace as a tree: rule -> inputs read, inputs missing, sources."""

    def __init__(self, *, ruleset: RuleSet, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ruleset = ruleset
        self._trace: list[TraceEntry] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        bar.addWidget(self.caption, 1)
        self.filter = QComboBox(self)
        self.filter.setAccessibleName("Show rules")
        guard_wheel(self.filter)
        for label, key in (("All rules", ""), ("Fired", "fired"),
                           ("Cannot evaluate", "cannot_evaluate"), ("Not fired", "not_fired")):
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(self._on_filter_changed)
        bar.addWidget(QLabel("Show:", self))
        bar.addWidget(self.filter)
        layout.addLayout(bar)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Rule trace")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Rule", "Outcome", "Effect on verdict"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        layout.addWidget(self.tree, 1)
        self._stale = False

    def show_assessment(self, result: Assessment) -> None:
        fired = sum(1 for t in result.trace if t.outcome == "fired")
        unknown = sum(1 for t in result.trace if t.outcome == "cannot_evaluate")
        self.caption.setText(
            f"{len(result.trace)} rules evaluated: {fired} fired, {unknown} could not be "
            f"evaluated. Rule set {result.ruleset.id} {result.ruleset.version} "
            f"(sha256 {result.ruleset.sha256[:12]}…)")
        if result.trace == self._trace:
            return
        self._trace = list(result.trace)
        # A hidden tab is rebuilt when it is next shown, not on every keystroke.
        self._stale = not self.isVisible()
        if not self._stale:
            self._render()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        if self._stale:
            self._stale = False
            self._render()
        super().showEvent(event)

    def _on_filter_changed(self, _index: int) -> None:
        self._render()

    def _render(self) -> None:
        self._stale = False
        self.tree.clear()
        wanted = self.filter.currentData()
        for entry in self._trace or ():
            if wanted and entry.outcome != wanted:
                continue
            item = QTreeWidgetItem([entry.title,
                                    _OUTCOME_TEXT.get(entry.outcome, entry.outcome),
                                    entry.effect.value.replace("_", " ")])
            colour = QBrush(QColor(_OUTCOME_COLOUR.get(entry.outcome, "#000000")))
            item.setForeground(1, colour)
            rule = self.ruleset.rule(entry.rule_id)
            item.setToolTip(0, f"{entry.rule_id} v{entry.rule_version}: {rule.statement}")
            QTreeWidgetItem(item, [f"Rule {entry.rule_id} v{entry.rule_version}: "
                                   f"{rule.statement}"])
            read = QTreeWidgetItem(item, [f"Inputs read ({len(entry.inputs_read)})"])
            for key, value in entry.inputs_read.items():
                QTreeWidgetItem(read, [f"{key} = {_value(value)}"])
            if entry.inputs_missing:
                missing = QTreeWidgetItem(item, ["Inputs missing: " +
                                                 ", ".join(entry.inputs_missing)])
                missing.setForeground(0, QBrush(QColor("#7a4d00")))
            sources = QTreeWidgetItem(item, ["Sources"])
            for ref in rule.sources:
                entry_bib = self.ruleset.bibliography[ref.id]
                section = f", {ref.section}" if ref.section else ""
                mark = "" if entry_bib.verified else " (unverified)"
                QTreeWidgetItem(sources, [f"{entry_bib.short}{section} [{entry_bib.evidence.value}]"
                                          f"{mark}"])
            QTreeWidgetItem(item, ["Evidence: " + ", ".join(entry.evidence)])
            self.tree.addTopLevelItem(item)
            for index in range(item.childCount()):
                child = item.child(index)
                if child is not None:
                    child.setFirstColumnSpanned(True)
            read.setExpanded(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.resizeSection(1, self.fontMetrics().horizontalAdvance("? cannot evaluate") + 24)
        header.resizeSection(2, self.fontMetrics().horizontalAdvance("needs information") + 24)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)

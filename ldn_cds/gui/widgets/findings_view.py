"""Assessment tab: verdict banner, start date, missing information and finding cards."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ldn_cds.core.assessment import Assessment, Finding, Verdict
from ldn_cds.core.sources import SourceOut

# Presentation only: colour, icon and a one-word label per verdict (never colour alone).
_VERDICT_LOOK: dict[Verdict, tuple[str, str, QStyle.StandardPixmap, str]] = {
    Verdict.CANDIDATE: ("#1d6b31", "#e5f4e9", QStyle.StandardPixmap.SP_DialogApplyButton,
                        "CANDIDATE"),
    Verdict.CANDIDATE_WITH_CAUTIONS: ("#7a4d00", "#fff3d1",
                                      QStyle.StandardPixmap.SP_MessageBoxWarning, "CAUTIONS"),
    Verdict.NOT_YET: ("#0b4a80", "#e2eefa", QStyle.StandardPixmap.SP_MessageBoxInformation,
                      "NOT YET"),
    Verdict.CONTRAINDICATED: ("#9a0000", "#fde6e6", QStyle.StandardPixmap.SP_MessageBoxCritical,
                              "DO NOT START"),
    Verdict.NEEDS_INFORMATION: ("#4e3480", "#efe9f8",
                                QStyle.StandardPixmap.SP_MessageBoxQuestion, "NEEDS INFO"),
}
_INVALID_LOOK = ("#5a5a5a", "#ececec", QStyle.StandardPixmap.SP_MessageBoxWarning, "CHECK INPUT")

_INDICATOR_LOOK: dict[str, tuple[str, str, QStyle.StandardPixmap]] = {
    "critical": ("#9a0000", "#fff5f5", QStyle.StandardPixmap.SP_MessageBoxCritical),
    "warning": ("#7a4d00", "#fffaf0", QStyle.StandardPixmap.SP_MessageBoxWarning),
    "info": ("#0b4a80", "#f6f9fd", QStyle.StandardPixmap.SP_MessageBoxInformation),
}


def fmt_date(value: Any) -> str:
    return "—" if value is None else str(value)


def sources_html(sources: Sequence[SourceOut]) -> str:
    """Sources as links, each with its evidence grade; unverified ones marked."""
    parts = []
    for src in sources:
        label = escape(src.label)
        if src.url:
            label = f'<a href="{escape(src.url, quote=True)}">{label}</a>'
        mark = ""
        if not src.verified:
            words = "" if "unverified" in src.label else " not verified"
            mark = f' <span style="color:#9a0000">⚠{words}</span>'
        parts.append(f"{label} <span style='color:#555'>[{escape(src.evidence)}]</span>{mark}")
    return "<br>".join(parts)


def _icon_label(kind: QStyle.StandardPixmap, size: int, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    icon = parent.style().standardIcon(kind)
    label.setPixmap(icon.pixmap(QSize(size, size)))
    label.setFixedSize(size, size)
    return label


class VerdictBanner(QFrame):
    """The verdict in colour, icon AND words, with the earliest start date."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self.setAccessibleName("Verdict")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        self.icon = QLabel(self)
        self.icon.setFixedSize(40, 40)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.tag = QLabel(self)
        self.tag.setObjectName("verdictTag")
        self.title = QLabel(self)
        self.title.setObjectName("verdictText")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel(self)
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        text.addWidget(self.tag)
        text.addWidget(self.title)
        text.addWidget(self.subtitle)
        layout.addLayout(text, 1)
        self.verdict: Verdict | None = None

    def _apply(self, look: tuple[str, str, QStyle.StandardPixmap, str]) -> None:
        fg, bg, icon, word = look
        self.setStyleSheet(
            f"#verdictBanner {{ background: {bg}; border: 2px solid {fg}; border-radius: 6px; }}"
            f" QLabel {{ color: {fg}; background: transparent; }}"
        )
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(QSize(40, 40)))
        self.tag.setText(f"<b>{escape(word)}</b>")

    def show_assessment(self, result: Assessment) -> None:
        self.verdict = result.verdict
        self._apply(_VERDICT_LOOK[result.verdict])
        self.title.setText(result.verdict_text)
        lines = []
        if result.earliest_start_on is not None:
            lines.append(f"Earliest permitted start: {result.earliest_start_on.isoformat()}")
        elif result.verdict in (Verdict.NOT_YET,):
            lines.append("Earliest permitted start: not yet known")
        if result.mme_per_day is None:
            lines.append("Opioids: MME not computable")
        else:
            lines.append(f"Opioids: {result.mme_per_day:g} MME/day")
        lines.append(f"Assessed on {result.assessed_on.isoformat()}")
        self.subtitle.setText("   ·   ".join(lines))
        self.setAccessibleDescription(f"{result.verdict_text}. {' '.join(lines)}")

    def show_invalid(self, count: int) -> None:
        self.verdict = None
        self._apply(_INVALID_LOOK)
        noun = "problem" if count == 1 else "problems"
        self.title.setText(f"Cannot assess: {count} input {noun} to correct")
        self.subtitle.setText("The fields marked ⚠ in the form need attention; the assessment "
                              "below is from before the change.")

    def show_dosing_error(self, message: str) -> None:
        self.verdict = None
        self._apply(_INVALID_LOOK)
        self.title.setText("Cannot build the dose plan with these choices")
        self.subtitle.setText(message)


def _card_key(finding: Finding) -> str:
    """What a card shows, without the per-case ids (which change with every edit)."""
    return finding.model_dump_json(exclude={"uuid", "suggestions"}) + "|".join(
        s.label for s in finding.suggestions)


class FindingCard(QFrame):
    """One finding: indicator, summary, expandable detail, sources, evidence, override."""

    overrideRequested = Signal(str)
    overrideCleared = Signal(str)

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding = finding
        fg, bg, icon = _INDICATOR_LOOK.get(finding.indicator.value, _INDICATOR_LOOK["info"])
        self.setObjectName("findingCard")
        self.setStyleSheet(
            f"#findingCard {{ background: {bg}; border: 1px solid #c8c8c8;"
            f" border-left: 5px solid {fg}; border-radius: 4px; }}"
        )
        self.setAccessibleName(f"Finding, {finding.indicator.value}: {finding.summary}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)

        head = QHBoxLayout()
        head.addWidget(_icon_label(icon, 20, self), 0, Qt.AlignmentFlag.AlignTop)
        status = " · cannot evaluate" if finding.status == "cannot_evaluate" else ""
        self.header = QLabel(
            f"<span style='color:{fg}'><b>{escape(finding.indicator.value.upper())}</b>"
            f"{escape(status)}</span> — {escape(finding.title)}", self)
        self.header.setWordWrap(True)
        head.addWidget(self.header, 1)
        layout.addLayout(head)

        self.summary = QLabel(finding.summary, self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        self.toggle = QToolButton(self)
        self.toggle.setText("Details")
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAccessibleName(f"Show details: {finding.title}")
        self.toggle.toggled.connect(self._on_toggle_toggled)
        layout.addWidget(self.toggle)

        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setOpenExternalLinks(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        body = escape(finding.detail).replace("\n", "<br>")
        extra = ""
        if finding.inputs_missing:
            extra += ("<p><b>Not recorded:</b> "
                      f"{escape(', '.join(finding.inputs_missing))}</p>")
        if finding.sources_disagree:
            extra += f"<p><b>Sources disagree:</b> {escape(finding.sources_disagree)}</p>"
        if finding.suggestions:
            items = "".join(f"<li>{escape(s.label)}{' (recommended)' if s.is_recommended else ''}"
                            "</li>" for s in finding.suggestions)
            extra += f"<p><b>Suggestions:</b></p><ul>{items}</ul>"
        self.details.setText(f"<p>{body}</p>{extra}")
        self.details.hide()
        layout.addWidget(self.details)

        self.sources = QLabel(self)
        self.sources.setWordWrap(True)
        self.sources.setOpenExternalLinks(True)
        self.sources.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        grades = ", ".join(finding.evidence)
        self.sources.setText(f"<b>Evidence:</b> {escape(grades)}<br><b>Sources:</b><br>"
                             f"{sources_html(finding.sources)}")
        notes = [s.unverified_note for s in finding.sources if s.unverified_note]
        if notes:
            self.sources.setToolTip("\n".join(notes))
        layout.addWidget(self.sources)

        foot = QHBoxLayout()
        self.override_label = QLabel(self)
        self.override_label.setWordWrap(True)
        self.override_label.setTextFormat(Qt.TextFormat.PlainText)
        foot.addWidget(self.override_label, 1)
        self.override_button = QPushButton(self)
        self.override_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.override_button.clicked.connect(self._on_override_clicked)
        foot.addStretch(0)
        foot.addWidget(self.override_button, 0, Qt.AlignmentFlag.AlignTop)
        self.clear_button = QPushButton("Remove", self)
        self.clear_button.setAccessibleName(f"Remove override: {finding.title}")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        foot.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(foot)
        self._show_override()

    def _show_override(self) -> None:
        override = self.finding.override
        if override is None:
            self.override_label.setText("")
            self.override_label.hide()
            self.override_button.setText("Acknowledge / override…")
            self.clear_button.hide()
        else:
            reason = next((r.display for r in self.finding.override_reasons
                           if r.code == override.reason_code),
                          override.reason_code.replace("-", " "))
            who = ", ".join(x for x in (override.by, override.on and override.on.isoformat())
                            if x)
            text = f"✓ Overridden: {reason}"
            if override.reason_code == "acknowledged":
                text = "✓ Acknowledged"
            if override.comment:
                text += f" — {override.comment}"
            if who:
                text += f" ({who})"
            self.override_label.setText(text)
            self.override_label.show()
            self.override_button.setText("Change…")
            self.clear_button.show()
        self.override_button.setAccessibleName(
            f"{self.override_button.text()} {self.finding.title}")

    def _on_toggle_toggled(self, checked: bool) -> None:
        self.details.setVisible(checked)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if checked else Qt.ArrowType.RightArrow)

    def _on_override_clicked(self) -> None:
        self.overrideRequested.emit(self.finding.rule_id)

    def _on_clear_clicked(self) -> None:
        self.overrideCleared.emit(self.finding.rule_id)


class AssessmentPanel(QWidget):
    """The "Assessment" tab."""

    fieldRequested = Signal(str)
    overrideRequested = Signal(str)
    overrideCleared = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._card_keys: list[str] | None = None
        self._shown_keys: list[str] = []
        self._missing: list[Any] | None = None
        self._evidence: list[Any] | None = None
        self.cards: list[FindingCard] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.banner = VerdictBanner(self)
        outer.addWidget(self.banner)

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(self.scroll_area)
        self.body = body
        col = QVBoxLayout(body)
        col.setContentsMargins(0, 4, 0, 4)
        col.setSpacing(8)

        self.washout_label = QLabel(body)
        self.washout_label.setWordWrap(True)
        col.addWidget(self.washout_label)

        self.missing_title = QLabel(body)
        col.addWidget(self.missing_title)
        self.missing_list = QListWidget(body)
        self.missing_list.setAccessibleName("Missing information: select to go to the field")
        self.missing_list.setWordWrap(True)
        self.missing_list.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Fixed)
        self.missing_list.itemActivated.connect(self._on_missing_activated)
        self.missing_list.itemClicked.connect(self._on_missing_activated)
        col.addWidget(self.missing_list)

        self.findings_title = QLabel(body)
        col.addWidget(self.findings_title)
        # While questions are still open, the checks that cannot be evaluated yet are folded
        # behind one button: a new case leads with the questions, not a wall of cards.
        self.unevaluated_toggle = QToolButton(body)
        self.unevaluated_toggle.setCheckable(True)
        self.unevaluated_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.unevaluated_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.unevaluated_toggle.toggled.connect(self._on_unevaluated_toggled)
        self.unevaluated_toggle.hide()
        col.addWidget(self.unevaluated_toggle)
        self.cards_box = QVBoxLayout()
        self.cards_box.setSpacing(8)
        col.addLayout(self.cards_box)

        self.evidence_title = QLabel("<b>Evidence for this patient's conditions</b>", body)
        col.addWidget(self.evidence_title)
        self.evidence_label = QLabel(body)
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setOpenExternalLinks(True)
        self.evidence_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction)
        col.addWidget(self.evidence_label)
        col.addStretch(1)
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)

    # -- rendering -----------------------------------------------------------------------------

    def show_assessment(self, result: Assessment) -> None:
        self.banner.show_assessment(result)
        self.body.setEnabled(True)
        washout = [
            f"{w.drug} ({w.label}"
            + (", release not stated: the longer washout assumed" if w.assumed else "")
            + f"): last dose {w.last_dose_on or 'not recorded'}, washout {w.range_text}, "
            + (f"ends {w.ends_on}" if w.ends_on else "end not known without the last dose")
            for w in result.washout
        ]
        self.washout_label.setText("Washout: " + "; ".join(washout) if washout else "")
        self.washout_label.setVisible(bool(washout))
        if result.missing_information != self._missing:
            self._missing = list(result.missing_information)
            self._render_missing(result)
            self._fold_unevaluated()
        keys = [_card_key(f) for f in result.findings]
        if keys != self._card_keys:
            self._card_keys = keys
            self._render_cards(result.findings, keys)
        else:  # same content: keep the widgets, refresh the per-case ids they carry
            for card, finding in zip(self.cards, result.findings, strict=True):
                card.finding = finding
        if result.evidence != self._evidence:
            self._evidence = list(result.evidence)
            self._render_evidence(result)

    def show_invalid(self, count: int) -> None:
        self.banner.show_invalid(count)
        self.body.setEnabled(False)

    def show_dosing_error(self, message: str) -> None:
        self.banner.show_dosing_error(message)
        self.body.setEnabled(False)

    def _render_missing(self, result: Assessment) -> None:
        self.missing_list.clear()
        items = result.missing_information
        blocking = sum(1 for m in items if m.blocks_decision)
        if not items:
            self.missing_title.setText("<b>Missing information:</b> none")
            self.missing_list.hide()
            return
        self.missing_title.setText(
            f"<b>Missing information</b> ({len(items)}; {blocking} needed for a decision) — "
            "select a question to go to its field")
        for item in items:
            prefix = "● Needed: " if item.blocks_decision else "○ Helpful: "
            entry = QListWidgetItem(prefix + item.question)
            entry.setData(Qt.ItemDataRole.UserRole, item.input)
            entry.setToolTip(f"Input {item.input}; rules: {', '.join(item.rule_ids)}")
            self.missing_list.addItem(entry)
        self.missing_list.show()
        rows = min(len(items), max(8, blocking))  # every question needed for a decision
        height = sum(self.missing_list.sizeHintForRow(i) for i in range(rows))
        self.missing_list.setFixedHeight(height + 2 * self.missing_list.frameWidth() + 4)
        self.missing_list.scrollToTop()  # the questions needed for a decision come first

    def _render_cards(self, findings: Sequence[Finding], keys: Sequence[str]) -> None:
        """Show ``findings`` in order, reusing the card of any finding whose content is
        unchanged (building a card is the expensive part of a repaint)."""
        old: dict[str, list[FindingCard]] = {}
        for card, key in zip(self.cards, self._shown_keys, strict=True):
            self.cards_box.removeWidget(card)
            old.setdefault(key, []).append(card)
        self.cards = []
        self.findings_title.setText(f"<b>Findings</b> ({len(findings)})" if findings
                                    else "<b>Findings:</b> none")
        for finding, key in zip(findings, keys, strict=True):
            reusable = old.get(key)
            if reusable:
                card = reusable.pop(0)
                card.finding = finding
            else:
                card = FindingCard(finding, self.body)
                card.overrideRequested.connect(self.overrideRequested)
                card.overrideCleared.connect(self.overrideCleared)
            self.cards_box.addWidget(card)
            card.show()
            self.cards.append(card)
        self._fold_unevaluated()
        for leftovers in old.values():
            for card in leftovers:
                card.hide()
                card.deleteLater()
        self._shown_keys = list(keys)

    def _folded(self) -> list[FindingCard]:
        """Cards that cannot be evaluated yet, while a question needed for a decision is open."""
        if not any(m.blocks_decision for m in self._missing or []):
            return []
        return [c for c in self.cards if c.finding.status == "cannot_evaluate"]

    def _fold_unevaluated(self) -> None:
        folded = self._folded()
        show = self.unevaluated_toggle.isChecked()
        for card in self.cards:
            card.setVisible(show or card not in folded)
        count = len(folded)
        self.unevaluated_toggle.setVisible(bool(count))
        if count:
            verb = "Hide" if show else "Show"
            self.unevaluated_toggle.setText(
                f"{verb} the {count} checks that cannot be evaluated until the questions "
                f"above are answered")
            self.unevaluated_toggle.setArrowType(
                Qt.ArrowType.DownArrow if show else Qt.ArrowType.RightArrow)

    def _on_unevaluated_toggled(self, _checked: bool) -> None:
        self._fold_unevaluated()

    def _render_evidence(self, result: Assessment) -> None:
        parts = []
        for record in result.evidence:
            parts.append(
                f"<p><b>{escape(record.title)}</b> — {escape(record.direction)}, "
                f"{escape(record.strength)}<br>{escape(record.summary)}<br>"
                f"<small>{sources_html(record.sources)}</small></p>")
        if result.conditions_without_evidence:
            parts.append("<p>No evidence record for: "
                         f"{escape(', '.join(result.conditions_without_evidence))}</p>")
        self.evidence_label.setText("".join(parts) or "No condition recorded.")

    def _on_missing_activated(self, item: QListWidgetItem) -> None:
        self.fieldRequested.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def card_for(self, rule_id: str) -> FindingCard | None:
        return next((c for c in self.cards if c.finding.rule_id == rule_id), None)

"""What the printed documents say: the clinician summary and the patient handout as data.

Pure (standard library and pydantic only).  Each builder returns a :class:`Document`, a tree
of plain-text blocks (headings, paragraphs, bullet lists, tables, boxes, a verdict banner, a
wallet card).  The PDF adapter (:mod:`ldn_cds.pdf`) decides how the blocks look and escapes
every string before it reaches reportlab; nothing here is markup.

Wording.  Every sentence comes from the rule set, so the rule-set SHA-256 in the footer covers
it: the handout's from ``resources/handout.yaml`` (tagged with the item of
``clinical-knowledge.md`` it renders) or a rule's ``patient_text``, everything else from
``resources/texts.yaml`` (:class:`ldn_cds.core.texts.Texts`).  The handout is written for a
reading grade of 8 or lower (see :mod:`ldn_cds.core.readability` and
:func:`handout_body_text`).

Very long free text (a 5,000-character name) is clipped with an ellipsis in headers, the
wallet card and table cells (:data:`NAME_LIMIT`, :data:`CELL_LIMIT`); paragraphs keep it whole
and the adapter wraps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds.core.assessment import Assessment, Finding, MissingItem, Verdict
from ldn_cds.core.dosing import DosePlan, DoseStep
from ldn_cds.core.formatting import fmt_date, fmt_mg, fmt_trace_state, fmt_value
from ldn_cds.core.models import Case, DoseForm
from ldn_cds.core.response import meaningful_target
from ldn_cds.core.ruleset import Effect, HandoutWording, Indicator, RuleSet
from ldn_cds.core.sources import SourceOut
from ldn_cds.core.texts import Labels, Texts, fill

NAME_LIMIT = 120
"""Characters of a name or record id kept in headers and on the wallet card."""
CELL_LIMIT = 300
"""Characters of one free-text value kept in a table cell (the rule trace)."""
HASH_PREFIX = 12
"""Characters of the rule-set SHA-256 printed in every footer."""


class PrintSettings(BaseModel):
    """Clinic header and print options (shared by the GUI settings and the PDF renderer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clinic_name: str = Field("", max_length=500, description="Clinic name for the header.")
    clinic_address: str = Field("", max_length=1000, description="Clinic address, one line.")
    clinic_phone: str = Field("", max_length=100, description="Phone number patients call.")
    prescriber: str = Field("", max_length=500, description="Prescriber's name and title.")
    paper: Literal["letter", "a4"] = Field("letter", description="Paper size.")
    large_print: bool = Field(False, description="Large print handout (body 14 pt or more).")


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------

Tone = Literal["ok", "caution", "wait", "stop", "unknown", "neutral", "critical", "warning",
               "info"]
TextStyle = Literal["body", "small", "lead", "muted"]


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph of plain text; ``label`` is printed in bold before it."""

    text: str
    label: str | None = None
    style: TextStyle = "body"


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    style: TextStyle = "body"


@dataclass(frozen=True, slots=True)
class Table:
    """A grid table; ``widths`` are fractions of the frame width (they sum to 1)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    role: Literal["dose", "data", "trace", "keyvalue", "diary"] = "data"
    style: TextStyle = "small"


@dataclass(frozen=True, slots=True)
class Box:
    """A framed box (boxed warning, finding card).  ``symbol`` precedes the title."""

    title: str
    tone: Tone
    blocks: tuple[Para | Bullets, ...]
    symbol: str = ""


@dataclass(frozen=True, slots=True)
class Banner:
    """The verdict: symbol + words + a coloured band (never colour alone)."""

    symbol: str
    title: str
    lines: tuple[str, ...]
    tone: Tone


@dataclass(frozen=True, slots=True)
class WalletCard:
    title: str
    lines: tuple[str, ...]
    footer: str


@dataclass(frozen=True, slots=True)
class PageBreak:
    pass


Block = Heading | Para | Bullets | Table | Box | Banner | WalletCard | PageBreak


@dataclass(frozen=True, slots=True)
class Header:
    """Drawn at the top of every page."""

    clinic_lines: tuple[str, ...]
    patient_line: str
    right_line: str


@dataclass(frozen=True, slots=True)
class Footer:
    """Drawn at the foot of every page, with "Page X of Y" added by the adapter."""

    text: str
    generated_on: date


@dataclass(frozen=True, slots=True)
class Document:
    kind: Literal["summary", "handout"]
    title: str
    subject: str
    author: str
    header: Header
    footer: Footer
    blocks: tuple[Block, ...]
    paper: Literal["letter", "a4"] = "letter"
    large_print: bool = False
    keywords: tuple[str, ...] = field(default_factory=tuple)


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------

VERDICT_STYLE: dict[Verdict, tuple[str, Tone]] = {
    Verdict.CANDIDATE: ("✔", "ok"),
    Verdict.CANDIDATE_WITH_CAUTIONS: ("⚠", "caution"),
    Verdict.NOT_YET: ("◷", "wait"),
    Verdict.CONTRAINDICATED: ("✘", "stop"),
    Verdict.NEEDS_INFORMATION: ("?", "unknown"),
}
"""Symbol and colour tone of each verdict."""

INDICATOR_STYLE: dict[Indicator, tuple[str, Tone]] = {
    Indicator.CRITICAL: ("✘", "critical"),
    Indicator.WARNING: ("⚠", "warning"),
    Indicator.INFO: ("ℹ", "info"),
}
"""Symbol and colour tone of each indicator (its word is ``texts.yaml`` labels.indicators)."""



def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (whitespace runs collapsed)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def age_years(born: date | None, on: date) -> int | None:
    """Completed years of age on ``on``; None when the date of birth is unknown."""
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _settings(settings: PrintSettings | None) -> PrintSettings:
    return settings if settings is not None else PrintSettings()


def _patient_name(case: Case, t: Texts) -> str:
    return case.patient.name or t.summary.name_missing


HEADER_NAME_LIMIT = 40
"""Characters of the name (and of the record id) in the one-line page header, so that the
date of birth and the age always fit beside them (the full name is in the document title
and on the handout's first heading)."""


def _patient_line(case: Case, on: date, t: Texts) -> str:
    p = case.patient
    age = age_years(p.date_of_birth, on)
    x = t.labels
    parts = [
        fill(x.patient, name=clip(_patient_name(case, t), HEADER_NAME_LIMIT)),
        fill(x.record, record=clip(p.record_id, HEADER_NAME_LIMIT) if p.record_id
             else x.not_recorded),
        fill(x.born, date=fmt_date(p.date_of_birth) if p.date_of_birth else x.not_recorded),
        fill(x.age, age=x.unknown if age is None else str(age)),
    ]
    return "  •  ".join(parts)


WRITE_IN = "________________"
"""A blank to write on, printed where a clinic detail is not set."""


def _clinic_lines(s: PrintSettings, t: Texts) -> tuple[str, ...]:
    """The page header's clinic lines; with no clinic set, a line to write the clinic in."""
    if not s.clinic_name:
        phone = clip(s.clinic_phone, NAME_LIMIT) if s.clinic_phone else WRITE_IN
        lines = [fill(t.labels.clinic_and_phone, clinic=WRITE_IN, phone=phone)]
        if s.clinic_address:
            lines.append(clip(s.clinic_address, NAME_LIMIT))
        return tuple(lines)
    lines = [clip(s.clinic_name, NAME_LIMIT)]
    detail = "  •  ".join(
        clip(x, NAME_LIMIT) for x in (s.clinic_address, s.clinic_phone) if x
    )
    if detail:
        lines.append(detail)
    return tuple(lines)


def clinic_contact(s: PrintSettings, t: Texts) -> tuple[str, ...]:
    """Clinic, phone and prescriber for the patient, each with a write-in blank when not set."""
    x = t.labels
    return (
        fill(x.clinic, clinic=clip(s.clinic_name, NAME_LIMIT) if s.clinic_name else WRITE_IN),
        fill(x.phone, phone=clip(s.clinic_phone, NAME_LIMIT) if s.clinic_phone else WRITE_IN),
        fill(x.prescriber, name=clip(s.prescriber, NAME_LIMIT) if s.prescriber else WRITE_IN),
    )


def _footer(assessment: Assessment, t: Texts) -> Footer:
    rs = assessment.ruleset
    text = fill(t.summary.footer, date=fmt_date(assessment.assessed_on),
                program=assessment.program_version, ruleset=rs.id, version=rs.version,
                sha256=rs.sha256[:HASH_PREFIX])
    return Footer(text=text, generated_on=assessment.assessed_on)


def _author(s: PrintSettings) -> str:
    return s.clinic_name or "ldn-cds"


def step_dates(step: DoseStep) -> str:
    """"23 Nov 2026 to 6 Dec 2026", or "From 15 Mar 2027 on" for the maintenance step."""
    if step.until is None or step.maintenance:
        return f"From {fmt_date(step.start)} on"
    return f"{fmt_date(step.start)} to {fmt_date(step.until)}"


def step_amount(step: DoseStep, form: DoseForm) -> str:
    """How much to take: "1 capsule (0.5 mg capsules)" or "0.5 mL"."""
    if form is DoseForm.LIQUID and step.ml_per_dose is not None:
        return f"{step.ml_per_dose:g} mL"
    count = step.capsules_per_dose or 1
    noun = "capsule" if count == 1 else "capsules"
    strength = (
        f" of {fmt_mg(step.capsule_strength_mg)}" if step.capsule_strength_mg is not None else ""
    )
    return f"{count} {noun}{strength}"


def _source_line(src: SourceOut) -> str:
    """Citation, section, DOI/URL, and "[unverified]" for a source not checked."""
    line = src.citation
    if src.section:
        line += f" Section: {src.section}."
    if src.url:
        line += f" {src.url}"
    if not src.verified:
        line += " [unverified]"
    return line


def _evidence_words(tags: Iterable[str], t: Texts) -> str:
    words = t.summary.evidence_words
    return ", ".join(words.get(tag, tag) for tag in tags) or t.labels.not_graded


# --------------------------------------------------------------------------------------------
# Clinician summary
# --------------------------------------------------------------------------------------------


def _start_text(assessment: Assessment, t: Texts) -> str:
    if assessment.earliest_start_on is not None:
        return fmt_date(assessment.earliest_start_on)
    if assessment.verdict in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION):
        return t.summary.start_not_started
    return t.summary.start_undated


def _critical(assessment: Assessment) -> list[Finding]:
    return [f for f in assessment.findings if f.indicator is Indicator.CRITICAL]


def _verdict_banner(assessment: Assessment, t: Texts) -> Banner:
    """Verdict, start date, washout end, and every critical finding by name."""
    symbol, tone = VERDICT_STYLE[assessment.verdict]
    lines = [fill(t.summary.start_label, start=_start_text(assessment, t))]
    if assessment.washout_ends_on is not None:
        lines.append(fill(t.summary.washout_label, date=fmt_date(assessment.washout_ends_on)))
    critical = _critical(assessment)
    if critical:
        lines.append(fill(t.labels.critical, titles="; ".join(
            f.title + ("" if f.status == "fired" else t.labels.cannot_evaluate_suffix)
            for f in critical)))
    return Banner(symbol=symbol, title=assessment.verdict_text, lines=tuple(lines), tone=tone)


def _reasons(assessment: Assessment, t: Texts) -> list[str]:
    """The verdict's reason in words: the title and summary of each rule that set it."""
    by_rule = {f.rule_id: f for f in assessment.findings}
    out: list[str] = []
    for rule_id in assessment.verdict_rules:
        f = by_rule.get(rule_id)
        if f is None:
            continue
        line = f.summary
        if line not in out:
            out.append(line)
    if not out:
        out.append(t.summary.no_verdict_reason)
    return out


def _next_steps(assessment: Assessment, t: Texts) -> list[str]:
    """The first thing to do, by verdict (``texts.yaml`` summary.next_steps), then the
    recommended actions of the rules."""
    first: str = getattr(t.summary.next_steps, assessment.verdict.value)
    out = [first]
    setting = set(assessment.verdict_rules)
    for f in assessment.findings:
        if f.status != "fired":
            continue  # a rule that could not be evaluated asks its question instead
        if f.rule_id not in setting and f.indicator is not Indicator.CRITICAL:
            continue
        for suggestion in f.suggestions:
            if suggestion.is_recommended and suggestion.label + "." not in out:
                out.append(suggestion.label + ".")
    plan = assessment.dose_plan
    if plan is not None and assessment.verdict in (Verdict.CANDIDATE,
                                                   Verdict.CANDIDATE_WITH_CAUTIONS):
        out.append(fill(t.summary.review_on, date=fmt_date(plan.review_on)))
    return out


def _form_words(form: DoseForm, t: Texts) -> str:
    return t.summary.capsules if form is DoseForm.CAPSULE else t.summary.liquid


def _dose_line(assessment: Assessment, t: Texts) -> str:
    plan = assessment.dose_plan
    w = t.summary
    if plan is None:
        return assessment.dose_plan_note or w.no_dose_plan
    when = w.at_bedtime if plan.timing == "bedtime" else w.in_the_morning
    return fill(w.dose_line, start_dose=fmt_mg(plan.start_mg), when=when,
                start=fmt_date(plan.start_on), target=fmt_mg(plan.target_mg),
                reached=fmt_date(plan.target_reached_on), form=_form_words(plan.form, t),
                protocol=plan.protocol_name, review=fmt_date(plan.review_on))


def _mme_line(assessment: Assessment, t: Texts) -> str:
    w = t.summary
    if assessment.mme_per_day is None:
        why = assessment.mme_note or w.mme_no_reason
        prefix = fill(w.mme_not_computable, why="")
        return fill(w.mme_not_computable, why=why.removeprefix(prefix))
    note = f"; {assessment.mme_note}" if assessment.mme_note else ""
    return fill(w.mme_per_day, mme=f"{assessment.mme_per_day:g}") + note


def _question(m: MissingItem, t: Texts) -> str:
    return m.question + ("" if m.blocks_decision else t.summary.question_caution)


def bottom_line(assessment: Assessment, ruleset: RuleSet) -> list[Block]:
    """Page 1 of the summary: what a physician needs between patients, nothing else."""
    t = ruleset.texts
    w = t.summary
    out: list[Block] = [
        _verdict_banner(assessment, t),
        Para("", label=w.why_label),
        Bullets(tuple(_reasons(assessment, t))),
        Para(_dose_line(assessment, t), label=w.dose_label),
        Para(_mme_line(assessment, t), label=w.mme_label),
        Para("", label=w.next_label),
        Bullets(tuple(_next_steps(assessment, t))),
    ]
    missing = sorted(assessment.missing_information, key=lambda m: not m.blocks_decision)
    if assessment.verdict is Verdict.NEEDS_INFORMATION and missing:
        out.append(Para("", label=w.questions_label))
        out.append(Bullets(tuple(_question(m, t) for m in missing)))
    return out


def _finding_box(f: Finding, t: Texts) -> Box:
    symbol, tone = INDICATOR_STYLE[f.indicator]
    x = t.labels
    word: str = getattr(x.indicators, f.indicator.value)
    status = x.status_fired if f.status == "fired" else x.status_cannot_evaluate
    blocks: list[Para | Bullets] = [
        Para(f.summary, label=fill(x.finding, indicator=word, status=status)),
        Para(f.detail, style="small"),
    ]
    if f.inputs_missing:
        blocks.append(Para(", ".join(f.inputs_missing), label=x.inputs_missing, style="small"))
    blocks.append(Para(_evidence_words(f.evidence, t), label=x.evidence_grade, style="small"))
    if f.sources_disagree:
        blocks.append(Para(f.sources_disagree, label=x.sources_disagree, style="small"))
    blocks.append(Para("", label=x.sources, style="small"))
    blocks.append(Bullets(tuple(_source_line(s) for s in f.sources), style="small"))
    if f.override is not None:
        blocks.append(Para(
            fill(t.summary.overridden, code=f.override.reason_code),
            label=x.overridden, style="small",
        ))
    return Box(title=f"{f.title}  [{f.rule_id} {f.rule_version}]", tone=tone, blocks=tuple(blocks),
               symbol=symbol)


def _mme_blocks(assessment: Assessment, t: Texts) -> list[Block]:
    out: list[Block] = [Heading(t.summary.mme_heading, 2)]
    x = t.labels
    if assessment.mme:
        rows = tuple(
            (
                m.drug,
                m.release or x.unknown,
                x.unknown if m.daily_dose is None else f"{m.daily_dose:g} {m.unit or ''}".strip(),
                x.none if m.factor is None else f"{m.factor:g}",
                x.not_computed if m.mme is None else f"{m.mme:g}",
                m.note or "",
            )
            for m in assessment.mme
        )
        out.append(Table(tuple(x.mme_columns), rows,
                         (0.18, 0.13, 0.15, 0.09, 0.11, 0.34)))
    total = (t.assessment.mme_unknown if assessment.mme_per_day is None
             else fill(t.summary.mme_per_day, mme=f"{assessment.mme_per_day:g}"))
    note = f" {assessment.mme_note}." if assessment.mme_note else ""
    out.append(Para(fill(x.total_line, total=total, table=assessment.mme_table) + note,
                    label=x.total))
    if assessment.washout:
        washout_rows = tuple(
            (
                w.drug,
                w.label,
                (fill(x.washout_days, days=str(w.days), range=w.range_text)
                 if w.days is not None else w.range_text)
                + (x.assumed if w.assumed else ""),
                fmt_date(w.last_dose_on) if w.last_dose_on else x.unknown,
                fmt_date(w.ends_on) if w.ends_on else x.unknown,
            )
            for w in assessment.washout
        )
        out.append(Table(tuple(x.washout_columns), washout_rows,
                         (0.16, 0.30, 0.24, 0.15, 0.15)))
        notes = [f"{w.drug}: {w.note}" for w in assessment.washout if w.note]
        if notes:
            out.append(Bullets(tuple(notes), style="small"))
    return out


def _evidence_blocks(assessment: Assessment, t: Texts) -> list[Block]:
    out: list[Block] = [Heading(t.summary.evidence_heading, 2)]
    if not assessment.evidence and not assessment.conditions_without_evidence:
        out.append(Para(t.summary.no_pain_recorded, style="small"))
    directions = t.summary.direction_words
    for e in assessment.evidence:
        out.append(Para(
            f"{directions.get(e.direction, e.direction)} ({e.strength}). {e.summary}",
            label=f"{e.title}:",
        ))
        out.append(Para(e.detail, style="small"))
        out.append(Bullets(tuple(_source_line(s) for s in e.sources), style="small"))
    if assessment.conditions_without_evidence:
        out.append(Para(
            ", ".join(c.replace("_", " ") for c in assessment.conditions_without_evidence),
            label=t.summary.no_evidence_for, style="small",
        ))
    return out


def dose_table(plan: DosePlan, t: Texts) -> Table:
    """The titration table of the clinician summary."""
    x = t.labels
    amount = x.ml_per_dose if plan.form is DoseForm.LIQUID else x.capsules_per_dose
    rows = tuple(
        (
            step_dates(step),
            x.ongoing if step.days is None else str(step.days),
            fmt_mg(step.dose_mg),
            step_amount(step, plan.form),
        )
        for step in plan.steps
    )
    return Table((*x.dose_columns, amount), rows, (0.44, 0.12, 0.16, 0.28), role="dose")


def _plan_blocks(assessment: Assessment, t: Texts) -> list[Block]:
    plan = assessment.dose_plan
    out: list[Block] = [Heading(t.summary.plan_heading, 2)]
    if plan is None:
        out.append(Para(assessment.dose_plan_note or t.summary.no_dose_plan,
                        label=t.labels.no_dose_plan))
        return out
    x = t.labels
    when = x.bedtime if plan.timing == "bedtime" else x.morning
    rows = x.plan_rows
    out.append(Table(
        tuple(x.plan_columns),
        (
            (rows.protocol, fill(x.chosen_by, protocol=plan.protocol_name, who=plan.chosen_by)),
            (rows.why, plan.default_reason),
            (rows.form, _form_words(plan.form, t)),
            (rows.timing, fill(x.timing, when=when, reason=plan.timing_reason)),
            (rows.start_target_ceiling,
             fill(t.summary.plan_start_target, start_dose=fmt_mg(plan.start_mg),
                  start=fmt_date(plan.start_on), target=fmt_mg(plan.target_mg),
                  reached=fmt_date(plan.target_reached_on), ceiling=fmt_mg(plan.max_mg))),
            (rows.review, fill(x.review, date=fmt_date(plan.review_on), basis=plan.review_basis)),
        ),
        (0.22, 0.78), role="keyvalue",
    ))
    if plan.start_note:
        out.append(Para(plan.start_note, label=x.start_date, style="small"))
    if plan.ceiling_override is not None:
        out.append(Para(
            f"{fmt_mg(plan.ceiling_override.max_mg)}: {plan.ceiling_override.reason}",
            label=x.ceiling_override,
        ))
    out.append(dose_table(plan, t))
    if plan.dispense:
        out.append(Table(
            tuple(x.dispense_columns),
            tuple((d.description, f"{d.quantity:g} {d.unit}", str(d.days))
                  for d in plan.dispense),
            (0.60, 0.22, 0.18),
        ))
    return out


def _notes_blocks(assessment: Assessment, t: Texts) -> list[Block]:
    notes = assessment.notes
    if notes is None:
        return []
    out: list[Block] = [Heading(t.summary.notes_heading, 2)]
    x = t.labels
    out.append(Box(title=x.prescription, tone="neutral",
                   blocks=tuple(Para(line, style="small") for line in notes.prescription)))
    for section in notes.compounding:
        out.append(Para(" ".join(section.lines), label=f"{section.title}:", style="small"))
    out.append(Heading(t.summary.insurance_heading, 2))
    pa = notes.prior_authorization
    in_letter = set(pa.rationale) | set(pa.monitoring_plan)
    for section in notes.insurance:
        if set(section.lines) <= in_letter:
            continue  # printed once, in the prior-authorization content below
        out.append(Para(" ".join(section.lines), label=f"{section.title}:", style="small"))
    out.append(Para(notes.cost_range, label=x.cost, style="small"))
    out.append(Heading(t.summary.prior_authorization_heading, 3))
    prior = ", ".join(pa.prior_therapies) if pa.prior_therapies else x.none_listed
    if pa.prior_therapies_note:
        prior += f" ({pa.prior_therapies_note})"
    out.append(Para(pa.diagnosis, label=x.diagnosis, style="small"))
    out.append(Para(pa.duration, label=x.duration, style="small"))
    out.append(Para(prior, label=x.prior_therapies, style="small"))
    for title, items in ((x.rationale, pa.rationale), (x.evidence, pa.evidence),
                         (x.monitoring_plan, pa.monitoring_plan)):
        if items:
            out.append(Para("", label=title, style="small"))
            out.append(Bullets(tuple(items), style="small"))
    return out


def _override_blocks(assessment: Assessment, t: Texts) -> list[Block]:
    if not assessment.overrides:
        return []
    x = t.labels
    out: list[Block] = [Heading(x.overrides, 2)]
    for o in assessment.overrides:
        by = clip(o.by, NAME_LIMIT) if o.by else None
        who = ", ".join(x for x in (by, fmt_date(o.on) if o.on else None) if x)
        out.append(Para(
            fill(x.reason_code, code=o.reason_code) + (f" ({who})" if who else ""),
            label=f"{o.rule_id}:",
        ))
        out.append(Para(o.comment or t.summary.no_comment, label=x.comment, style="small"))
    return out


def _trace_table(assessment: Assessment, x: Labels) -> Table:
    """Rules that fired or could not be evaluated (the rules that did not fire are counted
    beside the table; the full trace is in the JSON output and the window)."""
    rows = []
    for t in assessment.trace:
        if t.outcome == "not_fired":
            continue
        read = "; ".join(
            f"{k} = {clip(fmt_value(v), CELL_LIMIT)}" for k, v in t.inputs_read.items()
        ) or x.none
        rows.append((
            f"{t.rule_id} {t.rule_version}\n{t.title}",
            fmt_trace_state(t.outcome) + ("" if t.effect == "none" else f"\n→ {t.effect}"),
            read,
            ", ".join(t.inputs_missing) or x.none,
            ", ".join(t.sources),
        ))
    return Table(tuple(x.trace_columns), tuple(rows),
                 (0.21, 0.10, 0.33, 0.14, 0.22), role="trace")


def build_summary(
    case: Case, assessment: Assessment, ruleset: RuleSet, settings: PrintSettings | None = None
) -> Document:
    """The clinician summary of one assessment, as blocks."""
    s = _settings(settings)
    t = ruleset.texts
    w = t.summary
    blocks: list[Block] = [
        Heading(fill(w.title, date=fmt_date(assessment.assessed_on)), 1),
        *bottom_line(assessment, ruleset),
        Para(t.intended_use, label=w.intended_use_label, style="muted"),
        PageBreak(),
    ]
    blocks.append(Heading(w.findings, 2))
    if assessment.findings:
        blocks.extend(_finding_box(f, t) for f in assessment.findings)
    else:
        blocks.append(Para(w.no_findings, style="small"))
    blocks.append(Heading(w.missing_information, 2))
    unevaluated = [x.title for x in assessment.trace if x.outcome == "cannot_evaluate"]
    if assessment.missing_information:
        blocks.append(Bullets(tuple(
            fill(w.missing_line, question=m.question, input=m.input,
                 blocks=w.blocks_decision if m.blocks_decision else w.caution,
                 rules=", ".join(m.rule_ids))
            for m in assessment.missing_information
        ), style="small"))
    elif unevaluated:
        blocks.append(Para(fill(w.unevaluated, titles="; ".join(unevaluated)), style="small"))
    else:
        blocks.append(Para(w.nothing_missing, style="small"))
    if assessment.medicines:
        blocks.append(Heading(w.medicines, 2))
        blocks.append(Table(
            tuple(t.labels.medicine_columns),
            tuple((clip(m.entry, CELL_LIMIT),
                   t.labels.opioid_list if m.field.startswith("opioids")
                   else t.labels.other_medicines,
                   m.recognised_as) for m in assessment.medicines),
            (0.30, 0.16, 0.54)))
    blocks.extend(_override_blocks(assessment, t))
    blocks.extend(_mme_blocks(assessment, t))
    blocks.extend(_evidence_blocks(assessment, t))
    blocks.extend(_plan_blocks(assessment, t))
    blocks.extend(_notes_blocks(assessment, t))
    blocks.append(PageBreak())
    blocks.append(Heading(w.trace_heading, 2))
    not_fired = sum(1 for x in assessment.trace if x.outcome == "not_fired")
    blocks.append(Para(
        fill(w.trace_intro, ruleset=ruleset.manifest.id, version=ruleset.version,
             sha256=ruleset.sha256, not_fired=str(not_fired), total=str(len(assessment.trace))),
        style="small",
    ))
    blocks.append(_trace_table(assessment, t.labels))
    name = clip(_patient_name(case, t), NAME_LIMIT)
    return Document(
        kind="summary",
        title=fill(w.document_title, name=name),
        subject=fill(w.document_subject, date=fmt_date(assessment.assessed_on),
                     verdict=assessment.verdict_text),
        author=_author(s),
        header=Header(
            clinic_lines=_clinic_lines(s, t),
            patient_line=_patient_line(case, assessment.assessed_on, t),
            right_line=(clip(fill(t.labels.prescriber, name=s.prescriber), NAME_LIMIT)
                        if s.prescriber else ""),
        ),
        footer=_footer(assessment, t),
        blocks=tuple(blocks),
        paper=s.paper,
        large_print=False,
        keywords=("LDN", "naltrexone", assessment.verdict.value, ruleset.version),
    )


# --------------------------------------------------------------------------------------------
# Patient handout (wording: clinical-knowledge.md §8, tagged per sentence)
# --------------------------------------------------------------------------------------------

CARD_RULE = "opioid-blockade-card"
"""The rule whose patient text the handout already says (opioid box, card, surgery)."""




def _clinic_box(h: HandoutWording, s: PrintSettings, t: Texts) -> Box:
    """Who the patient calls: clinic, phone, prescriber (blanks to write on when not set)."""
    return Box(title=h.clinic_box_title, tone="neutral", symbol="☎",
               blocks=tuple(Para(line) for line in clinic_contact(s, t)))


def _who(s: PrintSettings, t: Texts) -> str:
    w = t.handout
    name = clip(s.clinic_name, NAME_LIMIT) if s.clinic_name else w.your_clinic
    if s.clinic_phone:
        return fill(w.who_with_phone, name=name, phone=clip(s.clinic_phone, NAME_LIMIT))
    return fill(w.who_without_phone, name=name)


def _paras(lines: Sequence[str], **values: str) -> list[Block]:
    out: list[Block] = []
    for line in lines:
        text = line
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        out.append(Para(text))
    return out


def _patient_texts(assessment: Assessment, *, with_plan: bool) -> list[str]:
    """Patient texts of rules that fired (a rule that could not be evaluated does not apply
    yet); without a dose plan, only those of rules that hold LDN back."""
    seen: list[str] = []
    for f in assessment.findings:
        if f.status != "fired":
            continue
        if not with_plan and f.effect is Effect.NONE:
            continue
        if f.rule_id == CARD_RULE:
            continue  # said by the opioid box, the card and the surgery section
        if f.patient_text and f.patient_text not in seen:
            seen.append(f.patient_text)
    return seen


def handout_dose_table(plan: DosePlan, t: Texts) -> Table:
    """The patient's calendar: dates, dose and how much to take (capsules or mL)."""
    rows = tuple(
        (step_dates(step), fmt_mg(step.dose_mg), step_amount(step, plan.form))
        for step in plan.steps
    )
    return Table((*t.labels.handout_dose_columns, t.handout.how_much), rows, (0.48, 0.20, 0.32),
                 role="dose", style="body")


def _gain_line(h: HandoutWording, case: Case, ruleset: RuleSet) -> str:
    """The 30% line, made concrete with the patient's score when it is known: the highest
    whole score that is a fall of 30% or more (7 -> 4: a fall to 5 is only 29%), the same
    threshold the response calculation uses."""
    now = case.pain.score_now
    target = meaningful_target(now, ruleset)
    if now is None or target is None:
        return h.slow_benefit[2]
    return h.gain_for_you.replace("{now}", str(now)).replace("{target}", str(target))


def _pregnancy_applies(assessment: Assessment) -> bool | None:
    """The rule set's own answer (read from the trace): False for a known male, from 55 or
    after menopause; None when it could not be told."""
    for t in assessment.trace:
        if "patient.pregnancy_applies" in t.inputs_read:
            value = t.inputs_read["patient.pregnancy_applies"]
            return value if isinstance(value, bool) else None
    return None


def _call_reasons(h: HandoutWording, assessment: Assessment) -> tuple[str, ...]:
    if _pregnancy_applies(assessment) is False:
        return tuple(r for r in h.call_reasons if r != h.pregnancy_reason)
    return tuple(h.call_reasons)


def _surgery_lines(h: HandoutWording, case: Case, *, card: bool) -> tuple[str, ...]:
    lines = [h.surgery[0]]
    if card:
        lines.append(h.carry_card)
    when = case.history.planned_surgery_on
    if when is not None:
        lines.append(h.operation_on.replace("{date}", fmt_date(when)))
    lines.extend(h.surgery[1:3])
    lines.append(h.surgery[3] if card else h.emergency_no_card)
    return tuple(lines)


def _handout_plan(
    h: HandoutWording, plan: DosePlan, case: Case, ruleset: RuleSet
) -> list[Block]:
    w = ruleset.texts.handout
    out: list[Block] = [Heading(w.plan, 2)]
    out.extend(_paras((h.start_plan,), start=fmt_date(plan.start_on)))
    out.append(handout_dose_table(plan, ruleset.texts))
    out.extend(_paras((h.review,), review=fmt_date(plan.review_on)))
    out.append(Heading(w.how_to_take, 2))
    how = list(h.how_to_take["morning" if plan.timing == "morning" else "bedtime"])
    how.extend(h.how_liquid if plan.form is DoseForm.LIQUID else (h.how_capsule,))
    how.append(h.missed_dose)
    how.extend(h.storage)
    out.append(Bullets(tuple(how)))
    out.append(Heading(w.first_weeks, 2))
    first = list(h.first_weeks)
    if plan.timing == "bedtime":
        first.append(h.morning_tip)
    first.extend((*h.slow_benefit[:2], _gain_line(h, case, ruleset)))
    out.append(Bullets(tuple(first)))
    return out


def _opioid_box(h: HandoutWording) -> Box:
    return Box(title=h.opioid_box_title, tone="stop", symbol="⚠",
               blocks=(Bullets(tuple(h.opioid_box)),))


def _call_blocks(
    h: HandoutWording, s: PrintSettings, reasons: Sequence[str], t: Texts
) -> list[Block]:
    """Who to call for what, in three tiers: 911, 988, then the clinic."""
    out: list[Block] = [
        Heading(t.handout.get_help, 2),
        Para(h.emergency_intro, label=h.emergency_label),
        Bullets(tuple(h.emergency_reasons)),
        Para(h.crisis, label=h.crisis_label),
    ]
    if reasons:
        out.append(Para(h.call_intro.replace("{who}", _who(s, t)), label=h.call_label))
        out.append(Bullets(tuple(reasons)))
    return out


def diary_weeks(plan: DosePlan) -> int:
    """Weeks of the pain diary: every week from the first dose to the review date."""
    return max((plan.review_on - plan.start_on).days // 7 + 1, 1)


def _diary_table(plan: DosePlan, t: Texts) -> Table:
    rows = tuple(
        (str(week), fmt_date(plan.start_on + timedelta(days=7 * (week - 1))), "", "")
        for week in range(1, diary_weeks(plan) + 1)
    )
    return Table((*t.labels.diary_columns, t.handout.diary_could_do), rows,
                 (0.13, 0.22, 0.15, 0.50), role="diary", style="body")


def _wallet_card(
    h: HandoutWording, case: Case, s: PrintSettings, plan: DosePlan, t: Texts
) -> WalletCard:
    return WalletCard(
        title=h.card_title,
        lines=(
            fill(t.labels.card_name, name=clip(_patient_name(case, t), NAME_LIMIT)),
            fill(t.handout.card_dose, start=f"{plan.start_mg:g}", target=fmt_mg(plan.target_mg)),
            *clinic_contact(s, t),
        ),
        footer=h.card_footer,
    )


def build_handout(
    case: Case, assessment: Assessment, ruleset: RuleSet, settings: PrintSettings | None = None
) -> Document:
    """The plain-language patient handout, as blocks.

    ``contraindicated`` and ``needs_information`` explain that LDN is not started now and what
    happens next (no dose plan); ``not_yet`` explains the wait and shows the plan if one
    exists; the candidate verdicts show the plan, the opioid warning and the wallet card.
    """
    s = _settings(settings)
    h = ruleset.handout
    t = ruleset.texts
    w = t.handout
    verdict = assessment.verdict
    plan = assessment.dose_plan
    starting = verdict not in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION)
    name = clip(_patient_name(case, t), NAME_LIMIT)
    title = fill(w.heading, title=w.title_plan if plan is not None else w.title_no_plan,
                 name=name)
    blocks: list[Block] = [Heading(title, 1)]
    blocks.extend(_paras(h.intro))
    blocks.append(_clinic_box(h, s, t))
    if verdict is Verdict.NOT_YET:
        blocks.append(Heading(w.wait, 2))
        if assessment.earliest_start_on is not None:
            blocks.extend(_paras(h.not_yet_dated, start=fmt_date(assessment.earliest_start_on)))
        else:
            blocks.extend(_paras(h.not_yet_undated))
    elif verdict is Verdict.CONTRAINDICATED:
        blocks.append(Heading(w.not_started, 2))
        blocks.extend(_paras(h.contraindicated))
    elif verdict is Verdict.NEEDS_INFORMATION:
        blocks.append(Heading(w.not_started_yet, 2))
        blocks.extend(_paras(h.needs_information))
    if starting:
        blocks.append(_opioid_box(h))
    texts = _patient_texts(assessment, with_plan=plan is not None)
    if texts:
        blocks.append(Heading(w.notes, 2))
        blocks.append(Bullets(tuple(texts)))
    if starting:
        if plan is not None:
            blocks.extend(_handout_plan(h, plan, case, ruleset))
        else:
            blocks.append(Para(h.not_yet_plan_later))
        blocks.append(Heading(w.surgery, 2))
        blocks.append(Bullets(_surgery_lines(h, case, card=plan is not None)))
        blocks.extend(_call_blocks(h, s, _call_reasons(h, assessment), t))
        blocks.append(Heading(w.cost, 2))
        blocks.append(Bullets(tuple(h.cost)))
        if plan is not None:
            blocks.append(Heading(w.diary, 2))
            blocks.append(Para(h.diary))
            blocks.append(_diary_table(plan, t))
            # last: the card on a page of its own with a blank back (see the PDF adapter)
            blocks.append(_wallet_card(h, case, s, plan, t))
    else:
        blocks.append(Heading(w.next, 2))
        contraindicated = verdict is Verdict.CONTRAINDICATED
        blocks.extend(_paras(
            h.contraindicated_next if contraindicated else h.needs_information_next))
        blocks.append(Para(h.questions.replace("{who}", _who(s, t))))
        blocks.append(Para(h.crisis, label=h.crisis_label))
    return Document(
        kind="handout",
        title=title,
        subject=w.subject,
        author=_author(s),
        header=Header(
            clinic_lines=_clinic_lines(s, t),
            patient_line=fill(t.labels.handout_for, name=name),
            right_line=(clip(fill(t.labels.prescriber, name=s.prescriber), NAME_LIMIT)
                        if s.prescriber else ""),
        ),
        footer=_footer(assessment, t),
        blocks=tuple(blocks),
        paper=s.paper,
        large_print=s.large_print,
        keywords=("LDN", "naltrexone", "patient handout", ruleset.version),
    )


def handout_body_text(document: Document) -> list[str]:
    """The handout's running text, for the reading-level check.

    Counted: paragraphs, bullet items and boxed text.  Left out: headings (they carry the
    patient's name), the header and footer, tables (dates and doses, not sentences) and the
    wallet card (addressed to clinicians).  Dates inside sentences stay in.
    """
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, Para):
            out.append(block.text)
        elif isinstance(block, Bullets):
            out.extend(block.items)
        elif isinstance(block, Box):
            for inner in block.blocks:
                out.extend(inner.items if isinstance(inner, Bullets) else (inner.text,))
    return [t for t in out if t.strip()]


__all__ = [
    "Banner",
    "Block",
    "Box",
    "Bullets",
    "Document",
    "Footer",
    "Header",
    "Heading",
    "PageBreak",
    "Para",
    "PrintSettings",
    "Table",
    "WalletCard",
    "build_handout",
    "build_summary",
    "handout_body_text",
]

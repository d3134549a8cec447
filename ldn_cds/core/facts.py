"""Facts: the named inputs a rule may read, each computed from the case and the date.

A fact's value is a plain value or ``None`` for *not known*.  Rules name facts in their
``inputs`` and conditions; the loader rejects a rule that names a fact not defined here.
Derived facts (age, washout, what each medicine is) are computed here, in one place, so that
every rule and every printed trace agree on them.

Every medicine the case names goes through the vocabulary's one matcher
(:func:`ldn_cds.core.medicines.recognise`): the listed opioids (so that a brand such as
OxyContin gets oxycodone's MME factor and the extended-release washout) and the other
medicines (so that an opioid in a combination, a cough syrup or an antidiarrheal is found).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from ldn_cds.core.dosing import titration_doses
from ldn_cds.core.medicines import OPIOID_ROLES, Recognition, Role, recognise
from ldn_cds.core.models import (
    Case,
    DoseUnit,
    LdnStatus,
    OpioidMedication,
    OpioidStatus,
    OpioidUseDisorder,
    Release,
    Sex,
    ThyroidCause,
    Use,
)
from ldn_cds.core.ruleset import MedicationGroup, Protocol, RuleSet, WashoutClass
from ldn_cds.core.texts import fill


@dataclass(frozen=True)
class FactSpec:
    """One fact: its name, meaning, value kind and allowed values (for enum facts)."""

    name: str
    description: str
    kind: str  # "bool", "enum", "number", "list"
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpioidLine:
    """One listed opioid as recognised: its single opioid ingredient and formulation."""

    index: int
    med: OpioidMedication
    recognition: Recognition
    ingredient: str | None
    release: Release | None
    release_note: str | None


@dataclass(frozen=True)
class OtherLine:
    """One entry of other_medications as recognised (or confirmed by the prescriber)."""

    index: int
    text: str
    recognition: Recognition
    confirmed: bool

    @property
    def unresolved(self) -> bool:
        """Not recognised (or ambiguous) and not confirmed as no opioid."""
        return not self.recognition.recognised and not self.confirmed


@dataclass(frozen=True)
class WashoutLine:
    """Washout for one listed opioid."""

    drug: str
    ingredient: str | None
    release: str | None
    washout_class: WashoutClass
    assumed: bool
    note: str | None
    last_dose_on: date | None
    ends_on: date | None


class MmeLine(BaseModel):
    """MME of one listed opioid (also the assessment's output row)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drug: str
    ingredient: str | None = None
    release: str | None
    daily_dose: float | None
    unit: str | None
    factor: float | None
    mme: float | None
    note: str | None


@dataclass(frozen=True)
class ProtocolChoice:
    protocol_id: str
    chosen_by: str  # "prescriber" | "rules"
    reason: str
    rule_id: str | None
    uncertain: bool = False


class Context:
    """Everything a fact may read: the case, the assessment date and the rule set's tables."""

    def __init__(self, case: Case, on: date, ruleset: RuleSet) -> None:
        self.case = case
        self.on = on
        self.ruleset = ruleset
        self._cache: dict[str, Any] = {}
        self._washout: tuple[WashoutLine, ...] | None = None
        self._opioids: tuple[OpioidLine, ...] | None = None
        self._others: tuple[OtherLine, ...] | None = None
        self._protocol: ProtocolChoice | None = None

    def fact(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = FACTS[name][1](self)
        return self._cache[name]

    def recognise(self, text: str) -> Recognition:
        return recognise(self.ruleset.vocabulary, text)

    # -- derived quantities shared by facts and the assessment --------------------------------

    def age_years(self) -> int | None:
        dob = self.case.patient.date_of_birth
        if dob is None:
            return None
        years = self.on.year - dob.year
        if (self.on.month, self.on.day) < (dob.month, dob.day):
            years -= 1
        return years

    def opioid_lines(self) -> tuple[OpioidLine, ...]:
        """Every listed opioid, recognised by ingredient, with its formulation."""
        if self._opioids is None:
            self._opioids = tuple(
                _opioid_line(self, i, med)
                for i, med in enumerate(self.case.opioids.medications or ())
            )
        return self._opioids

    def other_lines(self) -> tuple[OtherLine, ...]:
        """Every other medicine, recognised (confirmed entries count as no opioid)."""
        if self._others is None:
            confirmed = {_key(t) for t in self.case.confirmed_not_opioids or ()}
            self._others = tuple(
                OtherLine(index=i, text=text, recognition=self.recognise(text),
                          confirmed=_key(text) in confirmed)
                for i, text in enumerate(self.case.other_medications or ())
            )
        return self._others

    def other_opioids(self) -> tuple[OtherLine, ...]:
        """Other medicines that are an opioid exposure."""
        return tuple(line for line in self.other_lines() if line.recognition.is_opioid)

    def in_group(self, group_id: str, recognition: Recognition) -> bool:
        return group_matches(self.ruleset.group(group_id), recognition)

    def washout_lines(self) -> tuple[WashoutLine, ...]:
        """Washout per listed opioid (all listed opioids, whatever the status)."""
        if self._washout is None:
            self._washout = tuple(
                washout_for_line(self.ruleset, line) for line in self.opioid_lines()
            )
        return self._washout

    def washout_ends_on(self) -> date | None:
        """First day after the washout over the listed opioids that can be dated (last dose +
        interval); None if a last-dose date is unknown or nothing can be dated.  Depot forms
        cannot be dated and are left to their own rule."""
        lines = [w for w in self.washout_lines() if w.washout_class.datable]
        if not lines or any(line.ends_on is None for line in lines):
            return None
        return max(line.ends_on for line in lines if line.ends_on is not None)

    def provisional_start(self) -> date | None:
        """The earliest start before the surgery check: today when opioid-free, the washout
        end after stopped opioids, or the prescriber's later start date."""
        status = self.case.opioids.status
        if status is OpioidStatus.NONE and not self.case.opioids.medications:
            start: date | None = self.on
        elif status is OpioidStatus.STOPPED:
            ends = self.washout_ends_on()
            start = None if ends is None else max(self.on, ends)
        else:
            start = None
        chosen = self.case.plan.start_on
        if start is not None and chosen is not None and chosen > start:
            start = chosen
        return start

    def chosen_protocol(self) -> ProtocolChoice:
        """The titration protocol: the prescriber's, else the first protocol rule that fires
        (previous LDN dose, organ impairment, sensitive), else the default."""
        if self._protocol is None:
            self._protocol = _choose_protocol(self)
        return self._protocol

    def titration_days(self) -> int:
        """Days from the first dose to the first day at the target dose."""
        choice = self.chosen_protocol()
        if choice.protocol_id == PREVIOUS_DOSE:
            return 0
        try:
            protocol: Protocol = self.ruleset.protocol(choice.protocol_id)
        except KeyError:
            return 0
        target = self.case.plan.target_mg or protocol.target_mg
        return (len(titration_doses(protocol, target)) - 1) * protocol.step_days

    def surgery_postop_days(self) -> int:
        table = self.ruleset.tables.washout
        wclass = next(c for c in table.classes if c.id == table.postoperative_class)
        assert wclass.days is not None
        return wclass.days


PREVIOUS_DOSE = "previous-dose"
"""The virtual protocol that continues or restarts LDN at the previous dose."""


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def group_matches(group: MedicationGroup, recognition: Recognition) -> bool:
    """True when a recognised medicine belongs to a group (by role or tag)."""
    if not recognition.recognised:
        return False
    if set(group.exclude_tags) & set(recognition.tags):
        return False
    if recognition.role is not None and recognition.role in group.roles:
        return True
    return bool(set(group.tags) & set(recognition.tags))


def _opioid_line(ctx: Context, index: int, med: OpioidMedication) -> OpioidLine:
    return _opioid_line_for(ctx.ruleset, index, med)


def _opioid_line_for(ruleset: RuleSet, index: int, med: OpioidMedication) -> OpioidLine:
    rec = recognise(ruleset.vocabulary, med.drug)
    opioid_ings = rec.opioid_ingredients
    ingredient = opioid_ings[0] if len(opioid_ings) == 1 else None
    recorded = med.release
    if recorded is None and med.unit is DoseUnit.MCG_PER_HOUR:
        recorded = Release.TRANSDERMAL  # the model allows mcg/h only for patches
    inferred = rec.formulation
    note = None
    words = ruleset.texts.facts
    if recorded is None:
        release = inferred
        if inferred is not None:
            note = fill(words.formulation_from_product, formulation=inferred.value)
    else:
        release = recorded
        if inferred is not None and inferred is not recorded:
            note = fill(words.release_conflict, recorded=recorded.value, product=inferred.value)
            release = _longer(ruleset, ingredient, recorded, inferred)
    return OpioidLine(index=index, med=med, recognition=rec, ingredient=ingredient,
                      release=release, release_note=note)


def _longer(ruleset: RuleSet, ingredient: str | None, a: Release, b: Release) -> Release:
    ca = _washout_class(ruleset, ingredient, a)[0]
    cb = _washout_class(ruleset, ingredient, b)[0]
    if not ca.datable:
        return a
    if not cb.datable:
        return b
    return a if (ca.days or 0) >= (cb.days or 0) else b


def _washout_class(
    ruleset: RuleSet, ingredient: str | None, release: Release | None
) -> tuple[WashoutClass, bool, str | None]:
    release_key = release.value if release is not None else "unknown"
    table = ruleset.tables.washout
    classes = {c.id: c for c in table.classes}
    for assignment in table.assignments:
        if assignment.ingredients and ingredient not in assignment.ingredients:
            continue
        if assignment.releases and release_key not in assignment.releases:
            continue
        return classes[assignment.washout_class], assignment.assumed, assignment.note
    raise LookupError(f"washout table has no catch-all assignment for {ingredient!r}")


def washout_for_line(ruleset: RuleSet, line: OpioidLine) -> WashoutLine:
    """Washout class of one listed opioid (first matching assignment wins)."""
    wclass, assumed, note = _washout_class(ruleset, line.ingredient, line.release)
    last = line.med.last_dose_on
    ends_on = last + timedelta(days=wclass.days) if (last and wclass.days) else None
    notes = [n for n in (line.release_note, note) if n]
    words = ruleset.texts.facts
    if not line.recognition.recognised:
        notes.insert(0, words.washout_not_recognised)
    elif not line.recognition.is_opioid:
        notes.insert(0, fill(words.washout_recognised_as, label=line.recognition.label))
    return WashoutLine(
        drug=line.med.drug,
        ingredient=line.ingredient,
        release=None if line.release is None else line.release.value,
        washout_class=wclass,
        assumed=assumed,
        note="; ".join(notes) or None,
        last_dose_on=last,
        ends_on=ends_on,
    )


def washout_for(
    ruleset: RuleSet, drug: str, release: Release | None, last_dose_on: date | None
) -> WashoutLine:
    """Washout of one opioid as written (recognised by ingredient), outside a case."""
    med = OpioidMedication(drug=drug, release=release, last_dose_on=last_dose_on)
    line = _opioid_line_for(ruleset, 0, med)
    return washout_for_line(ruleset, line)


def mme_lines(ctx: Context) -> tuple[MmeLine, ...]:
    """MME per listed opioid, by ingredient, with the rule set's factor table (CDC 2022)."""
    oud = ctx.fact("opioids.oud_treatment") is True
    return _mme_lines(ctx.ruleset, ctx.opioid_lines(), oud)


def mme_line_for(ruleset: RuleSet, med: OpioidMedication) -> MmeLine:
    """MME of one opioid entry on its own (the form's per-row preview)."""
    return _mme_lines(ruleset, (_opioid_line_for(ruleset, 0, med),), oud=False)[0]


def _mme_lines(
    ruleset: RuleSet, opioid_lines: tuple[OpioidLine, ...], oud: bool
) -> tuple[MmeLine, ...]:
    table = ruleset.tables.mme
    words = ruleset.texts.facts
    lines = []
    for line in opioid_lines:
        med, rec = line.med, line.recognition
        factor = None
        note: str | None = None
        if not rec.recognised:
            note = words.mme_not_recognised
        elif not rec.is_opioid:
            note = fill(words.mme_not_opioid, role=rec.label)
        elif rec.role is Role.OUD_TREATMENT or (oud and line.ingredient in
                                                 ("methadone", "buprenorphine")):
            note = words.mme_oud_treatment
        elif line.release is Release.DEPOT:
            note = words.mme_depot
        elif line.ingredient is None:
            note = words.mme_combination
        else:
            for candidate in table.factors:
                if candidate.ingredient != line.ingredient:
                    continue
                if candidate.releases and line.release not in candidate.releases:
                    continue
                if med.unit is not None and candidate.unit is not med.unit:
                    continue
                factor = candidate
                break
            if factor is None:
                note = table.no_factor_notes.get(line.ingredient,
                                                 table.no_factor_notes.get("*"))
            elif med.daily_dose is None:
                note = words.mme_no_dose
            elif med.unit is None:
                note = words.mme_no_unit
        mme = None
        if factor is not None and note is None and med.daily_dose is not None:
            mme = round(med.daily_dose * factor.factor, 2)
        lines.append(MmeLine(
            drug=med.drug, ingredient=line.ingredient,
            release=None if line.release is None else line.release.value,
            daily_dose=med.daily_dose, unit=None if med.unit is None else med.unit.value,
            factor=None if factor is None else factor.factor, mme=mme, note=note,
        ))
    return tuple(lines)


def mme_total(ctx: Context, lines: tuple[MmeLine, ...]) -> tuple[float | None, str | None]:
    """(MME per day, note): null with the reason when it cannot be computed, never 0 for an
    unknown; a stopped regimen is labelled with its stop date."""
    status = ctx.case.opioids.status
    words = ctx.ruleset.texts.facts
    if status is None or status is OpioidStatus.UNKNOWN:
        return None, words.mme_status_unknown
    reasons = [f"{m.drug}: {m.note}" for m in lines if m.mme is None]
    others = ctx.other_opioids()
    if others:
        names = ", ".join(o.text for o in others)
        reasons.append(fill(words.mme_other_without_dose, names=names))
    if reasons:
        return None, fill(words.mme_not_computable, reasons="; ".join(reasons))
    total = round(sum(m.mme for m in lines if m.mme is not None), 2)
    if status is OpioidStatus.STOPPED and lines:
        dates = [line.med.last_dose_on for line in ctx.opioid_lines() if line.med.last_dose_on]
        if dates:
            return total, fill(words.mme_stopped_on, date=max(dates).isoformat())
        return total, words.mme_stopped
    return total, None


# --------------------------------------------------------------------------------------------
# Protocol choice (shared by the surgery fact and the dose plan)
# --------------------------------------------------------------------------------------------


def _choose_protocol(ctx: Context) -> ProtocolChoice:
    from ldn_cds.core.engine import run_rule  # late import: the engine reads facts

    limits = ctx.ruleset.dosing.limits
    if ctx.case.plan.protocol is not None:
        return ProtocolChoice(ctx.case.plan.protocol, "prescriber",
                              ctx.ruleset.texts.facts.protocol_by_prescriber, None)
    uncertain = False
    previous = run_rule(ctx.ruleset.rule(limits.previous_dose_rule), ctx)
    if previous.outcome == "fired":
        return ProtocolChoice(PREVIOUS_DOSE, "rules", previous.rule.summary, previous.rule.id)
    for entry in limits.protocol_rules:
        result = run_rule(ctx.ruleset.rule(entry.rule), ctx)
        if result.outcome == "fired":
            return ProtocolChoice(entry.protocol, "rules", result.rule.summary, entry.rule)
        uncertain = uncertain or result.outcome == "cannot_evaluate"
    words = ctx.ruleset.texts.facts
    reason = words.protocol_unknown if uncertain else words.protocol_standard
    return ProtocolChoice(limits.default_protocol, "rules", reason, None, uncertain)


# --------------------------------------------------------------------------------------------
# Fact functions
# --------------------------------------------------------------------------------------------


def _in_washout(ctx: Context) -> bool | None:
    status = ctx.case.opioids.status
    if status is None or status is OpioidStatus.UNKNOWN:
        return None
    if status is not OpioidStatus.STOPPED:
        return False
    lines = ctx.washout_lines()
    if lines and all(not w.washout_class.datable for w in lines):
        return False  # depot forms only: their own rule applies
    ends = ctx.washout_ends_on()
    if ends is None:
        return None
    return ctx.on < ends


def _stopped_details_missing(ctx: Context) -> bool | None:
    opioids = ctx.case.opioids
    if opioids.status is not OpioidStatus.STOPPED:
        return False if opioids.status is not None else None
    meds = opioids.medications
    return not meds or any(m.last_dose_on is None for m in meds)


def _listed_but_status_none(ctx: Context) -> bool | None:
    opioids = ctx.case.opioids
    if opioids.status is None:
        return None
    return opioids.status is OpioidStatus.NONE and bool(opioids.medications)


def _pregnancy_applies(ctx: Context) -> bool | None:
    """False for a known male, from the age in the thresholds table (55; FSRH), or when
    post-menopausal is recorded; true for female/other otherwise.  A recorded pregnancy or
    breastfeeding always applies (the model rejects a pregnant male)."""
    patient = ctx.case.patient
    if patient.pregnant or patient.breastfeeding:
        return True
    if patient.sex is Sex.MALE:
        return False
    age = ctx.age_years()
    limit = ctx.ruleset.tables.thresholds.pregnancy_question_max_age.value
    if (age is not None and age >= limit) or patient.postmenopausal:
        return False
    if patient.sex is None:
        return None
    return True


def _attr(section: str, field: str) -> Callable[[Context], Any]:
    def read(ctx: Context) -> Any:
        value = getattr(getattr(ctx.case, section), field)
        if value is None:
            return None
        if isinstance(value, list):
            return tuple(getattr(v, "value", v) for v in value)
        return getattr(value, "value", value)

    return read


def _other_medications(ctx: Context) -> tuple[str, ...] | None:
    meds = ctx.case.other_medications
    return None if meds is None else tuple(meds)


def _current_lines(ctx: Context) -> tuple[OpioidLine, ...]:
    if ctx.case.opioids.status is not OpioidStatus.CURRENT:
        return ()
    return ctx.opioid_lines()


def _oud_treatment(ctx: Context) -> bool | None:
    """On treatment for opioid use disorder now: recorded, or an OUD product taken now (listed
    as current, or among the other medicines)."""
    history = ctx.case.history.opioid_use_disorder
    if history is OpioidUseDisorder.ON_MAINTENANCE:
        return True
    if _oud_products(ctx):
        return True
    if history is None:
        return None
    return False


def oud_agents(ctx: Context) -> list[str]:
    names = [line.med.drug for line in _current_lines(ctx)
             if line.recognition.role is Role.OUD_TREATMENT]
    names += [o.text for o in ctx.other_lines() if o.recognition.role is Role.OUD_TREATMENT]
    return names


def _oud_products(ctx: Context) -> bool:
    return bool(oud_agents(ctx))


def buprenorphine_oud_lines(ctx: Context) -> list[OpioidLine]:
    """Current buprenorphine (not a patch or depot) at a dose used for opioid use disorder."""
    limit = ctx.ruleset.tables.thresholds.buprenorphine_oud_dose.value
    return [
        line for line in _current_lines(ctx)
        if line.ingredient == "buprenorphine"
        and line.release not in (Release.TRANSDERMAL, Release.DEPOT)
        and line.med.unit is DoseUnit.MG_PER_DAY and line.med.daily_dose is not None
        and line.med.daily_dose >= limit
    ]


def _buprenorphine_oud_dose(ctx: Context) -> bool | None:
    if buprenorphine_oud_lines(ctx):
        return True
    undosed = [
        line for line in _current_lines(ctx)
        if line.ingredient == "buprenorphine"
        and line.release not in (Release.TRANSDERMAL, Release.DEPOT)
        and line.recognition.role is not Role.OUD_TREATMENT
        and (line.med.daily_dose is None or line.med.unit is None)
    ]
    return None if undosed else False


def depot_agents(ctx: Context) -> list[str]:
    names = [line.med.drug for line in ctx.opioid_lines()
             if line.release is Release.DEPOT and line.recognition.is_opioid]
    names += [o.text for o in ctx.other_lines()
              if o.recognition.formulation is Release.DEPOT and o.recognition.is_opioid]
    return names


def _depot(ctx: Context) -> bool | None:
    if depot_agents(ctx):
        return True
    if ctx.case.opioids.medications is None and ctx.case.other_medications is None:
        return None
    return False


def not_opioid_entries(ctx: Context) -> list[str]:
    return [line.med.drug for line in ctx.opioid_lines()
            if line.recognition.recognised and not line.recognition.is_opioid]


def unrecognised_opioid_entries(ctx: Context) -> list[str]:
    return [line.med.drug for line in ctx.opioid_lines() if not line.recognition.recognised]


def _list_not_opioid(ctx: Context) -> bool | None:
    if ctx.case.opioids.medications is None:
        return None
    return bool(not_opioid_entries(ctx))


def _list_unrecognised(ctx: Context) -> bool | None:
    if ctx.case.opioids.medications is None:
        return None
    return bool(unrecognised_opioid_entries(ctx))


def _as_needed_only(ctx: Context) -> bool:
    """True only when every current opioid is recorded as taken as needed (unknown: False,
    so that the taper guidance is not withheld on a guess)."""
    lines = _current_lines(ctx)
    return bool(lines) and all(line.med.use is Use.AS_NEEDED for line in lines)


def unresolved_others(ctx: Context) -> list[OtherLine]:
    return [line for line in ctx.other_lines() if line.unresolved]


def _others_unrecognised(ctx: Context) -> bool | None:
    if ctx.case.other_medications is None:
        return None
    return bool(unresolved_others(ctx))


def naltrexone_dose_unknown(ctx: Context) -> list[str]:
    return [o.text for o in ctx.other_lines()
            if "naltrexone_dose_unknown" in o.recognition.tags]


def _naltrexone_dose_unknown(ctx: Context) -> bool | None:
    if ctx.case.other_medications is None:
        return None
    return bool(naltrexone_dose_unknown(ctx))


def _depression(ctx: Context) -> bool | None:
    h = ctx.case.history
    if h.depression is not None:
        return h.depression
    return h.depression_or_suicidality


def _suicidal_ideation(ctx: Context) -> bool | None:
    h = ctx.case.history
    if h.suicidal_ideation is not None:
        return h.suicidal_ideation
    if h.depression_or_suicidality is False:
        return False
    return None


def _hashimoto(ctx: Context) -> bool | None:
    h = ctx.case.history
    if h.hypothyroidism_cause is not None:
        return h.hypothyroidism_cause is ThyroidCause.HASHIMOTO
    if h.hypothyroidism_on_levothyroxine is False:
        return False
    return None


def _after_thyroidectomy(ctx: Context) -> bool:
    return ctx.case.history.hypothyroidism_cause is ThyroidCause.THYROIDECTOMY


def surgery_window_end(ctx: Context) -> date | None:
    start = ctx.provisional_start()
    if start is None:
        return None
    margin = int(ctx.ruleset.tables.thresholds.surgery_margin_days.value)
    return start + timedelta(days=ctx.titration_days() + margin)


def _surgery_in_titration(ctx: Context) -> bool | None:
    history = ctx.case.history
    if history.surgery_planned is not True:
        return False  # whether an operation is planned is asked by the surgery-hold rule
    when = history.planned_surgery_on
    if when is None:
        return None
    if when < ctx.on:
        return False
    end = surgery_window_end(ctx)
    if end is None:
        return False  # no start date yet, so no plan: checked again when it can be dated
    return when <= end


def ldn_listed(ctx: Context) -> list[str]:
    return [o.text for o in ctx.other_lines() if "ldn" in o.recognition.tags]


def _ldn_already(ctx: Context) -> bool | None:
    status = ctx.case.ldn.status
    if status in (LdnStatus.CURRENT, LdnStatus.STOPPED) or ldn_listed(ctx):
        return True
    if status is LdnStatus.NONE:
        return False
    return None if ctx.case.other_medications is None else False


def previous_ldn_dose(ctx: Context) -> float | None:
    """The previous LDN dose: recorded, else the one written in other_medications."""
    if ctx.case.ldn.dose_mg is not None:
        return ctx.case.ldn.dose_mg
    for o in ctx.other_lines():
        if "ldn" in o.recognition.tags and len(o.recognition.strengths_mg) == 1:
            return o.recognition.strengths_mg[0]
    return None


def _previous_dose_applies(ctx: Context) -> bool | None:
    """Continue, or restart after a pause of 2 weeks or less, at the previous dose."""
    ldn = ctx.case.ldn
    listed = bool(ldn_listed(ctx))
    if ldn.status is LdnStatus.NONE or (ldn.status is None and not listed):
        return False
    dose = previous_ldn_dose(ctx)
    if ldn.status is LdnStatus.STOPPED:
        if ldn.last_dose_on is None or dose is None:
            return None
        limit = ctx.ruleset.tables.thresholds.restart_previous_dose_max_days.value
        return (ctx.on - ldn.last_dose_on).days <= limit
    if dose is None:
        return None
    return True  # current LDN (recorded, or listed among the other medicines)


def contradictions(ctx: Context) -> list[str]:
    """Answers that the medicine list contradicts."""
    out = []
    h = ctx.case.history
    lines = [o for o in ctx.other_lines() if o.recognition.recognised]
    immuno = [o.text for o in lines if "immunosuppressant" in o.recognition.tags]
    thyroid = [o.text for o in lines if "thyroid_hormone" in o.recognition.tags]
    words = ctx.ruleset.texts.facts
    if h.immunosuppressed is False and immuno:
        out.append(fill(words.contradiction_immunosuppressed, names=", ".join(immuno)))
    if h.hypothyroidism_on_levothyroxine is False and thyroid:
        out.append(fill(words.contradiction_hypothyroidism, names=", ".join(thyroid)))
    return out


def _contradict(ctx: Context) -> bool | None:
    if ctx.case.other_medications is None:
        return None
    return bool(contradictions(ctx))


_ENUM_LIVER = ("none", "mild", "cirrhosis", "acute_hepatitis", "liver_failure")
_ENUM_RENAL = ("none", "mild", "moderate", "severe")
_ENUM_OUD = ("none", "remission", "on_maintenance")
_ENUM_TEST = ("negative", "positive")
_ENUM_STATUS = ("none", "current", "stopped", "unknown")
_ENUM_SEX = ("female", "male", "other")
_PAIN_TYPES = ("inflammatory", "neuropathic", "nociplastic", "nociceptive", "mixed")


def _spec(
    name: str, kind: str, description: str, allowed: tuple[str, ...] = ()
) -> FactSpec:
    return FactSpec(name=name, description=description, kind=kind, allowed=allowed)


FACTS: dict[str, tuple[FactSpec, Callable[[Context], Any]]] = {
    spec.name: (spec, fn)
    for spec, fn in [
        (_spec("patient.sex", "enum", "Sex recorded for the patient.", _ENUM_SEX),
         _attr("patient", "sex")),
        (_spec("patient.age_years", "number",
               "Age in whole years on the assessment date, from the date of birth."),
         lambda c: c.age_years()),
        (_spec("patient.pregnancy_applies", "bool",
               "True unless the patient is male, 55 or older, or recorded as post-menopausal; "
               "true whenever a pregnancy or breastfeeding is recorded."), _pregnancy_applies),
        (_spec("patient.pregnant", "bool", "Pregnant now."),
         _attr("patient", "pregnant")),
        (_spec("patient.breastfeeding", "bool", "Breastfeeding now."),
         _attr("patient", "breastfeeding")),
        (_spec("pain.types", "list", "Pain mechanisms recorded.", _PAIN_TYPES),
         _attr("pain", "types")),
        (_spec("pain.conditions", "list", "Pain diagnoses recorded (snake_case)."),
         _attr("pain", "conditions")),
        (_spec("pain.duration_months", "number", "Months of pain."),
         _attr("pain", "duration_months")),
        (_spec("opioids.status", "enum", "Opioid use: none, current, stopped or unknown.",
               _ENUM_STATUS),
         _attr("opioids", "status")),
        (_spec("opioids.in_washout", "bool",
               "Stopped opioids and the assessment date is before the end of the washout "
               "(last dose + the interval of each opioid's ingredient and formulation)."),
         _in_washout),
        (_spec("opioids.stopped_details_missing", "bool",
               "Opioids stopped but no opioid or no last-dose date is recorded."),
         _stopped_details_missing),
        (_spec("opioids.listed_but_status_none", "bool",
               "Opioid status is 'none' yet opioid medicines are listed."),
         _listed_but_status_none),
        (_spec("opioids.urine_drug_screen", "enum", "Opioid urine drug screen result.", _ENUM_TEST),
         _attr("opioids", "urine_drug_screen")),
        (_spec("opioids.acute_withdrawal", "bool", "Signs of acute opioid withdrawal now."),
         _attr("opioids", "acute_withdrawal")),
        (_spec("opioids.naloxone_challenge", "enum", "Naloxone challenge result.", _ENUM_TEST),
         _attr("opioids", "naloxone_challenge")),
        (_spec("opioids.oud_treatment", "bool",
               "On treatment for opioid use disorder now: recorded as on maintenance, or an "
               "opioid use disorder product (buprenorphine with naloxone, Subutex, depot "
               "buprenorphine) taken now."), _oud_treatment),
        (_spec("opioids.buprenorphine_oud_dose", "bool",
               "Current sublingual or buccal buprenorphine at a daily dose used for opioid use "
               "disorder (thresholds table); false when none is listed."),
         _buprenorphine_oud_dose),
        (_spec("opioids.depot", "bool",
               "A depot opioid (monthly or weekly buprenorphine injection, implant) is listed "
               "or among the other medicines."), _depot),
        (_spec("opioids.list_not_opioid", "bool",
               "An entry of the opioid list is recognised as something that is not an opioid."),
         _list_not_opioid),
        (_spec("opioids.list_unrecognised", "bool",
               "An entry of the opioid list is not recognised by the vocabulary."),
         _list_unrecognised),
        (_spec("opioids.as_needed_only", "bool",
               "Every current opioid is recorded as taken only as needed (false when not "
               "recorded)."),
         _as_needed_only),
        (_spec("other_medications", "list", "Other medicines (generic or brand names)."),
         _other_medications),
        (_spec("other_medications.unrecognised", "bool",
               "An entry of the other medicines is not recognised (or could mean an opioid) "
               "and has not been confirmed as containing no opioid."),
         _others_unrecognised),
        (_spec("other_medications.naltrexone_dose_unknown", "bool",
               "Naltrexone is listed without a dose or product name (LDN or full dose?)."),
         _naltrexone_dose_unknown),
        (_spec("ldn.already_on", "bool",
               "The patient already takes (or recently took) LDN: recorded, or LDN among "
               "the other medicines."), _ldn_already),
        (_spec("ldn.previous_dose_applies", "bool",
               "LDN taken now, or paused for no longer than the thresholds table allows, "
               "with a known dose; false when LDN use is not recorded (titrate)."),
         _previous_dose_applies),
        (_spec("answers.contradict_medicines", "bool",
               "An answer (immunosuppression, hypothyroidism on levothyroxine) contradicts "
               "the medicine list."),
         _contradict),
        (_spec("history.naltrexone_hypersensitivity", "bool",
               "Known hypersensitivity to naltrexone or an excipient."),
         _attr("history", "naltrexone_hypersensitivity")),
        (_spec("history.liver", "enum", "Liver disease.", _ENUM_LIVER),
         _attr("history", "liver")),
        (_spec("history.renal", "enum", "Kidney impairment.", _ENUM_RENAL),
         _attr("history", "renal")),
        (_spec("history.opioid_use_disorder", "enum", "Opioid use disorder history.",
               _ENUM_OUD), _attr("history", "opioid_use_disorder")),
        (_spec("history.surgery_planned", "bool", "Elective surgery or procedure planned."),
         _attr("history", "surgery_planned")),
        (_spec("history.surgery_in_titration", "bool",
               "A planned operation falls between today and two weeks after the end of the "
               "titration (from the provisional start and the chosen protocol); false when "
               "no operation is recorded as planned (the surgery-hold rule asks) or no start "
               "can be dated yet."), _surgery_in_titration),
        (_spec("history.hypothyroidism_on_levothyroxine", "bool",
               "Hypothyroidism (e.g. Hashimoto's) treated with levothyroxine."),
         _attr("history", "hypothyroidism_on_levothyroxine")),
        (_spec("history.hashimoto", "bool",
               "Hashimoto's thyroiditis recorded as the cause of hypothyroidism (false without "
               "hypothyroidism)."), _hashimoto),
        (_spec("history.after_thyroidectomy", "bool",
               "Hypothyroidism recorded as due to thyroidectomy (false when not recorded)."),
         _after_thyroidectomy),
        (_spec("history.immunosuppressed", "bool",
               "Organ transplant or permanent immunosuppression."),
         _attr("history", "immunosuppressed")),
        (_spec("history.depression", "bool",
               "Depression (or, in case format 1.0, depression or suicidality)."), _depression),
        (_spec("history.suicidal_ideation", "bool", "Current suicidal ideation."),
         _suicidal_ideation),
        (_spec("history.insomnia_or_vivid_dreams", "bool", "Insomnia or vivid dreams reported."),
         _attr("history", "insomnia_or_vivid_dreams")),
        (_spec("history.multiple_drug_sensitivities", "bool",
               "Known sensitivity to many drugs."),
         _attr("history", "multiple_drug_sensitivities")),
    ]
}

PLAN_FACTS = frozenset({"history.surgery_in_titration"})
"""Facts that depend on the chosen protocol: protocol rules must not read them."""


def fact_spec(name: str) -> FactSpec:
    return FACTS[name][0]


__all__ = ["FACTS", "OPIOID_ROLES", "Context", "MmeLine", "fact_spec"]

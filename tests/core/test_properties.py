"""Safety invariants as property tests over generated cases (hypothesis).

The strategy generates arbitrary valid cases: every field may be unknown (null), listed
opioids written as generics, brands, combinations and shorthand (drawn from the independent
medication sweep, tests/core/medication_sweep.yaml), other medicines from the same sweep
(opioids, look-alikes, antagonists, ambiguous and unrecognised entries), every release and
unit the model accepts, dates around the assessment date, and the prescriber's plan choices.

The oracles never ask the matcher what a medicine is: they read the sweep's expectations,
written by a clinical pharmacologist independently of the code, and the washout intervals of
clinical-knowledge.md section 2.2 written out below.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_cds.core.assessment import Assessment, Verdict, assess
from ldn_cds.core.models import Case, parse_case
from ldn_cds.core.report_content import build_handout, build_summary, handout_body_text
from ldn_cds.resources import default_ruleset
from tests.conftest import ON

RULESET = default_ruleset()
CANDIDATE = {Verdict.CANDIDATE, Verdict.CANDIDATE_WITH_CAUTIONS}
CEILING = 6.0
SWEEP: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("medication_sweep.yaml").read_text(encoding="utf-8"))
ROLE_OF = {item["text"]: item["role"] for item in SWEEP}
EXPOSURE = {"full_agonist", "partial_agonist", "agonist_antagonist", "oud_treatment"}
UNRESOLVED = {"ambiguous", "unrecognised"}
SWEEP_OPIOIDS = {item["text"]: item for item in SWEEP if item["role"] in EXPOSURE}

# Washout intervals from clinical-knowledge.md section 2.2 with the table's upper ends,
# written out here independently of the engine's table lookup.
SHORT_ACTING_LISTED = {"oxycodone", "hydrocodone", "morphine", "hydromorphone", "codeine",
                       "dihydrocodeine", "tapentadol", "oxymorphone", "fentanyl"}
LISTED = SHORT_ACTING_LISTED | {"tramadol"}
MIN_INTERVAL = 10  # the shortest interval of any opioid


def expected_interval(ingredient: str, release: str | None) -> int | None:
    """Days after the last dose; None when it cannot be dated (depot)."""
    if release == "depot":
        return None
    if ingredient in {"methadone", "buprenorphine"}:
        return 14
    if release in {"extended", "transdermal"}:
        return 14
    if ingredient not in LISTED or release is None:
        return 14  # unlisted agent, or a listed agent with unknown release
    return 10  # short-acting IR full agonist or tramadol IR: upper end of 7-10 days


def entry_interval(drug: str, release: str | None) -> int | None:
    """The interval for a listed entry as written (generic or sweep product)."""
    item = SWEEP_OPIOIDS.get(drug)
    if item is None:
        return expected_interval(drug, release)
    ingredients = item.get("opioids") or []
    forms = {f for f in (release, item.get("formulation")) if f is not None}
    if "depot" in forms:
        return None
    if len(ingredients) != 1:
        return 14
    days = [expected_interval(ingredients[0], f) for f in (forms or {None})]
    return max(d for d in days if d is not None)


GENERICS = sorted(LISTED | {"methadone", "buprenorphine", "levorphanol", "meperidine",
                            "pentazocine"})
BRANDS = sorted(SWEEP_OPIOIDS)
BENIGN_MEDS = ["ibuprofen", "duloxetine", "gabapentin", "sertraline", "metformin"]
SWEEP_TEXTS = [item["text"] for item in SWEEP]


def other_medicine() -> st.SearchStrategy[str]:
    """Mostly a benign medicine, often anything from the sweep."""
    return st.integers(0, 9).flatmap(
        lambda n: st.sampled_from(BENIGN_MEDS) if n < 6 else st.sampled_from(SWEEP_TEXTS))
CONDITIONS = ["fibromyalgia", "crps", "diabetic_neuropathy", "crohns_disease",
              "multiple_sclerosis", "osteoarthritis", "chronic_low_back_pain",
              "rheumatoid_arthritis", "migraine", "me_cfs", "other"]
TAPER_PHRASES = ("Taper opioids", "lower the opioid", "Plan an opioid taper",
                 "stop the opioid", "stop it and observe")


def role_of(text: str) -> str:
    return ROLE_OF.get(text, "not_opioid")


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Unknown (None) about one time in eight, so complete cases are common too."""
    return st.integers(0, 7).flatmap(lambda n: st.none() if n == 0 else strategy)


def flag() -> st.SearchStrategy[bool | None]:
    """A history answer: mostly no, sometimes yes, sometimes unknown."""
    return maybe(st.sampled_from([False] * 9 + [True]))


def mostly(usual: str, *others: str) -> st.SearchStrategy[str | None]:
    return maybe(st.sampled_from([usual] * (3 * len(others) + 2) + list(others)))


def iso(days_before_on: int) -> str:
    return (ON - timedelta(days=days_before_on)).isoformat()


@st.composite
def medications(draw: st.DrawFn) -> dict[str, Any]:
    drug = draw(st.one_of(st.sampled_from(GENERICS), st.sampled_from(BRANDS)))
    release = draw(st.sampled_from([None, "immediate", "extended", "transdermal", "depot"]))
    if release == "transdermal":
        unit = draw(st.sampled_from([None, "mcg/h"]))
    elif release is None:
        unit = draw(st.sampled_from([None, "mg/day", "mcg/h"]))
    else:
        unit = draw(st.sampled_from([None, "mg/day"]))
    return {
        "drug": drug,
        "release": release,
        "daily_dose": draw(maybe(st.sampled_from([0.6, 5, 8, 10, 16, 20, 25, 37.5, 60, 200]))),
        "unit": unit,
        "use": draw(maybe(st.sampled_from(["daily", "as_needed"]))),
        "last_dose_on": draw(maybe(st.integers(0, 40).map(iso))),
    }


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "protocol": draw(maybe(st.sampled_from(["standard", "sensitive", "weekly-1mg",
                                                "low-start"]))),
        "form": draw(maybe(st.sampled_from(["capsule", "liquid"]))),
        "start_on": draw(maybe(st.integers(-30, 30).map(iso))),
        "maintenance_days": draw(maybe(st.integers(0, 120))),
    }
    if draw(st.booleans()):
        override_max = draw(st.sampled_from([6.0, 7.0, 9.0]))
        plan["ceiling_override"] = {"max_mg": override_max, "reason": "documented decision"}
        plan["target_mg"] = draw(maybe(st.sampled_from([0.5, 3.0, 4.5, 6.0, override_max])))
    else:
        plan["target_mg"] = draw(maybe(st.sampled_from([0.5, 1.0, 2.5, 4.5, 5.4, 6.0])))
    return plan


@st.composite
def case_dicts(draw: st.DrawFn) -> dict[str, Any]:
    sex = draw(maybe(st.sampled_from(["female", "male", "other"])))
    pregnant = draw(st.sampled_from([None, False] if sex == "male" else
                                    [None] + [False] * 8 + [True]))
    surgery = draw(flag())
    status = draw(mostly("none", "current", "stopped", "stopped", "unknown"))
    meds = draw(maybe(st.lists(medications(), max_size=3)))
    if status == "none" and draw(st.booleans()):
        meds = []
    others = draw(maybe(st.lists(other_medicine(), max_size=3)))
    confirmed = None
    if others and draw(st.booleans()):
        confirmed = [o for o in others if role_of(o) in UNRESOLVED]
    ldn = draw(st.sampled_from([None, {"status": "none"},
                                {"status": "current", "dose_mg": 4.5},
                                {"status": "stopped", "dose_mg": 3.0,
                                 "last_dose_on": iso(10)},
                                {"status": "stopped", "dose_mg": 3.0,
                                 "last_dose_on": iso(40)}]))
    return {
        "schema_version": 1,
        "assessed_on": draw(st.sampled_from([None, ON.isoformat()])),
        "patient": {
            "name": "Generated Patient",
            "date_of_birth": draw(maybe(st.builds(
                lambda years, days: iso(round(years * 365.25) + days),
                st.sampled_from([30, 45, 56, 70, 85, 40, 60, 35, 50, 65, 75, 25, 18, 17]),
                st.integers(-2, 2)))),
            "sex": sex,
            "pregnant": pregnant,
            "breastfeeding": draw(flag()),
            "postmenopausal": draw(flag()),
        },
        "pain": {
            "types": draw(maybe(st.lists(st.sampled_from(
                ["inflammatory", "neuropathic", "nociplastic", "nociceptive", "mixed"]),
                max_size=2, unique=True))),
            "conditions": draw(maybe(st.lists(st.sampled_from(CONDITIONS), max_size=3,
                                              unique=True))),
            "duration_months": draw(maybe(st.integers(0, 600))),
            "score_now": draw(maybe(st.integers(0, 10))),
        },
        "opioids": {
            "status": status,
            "medications": meds,
            "urine_drug_screen": draw(mostly("negative", "positive")),
            "naloxone_challenge": draw(mostly("negative", "positive")),
        },
        "history": {
            "naltrexone_hypersensitivity": draw(flag()),
            "liver": draw(mostly("none", "mild", "cirrhosis", "acute_hepatitis",
                                 "liver_failure")),
            "renal": draw(mostly("none", "mild", "moderate", "severe")),
            "opioid_use_disorder": draw(mostly("none", "remission", "on_maintenance")),
            "surgery_planned": surgery,
            "planned_surgery_on": (draw(maybe(st.integers(-90, -1).map(iso)))
                                   if surgery else None),
            "hypothyroidism_on_levothyroxine": draw(flag()),
            "hypothyroidism_cause": draw(maybe(st.sampled_from(
                ["hashimoto", "thyroidectomy", "other"]))),
            "immunosuppressed": draw(flag()),
            "depression_or_suicidality": draw(flag()),
            "depression": draw(flag()),
            "suicidal_ideation": draw(maybe(st.sampled_from([False] * 9 + [True]))),
            "insomnia_or_vivid_dreams": draw(flag()),
            "multiple_drug_sensitivities": draw(flag()),
        },
        "other_medications": others,
        "confirmed_not_opioids": confirmed,
        "ldn": ldn,
        "prior_therapies": draw(maybe(st.lists(st.sampled_from(["gabapentin", "duloxetine"]),
                                               max_size=2))),
        "plan": draw(plans()),
    }


cases = case_dicts().map(parse_case)

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def run(case: Case) -> Assessment:
    return assess(case, on=ON, ruleset=RULESET)


def _age(case: Case) -> int | None:
    dob = case.patient.date_of_birth
    if dob is None:
        return None
    return ON.year - dob.year - ((ON.month, ON.day) < (dob.month, dob.day))


def _other_roles(case: Case) -> list[str]:
    return [role_of(m) for m in case.other_medications or ()]


def _current(case: Case) -> bool:
    status = case.opioids.status
    return status is not None and status.value == "current"


def _oud_treatment(case: Case) -> bool:
    """On opioid use disorder treatment now, by the record or the medicines (sweep roles)."""
    oud = case.history.opioid_use_disorder
    if oud is not None and oud.value == "on_maintenance":
        return True
    if "oud_treatment" in _other_roles(case):
        return True
    if _current(case):
        for med in case.opioids.medications or ():
            if role_of(med.drug) == "oud_treatment":
                return True
            sl_bup = (med.drug == "buprenorphine" or (
                SWEEP_OPIOIDS.get(med.drug, {}).get("opioids") == ["buprenorphine"]))
            if (sl_bup and med.release is not None
                    and med.release.value not in ("transdermal", "depot")
                    and med.unit is not None and med.unit.value == "mg/day"
                    and (med.daily_dose or 0) >= 8):
                return True  # a dose used for opioid use disorder asks the question
    return False


def _all_text(case: Case, result: Assessment) -> str:
    parts = []
    for f in result.findings:
        parts += [f.summary, f.detail, f.patient_text or ""]
        parts += [s.label for s in f.suggestions]
    handout = build_handout(case, result, RULESET)
    parts += handout_body_text(handout)
    summary = build_summary(case, result, RULESET)
    parts += [getattr(b, "text", "") for b in summary.blocks]
    if result.notes is not None:
        parts.append(result.notes.record_note)
    return "\n".join(parts)


@SETTINGS
@given(cases)
def test_opioid_exposure_never_yields_a_candidate(case: Case) -> None:
    """Any listed or other-medicine opioid exposure, written any way, blocks a start."""
    result = run(case)
    opioids = case.opioids
    exposed = (
        _current(case)
        or any(role in EXPOSURE for role in _other_roles(case))
        or "positive" in (opioids.urine_drug_screen, opioids.naloxone_challenge)
    )
    inside_washout = any(
        m.last_dose_on is not None and (
            entry_interval(m.drug, None if m.release is None else m.release.value) is None
            or m.last_dose_on + timedelta(days=MIN_INTERVAL) > ON)
        for m in opioids.medications or ()
    )
    if exposed or inside_washout:
        assert result.verdict not in CANDIDATE
    if result.earliest_start_on is not None:
        assert result.earliest_start_on >= ON
        for m in opioids.medications or ():
            if m.last_dose_on is None:
                continue
            interval = entry_interval(m.drug, None if m.release is None else m.release.value)
            assert interval is not None, "a depot is never dated"
            assert result.earliest_start_on >= m.last_dose_on + timedelta(days=interval)
    if exposed:
        assert result.earliest_start_on is None


@SETTINGS
@given(cases)
def test_unresolved_medicine_is_never_a_silent_pass(case: Case) -> None:
    """An ambiguous or unrecognised other medicine is shown and blocks a start, unless the
    prescriber confirmed it contains no opioid."""
    result = run(case)
    confirmed = {c.lower() for c in case.confirmed_not_opioids or ()}
    unresolved = [m for m in case.other_medications or ()
                  if role_of(m) in UNRESOLVED and m.lower() not in confirmed]
    if unresolved:
        assert result.verdict not in CANDIDATE
        shown = {m.entry for m in result.medicines
                 if m.status in ("ambiguous", "not_recognised")}
        assert set(unresolved) <= shown
    for med in result.medicines:
        if med.status in ("ambiguous", "not_recognised"):
            assert "confirm it is not an opioid" in med.recognised_as


@SETTINGS
@given(cases)
def test_opioid_use_disorder_is_never_tapered(case: Case) -> None:
    """Opioid use disorder treatment never yields taper or stop text, on any page."""
    result = run(case)
    if not _oud_treatment(case):
        return
    assert result.verdict not in CANDIDATE
    assert "opioid-taper" not in {f.rule_id for f in result.findings}
    text = _all_text(case, result)
    for phrase in TAPER_PHRASES:
        assert phrase.lower() not in text.lower(), phrase
    assert "do not stop or taper" in text.lower() or "never stop or taper" in text.lower()
    for line in result.mme:
        if line.ingredient in ("methadone", "buprenorphine"):
            assert line.mme is None  # MME factors do not apply to OUD dosing
    if case.opioids.status is None or case.opioids.status.value != "stopped":
        assert result.washout == []  # no washout beside treatment that is never stopped


@SETTINGS
@given(cases)
def test_contraindications_never_yield_a_candidate(case: Case) -> None:
    result = run(case)
    age = _age(case)
    duplicates = {"Contrave", "Vivitrol", "naltrexone 50 mg", "Lybalvi"}
    contraindicated = (
        case.history.naltrexone_hypersensitivity is True
        or (case.history.opioid_use_disorder is not None
            and case.history.opioid_use_disorder.value == "on_maintenance")
        or bool(duplicates & set(case.other_medications or ()))
        or (age is not None and age < 18)
        or (case.patient.pregnant is True and case.patient.sex is not None)
    )
    if contraindicated:
        assert result.verdict is Verdict.CONTRAINDICATED
        assert result.dose_plan is None
    if case.patient.pregnant is True:  # even with the sex unknown
        assert result.verdict not in CANDIDATE


@SETTINGS
@given(cases)
def test_unknown_safety_inputs_need_information(case: Case) -> None:
    result = run(case)
    age = _age(case)
    unknown = (
        case.opioids.status is None
        or case.opioids.status.value == "unknown"
        or case.history.naltrexone_hypersensitivity is None
        or case.patient.date_of_birth is None
        or (case.patient.sex is not None and case.patient.sex.value == "female"
            and case.patient.pregnant is None and age is not None and age < 55
            and case.patient.postmenopausal is not True)
    )
    if unknown:
        assert result.verdict in {Verdict.NEEDS_INFORMATION, Verdict.CONTRAINDICATED}
        if result.verdict is Verdict.NEEDS_INFORMATION:
            assert any(m.blocks_decision for m in result.missing_information) or any(
                f.effect.value == "needs_information" for f in result.findings)


@SETTINGS
@given(cases)
def test_mme_is_never_zero_for_an_unknown(case: Case) -> None:
    result = run(case)
    status = case.opioids.status
    if status is None or status.value == "unknown":
        assert result.mme_per_day is None
    if any(role in EXPOSURE for role in _other_roles(case)):
        assert result.mme_per_day is None
    if result.mme_per_day is None:
        assert result.mme_note
        assert result.mme_note.startswith("not computable")
    if any(m.mme is None for m in result.mme):
        assert result.mme_per_day is None


@SETTINGS
@given(cases)
def test_dose_plan_invariants(case: Case) -> None:
    result = run(case)
    plan = result.dose_plan
    if result.verdict in {Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION}:
        assert plan is None
        starting_only = {r.id for r in RULESET.rules if r.only_when_starting}
        assert not starting_only & {f.rule_id for f in result.findings}
    if plan is None:
        return
    assert result.earliest_start_on is not None
    assert plan.start_mg <= plan.target_mg <= plan.max_mg
    if case.plan.ceiling_override is None:
        assert plan.max_mg <= CEILING
    else:
        assert plan.max_mg == case.plan.ceiling_override.max_mg
    starts = [s.start for s in plan.steps]
    assert starts == sorted(set(starts)), "step dates strictly increasing"
    doses = [s.dose_mg for s in plan.steps]
    assert doses == sorted(set(doses)), "doses strictly increasing"
    assert all(d <= plan.max_mg for d in doses)
    assert starts[0] >= result.earliest_start_on
    assert plan.steps[-1].dose_mg == plan.target_mg
    limits = RULESET.dosing.limits
    assert plan.review_on >= plan.start_on + timedelta(weeks=limits.review_weeks)
    assert plan.review_on >= plan.target_reached_on + timedelta(weeks=limits.min_weeks_at_target)
    # the supply always reaches the review date
    assert plan.supply_through >= plan.review_on
    covered = max(line.day_to for line in plan.dispense)
    assert plan.start_on + timedelta(days=covered - 1) == plan.supply_through
    days = sorted((line.day_from, line.day_to) for line in plan.dispense)
    assert days[0][0] == 1
    assert all(b[0] == a[1] + 1 for a, b in zip(days, days[1:], strict=False)), "no gap"
    if plan.form.value == "liquid":
        assert all(line.days <= limits.liquid_max_fill_days for line in plan.dispense)
        assert all(line.keep_refrigerated for line in plan.dispense)
    surgery = case.history.planned_surgery_on
    if surgery is not None and surgery >= ON and case.history.surgery_planned:
        # a planned operation never falls inside the titration or the two weeks after it
        assert not (plan.start_on <= surgery <= plan.target_reached_on + timedelta(days=14))


@SETTINGS
@given(cases)
def test_findings_are_well_formed(case: Case) -> None:
    result = run(case)
    for finding in result.findings:
        assert finding.sources
        for source in finding.sources:
            assert source.id in RULESET.bibliography
            assert source.label
        assert len(finding.summary) <= 140
        assert "{" not in finding.summary
        if finding.indicator.value == "critical":
            assert finding.override_reasons
    assert {t.rule_id for t in result.trace} == {r.id for r in RULESET.rules}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_same_case_same_output(case: Case) -> None:
    first = run(case).model_dump(mode="json")
    second = run(parse_case(case.model_dump_json())).model_dump(mode="json")
    assert first == second


def test_generator_reaches_every_verdict() -> None:
    """The strategy is not degenerate: it produces every verdict."""
    seen: set[Verdict] = set()

    @settings(max_examples=400, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(cases)
    def collect(case: Case) -> None:
        seen.add(run(case).verdict)

    collect()
    assert seen == set(Verdict)


@pytest.mark.parametrize(
    ("drug", "release", "days"),
    [("oxycodone", "immediate", 10), ("tramadol", "immediate", 10),
     ("morphine", "extended", 14), ("fentanyl", "transdermal", 14),
     ("methadone", "immediate", 14), ("buprenorphine", "transdermal", 14),
     ("levorphanol", "immediate", 14), ("codeine", None, 14),
     ("Percocet 5/325", "immediate", 10), ("OxyContin 20 mg", None, 14),
     ("Norco 10/325", None, 10), ("Duragesic 25 mcg/hr", None, 14),
     ("MS Contin 30 mg", "immediate", 14)],
)
def test_independent_interval_agrees_with_the_table(
    drug: str, release: str | None, days: int
) -> None:
    from ldn_cds.core.facts import washout_for
    from ldn_cds.core.models import Release

    line = washout_for(RULESET, drug, None if release is None else Release(release),
                       date(2026, 11, 1))
    assert line.washout_class.days == days
    if drug in LISTED or drug in GENERICS:
        assert expected_interval(drug, release) == days


def test_depot_is_never_dated() -> None:
    from ldn_cds.core.facts import washout_for
    from ldn_cds.core.models import Release

    for drug, release in (("Sublocade 100 mg", None), ("buprenorphine", Release.DEPOT),
                          ("Brixadi weekly", None), ("Probuphine implant", None)):
        line = washout_for(RULESET, drug, release, date(2026, 1, 1))
        assert not line.washout_class.datable
        assert line.ends_on is None

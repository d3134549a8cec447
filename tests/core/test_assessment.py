"""Assessment: verdict precedence, findings (card shape), missing information, trace, plan."""

from __future__ import annotations

from typing import Any

import pytest

from ldn_cds import __version__
from ldn_cds.core.assessment import PRECEDENCE, Verdict, assess
from ldn_cds.core.dosing import DosingError
from ldn_cds.core.ruleset import Effect, Indicator, RuleSet
from tests.conftest import ON


def run(make_case: Any, ruleset: RuleSet, patch: dict[str, Any] | None = None) -> Any:
    return assess(make_case(patch or {}), on=ON, ruleset=ruleset)


def test_precedence_order() -> None:
    assert [v for _, v in PRECEDENCE] == [
        Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION, Verdict.NOT_YET,
        Verdict.CANDIDATE_WITH_CAUTIONS]


@pytest.mark.parametrize(
    ("patch", "verdict", "rules"),
    [
        ({}, "candidate", []),
        ({"history": {"renal": "severe"}}, "candidate_with_cautions", ["renal-impairment"]),
        ({"history": {"renal": "severe"}, "opioids": {"status": "current"}}, "not_yet",
         ["opioid-current"]),
        ({"opioids": {"status": "current"}, "history": {"naltrexone_hypersensitivity": None}},
         "needs_information", ["hypersensitivity"]),
        ({"history": {"naltrexone_hypersensitivity": True, "liver": None},
          "opioids": {"status": "current"}}, "contraindicated", ["hypersensitivity"]),
    ],
)
def test_verdict_precedence(
    make_case: Any, ruleset: RuleSet, patch: dict, verdict: str, rules: list[str]
) -> None:
    result = run(make_case, ruleset, patch)
    assert result.verdict.value == verdict
    assert result.verdict_rules == rules


def test_clean_candidate_output(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset)
    assert result.verdict is Verdict.CANDIDATE
    assert result.verdict_text == "Candidate for LDN"
    assert result.earliest_start_on == ON
    assert result.mme_per_day == 0
    assert result.missing_information == []
    assert {f.rule_id for f in result.findings} == {
        "off-label-compounded", "opioid-blockade-card", "evidence-diabetic-neuropathy"}
    assert result.ruleset.sha256 == ruleset.sha256
    assert result.ruleset.version == ruleset.version
    assert result.program_version == __version__
    assert result.assessed_on == ON


def test_trace_lists_every_rule(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"history": {"liver": None}})
    assert [t.rule_id for t in result.trace] == [r.id for r in ruleset.rules]
    by_id = {t.rule_id: t for t in result.trace}
    entry = by_id["liver-acute"]
    assert entry.outcome == "cannot_evaluate"
    assert entry.inputs_read == {"history.liver": None}
    assert entry.inputs_missing == ["history.liver"]
    assert entry.effect is Effect.NEEDS_INFORMATION
    assert entry.sources
    assert by_id["liver-chronic"].effect is Effect.NONE  # unknown is not a caution here


def test_finding_card_shape(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"opioids": {"status": "current", "medications": [
        {"drug": "morphine", "release": "extended", "daily_dose": 60, "unit": "mg/day"}]}})
    by_id = {f.rule_id: f for f in result.findings}
    card = by_id["opioid-current"]
    assert card.indicator is Indicator.CRITICAL
    assert card.status == "fired"
    assert card.sources
    assert all(s.label for s in card.sources)
    assert card.override_reasons
    assert card.suggestions
    assert card.selection_behavior == "any"
    assert card.sources_disagree
    assert "{" not in card.summary
    taper = by_id["opioid-taper"]
    assert "60 MME/day" in taper.summary  # placeholder filled
    # critical first, then warning, then info
    order = {Indicator.CRITICAL: 0, Indicator.WARNING: 1, Indicator.INFO: 2}
    ranks = [order[f.indicator] for f in result.findings]
    assert ranks == sorted(ranks)


def test_washout_placeholders(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"opioids": {"status": "stopped", "medications": [
        {"drug": "methadone", "daily_dose": 20, "unit": "mg/day", "last_dose_on": "2026-11-20"}]}})
    card = next(f for f in result.findings if f.rule_id == "opioid-washout")
    assert card.summary == ("Opioid washout not complete: no LDN before 2026-12-04 "
                            "(14-day opioid-free interval)")
    assert result.washout_ends_on.isoformat() == "2026-12-04"
    (line,) = result.washout
    assert (line.washout_class, line.days, line.assumed) == ("methadone", 14, False)


def test_age_placeholder(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"patient": {"date_of_birth": "2010-01-01"}})
    card = next(f for f in result.findings if f.rule_id == "age-under-18")
    assert card.summary.startswith("Age 16:")


def test_cannot_evaluate_finding_and_missing_information(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"patient": {"pregnant": None,
                                                  "date_of_birth": "1990-02-01"},
                                      "history": {"renal": None}})
    assert result.verdict is Verdict.NEEDS_INFORMATION
    card = next(f for f in result.findings if f.rule_id == "pregnancy")
    assert card.status == "cannot_evaluate"
    assert card.indicator is Indicator.WARNING
    assert card.inputs_missing == ["patient.pregnant"]
    assert card.summary.startswith("Cannot evaluate pregnancy")
    missing = {m.input: m for m in result.missing_information}
    assert missing["patient.pregnant"].blocks_decision is True
    assert missing["patient.pregnant"].question == "Is the patient pregnant?"
    assert missing["history.renal"].blocks_decision is False  # renal unknown is a caution
    # blocking questions first
    blocks = [m.blocks_decision for m in result.missing_information]
    assert blocks == sorted(blocks, reverse=True)


def test_a_question_comes_before_its_follow_up(make_case: Any, ruleset: RuleSet) -> None:
    """Found under Xvfb: "What caused the hypothyroidism?" was listed above "Does the patient
    have hypothyroidism treated with levothyroxine?" (the list was sorted by input name).
    Within each group the order is the case format's: patient, pain, opioids, history."""
    result = run(make_case, ruleset, {"history": {"hypothyroidism_on_levothyroxine": None,
                                                  "hypothyroidism_cause": None,
                                                  "renal": None, "liver": None}})
    inputs = [m.input for m in result.missing_information if not m.blocks_decision]
    assert inputs[-3:] == ["history.renal", "history.hypothyroidism_on_levothyroxine",
                           "history.hashimoto"]  # not alphabetical


def test_missing_input_shared_by_rules(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"other_medications": None})
    item = next(m for m in result.missing_information if m.input == "other_medications")
    assert {"hidden-opioid", "duplicate-naltrexone"} <= set(item.rule_ids)
    assert item.blocks_decision


def test_override_attached_to_finding(make_case: Any, ruleset: RuleSet) -> None:
    override = {"rule_id": "opioid-current", "reason_code": "specialist-co-prescription",
                "comment": "pain team", "by": "Dr A", "on": "2026-11-23"}
    result = run(make_case, ruleset, {"opioids": {"status": "current"},
                                      "overrides": [override]})
    card = next(f for f in result.findings if f.rule_id == "opioid-current")
    assert card.override is not None
    assert card.override.reason_code == "specialist-co-prescription"
    assert result.overrides[0].rule_id == "opioid-current"
    assert result.verdict is Verdict.NOT_YET  # an override is recorded, not auto-applied


def test_no_plan_for_contraindicated_or_needs_information(make_case: Any, ruleset: RuleSet) -> None:
    for patch in ({"patient": {"pregnant": True}},
                  {"patient": {"pregnant": None, "date_of_birth": "1990-02-01"}}):
        result = run(make_case, ruleset, patch)
        assert result.dose_plan is None
        assert result.notes is None
        assert result.dose_plan_note


def test_no_plan_when_not_yet_without_a_date(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"opioids": {"status": "current"}})
    assert result.dose_plan is None
    assert result.earliest_start_on is None
    assert "earliest permitted start" in (result.dose_plan_note or "")


def test_not_yet_by_washout_and_hidden_opioid_has_no_date(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {
        "opioids": {"status": "stopped", "medications": [
            {"drug": "oxycodone", "release": "immediate", "last_dose_on": "2026-11-20"}]},
        "other_medications": ["Lomotil"]})
    assert result.verdict is Verdict.NOT_YET
    assert set(result.verdict_rules) == {"opioid-washout", "hidden-opioid"}
    assert result.earliest_start_on is None
    assert result.dose_plan is None


def test_prescriber_target_above_ceiling_raises(make_case: Any, ruleset: RuleSet) -> None:
    with pytest.raises(DosingError):
        run(make_case, ruleset, {"plan": {"target_mg": 8}})


def test_prescriber_override_honoured(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"plan": {
        "target_mg": 7, "ceiling_override": {"max_mg": 7, "reason": "partial response at 6"}}})
    assert result.dose_plan is not None
    assert result.dose_plan.max_mg == 7
    assert result.dose_plan.target_mg == 7


def test_evidence_and_conditions_without_evidence(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"pain": {"conditions": ["fibromyalgia", "other"],
                                               "types": ["nociplastic"]}})
    ids = [e.id for e in result.evidence]
    assert "fibromyalgia" in ids
    assert "central_sensitization" in ids
    assert result.conditions_without_evidence == ["other"]
    fm = next(e for e in result.evidence if e.id == "fibromyalgia")
    assert fm.direction == "conflicting"
    assert fm.sources


def test_mme_table_named(make_case: Any, ruleset: RuleSet) -> None:
    result = run(make_case, ruleset, {"opioids": {"status": "current", "medications": [
        {"drug": "buprenorphine", "release": "transdermal", "daily_dose": 10, "unit": "mcg/h"}]}})
    assert "CDC 2022" in result.mme_table
    # CDC 2022 gives buprenorphine no factor: the total is not computable, never 0
    assert result.mme_per_day is None
    assert "buprenorphine" in (result.mme[0].note or "")
    assert "buprenorphine" in (result.mme_note or "")


def test_json_dump_has_contract_keys(make_case: Any, ruleset: RuleSet) -> None:
    dumped = run(make_case, ruleset).model_dump(mode="json", by_alias=True)
    for key in ("verdict", "earliest_start_on", "mme_per_day", "findings", "dose_plan",
                "ruleset"):
        assert key in dumped
    assert dumped["dose_plan"]["steps"][0]["from"] == ON.isoformat()
    assert dumped["findings"][0]["sources"][0]["label"]


def test_deterministic(make_case: Any, ruleset: RuleSet) -> None:
    case = make_case({"pain": {"conditions": ["fibromyalgia"]}})
    a = assess(case, on=ON, ruleset=ruleset).model_dump(mode="json")
    b = assess(case, on=ON, ruleset=ruleset).model_dump(mode="json")
    assert a == b

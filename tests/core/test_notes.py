"""Compounding and insurance notes: prescription text and prior-authorization content."""

from __future__ import annotations

from typing import Any

from ldn_cds.core.assessment import assess
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON


def _notes(make_case: Any, ruleset: RuleSet, patch: dict[str, Any]) -> Any:
    result = assess(make_case(patch), on=ON, ruleset=ruleset)
    assert result.notes is not None
    return result.notes


def test_capsule_prescription(make_case: Any, ruleset: RuleSet) -> None:
    notes = _notes(make_case, ruleset, {})
    text = notes.prescription_text
    assert "immediate release" in text.lower()
    assert "no calcium carbonate" in text.lower()
    assert "Naltrexone HCl 1.5 mg capsules" in text
    assert "Qty: #7 (7 days)" in text
    assert "Naltrexone HCl 3 mg capsules" in text
    assert "Naltrexone HCl 4.5 mg capsules" in text
    assert "Qty: #30 (30 days). Refills: 2 (supply to day 104)." in text
    # the sig counts days from the first dose, so a late pick-up does not break it
    assert "on days 1-7 of LDN" in text
    assert "daily from day 15 of LDN" in text
    assert "2026" not in text
    assert "at bedtime" in text
    assert "beyond-use date" in text.lower()


def test_liquid_prescription(make_case: Any, ruleset: RuleSet) -> None:
    notes = _notes(make_case, ruleset, {"history": {"multiple_drug_sensitivities": True}})
    text = notes.prescription_text
    assert "1 mg/mL oral liquid" in text
    assert "immediate release" in text.lower()
    assert "(prescription 1 of 5)" in text
    assert "0.5 mL (0.5 mg) on days 1-14; 1 mL (1 mg) on days 15-28; 1.5 mL (1.5 mg) on days " \
           "29-35. Qty: 31.5 mL (35 days)." in text
    assert "oral syringe" in text
    assert "Keep refrigerated" in text


def test_morning_prescription(make_case: Any, ruleset: RuleSet) -> None:
    notes = _notes(make_case, ruleset, {"history": {"insomnia_or_vivid_dreams": True}})
    assert "in the morning" in notes.prescription_text
    assert "at bedtime" not in notes.prescription_text


def test_insurance_and_prior_authorization(make_case: Any, ruleset: RuleSet) -> None:
    notes = _notes(make_case, ruleset, {"pain": {"conditions": ["fibromyalgia"],
                                                 "duration_months": 30},
                                        "prior_therapies": ["duloxetine", "pregabalin"]})
    insurance = " ".join(line for s in notes.insurance for line in s.lines)
    assert "off-label" in insurance.lower()
    assert "out of pocket" in insurance.lower()
    assert "confirm" in notes.cost_range.lower()
    pa = notes.prior_authorization
    assert pa.diagnosis.startswith("fibromyalgia")
    assert pa.duration == "30 months"
    assert pa.prior_therapies == ["duloxetine", "pregabalin"]
    assert pa.prior_therapies_note is None
    # supportive evidence only (issue 8); the conflict is on the clinician pages
    assert any("Younger 2013" in e for e in pa.evidence)
    assert any("Review on" in line for line in pa.monitoring_plan)
    assert all(s.sources for s in [*notes.insurance, *notes.compounding])


def test_prior_therapies_unknown_is_flagged(make_case: Any, ruleset: RuleSet) -> None:
    notes = _notes(make_case, ruleset, {"prior_therapies": None})
    assert "not recorded" in (notes.prior_authorization.prior_therapies_note or "")


def test_record_note(make_case: Any, ruleset: RuleSet) -> None:
    notes = _notes(make_case, ruleset, {})
    assert "start 1.5 mg bedtime on 23 Nov 2026" in notes.record_note
    assert "Off-label" in notes.record_note
    assert "wallet card" in notes.record_note


def test_no_notes_without_a_plan(make_case: Any, ruleset: RuleSet) -> None:
    result = assess(make_case({"patient": {"pregnant": True}}), on=ON, ruleset=ruleset)
    assert result.dose_plan is None
    assert result.notes is None


def test_prior_authorization_cites_supportive_evidence_only(
    make_case: Any, ruleset: RuleSet
) -> None:
    """The insurer gets the supportive evidence; the negative trials stay on the clinician
    pages (the pooled RCT review now applies to every case)."""
    notes = _notes(make_case, ruleset, {"pain": {"conditions": ["fibromyalgia",
                                                                "osteoarthritis"]}})
    evidence = " ".join(notes.prior_authorization.evidence)
    assert "Younger 2013" in evidence  # the supportive half of the conflicting record
    for negative in ("no effect", "FINAL", "negative", "found no", "406 patients"):
        assert negative not in evidence, negative
    directions = {rec.id: rec.direction for rec in ruleset.evidence}
    assert directions["chronic_pain_rcts"] == "negative"
    assert not any(line.startswith("Chronic pain, randomized trials pooled")
                   for line in notes.prior_authorization.evidence)
    assert not any(line.startswith("Osteoarthritis") for line in
                   notes.prior_authorization.evidence)

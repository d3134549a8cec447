"""Golden patient vignettes (tests/core/vignettes.yaml), expectations computed by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from ldn_cds.core.assessment import Assessment, assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.rulecheck import example_case
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON

VIGNETTES_FILE = Path(__file__).with_name("vignettes.yaml")
VIGNETTES: list[dict[str, Any]] = yaml.safe_load(VIGNETTES_FILE.read_text(encoding="utf-8"))


def _params() -> list[Any]:
    out = []
    for v in VIGNETTES:
        marks = []
        if v.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=v["xfail"]))
        out.append(pytest.param(v, id=v["name"], marks=marks))
    return out


def test_vignette_file_is_well_formed(ruleset: RuleSet) -> None:
    names = [v["name"] for v in VIGNETTES]
    assert len(names) >= 30
    assert len(set(names)) == len(names), "vignette names must be unique"
    rule_ids = {r.id for r in ruleset.rules}
    allowed = {"name", "story", "patch", "date", "expect", "xfail"}
    for v in VIGNETTES:
        assert set(v) <= allowed, v["name"]
        assert v["story"].strip(), v["name"]
        expect = v["expect"]
        for key in ("fires", "not_fires", "cannot_evaluate"):
            unknown = set(expect.get(key, ())) - rule_ids
            assert not unknown, f"{v['name']}: unknown rule ids {unknown}"


def _outcomes(result: Assessment) -> dict[str, str]:
    return {entry.rule_id: entry.outcome for entry in result.trace}


def _check_dose(result: Assessment, dose: dict[str, Any] | None) -> None:
    if dose is None:
        assert result.dose_plan is None
        return
    plan = result.dose_plan
    assert plan is not None, result.dose_plan_note
    simple = {"protocol": plan.protocol_id, "chosen_by": plan.chosen_by,
              "start_mg": plan.start_mg, "target_mg": plan.target_mg,
              "form": plan.form.value, "timing": plan.timing,
              "first_step": plan.steps[0].start.isoformat(),
              "target_reached_on": plan.target_reached_on.isoformat(),
              "review_on": plan.review_on.isoformat(),
              "doses": [s.dose_mg for s in plan.steps],
              "start_note": plan.start_note is not None,
              "supply_through": plan.supply_through.isoformat(),
              "review_basis": plan.review_basis,
              "refills": [line.refills for line in plan.dispense],
              "fills": [(line.days, line.quantity) for line in plan.dispense]}
    for key, expected in dose.items():
        if key == "fills":
            expected = [tuple(x) for x in expected]
        assert simple[key] == expected, f"dose {key}: {simple[key]!r} != {expected!r}"


@pytest.mark.parametrize("vignette", _params())
def test_vignette(vignette: dict[str, Any], ruleset: RuleSet) -> None:
    on = date.fromisoformat(vignette["date"]) if "date" in vignette else ON
    case = parse_case(example_case(ruleset, vignette.get("patch") or {}))
    result = assess(case, on=on, ruleset=ruleset)
    expect = vignette["expect"]
    outcomes = _outcomes(result)

    assert result.verdict.value == expect["verdict"], (
        f"verdict {result.verdict.value} set by {result.verdict_rules}"
    )
    for rule_id in expect.get("fires", ()):
        assert outcomes[rule_id] == "fired", f"{rule_id} should fire: {outcomes[rule_id]}"
    for rule_id in expect.get("not_fires", ()):
        assert outcomes[rule_id] != "fired", f"{rule_id} must not fire"
    for rule_id in expect.get("cannot_evaluate", ()):
        assert outcomes[rule_id] == "cannot_evaluate", f"{rule_id}: {outcomes[rule_id]}"
    if "earliest_start_on" in expect:
        got = result.earliest_start_on.isoformat() if result.earliest_start_on else None
        assert got == expect["earliest_start_on"]
    if "mme_per_day" in expect:
        if expect["mme_per_day"] is None:
            assert result.mme_per_day is None
            assert result.mme_note
        else:
            assert result.mme_per_day == pytest.approx(expect["mme_per_day"])
    for entry, status in (expect.get("medicines") or {}).items():
        found = {m.entry: m for m in result.medicines}
        assert entry in found, f"medicine {entry!r} not in the output"
        got = found[entry].role if found[entry].status == "recognised" else found[entry].status
        assert got == status, f"medicine {entry!r}: {got} != {status}"
    text = " ".join(f"{f.summary} {f.detail} {f.patient_text or ''}" for f in result.findings)
    for phrase in expect.get("text_absent", ()):
        assert phrase.lower() not in text.lower(), f"{phrase!r} must not appear"
    for phrase in expect.get("text_present", ()):
        assert phrase.lower() in text.lower(), f"{phrase!r} must appear"
    if "dose" in expect:
        _check_dose(result, expect["dose"])
    for record_id, direction in (expect.get("evidence") or {}).items():
        found = {e.id: e.direction for e in result.evidence}
        assert found.get(record_id) == direction, f"evidence {record_id}: {found}"

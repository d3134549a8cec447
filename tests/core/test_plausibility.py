"""Dose plausibility: a daily dose above the FDA label maximum is flagged, never changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ldn_cds.core.assessment import assess
from ldn_cds.core.entry_checks import DOSE_ABOVE_LABEL_MAXIMUM
from ldn_cds.core.models import OpioidMedication
from ldn_cds.core.plausibility import dose_warning
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON


def _med(**fields: Any) -> OpioidMedication:
    return OpioidMedication.model_validate_json(json.dumps({"unit": "mg/day", **fields}))


@pytest.mark.parametrize(("drug", "release", "dose", "limit"), [
    ("tramadol", None, 100_000, 400),
    ("Ultram", None, 450, 400),
    ("tramadol", "immediate", 401, 400),
    ("tapentadol", "extended", 600, 500),
    ("Nucynta ER", None, 550, 500),      # release taken from the product name
    ("tapentadol", None, 650, 600),
    ("Nucynta", "immediate", 700, 600),
])
def test_above_the_label_maximum_is_flagged(ruleset: RuleSet, drug: str, release: str | None,
                                            dose: float, limit: float) -> None:
    warning = dose_warning(ruleset, _med(drug=drug, release=release, daily_dose=dose))
    assert warning is not None
    assert warning.limit.max_mg_per_day == limit
    assert f"{limit:g} mg/day" in warning.text
    assert "check the dose" in warning.text
    assert warning.limit.source.url.startswith("https://")


@pytest.mark.parametrize(("drug", "release", "dose"), [
    ("tramadol", None, 400),               # at the maximum: plausible
    ("tramadol", None, 200),
    ("tapentadol", "extended", 500),
    ("tapentadol", None, 600),
    ("oxycodone", None, 100_000),          # no label maximum: no number is invented
    ("morphine", "extended", 2000),
    ("methadone", None, 300),
    ("levothyroxine", None, 100_000),      # not an opioid
    ("Zorblax", None, 100_000),            # not recognised
])
def test_within_or_without_a_label_maximum_is_not_flagged(
    ruleset: RuleSet, drug: str, release: str | None, dose: float,
) -> None:
    assert dose_warning(ruleset, _med(drug=drug, release=release, daily_dose=dose)) is None


def test_patches_and_missing_doses_are_not_checked(ruleset: RuleSet) -> None:
    assert dose_warning(ruleset, _med(drug="tramadol")) is None
    patch = _med(drug="fentanyl", release="transdermal", unit="mcg/h", daily_dose=5000)
    assert dose_warning(ruleset, patch) is None


def test_every_maximum_cites_its_label(ruleset: RuleSet) -> None:
    for entry in ruleset.opioid_max_daily.entries:
        assert entry.source.quote
        assert entry.source.section
        assert entry.source.verified or entry.source.unverified_note
        assert entry.ingredient in ruleset.vocabulary.ingredients


def test_the_result_carries_the_warning_and_keeps_the_dose(make_case: Any,
                                                           ruleset: RuleSet) -> None:
    case = make_case({"opioids": {"status": "current", "medications": [
        {"drug": "tramadol", "release": "immediate", "daily_dose": 100_000, "unit": "mg/day",
         "use": "daily"}]}})
    result = assess(case, on=ON, ruleset=ruleset)
    card = next(f for f in result.findings if f.rule_id == DOSE_ABOVE_LABEL_MAXIMUM)
    assert "tramadol 100,000 mg/day" in card.summary
    assert "400 mg/day" in card.detail
    assert card.indicator.value == "warning"
    assert card.effect.value == "none"
    assert card.sources[0].url is not None
    assert card.sources[0].evidence == "label"
    assert case.opioids.medications is not None
    assert case.opioids.medications[0].daily_dose == 100_000  # shown, never changed
    plain = assess(make_case({}), on=ON, ruleset=ruleset)
    assert DOSE_ABOVE_LABEL_MAXIMUM not in {f.rule_id for f in plain.findings}

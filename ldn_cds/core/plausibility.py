"""Dose plausibility: a typed opioid daily dose above the FDA label's maximum daily dose.

``tramadol 100,000 mg/day`` was accepted and shown as 20,000 MME/day.  The maximums come from
``resources/tables/opioid_max_daily.yaml`` (only ingredients whose label states one, each with
its source); a dose above one is flagged beside the field and on the result, never changed.
Pure: the rule set and the entry in, the warning out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from ldn_cds.core.conditions import FindingWording
from ldn_cds.core.medicines import recognise
from ldn_cds.core.models import DoseUnit, OpioidMedication, Release

if TYPE_CHECKING:
    from ldn_cds.core.ruleset import RuleSet


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelSource(_Data):
    url: str = Field(pattern=r"^https://")
    section: str = Field(min_length=3, description="Label and section the maximum is in.")
    quote: str = Field(min_length=10, description="The label's words, as read.")
    verified: bool
    unverified_note: str | None = None


class MaxDailyDose(_Data):
    ingredient: str = Field(description="An ingredient id of the medication vocabulary.")
    releases: list[Release] = Field(default_factory=list, description="Empty: any release.")
    max_mg_per_day: float = Field(gt=0, le=10_000)
    product: str = Field(min_length=3, description="The labelled product the maximum is for.")
    note: str | None = None
    source: LabelSource


class MaxDailyTable(_Data):
    """``tables/opioid_max_daily.yaml``: first matching entry wins."""

    entries: list[MaxDailyDose] = Field(min_length=1)
    finding: FindingWording


@dataclass(frozen=True)
class DoseWarning:
    """One opioid entry whose daily dose is above its label maximum."""

    index: int
    drug: str
    dose_mg: float
    limit: MaxDailyDose

    @property
    def text(self) -> str:
        """The inline warning, in clinic words."""
        return (f"{self.dose_mg:,g} mg/day is above the label maximum for "
                f"{self.limit.ingredient} ({self.limit.max_mg_per_day:g} mg/day): "
                "check the dose")

    @property
    def source_text(self) -> str:
        """Where the maximum comes from (the field's tooltip)."""
        return f"{self.limit.product}: {self.limit.source.section}, {self.limit.source.url}"


def limit_for(
    table: MaxDailyTable, ingredient: str, release: Release | None,
) -> MaxDailyDose | None:
    """The first entry for ``ingredient`` whose releases include ``release`` (or any)."""
    for entry in table.entries:
        if entry.ingredient == ingredient and (
                not entry.releases or (release is not None and release in entry.releases)):
            return entry
    return None


def dose_warning(ruleset: RuleSet, med: OpioidMedication, index: int = 0) -> DoseWarning | None:
    """The warning for one opioid entry, or None (no dose, no maximum, or within it).

    Only a dose in mg/day of a single recognised opioid ingredient is checked.
    """
    if med.daily_dose is None or med.unit is DoseUnit.MCG_PER_HOUR:
        return None
    rec = recognise(ruleset.vocabulary, med.drug)
    if len(rec.opioid_ingredients) != 1:
        return None
    limit = limit_for(ruleset.opioid_max_daily, rec.opioid_ingredients[0],
                      med.release or rec.formulation)
    if limit is None or med.daily_dose <= limit.max_mg_per_day:
        return None
    return DoseWarning(index=index, drug=med.drug, dose_mg=med.daily_dose, limit=limit)


def dose_warnings(ruleset: RuleSet, meds: Sequence[OpioidMedication]) -> list[DoseWarning]:
    found = (dose_warning(ruleset, med, i) for i, med in enumerate(meds))
    return [w for w in found if w is not None]

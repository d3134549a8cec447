"""A follow-up visit on LDN, as the registry records it (pure data, no storage).

The side effects are the common ones of clinical-knowledge.md §8.6 (vivid dreams, insomnia,
headache, nausea) plus "other" with free text; the patient global impression of change
(PGIC) is the usual 7-point scale, 1 = very much improved ... 7 = very much worse.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ldn_cds.core.response import Visit

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class SideEffect(StrEnum):
    VIVID_DREAMS = "vivid_dreams"
    INSOMNIA = "insomnia"
    HEADACHE = "headache"
    NAUSEA = "nausea"
    OTHER = "other"


class Adherence(StrEnum):
    ALL = "all"
    MOST = "most"
    SOME = "some"
    NONE = "none"


SIDE_EFFECT_WORDS: dict[SideEffect, str] = {
    SideEffect.VIVID_DREAMS: "vivid dreams",
    SideEffect.INSOMNIA: "insomnia",
    SideEffect.HEADACHE: "headache",
    SideEffect.NAUSEA: "nausea",
    SideEffect.OTHER: "other",
}

PGIC_WORDS: dict[int, str] = {
    1: "very much improved",
    2: "much improved",
    3: "minimally improved",
    4: "no change",
    5: "minimally worse",
    6: "much worse",
    7: "very much worse",
}


class FollowUp(BaseModel):
    """One visit after LDN was started. Unknown stays None; nothing defaults to an answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date = Field(description="Date of the visit.")
    dose_mg: float | None = Field(None, gt=0, le=50, description="LDN dose taken now, mg/day.")
    pain_score: int | None = Field(None, ge=0, le=10, description="0-10 numeric rating.")
    pgic: int | None = Field(None, ge=1, le=7, description="Global impression of change, 1-7.")
    side_effects: tuple[SideEffect, ...] = Field((), description="Coded side effects reported.")
    side_effect_other: Note | None = Field(None, description="What 'other' was.")
    adherence: Adherence | None = Field(None, description="Doses taken since the last visit.")
    stopped: bool = Field(False, description="LDN stopped at or before this visit.")
    stop_reason: Note | None = Field(None, description="Why LDN was stopped.")
    note: Note | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FollowUp:
        if self.stop_reason and not self.stopped:
            raise ValueError("a stop reason is given but 'stopped' is not set")
        if self.side_effect_other and SideEffect.OTHER not in self.side_effects:
            raise ValueError("side_effect_other is given but 'other' is not among side_effects")
        return self

    def visit(self) -> Visit:
        """What the response calculation needs of this visit."""
        return Visit(on=self.on, pain_score=self.pain_score, dose_mg=self.dose_mg,
                     stopped=self.stopped)

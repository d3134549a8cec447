"""Resolving source references against the bibliography (one place, so labels agree)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ldn_cds.core.ruleset import RuleSet, SourceRef


class SourceOut(BaseModel):
    """A cited source as shown on screen and paper."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str
    citation: str
    url: str | None
    section: str | None
    evidence: str
    verified: bool
    unverified_note: str | None = None


def source_out(ruleset: RuleSet, ref: SourceRef | str) -> SourceOut:
    """Resolve a source reference; an unverified source says so in its label."""
    ref_id, section = (ref, None) if isinstance(ref, str) else (ref.id, ref.section)
    entry = ruleset.bibliography[ref_id]
    label = entry.short if section is None else f"{entry.short}, {section}"
    if not entry.verified:
        label += " (unverified)"
    return SourceOut(
        id=entry.id,
        label=label,
        citation=entry.citation,
        url=entry.link,
        section=section,
        evidence=entry.evidence.value,
        verified=entry.verified,
        unverified_note=entry.unverified_note,
    )

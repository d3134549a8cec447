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


_CACHE: dict[tuple[str, str, str | None], SourceOut] = {}


def source_out(ruleset: RuleSet, ref: SourceRef | str) -> SourceOut:
    """Resolve a source reference; an unverified source says so in its label.

    Results are cached per rule-set hash (the output model is immutable).
    """
    ref_id, section = (ref, None) if isinstance(ref, str) else (ref.id, ref.section)
    key = (ruleset.sha256, ref_id, section)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _CACHE[key] = _resolve(ruleset, ref_id, section)
    return cached


def _resolve(ruleset: RuleSet, ref_id: str, section: str | None) -> SourceOut:
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

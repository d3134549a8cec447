"""The registry PDFs, read back as text as a physician would read them."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pypdf

from ldn_cds.core.followup import FollowUp, SideEffect
from ldn_cds.pdf.registry_report import render_followup, render_outcomes
from ldn_cds.resources import default_ruleset
from ldn_cds.store import open_registry
from ldn_cds.store.report import outcome_lines
from tests.store.helpers import assessed, save

TODAY = date(2027, 3, 1)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_follow_up_page_and_practice_report(tmp_path: Path) -> None:
    ruleset = default_ruleset()
    _case, result = assessed("jane-doe")
    start = date.fromisoformat(result["dose_plan"]["start_on"])
    with open_registry(f"sqlite:///{tmp_path / 'r.sqlite3'}") as reg:
        save(reg, "jane-doe")
        pid = reg.patients("MRN-1")[0].id
        reg.add_followup(pid, FollowUp(on=start + timedelta(days=28), dose_mg=3.0, pain_score=6,
                                       side_effects=(SideEffect.NAUSEA,)))
        reg.add_followup(pid, FollowUp(on=start + timedelta(days=86), dose_mg=4.5, pain_score=3,
                                       stopped=True, stop_reason="moved away"))
        row = reg.patients("MRN-1")[0]
        followup = render_followup(row, reg.course(pid), ruleset, TODAY)
        outcomes = reg.outcomes(TODAY, ruleset)
        report = render_outcomes(outcomes, ruleset, outcome_lines(outcomes))
    text = _text(followup)
    assert "LDN follow-up: Jane Doe" in text
    assert "Baseline pain 7" in text
    assert "change -57.1%" in text
    assert "30% less pain (4.9)" in text
    assert "50% less pain (3.5)" in text
    assert "stopped: moved away" in " ".join(text.split())
    assert "nausea" in text
    assert f"sha256 {ruleset.sha256[:12]}" in text
    reader = pypdf.PdfReader(io.BytesIO(followup))
    assert reader.trailer["/Root"].get("/Lang") == "en-US"
    text = _text(report)
    assert "LDN practice outcomes on 1 Mar 2027" in text
    assert "moved away" in text
    assert "37.8%" in text
    assert "36%" in text
    assert "87%" in text
    assert "martin-2022" in text


def test_outcome_lines_of_an_empty_registry_read_as_words(tmp_path: Path) -> None:
    """Found under Xvfb: "0 (not computable (no patients) of those started)"."""
    with open_registry(f"sqlite:///{tmp_path / 'r.sqlite3'}") as reg:
        lines: dict[str, str] = {}
        for label, value in outcome_lines(reg.outcomes(TODAY, default_ruleset())):
            lines.setdefault(label, value)  # the practice's own, before the published ones
    assert lines["  stopped"] == "0 (nobody started yet: no percentage)"
    assert lines["  30% or more less pain"] == "0 (nobody judged yet: no percentage)"
    assert lines["  mean reduction"] == "no pain scores to judge yet"
    assert not any("not computable (no patients)" in v for v in lines.values())

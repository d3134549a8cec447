"""Page 1 of the clinician summary is the bottom line (golden text per verdict), the banner
names every critical finding, and the trace appendix keeps what matters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ldn_cds.core.assessment import Verdict, assess
from ldn_cds.core.formatting import fmt_date, fmt_mg
from ldn_cds.core.report_content import (
    Banner,
    PageBreak,
    Para,
    Table,
    build_summary,
)
from ldn_cds.core.ruleset import Indicator, RuleSet
from ldn_cds.pdf import render_summary
from ldn_cds.resources import examples_dir
from tests.conftest import ON, load_example
from tests.core.test_report_content import plain
from tests.pdf.conftest import SETTINGS, Assessed
from tests.pdf.helpers import flat, page_texts

GOLDEN = Path(__file__).with_name("golden")
BY_VERDICT = {
    "candidate": "crohns-candidate",
    "candidate_with_cautions": "jane-doe",
    "not_yet-dated": "norco-stopped",
    "not_yet-undated": "tramadol-current",
    "contraindicated": "pregnant",
    "needs_information": "missing-answers",
}


def _page_one(example: str, ruleset: RuleSet) -> tuple[list[str], Assessed]:
    case = load_example(examples_dir() / f"{example}.json")
    a = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    document = build_summary(case, a, ruleset, SETTINGS)
    end = next(i for i, b in enumerate(document.blocks) if isinstance(b, PageBreak))
    return plain(document.blocks[:end]), Assessed(example, case, a)


@pytest.mark.parametrize("name", list(BY_VERDICT))
def test_bottom_line_page_golden(name: str, ruleset: RuleSet) -> None:
    lines, a = _page_one(BY_VERDICT[name], ruleset)
    assert a.assessment.verdict.value == name.split("-")[0]
    path = GOLDEN / f"summary-page1-{name}.txt"
    text = "\n".join(lines) + "\n"
    if os.environ.get("LDN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(BY_VERDICT))
def test_printed_page_one_has_verdict_start_dose_and_mme(name: str, ruleset: RuleSet) -> None:
    _lines, a = _page_one(BY_VERDICT[name], ruleset)
    r = a.assessment
    page1 = flat(page_texts(render_summary(a.case, r, ruleset, SETTINGS))[0])
    assert r.verdict_text in page1
    assert "Earliest permitted start:" in page1
    if r.earliest_start_on is not None:
        assert fmt_date(r.earliest_start_on) in page1
    if r.dose_plan is not None:
        assert fmt_mg(r.dose_plan.start_mg) in page1
        assert fmt_mg(r.dose_plan.target_mg) in page1
    assert "MME" in page1
    if r.mme_per_day is None:
        assert "not computable:" in page1
    assert "What to do next:" in page1
    assert "Findings" not in page1  # everything else follows, from page 2
    for rule_id in r.verdict_rules:
        if "-" in rule_id:  # ("pregnancy" is also a word)
            assert rule_id not in page1  # the reason in words, not rule ids
    if r.verdict is Verdict.NEEDS_INFORMATION:
        assert "Questions to ask:" in page1
        for m in r.missing_information:
            assert flat(m.question) in page1


def test_banner_names_every_critical_finding(all_cases: list[Assessed],
                                             ruleset: RuleSet) -> None:
    for a in all_cases:
        document = build_summary(a.case, a.assessment, ruleset)
        banner = next(b for b in document.blocks if isinstance(b, Banner))
        text = " ".join(banner.lines)
        for f in a.assessment.findings:
            if f.indicator is Indicator.CRITICAL:
                assert f.title in text, (a.name, f.rule_id)


def test_missing_none_never_beside_an_unevaluated_rule(all_cases: list[Assessed],
                                                       ruleset: RuleSet) -> None:
    for a in all_cases:
        document = build_summary(a.case, a.assessment, ruleset)
        unevaluated = [t for t in a.assessment.trace if t.outcome == "cannot_evaluate"]
        says_none = any(isinstance(b, Para) and b.text.startswith("None: every input")
                        for b in document.blocks)
        if unevaluated:
            assert not says_none, a.name


def test_trace_appendix_collapses_rules_that_did_not_fire(all_cases: list[Assessed],
                                                          ruleset: RuleSet) -> None:
    for a in all_cases:
        document = build_summary(a.case, a.assessment, ruleset)
        trace = next(b for b in document.blocks if isinstance(b, Table) and b.role == "trace")
        shown = [t for t in a.assessment.trace if t.outcome != "not_fired"]
        assert len(trace.rows) == len(shown)
        assert all(not row[1].startswith("not fired") for row in trace.rows)
        not_fired = len(a.assessment.trace) - len(shown)
        assert any(isinstance(b, Para) and f"{not_fired} of {len(a.assessment.trace)} rules "
                   "did not fire" in b.text for b in document.blocks), a.name

"""What the documents say, checked as data (no reportlab)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ldn_cds.core.assessment import Verdict, assess
from ldn_cds.core.report_content import (
    Banner,
    Box,
    Bullets,
    Document,
    Para,
    PrintSettings,
    Table,
    WalletCard,
    age_years,
    build_handout,
    build_summary,
    clip,
    handout_body_text,
)
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON

OPIOID_STOPPED = {"opioids": {"status": "stopped", "medications": [
    {"drug": "oxycodone", "release": "immediate", "daily_dose": 20, "unit": "mg/day",
     "last_dose_on": "2026-11-20"}]}}


def _texts(document: Document) -> str:
    out: list[str] = []
    for block in document.blocks:
        for name in ("text", "title", "label"):
            value = getattr(block, name, None)
            if isinstance(value, str):
                out.append(value)
        if isinstance(block, Bullets):
            out.extend(block.items)
        if isinstance(block, Banner):
            out.extend(block.lines)
        if isinstance(block, Table):
            out.extend(cell for row in block.rows for cell in row)
        if isinstance(block, Box):
            for inner in block.blocks:
                out.extend(inner.items if isinstance(inner, Bullets) else (inner.text,))
        if isinstance(block, WalletCard):
            out.extend(block.lines)
    return "\n".join(out)


def _build(make_case: Any, ruleset: RuleSet, patch: dict[str, Any] | None = None,
           settings: PrintSettings | None = None) -> tuple[Document, Document, Any]:
    case = make_case(patch)
    a = assess(case, on=ON, ruleset=ruleset)
    return (build_summary(case, a, ruleset, settings), build_handout(case, a, ruleset, settings),
            a)


def test_print_settings_defaults_and_validation() -> None:
    s = PrintSettings()
    assert (s.paper, s.large_print, s.clinic_name) == ("letter", False, "")
    assert PrintSettings(paper="a4").paper == "a4"
    with pytest.raises(ValidationError):
        PrintSettings(paper="legal")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        PrintSettings(colour="red")  # type: ignore[call-arg]


def test_clip_and_age() -> None:
    assert clip("a  b\nc", 10) == "a b c"
    assert clip("x" * 50, 10) == "x" * 9 + "…"
    assert age_years(date(1968, 4, 2), date(2026, 11, 23)) == 58
    assert age_years(date(1968, 11, 24), date(2026, 11, 23)) == 57
    assert age_years(None, ON) is None


def test_summary_has_every_required_part(make_case: Any, ruleset: RuleSet) -> None:
    summary, _, a = _build(make_case, ruleset, {"history": {
        "hypothyroidism_on_levothyroxine": True}})
    text = _texts(summary)
    banner = next(b for b in summary.blocks if isinstance(b, Banner))
    assert banner.title == a.verdict_text
    assert banner.symbol
    assert ruleset.texts.intended_use in text
    boxes = [b for b in summary.blocks if isinstance(b, Box)]
    box_text = [" ".join(p.text for p in b.blocks if isinstance(p, Para)) for b in boxes]
    for finding in a.findings:
        assert any(finding.summary in t for t in box_text), finding.rule_id
    trace = next(b for b in summary.blocks if isinstance(b, Table) and b.role == "trace")
    assert len(trace.rows) == sum(1 for t in a.trace if t.outcome != "not_fired")
    assert "CDC 2022" in text
    assert summary.footer.text.endswith(f"(SHA-256 {ruleset.sha256[:12]})")
    assert summary.header.patient_line.startswith("Patient: Example Patient")


def test_findings_keep_indicator_order(make_case: Any, ruleset: RuleSet) -> None:
    summary, _, _ = _build(make_case, ruleset, OPIOID_STOPPED)
    order = {"critical": 0, "warning": 1, "info": 2}
    tones = [order[b.tone] for b in summary.blocks
             if isinstance(b, Box) and b.tone in order]
    assert tones == sorted(tones)


def test_unverified_sources_and_disagreement_are_shown(make_case: Any,
                                                        ruleset: RuleSet) -> None:
    summary, _, a = _build(make_case, ruleset, {"history": {
        "hypothyroidism_on_levothyroxine": True}})
    text = _texts(summary)
    assert any(not s.verified for f in a.findings for s in f.sources)
    assert "[unverified]" in text
    disagree = [f.sources_disagree for f in a.findings if f.sources_disagree]
    assert disagree
    assert disagree[0] in text


def test_negative_evidence_is_shown(make_case: Any, ruleset: RuleSet) -> None:
    summary, _, _ = _build(make_case, ruleset, {"pain": {"conditions": ["osteoarthritis"]}})
    text = _texts(summary)
    assert "Negative" in text or "Conflicting" in text


def test_override_reason_and_comment_are_printed(make_case: Any, ruleset: RuleSet) -> None:
    summary, _, _ = _build(make_case, ruleset, {
        "history": {"depression_or_suicidality": True},
        "overrides": [{"rule_id": "depression-suicidality", "reason_code": "benefit-outweighs-risk",
                       "comment": "Psychiatry follows monthly."}],
    })
    text = _texts(summary)
    assert "benefit-outweighs-risk" in text
    assert "Psychiatry follows monthly." in text


@pytest.mark.parametrize(("patch", "verdict"), [
    ({"patient": {"pregnant": True}}, Verdict.CONTRAINDICATED),
    ({"opioids": {"status": "unknown"}}, Verdict.NEEDS_INFORMATION),
])
def test_non_start_handout_has_no_plan(
    make_case: Any, ruleset: RuleSet, patch: dict[str, Any], verdict: Verdict
) -> None:
    summary, handout, a = _build(make_case, ruleset, patch)
    assert a.verdict is verdict
    assert not any(isinstance(b, Table | WalletCard) for b in handout.blocks)
    text = _texts(handout)
    assert "You will not start LDN" in text
    assert "mg" not in text
    assert "No dose plan:" in _texts(summary)


def test_not_yet_handout_explains_the_wait_and_shows_the_plan(make_case: Any,
                                                               ruleset: RuleSet) -> None:
    _, handout, a = _build(make_case, ruleset, OPIOID_STOPPED)
    assert a.verdict is Verdict.NOT_YET
    text = _texts(handout)
    assert "You cannot start LDN yet" in text
    assert a.earliest_start_on is not None
    if a.dose_plan is not None:
        assert any(isinstance(b, Table) and b.role == "dose" for b in handout.blocks)


def test_candidate_handout_has_plan_warning_and_card(make_case: Any, ruleset: RuleSet) -> None:
    settings = PrintSettings(clinic_name="C", clinic_phone="555", prescriber="Dr P")
    _, handout, a = _build(make_case, ruleset, None, settings)
    assert a.dose_plan is not None
    dose = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "dose")
    assert len(dose.rows) == len(a.dose_plan.steps)
    boxes = [b.title for b in handout.blocks if isinstance(b, Box)]
    assert boxes[0] == "Your clinic"
    assert any("opioid" in title.lower() for title in boxes)
    clinic = next(b for b in handout.blocks if isinstance(b, Box))
    assert [p.text for p in clinic.blocks if isinstance(p, Para)] == [
        "Clinic: C", "Phone: 555", "Prescriber: Dr P"]
    card = next(b for b in handout.blocks if isinstance(b, WalletCard))
    assert "opioid blocker" in card.title
    assert "Prescriber: Dr P" in card.lines
    assert "Phone: 555" in card.lines
    text = _texts(handout)
    assert "Call C at 555" in text


def test_body_text_leaves_out_tables_and_headings(make_case: Any, ruleset: RuleSet) -> None:
    _, handout, _ = _build(make_case, ruleset)
    body = "\n".join(handout_body_text(handout))
    assert "Your LDN plan" not in body
    assert "Example Patient" not in body
    assert "How much to take" not in body


def test_long_name_is_clipped_in_headers(make_case: Any, ruleset: RuleSet) -> None:
    summary, handout, _ = _build(make_case, ruleset, {"patient": {"name": "N" * 5000}})
    assert len(summary.header.patient_line) < 400
    assert len(handout.title) < 200
    card = next(b for b in handout.blocks if isinstance(b, WalletCard))
    assert all(len(line) < 200 for line in card.lines)


def test_content_is_plain_text(make_case: Any, ruleset: RuleSet) -> None:
    """Blocks carry raw text; escaping is the adapter's job (so '<b>' stays literal here)."""
    summary, _, _ = _build(make_case, ruleset, {"patient": {"name": "<b>A & B</b>"}})
    assert "<b>A & B</b>" in summary.header.patient_line
    assert isinstance(summary.blocks[2], Para)


def plain(blocks: Any) -> list[str]:
    """Blocks as plain lines: "# heading", "label text", "- bullet", "[box title]"."""
    from ldn_cds.core.report_content import Heading

    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + block.text)
        elif isinstance(block, Para):
            out.append(" ".join(x for x in (block.label, block.text) if x))
        elif isinstance(block, Bullets):
            out.extend(f"- {item}" for item in block.items)
        elif isinstance(block, Box):
            out.append(f"[{block.title}]")
            out.extend(plain(block.blocks))
        elif isinstance(block, Banner):
            out.append(f"[{block.symbol} {block.title}]")
            out.extend(block.lines)
    return out


def section(document: Document, heading: str) -> list[str]:
    """The plain lines of one level-2 section, heading included."""
    lines = plain(document.blocks)
    start = lines.index(f"## {heading}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    return lines[start:end]


def test_emergency_routes_in_three_tiers_golden(make_case: Any, ruleset: RuleSet) -> None:
    settings = PrintSettings(clinic_name="Riverside Pain Clinic", clinic_phone="(555) 010-2000")
    young = {"patient": {"date_of_birth": "1990-05-01"}}  # the pregnancy line applies
    _, handout, _ = _build(make_case, ruleset, young, settings)
    assert section(handout, "When to get help") == [
        "## When to get help",
        "Emergency: Call 911 (or your local emergency number) right away for:",
        "- Signs of withdrawal after an opioid, such as throwing up, sweating or feeling very "
        "restless.",
        "- Signs of an allergic reaction.",
        "Thoughts of harming yourself: Call or text 988 right away, day or night. Then tell "
        "your clinic too.",
        "Everything else: Call Riverside Pain Clinic at (555) 010-2000 if you have any of these:",
        "- Yellow skin or eyes, dark urine, or pain on the upper right side of your belly.",
        "- Low mood.",
        "- A chance that you are pregnant.",
        "- Side effects that last more than 2 weeks.",
        "- A need for an opioid.",
    ]


def test_emergency_routes_without_clinic_point_to_the_write_in_box(
    make_case: Any, ruleset: RuleSet
) -> None:
    _, handout, _ = _build(make_case, ruleset)
    lines = section(handout, "When to get help")
    assert ("Everything else: Call your clinic at the number in the box at the top if you "
            "have any of these:") in lines
    box = 1 + len(ruleset.handout.intro)  # right after the title and the intro lines
    assert plain(handout.blocks)[box:box + 4] == [
        "[Your clinic]", "Clinic: ________________", "Phone: ________________",
        "Prescriber: ________________"]


@pytest.mark.parametrize("patch", [{"patient": {"pregnant": True}},
                                   {"opioids": {"status": "unknown"}}])
def test_handout_without_plan_still_gives_the_988_route(
    make_case: Any, ruleset: RuleSet, patch: dict[str, Any]
) -> None:
    _, handout, a = _build(make_case, ruleset, patch)
    assert a.verdict in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION)
    assert ("Thoughts of harming yourself: Call or text 988 right away, day or night. Then "
            "tell your clinic too.") in plain(handout.blocks)


def _handout_lines(make_case: Any, ruleset: RuleSet,
                   patch: dict[str, Any] | None = None) -> tuple[list[str], Any]:
    _, handout, a = _build(make_case, ruleset, patch)
    return plain(handout.blocks), a


def test_pregnancy_line_only_where_pregnancy_applies(make_case: Any, ruleset: RuleSet) -> None:
    line = "- A chance that you are pregnant."
    young = {"patient": {"date_of_birth": "1990-05-01"}}
    assert line in _handout_lines(make_case, ruleset, young)[0]
    assert line not in _handout_lines(make_case, ruleset)[0]  # 56 years old: not asked
    male = {"patient": {"sex": "male", "date_of_birth": "1990-05-01", "pregnant": None,
                        "breastfeeding": None}}
    assert line not in _handout_lines(make_case, ruleset, male)[0]
    older = {"patient": {"date_of_birth": "1960-01-01", "pregnant": None}}
    assert line not in _handout_lines(make_case, ruleset, older)[0]


def test_show_your_card_only_with_a_card(make_case: Any, ruleset: RuleSet) -> None:
    lines, a = _handout_lines(make_case, ruleset)
    assert a.dose_plan is not None
    assert any("show your card" in x for x in lines)
    current = {"opioids": {"status": "current", "medications": [
        {"drug": "morphine", "release": "extended", "daily_dose": 60, "unit": "mg/day"}]}}
    lines, a = _handout_lines(make_case, ruleset, current)
    assert a.dose_plan is None
    assert not any("card" in x.lower() for x in lines)
    assert any("say that you take LDN" in x for x in lines)


def test_liquid_lines_only_for_liquid(make_case: Any, ruleset: RuleSet) -> None:
    capsules, _ = _handout_lines(make_case, ruleset, {"plan": {"form": "capsule"}})
    liquid, _ = _handout_lines(make_case, ruleset, {"plan": {"form": "liquid"}})
    for line in ("- Keep the bottle in the fridge.",
                 "- Shake the bottle well. Use the syringe to measure each dose."):
        assert line in liquid
        assert line not in capsules
    assert "- Take the number of capsules shown in the chart." in capsules


def test_operation_date_is_printed_when_known(make_case: Any, ruleset: RuleSet) -> None:
    patch = {"history": {"surgery_planned": True, "planned_surgery_on": "2027-06-01"}}
    lines, _ = _handout_lines(make_case, ruleset, patch)
    assert "- Your operation is planned for 1 Jun 2027." in lines
    assert not any("operation is planned for" in x for x in _handout_lines(make_case,
                                                                            ruleset)[0])


@pytest.mark.parametrize("patch", [None, {"plan": {"form": "liquid"}},
                                   {"patient": {"pregnant": True}},
                                   {"opioids": {"status": "unknown"}}, OPIOID_STOPPED])
def test_no_line_repeated(make_case: Any, ruleset: RuleSet, patch: dict[str, Any] | None) -> None:
    lines, _ = _handout_lines(make_case, ruleset, patch)
    sentences = [x for x in lines if not x.startswith(("#", "["))]
    repeated = {x for x in sentences if sentences.count(x) > 1}
    assert not repeated
    # the wallet card is announced once in the surgery section, not again in the notes
    assert sum("Carry" in x and "card" in x for x in lines) <= 1


@pytest.mark.parametrize(("score", "expected"), [
    # a fall of 30% or more, in whole scores: 7 -> 4.9 -> 4 (5 would be only 29%);
    # 10 -> 7 (exactly 30%); 4 -> 2.8 -> 2 (3 would be 25%)
    (7, "For you, that is from 7 to 4 or lower."),
    (10, "For you, that is from 10 to 7 or lower."),
    (4, "For you, that is from 4 to 2 or lower."),
])
def test_thirty_percent_made_concrete(make_case: Any, ruleset: RuleSet, score: int,
                                      expected: str) -> None:
    lines, _ = _handout_lines(make_case, ruleset, {"pain": {"score_now": score}})
    assert any(x.endswith(expected) for x in lines)


def test_thirty_percent_without_a_score(make_case: Any, ruleset: RuleSet) -> None:
    lines, _ = _handout_lines(make_case, ruleset, {"pain": {"score_now": None}})
    assert "- If your pain drops by 30% or more, that counts as a real gain." in lines


def test_diary_covers_the_time_to_the_review(make_case: Any, ruleset: RuleSet) -> None:
    from datetime import timedelta

    from ldn_cds.core.report_content import diary_weeks

    for patch in (None, {"history": {"hypothyroidism_on_levothyroxine": True}},
                  {"plan": {"protocol": "sensitive"}}):
        _, handout, a = _build(make_case, ruleset, patch)
        plan = a.dose_plan
        assert plan is not None
        diary = next(b for b in handout.blocks if isinstance(b, Table) and b.role == "diary")
        assert len(diary.rows) == diary_weeks(plan)
        last = plan.start_on + timedelta(days=7 * (len(diary.rows) - 1))
        assert last <= plan.review_on < last + timedelta(days=7)


def test_handout_wording_comes_from_the_rule_set(make_case: Any, ruleset: RuleSet) -> None:
    """handout.yaml is part of the rule set: its wording is printed and its content changes
    the SHA-256 in every footer; an unknown key is an error naming the file."""
    import copy

    from ldn_cds.core.rulecheck import RuleSetError, build_ruleset
    from ldn_cds.resources import read_files, resources_dir

    files, problems = read_files(resources_dir())
    assert not problems
    assert "handout.yaml" in files
    changed = copy.deepcopy(files)
    changed["handout.yaml"]["crisis"] = "Call or text 988 right away, day or night."
    other = build_ruleset(changed)
    assert other.sha256 != ruleset.sha256
    case = make_case(None)
    a = assess(case, on=ON, ruleset=other)
    lines = plain(build_handout(case, a, other).blocks)
    assert "Thoughts of harming yourself: Call or text 988 right away, day or night." in lines
    bad = copy.deepcopy(files)
    bad["handout.yaml"]["crisis_line"] = "x"
    with pytest.raises(RuleSetError) as err:
        build_ruleset(bad)
    assert any("handout.yaml" in str(p) and "crisis_line" in str(p)
               for p in err.value.problems)
    wrong = copy.deepcopy(files)
    wrong["handout.yaml"]["pregnancy_reason"] = "Not a call reason."
    with pytest.raises(RuleSetError):
        build_ruleset(wrong)

"""The clinician summary and the patient handout, read back from the PDF bytes."""

from __future__ import annotations

import io
import subprocess
import sys

import pdfplumber
import pypdf
import pytest

from ldn_cds.core.assessment import Verdict
from ldn_cds.core.notes import fmt_date, fmt_mg
from ldn_cds.core.report_content import (
    CARD_RULE,
    Document,
    Footer,
    Header,
    Para,
    PrintSettings,
    step_dates,
)
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_document, render_handout, render_summary
from ldn_cds.pdf.templates import BLANK_BACK_NOTE
from tests.conftest import ON
from tests.pdf.conftest import Assessed
from tests.pdf.helpers import CASE_NAMES, PAGE_OF, all_text, flat, metadata, page_texts, tables

OPIOID_WARNING = "Important: LDN blocks opioid pain medicines"
NAMED_OPIOIDS = ("oxycodone", "hydrocodone", "morphine", "codeine", "tramadol", "fentanyl")


@pytest.fixture(scope="module")
def by_name(examples: list[Assessed], variants: dict[str, Assessed]) -> dict[str, Assessed]:
    return {**{a.name: a for a in examples}, **variants}


@pytest.fixture(scope="module")
def rendered(
    by_name: dict[str, Assessed], ruleset: RuleSet, settings: PrintSettings
) -> dict[str, tuple[bytes, bytes]]:
    return {
        name: (
            render_summary(a.case, a.assessment, ruleset, settings, invariant=True),
            render_handout(a.case, a.assessment, ruleset, settings, invariant=True),
        )
        for name, a in by_name.items()
    }


def _check_pages(pdf: bytes, hash_prefix: str) -> None:
    texts = page_texts(pdf)
    assert texts
    for number, text in enumerate(texts, start=1):
        if flat(text) == BLANK_BACK_NOTE:
            continue  # the back of the wallet card: nothing but this note
        assert f"Page {number} of {len(texts)}" in text
        assert hash_prefix in text
        assert "Generated 23 Nov 2026" in flat(text)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_summary_says_what_the_assessment_says(
    name: str, by_name: dict[str, Assessed], rendered: dict[str, tuple[bytes, bytes]],
    ruleset: RuleSet,
) -> None:
    a = by_name[name].assessment
    summary, _ = rendered[name]
    text = all_text(summary)
    assert flat(by_name[name].case.patient.name or "Name not recorded") in text
    assert a.verdict_text in text
    for finding in a.findings:
        assert flat(finding.summary) in text, finding.rule_id
    joined = text.replace(" ", "")  # long rule ids wrap inside the narrow trace column
    for entry in a.trace:  # fired and could-not-evaluate rules; the others are counted
        if entry.outcome != "not_fired":
            assert entry.rule_id in joined
    not_fired = sum(1 for t in a.trace if t.outcome == "not_fired")
    assert f"{not_fired} of {len(a.trace)} rules did not fire" in text
    if a.earliest_start_on is not None:
        assert f"Earliest permitted start: {fmt_date(a.earliest_start_on)}" in text
    if a.mme_per_day is None:
        assert "not computable" in text
    else:
        assert f"{a.mme_per_day:g} MME per day" in text
    assert "CDC 2022" in text
    assert "supports, and never replaces" in text
    if a.dose_plan is not None:
        for step in a.dose_plan.steps:
            assert step_dates(step) in text
            assert fmt_mg(step.dose_mg) in text
        assert a.notes is not None
        assert "Prescription for the compounding pharmacy" in text
        assert "Prior-authorization letter content" in text
    else:
        assert "No dose plan:" in text
    _check_pages(summary, ruleset.sha256[:12])


@pytest.mark.parametrize("name", CASE_NAMES)
def test_handout_says_what_the_patient_needs(
    name: str, by_name: dict[str, Assessed], rendered: dict[str, tuple[bytes, bytes]],
    ruleset: RuleSet,
) -> None:
    a = by_name[name].assessment
    _, handout = rendered[name]
    text = all_text(handout)
    assert flat(by_name[name].case.patient.name or "") in text
    assert "Riverside Pain Clinic" in text
    plan = a.dose_plan
    starting = a.verdict not in (Verdict.CONTRAINDICATED, Verdict.NEEDS_INFORMATION)
    if starting:
        assert OPIOID_WARNING in text
        for drug in NAMED_OPIOIDS:
            assert drug in text
        assert "cough and diarrhea medicines are opioids" in text
        assert "Never take more opioid to push through the block" in text
        assert "stop LDN at least 3 days before" in text
        assert "(555) 010-2000" in text
        assert "itemized receipt" in text
        assert "HSA or FSA" in text
    else:
        assert "You will not start LDN" in text
        assert "What happens next" in text
        assert "Your LDN plan" not in text
        assert "Cut along the dashed line" not in text
    if plan is not None:
        assert "Your LDN plan" in text
        for step in plan.steps:
            assert step_dates(step) in text
            assert fmt_mg(step.dose_mg) in text
        assert ("at bedtime" if plan.timing == "bedtime" else "in the morning") in text
        assert "do not take two doses" in text
        assert "I take low-dose naltrexone (LDN), an opioid blocker." in text
        assert "Cut along the dashed line" in text
    if a.verdict is Verdict.NOT_YET:
        assert "You cannot start LDN yet" in text
        if a.earliest_start_on is not None:
            assert fmt_date(a.earliest_start_on) in text
    for finding in a.findings:
        if finding.rule_id == CARD_RULE:
            continue  # said by the opioid box, the card and the surgery section instead
        if finding.status == "fired" and finding.patient_text and (
            plan is not None or finding.effect != "none"
        ):
            assert flat(finding.patient_text) in text, finding.rule_id
    _check_pages(handout, ruleset.sha256[:12])


@pytest.mark.parametrize("name", CASE_NAMES)
def test_dose_table_extracts_as_a_table(
    name: str, by_name: dict[str, Assessed], rendered: dict[str, tuple[bytes, bytes]]
) -> None:
    plan = by_name[name].assessment.dose_plan
    if plan is None:
        pytest.skip("no dose plan for this verdict")
    for pdf in rendered[name]:
        found = [t for t in tables(pdf) if t and t[0] and t[0][0] == "Dates"]
        assert found, "no dose table"
        rows = [[flat(c or "") for c in row] for row in found[0][1:]]
        assert len(rows) == len(plan.steps)
        for row, step in zip(rows, plan.steps, strict=True):
            assert row[0] == step_dates(step)
            assert fmt_mg(step.dose_mg) in row
            if step.ml_per_dose is not None:
                assert f"{step.ml_per_dose:g} mL" in row[-1]
            else:
                assert "capsule" in row[-1]


def test_metadata_and_paper(by_name: dict[str, Assessed], ruleset: RuleSet) -> None:
    a = by_name["candidate-capsules"]
    for paper, (width, height) in (("letter", (612, 792)), ("a4", (595.28, 841.89))):
        s = PrintSettings(clinic_name="Hill & Dale <Clinic>", paper=paper)
        for render in (render_summary, render_handout):
            pdf = render(a.case, a.assessment, ruleset, s, invariant=True)
            box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
            assert float(box.width) == pytest.approx(width, abs=0.5)
            assert float(box.height) == pytest.approx(height, abs=0.5)
            meta = metadata(pdf)
            assert meta.author == "Hill & Dale <Clinic>"
            assert meta.title
            assert "Example Patient" in meta.title
            assert meta.subject


def test_handout_records_its_reading_level(by_name: dict[str, Assessed],
                                           ruleset: RuleSet) -> None:
    a = by_name["candidate-capsules"]
    meta = metadata(render_handout(a.case, a.assessment, ruleset, invariant=True))
    assert "Flesch-Kincaid grade" in str(meta.get("/Keywords"))


def test_unicode_symbols_embed_and_extract() -> None:
    document = Document(
        kind="summary", title="t", subject="s", author="a",
        header=Header(clinic_lines=("Clinic ≥ ≤",), patient_line="Patient • µ", right_line=""),
        footer=Footer(text="footer →", generated_on=ON),
        blocks=(Para("dose ≥ 0.5 mg, ≤ 4.5 mg • 25 µg/h → stop"),),
    )
    pdf = render_document(document, invariant=True)
    text = all_text(pdf)
    assert "dose ≥ 0.5 mg, ≤ 4.5 mg • 25 µg/h → stop" in text
    assert "Patient • µ" in text
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()
            fonts.add(str(descriptor["/BaseFont"]))
            if "/FontDescriptor" in descriptor:
                assert "/FontFile2" in descriptor["/FontDescriptor"]
    assert fonts
    assert all("LdnSans" in f or "DejaVu" in f for f in fonts)


def test_large_print_body_is_at_least_14_pt(by_name: dict[str, Assessed],
                                            ruleset: RuleSet) -> None:
    a = by_name["candidate-capsules"]
    for large, check in ((True, lambda size: size >= 14), (False, lambda size: size < 14)):
        s = PrintSettings(large_print=large)
        pdf = render_handout(a.case, a.assessment, ruleset, s, invariant=True)
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            sizes: dict[float, int] = {}
            for page in doc.pages:
                for char in page.chars:
                    size = round(char["size"], 1)
                    sizes[size] = sizes.get(size, 0) + 1
        body_size = max(sizes, key=lambda k: sizes[k])
        assert check(body_size), sizes


@pytest.mark.parametrize("name", ["jane-doe", "contraindicated", "hostile"])
def test_invariant_renders_are_byte_identical(
    name: str, by_name: dict[str, Assessed], ruleset: RuleSet, settings: PrintSettings
) -> None:
    a = by_name.get(name) or next(iter(by_name.values()))
    for render in (render_summary, render_handout):
        first = render(a.case, a.assessment, ruleset, settings, invariant=True)
        second = render(a.case, a.assessment, ruleset, settings, invariant=True)
        assert first == second


def test_page_numbers_count_every_page(rendered: dict[str, tuple[bytes, bytes]]) -> None:
    for summary, handout in rendered.values():
        for pdf in (summary, handout):
            texts = page_texts(pdf)
            found = [PAGE_OF.findall(t) for t in texts]
            expected = [(str(i), str(len(texts))) for i in range(1, len(texts) + 1)]
            for i, (f, text) in enumerate(zip(found, texts, strict=True)):
                if flat(text) == BLANK_BACK_NOTE:
                    assert i == len(texts) - 1  # only the card's back is unnumbered
                    assert not f
                else:
                    assert f[-1] == expected[i]


def test_core_modules_do_not_import_reportlab() -> None:
    code = (
        "import sys, ldn_cds.core.report_content, ldn_cds.core.readability;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('reportlab', 'yaml', 'PySide6')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

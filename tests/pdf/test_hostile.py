"""Hostile free text: markup characters, 5,000-character strings, right-to-left text, emoji."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_cds.core.assessment import assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.report_content import PrintSettings
from ldn_cds.core.rulecheck import example_case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout, render_summary
from tests.conftest import ON
from tests.pdf.cases import HOSTILE, LONG
from tests.pdf.conftest import Assessed
from tests.pdf.helpers import all_text

HOSTILE_SETTINGS = PrintSettings(
    clinic_name=HOSTILE + "Clinic", clinic_address=HOSTILE * 10, clinic_phone="<555> & 010",
    prescriber=HOSTILE + "x" * 400,
)


def _inside_pages(pdf: bytes) -> None:
    """Every glyph lies on its page (nothing pushed off the edge by long text)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for char in page.chars:
                assert char["x0"] >= -1, char["text"]
                assert char["x1"] <= page.width + 1, char["text"]
                assert char["top"] >= -1, char["text"]
                assert char["bottom"] <= page.height + 1, char["text"]


def test_hostile_case_renders_escaped_and_on_the_page(
    variants: dict[str, Assessed], ruleset: RuleSet
) -> None:
    a = variants["hostile"]
    for settings_ in (None, HOSTILE_SETTINGS, HOSTILE_SETTINGS.model_copy(
            update={"paper": "a4", "large_print": True})):
        summary = render_summary(a.case, a.assessment, ruleset, settings_, invariant=True)
        handout = render_handout(a.case, a.assessment, ruleset, settings_, invariant=True)
        for pdf in (summary, handout):
            _inside_pages(pdf)
            text = all_text(pdf)
            assert "<b>Bold</b> & <i>x</i> &amp;" in text  # printed literally, not as markup
        assert "…" in all_text(handout)  # the 5,000-character name is clipped in headers
    text = all_text(render_summary(a.case, a.assessment, ruleset, invariant=True))
    assert "Comment:" in text
    assert LONG[:50] in text.replace(" ", "")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(
    name=st.text(min_size=1, max_size=300),
    comment=st.text(max_size=600),
    medication=st.text(min_size=1, max_size=200),
)
def test_arbitrary_text_never_crashes(
    name: str, comment: str, medication: str, ruleset: RuleSet
) -> None:
    patch: dict[str, Any] = {
        "patient": {"name": name, "record_id": name[:50]},
        "other_medications": [medication],
        "prior_therapies": [medication],
        "overrides": [{"rule_id": "dose-range", "reason_code": "other", "comment": comment}],
    }
    case = parse_case(example_case(ruleset, patch))
    a = assess(case, on=ON, ruleset=ruleset)
    render_summary(case, a, ruleset, invariant=True)
    render_handout(case, a, ruleset, invariant=True)

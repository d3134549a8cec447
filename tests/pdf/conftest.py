"""Fixtures for the PDF tests: every shipped example plus variants covering every verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from ldn_cds.core.assessment import Assessment, assess
from ldn_cds.core.models import Case
from ldn_cds.core.report_content import PrintSettings
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON, load_example
from tests.pdf.cases import VARIANTS

SETTINGS = PrintSettings(
    clinic_name="Riverside Pain Clinic",
    clinic_address="12 River Road, Springfield",
    clinic_phone="(555) 010-2000",
    prescriber="Dr. A. Example, MD",
)


@dataclass(frozen=True)
class Assessed:
    name: str
    case: Case
    assessment: Assessment


@pytest.fixture(scope="session")
def settings() -> PrintSettings:
    return SETTINGS


@pytest.fixture(scope="session")
def examples(ruleset: RuleSet, example_files: list[Any]) -> list[Assessed]:
    out = []
    for path in example_files:
        case = load_example(path)
        out.append(Assessed(path.stem, case, assess(case, on=case.assessed_on or ON,
                                                     ruleset=ruleset)))
    return out


@pytest.fixture(scope="session")
def variants(ruleset: RuleSet) -> dict[str, Assessed]:
    from ldn_cds.core.models import parse_case
    from ldn_cds.core.rulecheck import example_case

    out = {}
    for name, patch in VARIANTS.items():
        case = parse_case(example_case(ruleset, patch))
        out[name] = Assessed(name, case, assess(case, on=ON, ruleset=ruleset))
    return out


@pytest.fixture(scope="session")
def all_cases(examples: list[Assessed], variants: dict[str, Assessed]) -> list[Assessed]:
    return [*examples, *(v for k, v in variants.items() if k != "hostile")]

"""The medication vocabulary and its one matcher, tested as data.

``medication_sweep.yaml`` was written by a clinical pharmacologist independently of the
matcher: product names and free text the way medication lists are really written, with the
expected role, opioid ingredients and (where the text settles it) formulation, including
look-alikes that must not match.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_cds.core.medicines import (
    OPIOID_ROLES,
    CuratedFile,
    NotOpioidsFile,
    RxNormTable,
    assemble,
    recognise,
    tokens,
)
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import read_files, resources_dir

SWEEP: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("medication_sweep.yaml").read_text(encoding="utf-8"))
UNRESOLVED = {"ambiguous", "unrecognised"}


def test_sweep_is_large_and_varied() -> None:
    roles = [item["role"] for item in SWEEP]
    assert len(SWEEP) >= 300
    assert sum(1 for item in SWEEP if item.get("lookalike")) >= 50
    assert len({item["text"].lower() for item in SWEEP}) == len(SWEEP)
    for role in ("full_agonist", "partial_agonist", "agonist_antagonist", "oud_treatment",
                 "antagonist", "peripheral_antagonist", "naltrexone_product", "not_opioid",
                 "ambiguous", "unrecognised"):
        assert role in roles, role


@pytest.mark.parametrize("item", SWEEP, ids=[item["text"] for item in SWEEP])
def test_sweep_item(item: dict[str, Any], ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, item["text"])
    expected = item["role"]
    if expected in UNRESOLVED:
        # never a silent pass: shown as "not recognised: confirm it is not an opioid"
        assert rec.status in ("ambiguous", "not_recognised"), rec.label
        return
    assert rec.status == "recognised", rec.label
    assert rec.role is not None
    assert rec.role.value == expected, rec.label
    if item.get("opioids"):
        assert sorted(rec.opioid_ingredients) == sorted(item["opioids"]), rec.label
    if expected == "not_opioid":
        assert not rec.opioid_ingredients, rec.label
    formulation = item.get("formulation")
    if formulation is not None:
        got = None if rec.formulation is None else rec.formulation.value
        if got is None:
            # not inferred: the longest (extended-release) interval is then used, which is
            # safe for every class except a depot, which must always be recognised
            assert formulation != "depot", rec.label
        else:
            assert got == formulation, rec.label


def test_sweep_figures(ruleset: RuleSet) -> None:
    """The figures quoted in the closing note."""
    opioid_items = [i for i in SWEEP if i["role"] in {r.value for r in OPIOID_ROLES}]
    lookalikes = [i for i in SWEEP if i.get("lookalike")]
    found = [i for i in opioid_items
             if recognise(ruleset.vocabulary, i["text"]).is_opioid]
    clean = [i for i in lookalikes
             if not recognise(ruleset.vocabulary, i["text"]).opioid_ingredients]
    assert len(found) == len(opioid_items)
    assert len(clean) == len(lookalikes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Norco10/325", ("norco", "10", "325")),
        ("Tylenol#3", ("tylenol", "3")),
        ("hydrocodone/APAP 10/325", ("hydrocodone", "apap", "10", "325")),
        ("APAP-codeine", ("apap", "codeine")),
        ("Tylenol w/ codeine", ("tylenol", "with", "codeine")),
        ("7-OH", ("7", "oh")),
        ("ＯｘｙＣｏｎｔｉｎ", ("oxycontin",)),  # full-width letters (NFKC)
        ("LDN 4.5mg", ("ldn", "4.5", "mg")),
    ],
)
def test_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "role", "ingredients"),
    [
        ("OxyContin", "full_agonist", ["oxycodone"]),
        ("oxybutynin 5 mg", "not_opioid", []),
        ("Oxytrol patch", "not_opioid", []),
        ("hydrocortisone cream", "not_opioid", []),
        ("trazodone 50 mg qhs", "not_opioid", []),
        ("methylphenidate ER", "not_opioid", []),
        ("oxcarbazepine", "not_opioid", []),
        ("bupropion XL 300", "not_opioid", []),
        ("Suboxone 8/2 film", "oud_treatment", ["buprenorphine"]),
        ("buprenorphine-naloxone", "oud_treatment", ["buprenorphine"]),
        ("Butrans 10 mcg/hr", "partial_agonist", ["buprenorphine"]),
        ("Lybalvi", "antagonist", []),
        ("Movantik 25 mg", "peripheral_antagonist", []),
        ("Embeda 30/1.2", "full_agonist", ["morphine"]),
        ("kratom", "partial_agonist", ["mitragynine"]),
    ],
)
def test_recognition(text: str, role: str, ingredients: list[str], ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, text)
    assert rec.role is not None
    assert rec.role.value == role
    assert list(rec.opioid_ingredients) == ingredients


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("LDN 4.5 mg", "ldn"),
        ("low dose naltrexone", "ldn"),
        ("naltrexone 3 mg compounded", "ldn"),
        ("naltrexone", "naltrexone_dose_unknown"),
    ],
)
def test_ldn_is_told_apart_from_full_dose(text: str, tag: str, ruleset: RuleSet) -> None:
    assert tag in recognise(ruleset.vocabulary, text).tags


@pytest.mark.parametrize("text", ["naltrexone 50 mg", "Revia", "Contrave", "Vivitrol"])
def test_full_dose_naltrexone_is_not_ldn(text: str, ruleset: RuleSet) -> None:
    tags = recognise(ruleset.vocabulary, text).tags
    assert "ldn" not in tags
    assert "naltrexone_dose_unknown" not in tags


@pytest.mark.parametrize(
    "text", ["Tylenol w/ cod", "ASA w/ cod 30", "Fioricet w/ cod", "APAP w/ hydro 5"])
def test_opioid_like_fragment_is_never_a_pass(text: str, ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, text)
    assert rec.status == "ambiguous", rec.label
    assert any("may be part of an opioid name" in m for m in rec.meanings)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Tylenol and Percs", "ambiguous"),  # an unknown part could be the opioid
        ("ibuprofen, gabapentin", "recognised"),
        ("sertraline; trazodone qhs", "recognised"),
        ("senna plus docusate", "recognised"),
    ],
)
def test_every_part_of_a_listed_entry_must_be_recognised(
    text: str, status: str, ruleset: RuleSet
) -> None:
    assert recognise(ruleset.vocabulary, text).status == status


def test_a_listed_opioid_part_is_found(ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, "acetaminophen and codeine")
    assert rec.is_opioid
    assert rec.opioid_ingredients == ("codeine",)


# RxNorm and record-system names carry the salt: "vancomycin hydrochloride" begins like
# hydrocodone, but no salt word is part of an opioid name (HL7's example meddisp0301 made the
# FHIR import call opioid use unknown).
SALTED_NOT_OPIOIDS = [
    "vancomycin hydrochloride 1 g", "sertraline hydrochloride 50 MG Oral Tablet",
    "metformin hydrochloride 500 mg", "dextromethorphan hydrobromide 30 mg",
    "citalopram hydrobromide 20 mg", "levocetirizine dihydrochloride 5 mg",
    "duloxetine HCl 60 mg", "amitriptyline hydrochloride 10 mg qhs",
    "cyclobenzaprine hydrochloride 10 mg", "doxycycline hyclate 100 mg",
]


@pytest.mark.parametrize("text", SALTED_NOT_OPIOIDS)
def test_a_salt_word_is_never_read_as_part_of_an_opioid(text: str, ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, text)
    assert rec.status == "recognised", rec.label
    assert rec.role is not None
    assert rec.role.value == "not_opioid"


@pytest.mark.parametrize(("text", "opioid"), [
    ("hydrocodone bitartrate 10 mg ER", "hydrocodone"),
    ("hydromorphone hydrochloride 2 mg", "hydromorphone"),
    ("morphine sulfate 15 MG Extended Release Oral Tablet", "morphine"),
    ("codeine phosphate 30 mg", "codeine"),
    ("propoxyphene napsylate 100 mg", "propoxyphene"),
])
def test_an_opioid_with_its_salt_is_still_the_opioid(
        text: str, opioid: str, ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, text)
    assert rec.is_opioid
    assert opioid in rec.opioid_ingredients


@pytest.mark.parametrize("text", ["hydrocodon 10 mg", "hydromorphon hcl 2 mg",
                                  "oxycodne 5 mg", "sertraline + hydro 5"])
def test_a_misspelt_opioid_is_still_unresolved_beside_a_salt(
        text: str, ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, text)
    assert rec.status == "ambiguous", rec.label


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_named_medicine_with_a_salt_word_keeps_its_reading(
        data: st.DataObject, ruleset: RuleSet) -> None:
    """Adding a salt word to a recognised name never changes whether it is an opioid, and
    never makes a recognised non-opioid unresolved."""
    vocab = ruleset.vocabulary
    name = data.draw(st.sampled_from(sorted(
        n for ing in vocab.ingredients.values() for n in ing.names if len(n) > 3)))
    salt = data.draw(st.sampled_from(sorted(vocab.salt_words)))
    plain, salted = recognise(vocab, name), recognise(vocab, f"{name} {salt} 10 mg")
    if plain.status != "recognised":
        return
    assert salted.is_opioid == plain.is_opioid
    assert salted.status == "recognised", (name, salt, salted.label)


def test_cod_liver_oil_is_not_codeine(ruleset: RuleSet) -> None:
    rec = recognise(ruleset.vocabulary, "cod liver oil 1 tsp")
    assert rec.status == "recognised"
    assert not rec.opioid_ingredients


def test_codes_map_to_ingredients(ruleset: RuleSet) -> None:
    norco = next(c for c in ruleset.vocabulary.codes.values() if c.brand == "Norco")
    assert set(norco.ingredients) == {"acetaminophen", "hydrocodone"}


# -- the loader rejects a vocabulary whose names contradict each other -----------------------


def _parts() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    files, problems = read_files(resources_dir())
    assert not problems
    return (copy.deepcopy(files["vocabulary/curated.yaml"]),
            copy.deepcopy(files["vocabulary/rxnorm_opioids.json"]),
            copy.deepcopy(files["vocabulary/not_opioids.yaml"]))


def _assemble(curated: dict[str, Any], rx: dict[str, Any], nof: dict[str, Any]) -> list[str]:
    _vocab, problems = assemble(CuratedFile.model_validate(curated),
                                RxNormTable.model_validate(rx),
                                NotOpioidsFile.model_validate(nof))
    return [f"{p.file}: {p.location}: {p.message}" for p in problems]


def test_shipped_vocabulary_has_no_problem() -> None:
    assert _assemble(*_parts()) == []


def test_opioid_brand_listed_as_not_opioid_is_rejected() -> None:
    curated, rx, nof = _parts()
    nof["entries"].append({"name": "sleepwell", "aliases": [], "brands": ["Percocet"],
                           "class": "mistake", "tags": []})
    problems = _assemble(curated, rx, nof)
    assert any("percocet" in p and "conflicting meanings" in p for p in problems), problems


def test_opioid_ingredient_listed_as_not_opioid_is_rejected() -> None:
    curated, rx, nof = _parts()
    nof["entries"].append({"name": "codeine", "aliases": [], "brands": [],
                           "class": "mistake", "tags": []})
    problems = _assemble(curated, rx, nof)
    assert any("'codeine' the role full_agonist" in p for p in problems), problems


def test_value_set_ingredient_without_a_role_is_rejected() -> None:
    curated, rx, nof = _parts()
    curated["ingredients"] = [i for i in curated["ingredients"] if i["id"] != "tramadol"]
    problems = _assemble(curated, rx, nof)
    assert any("value-set ingredient 'tramadol' has no role" in p for p in problems), problems


def test_unknown_tag_is_rejected() -> None:
    curated, rx, nof = _parts()
    nof["entries"][0]["tags"] = ["sedative"]
    problems = _assemble(curated, rx, nof)
    assert any("unknown tag(s) ['sedative']" in p for p in problems), problems

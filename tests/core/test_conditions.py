"""Coded conditions: what a physician types finds the condition the rules read, and only it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ldn_cds.core.assessment import Verdict, assess
from ldn_cds.core.conditions import ConditionVocabulary, resolve, search
from ldn_cds.core.entry_checks import FREE_TEXT_CONDITION
from ldn_cds.core.models import parse_case
from ldn_cds.core.rulecheck import CONDITIONS_FILE, RuleSetError, build_ruleset
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.resources import read_files, resources_dir
from tests.conftest import ON


@pytest.fixture(scope="module")
def vocab(ruleset: RuleSet) -> ConditionVocabulary:
    return ruleset.conditions


@pytest.mark.parametrize(("typed", "code"), [
    ("fibro", "fibromyalgia"),
    ("Fibromyalgia", "fibromyalgia"),
    ("FIBROMYALGIA ", "fibromyalgia"),
    ("CRPS", "crps"),
    ("crps", "crps"),
    ("reflex sympathetic dystrophy", "crps"),
    ("DPN", "diabetic_neuropathy"),
    ("diabetic peripheral neuropathy", None),  # a word order the data does not list
    ("MS", "multiple_sclerosis"),
    ("ms", "multiple_sclerosis"),
    ("Crohn's", "crohns_disease"),
    ("Crohn’s disease", "crohns_disease"),  # typographic apostrophe
    ("crohns", "crohns_disease"),
    ("ME/CFS", "me_cfs"),
    ("chronic fatigue syndrome", "me_cfs"),
    ("Rheumatoid arthritis", "rheumatoid_arthritis"),
])
def test_exact_names_resolve_to_their_code(vocab: ConditionVocabulary, typed: str,
                                           code: str | None) -> None:
    assert resolve(vocab, typed) == code


@pytest.mark.parametrize("typed", [
    "arthritis",        # not rheumatoid arthritis: the data does not say so
    "back pain",        # not chronic low back pain
    "neuropathy",       # not diabetic neuropathy
    "fibr",             # a beginning is a candidate, not a name
    "msk",              # MS only as a whole word
    "symptoms",         # contains "ms"
    "crp",              # C-reactive protein, not CRPS
    "multiple system atrophy",
    "post-herpetic neuralgia",
    "",
    "   ",
])
def test_look_alikes_do_not_resolve(vocab: ConditionVocabulary, typed: str) -> None:
    assert resolve(vocab, typed) is None


def test_search_as_you_type_offers_the_condition(vocab: ConditionVocabulary) -> None:
    assert [c.code for c in search(vocab, "fib")] == ["fibromyalgia"]
    assert [c.code for c in search(vocab, "Fibro")] == ["fibromyalgia"]
    first = search(vocab, "fibro")[0]
    assert first.matched == "fibro"
    assert first.label == "Fibromyalgia"
    assert first.exact
    assert [c.code for c in search(vocab, "crohn")] == ["crohns_disease"]
    assert [c.code for c in search(vocab, "low back")] == ["chronic_low_back_pain"]
    assert "me_cfs" in [c.code for c in search(vocab, "chronic fat")]


def test_abbreviations_match_whole_words_only(vocab: ConditionVocabulary) -> None:
    assert [c.code for c in search(vocab, "MS")] == ["multiple_sclerosis"]
    assert search(vocab, "msk") == []
    assert search(vocab, "symptoms") == []
    assert search(vocab, "crp") == []
    assert search(vocab, "dp") == []  # DPN typed in part is not DPN
    assert [c.code for c in search(vocab, "dpn")] == ["diabetic_neuropathy"]


def test_arthritis_offers_rheumatoid_arthritis_to_choose_but_never_resolves(
    vocab: ConditionVocabulary,
) -> None:
    assert [c.code for c in search(vocab, "arthritis")] == ["rheumatoid_arthritis"]
    assert not search(vocab, "arthritis")[0].exact
    assert resolve(vocab, "arthritis") is None


def test_exact_matches_come_first(vocab: ConditionVocabulary) -> None:
    found = search(vocab, "me")
    assert found[0].code == "me_cfs"
    assert found[0].exact
    assert all(not c.exact for c in found[1:])


def test_every_code_the_rules_read_is_coded(ruleset: RuleSet) -> None:
    coded = {c.code for c in ruleset.conditions.conditions}
    read = {c for record in ruleset.evidence for c in record.applies_to.conditions}
    assert read <= coded
    assert {"fibromyalgia", "crps", "diabetic_neuropathy", "multiple_sclerosis",
            "crohns_disease", "me_cfs"} <= coded


def _files() -> dict[str, Any]:
    files, problems = read_files(resources_dir())
    assert not problems
    return copy.deepcopy(files)


def test_a_code_read_by_a_rule_but_missing_from_the_list_is_a_problem() -> None:
    files = _files()
    files[CONDITIONS_FILE]["conditions"] = [
        c for c in files[CONDITIONS_FILE]["conditions"] if c["code"] != "me_cfs"]
    with pytest.raises(RuleSetError) as err:
        build_ruleset(files)
    text = str(err.value)
    assert "rule titration-sensitive reads condition 'me_cfs'" in text


def test_a_coded_condition_nothing_reads_is_a_problem() -> None:
    files = _files()
    files[CONDITIONS_FILE]["conditions"].append(
        {"code": "gout", "label": "Gout", "synonyms": []})
    with pytest.raises(RuleSetError, match=r"conditions\[\d+\] \(gout\).*no rule or evidence"):
        build_ruleset(files)


@pytest.mark.parametrize(("patch", "message"), [
    ({"synonyms": ["MS"]}, "names both"),            # one name, two conditions
    ({"icd10cm": "M79.7"}, "icd10cm_source"),        # a code without where it was checked
    ({"colour": "red"}, "Extra inputs are not permitted"),
])
def test_the_list_schema_is_strict(patch: dict[str, Any], message: str) -> None:
    files = _files()
    entry = next(c for c in files[CONDITIONS_FILE]["conditions"] if c["code"] == "migraine")
    entry.update(patch)
    with pytest.raises(RuleSetError, match=message):
        build_ruleset(files)


def test_free_text_condition_is_kept_and_flagged(make_case: Any, ruleset: RuleSet) -> None:
    case = make_case({"pain": {"conditions": [], "other_conditions": ["fibro flare"]}})
    assert case.pain.other_conditions == ["fibro flare"]
    result = assess(case, on=ON, ruleset=ruleset)
    card = next(f for f in result.findings if f.rule_id == FREE_TEXT_CONDITION)
    assert "'fibro flare'" in card.summary
    assert "not checked by the rules" in card.summary
    assert card.effect.value == "none"
    assert card.indicator.value == "info"
    assert "fibromyalgia" not in {e.id for e in result.evidence}


def test_coded_fibromyalgia_keeps_its_caution_where_free_text_would_not(
    make_case: Any, ruleset: RuleSet,
) -> None:
    coded = assess(make_case({"pain": {"conditions": [resolve(ruleset.conditions, "fibro")]}}),
                   on=ON, ruleset=ruleset)
    assert "evidence-fibromyalgia" in {f.rule_id for f in coded.findings}
    assert coded.verdict is Verdict.CANDIDATE_WITH_CAUTIONS
    assert FREE_TEXT_CONDITION not in {f.rule_id for f in coded.findings}


def test_case_files_without_other_conditions_read_as_before(make_case: Any) -> None:
    case = make_case({"pain": {"conditions": ["fibro"]}})  # an old file's uncoded name
    assert case.pain.conditions == ["fibro"]
    assert case.pain.other_conditions is None
    with pytest.raises(ValueError, match="snake_case"):
        parse_case({"schema_version": 1, "pain": {"conditions": ["Fibromyalgia"]}})
    assert parse_case({"schema_version": 1, "pain": {"other_conditions": ["Fibro (pt says)"]}}
                      ).pain.other_conditions == ["Fibro (pt says)"]

"""Build and check a rule set from parsed data files, reporting every problem with its location.

Input is a mapping of file path (relative to ``resources/``) to parsed content, so the core
never reads files or YAML.  Structural problems come from the pydantic schemas; this module adds
the cross-checks: sources resolve, facts exist, declared inputs equal used inputs, operators fit
their facts, medication groups exist, ids are unique, and (in :func:`check_examples`) every
rule's example cases give the expected outcome.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from ldn_cds.core.assessment import WASHOUT_RULE
from ldn_cds.core.conditions import ConditionVocabulary
from ldn_cds.core.engine import comparisons, facts_used, run_rule
from ldn_cds.core.facts import FACTS, PLAN_FACTS, Context
from ldn_cds.core.fhir_mapping import MAPPING_FILE as FHIR_FILE
from ldn_cds.core.fhir_mapping import FhirMapping, check_mapping
from ldn_cds.core.medicines import TAGS, CuratedFile, NotOpioidsFile, RxNormTable, assemble
from ldn_cds.core.models import parse_case
from ldn_cds.core.plausibility import MaxDailyTable
from ldn_cds.core.ruleset import (
    VALUELESS_OPS,
    Always,
    BibEntry,
    BibliographyFile,
    EvidenceFile,
    EvidenceTag,
    HandoutWording,
    Manifest,
    NotesFile,
    Op,
    ProtocolFile,
    Rule,
    RuleSet,
    SourceRef,
    Tables,
)
from ldn_cds.core.texts import Texts

MANIFEST = "ruleset.yaml"
TEXTS = "texts.yaml"
SINGLE_FILES: dict[str, type[BaseModel]] = {
    MANIFEST: Manifest,
    "bibliography.yaml": BibliographyFile,
    "evidence.yaml": EvidenceFile,
    "protocols.yaml": ProtocolFile,
    "notes.yaml": NotesFile,
    "handout.yaml": HandoutWording,
    TEXTS: Texts,
}
TABLE_FILES = {
    "washout": "tables/washout.yaml",
    "mme": "tables/mme.yaml",
    "medication_groups": "tables/medication_groups.yaml",
    "thresholds": "tables/thresholds.yaml",
    "published_outcomes": "tables/published_outcomes.yaml",
}
VOCABULARY_FILES: dict[str, type[BaseModel]] = {
    "vocabulary/curated.yaml": CuratedFile,
    "vocabulary/not_opioids.yaml": NotOpioidsFile,
    "vocabulary/rxnorm_opioids.json": RxNormTable,
}
CONDITIONS_FILE = "vocabulary/conditions.yaml"
MAX_DAILY_FILE = "tables/opioid_max_daily.yaml"
ENTRY_FILES: dict[str, type[BaseModel]] = {
    CONDITIONS_FILE: ConditionVocabulary,
    MAX_DAILY_FILE: MaxDailyTable,
    FHIR_FILE: FhirMapping,
}
"""Data of the intake's coded entry: condition list and label maximum daily doses."""
KIND_ORDER = ("safety", "caution", "evidence", "dosing", "information")
"""Order of rules in the trace and the catalogue: what can stop a start comes first."""
_DIRECTIONS = {"positive", "negative", "conflicting", "insufficient", "none"}
"""The evidence directions of evidence.yaml (EvidenceRecord.direction)."""
_PAIN_TYPES = {"inflammatory", "neuropathic", "nociplastic", "nociceptive", "mixed"}


@dataclass(frozen=True)
class Problem:
    file: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        return f"{where}: {self.message}"


class RuleSetError(Exception):
    """The rule set is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the rule set:\n" + "\n".join(map(str, problems))
        )


def _json_default(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not serialisable in a rule set: {type(value).__name__}")


def canonical_sha256(files: dict[str, Any]) -> str:
    """SHA-256 of the rule set's canonical form (sorted-key compact JSON of every file).

    Formatting, comments and key order in the YAML do not change the hash; any change of
    content does.
    """
    text = json.dumps(
        files, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _validate(
    model: type[BaseModel], data: Any, file: str, problems: list[Problem], prefix: str = ""
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _loc(tuple(err["loc"]))
            loc = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
            problems.append(Problem(file, loc, err["msg"]))
        return None


def build_ruleset(files: dict[str, Any]) -> RuleSet:
    """Validate every file and cross-reference; return the rule set or raise RuleSetError."""
    problems: list[Problem] = []
    parsed: dict[str, Any] = {}
    for name, model in SINGLE_FILES.items():
        if name not in files:
            problems.append(Problem(name, "", "file is missing"))
            continue
        parsed[name] = _validate(model, files[name], name, problems)
    tables: dict[str, Any] = {}
    for key, name in TABLE_FILES.items():
        if name not in files:
            problems.append(Problem(name, "", "file is missing"))
        else:
            tables[key] = files[name]
    table_obj = None
    if len(tables) == len(TABLE_FILES):
        try:
            table_obj = Tables.model_validate(tables)
        except ValidationError as exc:
            for err in exc.errors():
                key = str(err["loc"][0])
                problems.append(Problem(TABLE_FILES.get(key, key), _loc(tuple(err["loc"][1:])),
                                        err["msg"]))

    vocab_parts: dict[str, Any] = {}
    for name, model in VOCABULARY_FILES.items():
        if name not in files:
            problems.append(Problem(name, "", "file is missing"))
        else:
            vocab_parts[name] = _validate(model, files[name], name, problems)
    vocabulary = None
    texts = parsed.get(TEXTS)
    if all(isinstance(vocab_parts.get(n), m) for n, m in VOCABULARY_FILES.items()):
        words = texts.medicines if isinstance(texts, Texts) else None
        vocabulary, vocab_problems = assemble(
            vocab_parts["vocabulary/curated.yaml"], vocab_parts["vocabulary/rxnorm_opioids.json"],
            vocab_parts["vocabulary/not_opioids.yaml"],
            role_words=None if words is None else {
                **{role.value: text for role, text in words.roles.items()},
                "not_recognised": words.not_recognised},
            release_words=None if words is None else {
                release.value: text for release, text in words.releases.items()},
            phrases=None if words is None else words.phrases.model_dump(),
        )
        problems.extend(Problem(p.file, p.location, p.message) for p in vocab_problems)

    rules: list[Rule] = []
    rule_files: dict[str, str] = {}
    rule_paths = sorted(n for n in files if n.startswith("rules/"))
    if not rule_paths:
        problems.append(Problem("rules/", "", "no rule files found"))
    for name in rule_paths:
        data = files[name]
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            problems.append(Problem(name, "", "a rule file is a mapping with a 'rules' list"))
            continue
        extra = set(data) - {"rules"}
        if extra:
            problems.append(Problem(name, "", f"unknown top-level key(s): {sorted(extra)}"))
        for i, raw in enumerate(data["rules"]):
            rid = raw.get("id", "?") if isinstance(raw, dict) else "?"
            rule = _validate(Rule, raw, name, problems, prefix=f"rules[{i}] ({rid})")
            if rule is None:
                continue
            if rule.id in rule_files:
                problems.append(Problem(name, f"rules[{i}].id",
                                        f"duplicate rule id {rule.id!r} "
                                        f"(also in {rule_files[rule.id]})"))
                continue
            rules.append(rule)
            rule_files[rule.id] = name

    manifest = parsed.get(MANIFEST)
    bib = parsed.get("bibliography.yaml")
    evidence = parsed.get("evidence.yaml")
    dosing = parsed.get("protocols.yaml")
    notes = parsed.get("notes.yaml")
    handout = parsed.get("handout.yaml")
    # Cross-checks run on whatever parsed, so that one run reports every problem; a check that
    # needs a file that failed to parse is skipped (its own problems are already listed).
    bibliography: dict[str, BibEntry] = {}
    if isinstance(bib, BibliographyFile):
        for i, entry in enumerate(bib.entries):
            if entry.id in bibliography:
                problems.append(Problem("bibliography.yaml", f"entries[{i}].id",
                                        f"duplicate id {entry.id!r}"))
            if not entry.verified and not entry.unverified_note:
                problems.append(Problem(
                    "bibliography.yaml", f"entries[{i}] ({entry.id})",
                    "an unverified entry needs an unverified_note saying what"))
            bibliography[entry.id] = entry

    def check_refs(file: str, loc: str, refs: Sequence[SourceRef | str]) -> None:
        if not isinstance(bib, BibliographyFile):
            return
        for j, ref in enumerate(refs):
            ref_id = ref if isinstance(ref, str) else ref.id
            if ref_id not in bibliography:
                problems.append(Problem(file, f"{loc}[{j}]",
                                        f"source {ref_id!r} is not in bibliography.yaml"))

    groups = None if table_obj is None else {g.id for g in table_obj.medication_groups}
    if vocabulary is not None:
        curated = vocab_parts["vocabulary/curated.yaml"]
        check_refs("vocabulary/curated.yaml", "ldn.sources", curated.ldn.sources)
        for i, ing in enumerate(curated.ingredients):
            check_refs("vocabulary/curated.yaml", f"ingredients[{i}] ({ing.id}).sources",
                       ing.sources)
        for i, prod in enumerate(curated.products):
            check_refs("vocabulary/curated.yaml", f"products[{i}] ({prod.name}).sources",
                       prod.sources)
        for i, combo in enumerate(curated.combinations):
            check_refs("vocabulary/curated.yaml", f"combinations[{i}].sources", combo.sources)
        for i, amb in enumerate(curated.ambiguous):
            check_refs("vocabulary/curated.yaml", f"ambiguous[{i}] ({amb.name}).sources",
                       amb.sources)
        check_refs("vocabulary/curated.yaml", "salt_words_sources", curated.salt_words_sources)
        check_refs("vocabulary/not_opioids.yaml", "sources",
                   vocab_parts["vocabulary/not_opioids.yaml"].sources)
    for rule in rules:
        file = rule_files[rule.id]
        where = f"rule {rule.id}"
        check_refs(file, f"{where}.sources", rule.sources)
        _check_rule(rule, file, where, groups, problems)
    if isinstance(evidence, EvidenceFile):
        for i, rec in enumerate(evidence.evidence):
            check_refs("evidence.yaml", f"evidence[{i}] ({rec.id}).sources", rec.sources)
            bad = set(rec.applies_to.pain_types) - _PAIN_TYPES
            if bad:
                problems.append(Problem("evidence.yaml", f"evidence[{i}].applies_to.pain_types",
                                        f"unknown pain type(s) {sorted(bad)}"))
    rule_ids = {r.id for r in rules}
    if isinstance(dosing, ProtocolFile):
        for i, proto in enumerate(dosing.protocols):
            check_refs("protocols.yaml", f"protocols[{i}] ({proto.id}).sources", proto.sources)
            if proto.target_mg > dosing.limits.ceiling_mg:
                problems.append(Problem("protocols.yaml", f"protocols[{i}].target_mg",
                                        "target above the ceiling"))
        check_refs("protocols.yaml", "limits.sources", dosing.limits.sources)
        protocol_ids = {p.id for p in dosing.protocols}
        if dosing.limits.default_protocol not in protocol_ids:
            problems.append(Problem("protocols.yaml", "limits.default_protocol",
                                    f"no protocol {dosing.limits.default_protocol!r}"))
        for key in ("previous_dose_rule", "morning_rule"):
            if getattr(dosing.limits, key) not in rule_ids:
                problems.append(Problem("protocols.yaml", f"limits.{key}",
                                        f"no rule {getattr(dosing.limits, key)!r}"))
        by_id = {r.id: r for r in rules}
        choosers: list[tuple[str, str, str | None]] = [
            (f"limits.protocol_rules[{i}]", e.rule, e.protocol)
            for i, e in enumerate(dosing.limits.protocol_rules)]
        choosers.append(("limits.previous_dose_rule", dosing.limits.previous_dose_rule, None))
        for loc, rule_id, protocol_id in choosers:
            if protocol_id is not None and protocol_id not in protocol_ids:
                problems.append(Problem("protocols.yaml", f"{loc}.protocol",
                                        f"no protocol {protocol_id!r}"))
            chooser = by_id.get(rule_id)
            if chooser is None:
                problems.append(Problem("protocols.yaml", f"{loc}.rule", f"no rule {rule_id!r}"))
                continue
            loops = sorted(set(facts_used(chooser.condition)) & PLAN_FACTS)
            if loops:
                problems.append(Problem(
                    "protocols.yaml", f"{loc}.rule",
                    f"rule {rule_id!r} picks the protocol but reads {loops}, which depend "
                    "on the protocol"))
    if rule_paths and WASHOUT_RULE not in rule_ids:
        problems.append(Problem("rules/", "", f"the washout rule {WASHOUT_RULE!r} is required"))
    if isinstance(notes, NotesFile):
        for name, block_map in (("compounding", notes.compounding),
                                ("insurance", notes.insurance), ("handout", notes.handout)):
            for key, block in block_map.items():
                check_refs("notes.yaml", f"{name}.{key}.sources", block.sources)
        for section, key in (("compounding", "capsule_spec"), ("compounding", "liquid_spec"),
                             ("insurance", "appeal")):
            if key not in getattr(notes, section):
                problems.append(Problem("notes.yaml", f"{section}.{key}",
                                        "required block missing"))
    if isinstance(texts, Texts):
        _check_texts(texts, problems)
    entry_data: dict[str, Any] = {}
    for name, model in ENTRY_FILES.items():
        if name in files:
            entry_data[name] = _validate(model, files[name], name, problems)
        else:
            entry_data[name] = None
            problems.append(Problem(name, "", "file is missing"))
    conditions, max_daily = entry_data[CONDITIONS_FILE], entry_data[MAX_DAILY_FILE]
    fhir = entry_data[FHIR_FILE]
    if isinstance(fhir, FhirMapping) and isinstance(conditions, ConditionVocabulary):
        problems.extend(Problem(FHIR_FILE, loc, msg) for loc, msg in check_mapping(
            fhir, (c.code for c in conditions.conditions),
            None if vocabulary is None else set(vocabulary.ingredients)))
    _check_entry_data(conditions, max_daily, rules,
                      evidence.evidence if isinstance(evidence, EvidenceFile) else None,
                      None if vocabulary is None else set(vocabulary.ingredients), problems)
    if table_obj is not None:
        _check_tables(table_obj, check_refs, problems,
                      None if vocabulary is None else set(vocabulary.ingredients))

    if (
        problems
        or not isinstance(manifest, Manifest)
        or not isinstance(bib, BibliographyFile)
        or not isinstance(evidence, EvidenceFile)
        or not isinstance(dosing, ProtocolFile)
        or not isinstance(notes, NotesFile)
        or not isinstance(handout, HandoutWording)
        or not isinstance(texts, Texts)
        or table_obj is None
        or vocabulary is None
        or not isinstance(conditions, ConditionVocabulary)
        or not isinstance(max_daily, MaxDailyTable)
    ):
        raise RuleSetError(problems or [Problem("resources", "", "rule set incomplete")])
    rules.sort(key=lambda r: KIND_ORDER.index(r.kind))  # stable: file order within a kind
    return RuleSet(
        manifest=manifest,
        sha256=canonical_sha256(files),
        rules=tuple(rules),
        bibliography=bibliography,
        evidence=tuple(evidence.evidence),
        tables=table_obj,
        dosing=dosing,
        notes=notes,
        handout=handout,
        texts=texts,
        conditions=conditions,
        opioid_max_daily=max_daily,
        fhir=fhir,
        vocabulary=vocabulary,
        rule_files=rule_files,
    )


def _check_texts(texts: Texts, problems: list[Problem]) -> None:
    """Keys that name things of the program: every fact has its question, every evidence
    grade and evidence direction its words, and nothing else."""
    for loc, keys, expected in (
        ("questions", set(texts.questions), set(FACTS)),
        ("summary.evidence_words", set(texts.summary.evidence_words),
         {tag.value for tag in EvidenceTag}),
        ("summary.direction_words", set(texts.summary.direction_words), _DIRECTIONS),
    ):
        for key in sorted(expected - keys):
            problems.append(Problem(TEXTS, f"{loc}.{key}", "missing"))
        for key in sorted(keys - expected):
            problems.append(Problem(TEXTS, f"{loc}.{key}",
                                    f"unknown key; known: {', '.join(sorted(expected))}"))


def _check_entry_data(
    conditions: ConditionVocabulary | None, max_daily: MaxDailyTable | None,
    rules: Sequence[Rule], evidence: Sequence[Any] | None, ingredients: set[str] | None,
    problems: list[Problem],
) -> None:
    """The coded conditions are exactly the ones the rules and evidence read; every label
    maximum names an ingredient of the medication vocabulary."""
    if conditions is not None:
        coded = {entry.code for entry in conditions.conditions}
        read: dict[str, str] = {}
        for rule in rules:
            for _, comp in comparisons(rule.condition):
                if comp.fact == "pain.conditions" and isinstance(comp.value, list):
                    for code in comp.value:
                        read.setdefault(str(code), f"rule {rule.id}")
        for i, record in enumerate(evidence or ()):
            for code in record.applies_to.conditions:
                read.setdefault(code, f"evidence.yaml evidence[{i}] ({record.id})")
        for code, where in sorted(read.items()):
            if code not in coded:
                problems.append(Problem(CONDITIONS_FILE, "conditions",
                                        f"{where} reads condition {code!r}, which is not in "
                                        "the coded list: add it (code, label, synonyms)"))
        if evidence is not None:
            for i, entry in enumerate(conditions.conditions):
                if entry.code not in read:
                    problems.append(Problem(CONDITIONS_FILE, f"conditions[{i}] ({entry.code})",
                                            "no rule or evidence record reads this condition"))
    if max_daily is not None and ingredients is not None:
        for i, limit in enumerate(max_daily.entries):
            if limit.ingredient not in ingredients:
                problems.append(Problem(MAX_DAILY_FILE, f"entries[{i}].ingredient",
                                        f"unknown ingredient {limit.ingredient!r}"))


def _check_tables(
    tables: Tables, check_refs: Callable[[str, str, Sequence[Any]], None],
    problems: list[Problem], ingredients: set[str] | None,
) -> None:
    for i, outcome in enumerate(tables.published_outcomes):
        check_refs(TABLE_FILES["published_outcomes"], f"[{i}].sources", outcome.sources)
    washout_file = TABLE_FILES["washout"]
    class_ids = {c.id for c in tables.washout.classes}
    for i, wclass in enumerate(tables.washout.classes):
        check_refs(washout_file, f"classes[{i}].sources", wclass.sources)
        if wclass.datable and (wclass.days is None or wclass.min_days is None):
            problems.append(Problem(washout_file, f"classes[{i}]",
                                    "a datable class needs min_days and days"))
        elif not wclass.datable and wclass.days is not None:
            problems.append(Problem(washout_file, f"classes[{i}].days",
                                    "a class that cannot be dated has no days"))
        elif wclass.days is not None and wclass.min_days is not None and (
            wclass.days < wclass.min_days
        ):
            problems.append(Problem(washout_file, f"classes[{i}].days",
                                    "days must be at least min_days"))
    postop = next((c for c in tables.washout.classes
                   if c.id == tables.washout.postoperative_class), None)
    if postop is None or not postop.datable:
        problems.append(Problem(washout_file, "postoperative_class",
                                "must name a datable washout class"))
    for i, assignment in enumerate(tables.washout.assignments):
        if assignment.washout_class not in class_ids:
            problems.append(Problem(washout_file, f"assignments[{i}].washout_class",
                                    f"no class {assignment.washout_class!r}"))
        if ingredients is not None:
            for ing in assignment.ingredients:
                if ing not in ingredients:
                    problems.append(Problem(washout_file, f"assignments[{i}].ingredients",
                                            f"unknown ingredient {ing!r}"))
    last = tables.washout.assignments[-1]
    if last.ingredients or last.releases:
        problems.append(Problem(washout_file, "assignments[-1]",
                                "the last assignment must be a catch-all (no ingredients, "
                                "no releases)"))
    check_refs(TABLE_FILES["mme"], "sources", tables.mme.sources)
    if ingredients is not None:
        for i, factor in enumerate(tables.mme.factors):
            if factor.ingredient not in ingredients:
                problems.append(Problem(TABLE_FILES["mme"], f"factors[{i}].ingredient",
                                        f"unknown ingredient {factor.ingredient!r}"))
    groups_file = TABLE_FILES["medication_groups"]
    for i, group in enumerate(tables.medication_groups):
        check_refs(groups_file, f"[{i}] ({group.id}).sources", group.sources)
        if not group.roles and not group.tags:
            problems.append(Problem(groups_file, f"[{i}] ({group.id})",
                                    "a group selects by roles or tags"))
        bad = (set(group.tags) | set(group.exclude_tags)) - TAGS
        if bad:
            problems.append(Problem(groups_file, f"[{i}] ({group.id})",
                                    f"unknown tag(s) {sorted(bad)}; tags: {sorted(TAGS)}"))
    thresholds_file = TABLE_FILES["thresholds"]
    for key in type(tables.thresholds).model_fields:
        check_refs(thresholds_file, f"{key}.sources", getattr(tables.thresholds, key).sources)


def _check_rule(
    rule: Rule, file: str, where: str, groups: set[str] | None, problems: list[Problem]
) -> None:
    declared = set(rule.inputs)
    used = set(facts_used(rule.condition))
    for name in sorted(declared | used):
        if name not in FACTS:
            problems.append(Problem(file, f"{where}.inputs",
                                    f"unknown input {name!r}; known inputs: "
                                    f"{', '.join(sorted(FACTS))}"))
    for name in sorted(used - declared):
        problems.append(Problem(file, f"{where}.inputs",
                                f"condition reads {name!r} but inputs does not declare it"))
    for name in sorted(declared - used):
        problems.append(Problem(file, f"{where}.inputs",
                                f"input {name!r} is declared but the condition never reads it"))
    if len(rule.inputs) != len(declared):
        problems.append(Problem(file, f"{where}.inputs", "an input is declared twice"))
    for path, comp in comparisons(rule.condition):
        loc = f"{where}.condition{path}"
        if comp.fact not in FACTS:
            continue
        spec = FACTS[comp.fact][0]
        op, value = comp.op, comp.value
        if op in VALUELESS_OPS:
            if value is not None:
                problems.append(Problem(file, loc, f"operator {op.value} takes no value"))
            if spec.kind != "bool":
                problems.append(Problem(file, loc, f"{op.value} needs a true/false input, "
                                                   f"{comp.fact} is {spec.kind}"))
            continue
        if value is None:
            problems.append(Problem(file, loc, f"operator {op.value} needs a value"))
            continue
        if spec.kind == "bool":
            problems.append(Problem(file, loc, f"{comp.fact} is true/false: use is_true/is_false"))
        elif spec.kind == "list":
            if op is Op.ANY_IN_GROUP:
                if groups is not None and value not in groups:
                    problems.append(Problem(file, loc, f"no medication group {value!r}; "
                                                       f"groups: {sorted(groups)}"))
            elif op is not Op.CONTAINS_ANY or not isinstance(value, list):
                problems.append(Problem(file, loc, f"{comp.fact} is a list: use contains_any "
                                                   "with a list, or any_in_group"))
            elif spec.allowed:
                _check_allowed(value, spec.allowed, file, loc, problems)
        elif spec.kind == "enum":
            if op in (Op.IN, Op.NOT_IN):
                if not isinstance(value, list):
                    problems.append(Problem(file, loc, f"{op.value} needs a list value"))
                else:
                    _check_allowed(value, spec.allowed, file, loc, problems)
            elif op in (Op.EQ, Op.NE):
                _check_allowed([value], spec.allowed, file, loc, problems)
            else:
                problems.append(Problem(file, loc, f"{op.value} does not apply to {comp.fact}"))
        elif spec.kind == "number" and (
            op not in (Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE)
            or isinstance(value, bool)
            or not isinstance(value, int | float)
        ):
            problems.append(Problem(file, loc, f"{comp.fact} is a number: compare it "
                                               "with lt/le/gt/ge/eq/ne and a number"))
    if not rule.examples.does_not_fire and not isinstance(rule.condition, Always):
        problems.append(Problem(file, f"{where}.examples.does_not_fire",
                                "give at least one example where the rule does not fire"))
    if rule.suggestions and rule.selection_behavior is None:
        problems.append(Problem(file, f"{where}.selection_behavior",
                                "required when the rule has suggestions"))
    if rule.indicator.value == "critical" and not rule.override_reasons:
        problems.append(Problem(file, f"{where}.override_reasons",
                                "a critical rule must offer coded override reasons"))


def _check_allowed(
    values: list[Any], allowed: tuple[str, ...], file: str, loc: str, problems: list[Problem]
) -> None:
    bad = [v for v in values if v not in allowed]
    if bad:
        problems.append(
            Problem(file, loc, f"value(s) {bad} not allowed; use one of {list(allowed)}")
        )


def _merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def example_case(ruleset: RuleSet, patch: dict[str, Any]) -> dict[str, Any]:
    """The example base case with ``patch`` merged in (a null in the patch means unknown)."""
    result: dict[str, Any] = _merge(ruleset.manifest.example_base, patch)
    return result


def check_examples(ruleset: RuleSet) -> tuple[int, list[Problem]]:
    """Run every rule's example cases; return (number run, problems)."""
    problems: list[Problem] = []
    count = 0
    on = ruleset.manifest.example_on
    for rule in ruleset.rules:
        file = ruleset.rule_files[rule.id]
        groups = (("fires", "fired"), ("does_not_fire", "not_fired"),
                  ("cannot_evaluate", "cannot_evaluate"))
        for attr, expected in groups:
            for i, patch in enumerate(getattr(rule.examples, attr)):
                count += 1
                loc = f"rule {rule.id}.examples.{attr}[{i}]"
                data = example_case(ruleset, patch)
                try:
                    case = parse_case(data)
                except ValidationError as exc:
                    msgs = "; ".join(f"{_loc(tuple(e['loc']))}: {e['msg']}" for e in exc.errors())
                    problems.append(Problem(file, loc, f"example is not a valid case: {msgs}"))
                    continue
                result = run_rule(rule, Context(case, on, ruleset))
                if result.outcome != expected:
                    problems.append(Problem(file, loc, f"expected {expected}, got "
                                                       f"{result.outcome}"))
    return count, problems

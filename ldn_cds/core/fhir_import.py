"""FHIR R4 Bundle -> case: prefill what the record holds, report everything it could not map.

Pure (standard library and pydantic): :func:`import_bundle` takes the parsed JSON of a Bundle
and the rule set, and returns an :class:`ImportResult` with the case (as a case-file ``dict``
and as a validated :class:`~ldn_cds.core.models.Case`) and the **import report**: one item per
thing that was not mapped, or was mapped with a caveat, each naming the resource type, its id
and the reason.  Nothing is dropped silently.

Decisions (see docs/fhir.md):

* **Absence is not "no".**  A bundle is what one record system chose to send, not a complete
  history: a bundle without opioid medicines leaves ``opioids.status`` unset (not asked), never
  ``none``; a bundle without an AllergyIntolerance leaves the hypersensitivity question
  unanswered; no pregnancy Observation leaves ``pregnant`` unset.  The physician answers.
* **Nothing is more certain than the record.**  An opioid-looking medicine that cannot be
  recognised makes ``opioids.status`` ``unknown`` (unless a recognised opioid is current); a
  medicine whose status is ``on-hold`` or ``unknown`` does the same; a dose that cannot be
  computed is left empty.  A dose range counts at its upper bound, and the report says so.
* Codes are mapped only through the rule-set data ``resources/fhir/conditions.yaml`` (exact
  codes; entries marked unverified are not used) and the medication vocabulary (RxNorm codes
  of the CDC value sets, then the text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ldn_cds.core.errors import describe
from ldn_cds.core.medicines import OPIOID_ROLES, Role, Vocabulary, recognise
from ldn_cds.core.models import Case, Release, parse_case
from ldn_cds.core.texts import FhirWords, fill

if TYPE_CHECKING:
    from ldn_cds.core.ruleset import RuleSet

from ldn_cds.core.fhir_mapping import (  # noqa: E402 (the mapping schema)
    HISTORY_VALUES,
    MAPPING_FILE,
    ConditionCode,
    FhirMapping,
    HistoryCode,
    ObservationCode,
    check_mapping,
)

# --------------------------------------------------------------------------------------------
# Result and report
# --------------------------------------------------------------------------------------------

BUNDLE_TYPES = frozenset({"collection", "searchset", "transaction", "batch",
                          "batch-response", "transaction-response"})
"""A server answers a batch of searches (the spec's medications-and-allergies example) with a
batch-response whose entries are searchsets: their resources are read as one record."""
MAX_NESTING = 3
MAPPED_TYPES = frozenset({
    "Patient", "Condition", "MedicationRequest", "MedicationStatement", "MedicationDispense",
    "MedicationAdministration", "AllergyIntolerance", "Observation", "Medication",
})


class ReportItem(BaseModel):
    """One thing the physician must look at: not mapped, or mapped with a caveat."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resource_type: str
    id: str | None
    reason: str
    mapped: bool = Field(False, description="True: mapped, with the caveat in reason.")

    def line(self) -> str:
        what = f"{self.resource_type}/{self.id}" if self.id else self.resource_type
        return f"{what}: {'mapped, ' if self.mapped else 'not mapped: '}{self.reason}"


class FhirImportError(ValueError):
    """The input is not a Bundle this importer reads: ``where`` names the field."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


@dataclass
class ImportResult:
    case_data: dict[str, Any]
    case: Case | None
    report: list[ReportItem]
    problems: list[str] = field(default_factory=list)
    """Why the prefilled case does not validate (e.g. a record that contradicts itself)."""

    def report_json(self) -> list[dict[str, Any]]:
        return [item.model_dump() for item in self.report]


# --------------------------------------------------------------------------------------------
# Small readers (each raises FhirImportError naming the field when the type is wrong)
# --------------------------------------------------------------------------------------------


def _obj(value: Any, where: str, *, required: bool = False) -> dict[str, Any] | None:
    if value is None:
        if required:
            raise FhirImportError(where, "missing")
        return None
    if not isinstance(value, dict):
        raise FhirImportError(where, f"must be a JSON object, not {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise FhirImportError(where, f"must be a JSON array, not {type(value).__name__}")
    return value


def _str(value: Any, where: str, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise FhirImportError(where, "missing")
        return None
    if not isinstance(value, str):
        raise FhirImportError(where, f"must be a string, not {type(value).__name__}")
    return value


def _num(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirImportError(where, f"must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or abs(number) > 1e9:
        raise FhirImportError(where, f"the number {value!r} is out of range")
    return number


_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")


def _date(value: Any, where: str) -> date | None:
    """The calendar date of a FHIR date or dateTime; None for a partial date (2026-11)."""
    text = _str(value, where)
    if text is None:
        return None
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise FhirImportError(where, f"{text!r} is not a real calendar date") from None


@dataclass(frozen=True)
class _Coding:
    system: str | None
    code: str | None
    display: str | None


def _codings(concept: dict[str, Any] | None, where: str) -> list[_Coding]:
    if concept is None:
        return []
    out = []
    for j, raw in enumerate(_list(concept.get("coding"), f"{where}.coding")):
        c = _obj(raw, f"{where}.coding[{j}]")
        if c is None:
            continue
        out.append(_Coding(_str(c.get("system"), f"{where}.coding[{j}].system"),
                           _str(c.get("code"), f"{where}.coding[{j}].code"),
                           _str(c.get("display"), f"{where}.coding[{j}].display")))
    return out


def _concept_text(concept: dict[str, Any] | None, where: str) -> str | None:
    if concept is None:
        return None
    text = _str(concept.get("text"), f"{where}.text")
    if text and text.strip():
        return text.strip()
    for c in _codings(concept, where):
        if c.display and c.display.strip():
            return c.display.strip()
    return None


def _status_code(resource: dict[str, Any], name: str, where: str) -> str | None:
    """The code of a status CodeableConcept (Condition.clinicalStatus and the like)."""
    concept = _obj(resource.get(name), f"{where}.{name}")
    for c in _codings(concept, f"{where}.{name}"):
        if c.code:
            return c.code
    return None


# --------------------------------------------------------------------------------------------
# The bundle
# --------------------------------------------------------------------------------------------


@dataclass
class _Entry:
    resource: dict[str, Any]
    where: str
    full_url: str | None

    @property
    def type(self) -> str:
        return str(self.resource["resourceType"])

    @property
    def id(self) -> str | None:
        value = self.resource.get("id")
        return value if isinstance(value, str) else None


def _entries(bundle: Any, words: FhirWords, notes: list[tuple[str, str]] | None = None,
             prefix: str = "", depth: int = 0) -> list[_Entry]:
    """The resources of a Bundle, with those of the Bundles it holds (searchsets of a
    batch-response); ``notes`` gets (where, reason) for what a physician must know (a
    searchset with more pages, an entry whose request failed), in the rule set's ``words``."""
    notes = [] if notes is None else notes
    if not isinstance(bundle, dict):
        raise FhirImportError(prefix, f"a FHIR Bundle is a JSON object, not "
                              f"{type(bundle).__name__}")
    at = f"{prefix}." if prefix else ""
    kind = bundle.get("resourceType")
    if kind != "Bundle":
        raise FhirImportError(f"{at}resourceType", f"{kind!r} is not 'Bundle': export a "
                              "Bundle (collection, searchset, transaction or batch)")
    btype = _str(bundle.get("type"), f"{at}type", required=True)
    if btype not in BUNDLE_TYPES:
        raise FhirImportError(f"{at}type", f"bundle type {btype!r} is not read; give one of "
                              f"{', '.join(sorted(BUNDLE_TYPES))}")
    for i, raw in enumerate(_list(bundle.get("link"), f"{at}link")):
        link = _obj(raw, f"{at}link[{i}]") or {}
        if link.get("relation") == "next":
            notes.append((prefix, words.more_pages))
    out: list[_Entry] = []
    for i, raw in enumerate(_list(bundle.get("entry"), f"{at}entry")):
        where = f"{at}entry[{i}]"
        entry = _obj(raw, where, required=True)
        assert entry is not None
        request = _obj(entry.get("request"), f"{where}.request")
        method = _str(request.get("method"), f"{where}.request.method") if request else None
        if method is not None and method.upper() == "DELETE":
            continue  # a transaction deleting a resource carries no resource to read
        response = _obj(entry.get("response"), f"{where}.response")
        status = _str(response.get("status"), f"{where}.response.status") if response else None
        if entry.get("resource") is None and status is not None:
            if not status.strip().startswith("2"):
                notes.append((where, fill(words.request_failed, status=status[:40])))
            continue
        resource = _obj(entry.get("resource"), f"{where}.resource", required=True)
        assert resource is not None
        _str(resource.get("resourceType"), f"{where}.resource.resourceType", required=True)
        if resource["resourceType"] == "Bundle":
            if depth >= MAX_NESTING:
                raise FhirImportError(f"{where}.resource", "Bundles nested too deeply")
            found = _entries(resource, words, notes, f"{where}.resource", depth + 1)
            if not found:
                notes.append((f"{where}.resource", words.empty_search))
            out.extend(found)
            continue
        out.append(_Entry(resource, f"{where}.resource",
                          _str(entry.get("fullUrl"), f"{where}.fullUrl")))
    return out


class _Resolver:
    """Finds a referenced resource in the bundle or among a resource's contained ones."""

    def __init__(self, entries: Sequence[_Entry]) -> None:
        self.by_key: dict[str, dict[str, Any]] = {}
        for e in entries:
            if e.id:
                self.by_key[f"{e.type}/{e.id}"] = e.resource
            if e.full_url:
                self.by_key[e.full_url] = e.resource

    def resolve(self, reference: str, container: dict[str, Any], where: str
                ) -> dict[str, Any] | None:
        if reference.startswith("#"):
            for j, raw in enumerate(_list(container.get("contained"), f"{where}.contained")):
                item = _obj(raw, f"{where}.contained[{j}]")
                if item is not None and item.get("id") == reference[1:]:
                    return item
            return None
        found = self.by_key.get(reference)
        if found is None and "/" in reference:
            tail = "/".join(reference.rstrip("/").split("/")[-2:])  # absolute URL of a server
            found = self.by_key.get(tail)
        return found


# --------------------------------------------------------------------------------------------
# Medicines
# --------------------------------------------------------------------------------------------

_UNIT_WORDS = frozenset({
    "tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "film", "films",
    "patch", "patches", "each", "ea", "1", "{tablet}", "{tbl}", "{capsule}", "{patch}",
    "{film}", "{each}", "sublingual film", "transdermal system", "system", "lozenge",
    "suppository", "pill", "pills", "dose", "doses", "application",
})
"""Dose units that count whole products (so the dose is a number of tablets, films, patches)."""
_UCUM_MG = frozenset({"mg", "milligram", "milligrams"})
_PERIOD_PER_DAY = {"s": 86400.0, "min": 1440.0, "h": 24.0, "d": 1.0, "wk": 1 / 7,
                   "mo": 1 / 30, "a": 1 / 365}
"""How many of each UCUM time unit of Timing.repeat.periodUnit fit in a day."""
_TIMING_CODES = {"QD": 1.0, "BID": 2.0, "TID": 3.0, "QID": 4.0, "AM": 1.0, "PM": 1.0,
                 "QOD": 0.5, "Q4H": 6.0, "Q6H": 4.0, "Q8H": 3.0, "Q12H": 2.0}
"""FHIR TimingAbbreviation (HL7 GTSAbbreviation) codes as administrations per day."""


@dataclass
class _Medicine:
    resource_type: str
    id: str | None
    text: str
    rxnorm_display: str | None
    status: str  # current | stopped | unknown
    last_date: date | None
    dosages: list[dict[str, Any]]
    where: str
    caveats: list[str] = field(default_factory=list)
    ingredients: list[Any] = field(default_factory=list)
    """Medication.ingredient of a referenced or contained Medication (with strengths)."""


def _medication_concept(entry: _Entry, resolver: _Resolver, words: FhirWords
                        ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]:
    """(code concept, Medication.ingredient list, problem in words) of a medication
    resource."""
    res, where = entry.resource, entry.where
    concept = _obj(res.get("medicationCodeableConcept"), f"{where}.medicationCodeableConcept")
    if concept is not None:
        return concept, [], None
    ref_obj = _obj(res.get("medicationReference"), f"{where}.medicationReference")
    if ref_obj is None:
        raise FhirImportError(f"{where}.medication[x]",
                              "missing (medicationCodeableConcept or medicationReference)")
    ref = _str(ref_obj.get("reference"), f"{where}.medicationReference.reference")
    if ref is None:
        display = _str(ref_obj.get("display"), f"{where}.medicationReference.display")
        if display:
            return {"text": display}, [], None
        return None, [], words.reference_empty
    med = resolver.resolve(ref, res, where)
    if med is None:
        display = _str(ref_obj.get("display"), f"{where}.medicationReference.display")
        if display:
            return {"text": display}, [], fill(words.reference_display, ref=ref)
        return None, [], fill(words.reference_missing, ref=ref)
    code = _obj(med.get("code"), f"{where}.medicationReference -> {ref}.code")
    return code, _list(med.get("ingredient"), f"{ref}.ingredient"), None


def _rxnorm(concept: dict[str, Any] | None, where: str, vocab: Vocabulary,
            rxnorm_url: str) -> tuple[str | None, str | None]:
    """(code, vocabulary display) of the first RxNorm coding the vocabulary knows."""
    first: str | None = None
    for c in _codings(concept, where):
        if c.system == rxnorm_url and c.code:
            first = first or c.code
            known = vocab.codes.get(c.code)
            if known is not None:
                return c.code, known.display
    return first, None


_SALTS = (r"(?:hydrochloride|hcl|bitartrate|sulfate|citrate|phosphate|tartrate|acetate|"
          r"napsylate|polistirex|base)")
"""Salt words that may stand between an ingredient and its strength in a product name."""


def _opioid_strength(display: str, ingredient: str, vocab: Vocabulary
                     ) -> tuple[float, bool] | None:
    """(strength, per hour) of an opioid in an RxNorm-style name: 'acetaminophen 325 MG /
    oxycodone hydrochloride 5 MG Oral Tablet' -> (5.0, False) for oxycodone;
    '72 HR fentanyl 0.025 MG/HR Transdermal System' -> (0.025, True).

    Only a number that directly follows the ingredient's name (salt words between them) is
    its strength: in 'oxycodone-acetaminophen 5-325 mg' no number does, so none is read."""
    names = vocab.ingredients[ingredient].names if ingredient in vocab.ingredients else ()
    found: set[tuple[float, bool]] = set()
    for name in names:
        pattern = (rf"\b{re.escape(name)}\b(?:\s+{_SALTS})?\s+(\d+(?:\.\d+)?)\s*mg(/hr?)?\b")
        for match in re.finditer(pattern, display.lower()):
            found.add((float(match.group(1)), bool(match.group(2))))
    return next(iter(found)) if len(found) == 1 else None


def _dose_per_day(dosage: dict[str, Any], where: str, caveats: list[str], words: FhirWords
                  ) -> tuple[float, float | None, str, bool] | None:
    """(amount per administration, administrations per day or None, unit text, as needed);
    None when the dosage gives no amount.  ``caveats`` gets what was assumed, in ``words``."""
    as_needed = dosage.get("asNeededBoolean") is True or dosage.get(
        "asNeededCodeableConcept") is not None
    amount: float | None = None
    unit = ""
    for j, raw in enumerate(_list(dosage.get("doseAndRate"), f"{where}.doseAndRate")):
        dr = _obj(raw, f"{where}.doseAndRate[{j}]")
        if dr is None:
            continue
        quantity = _obj(dr.get("doseQuantity"), f"{where}.doseAndRate[{j}].doseQuantity")
        drange = _obj(dr.get("doseRange"), f"{where}.doseAndRate[{j}].doseRange")
        if quantity is not None:
            amount = _num(quantity.get("value"), f"{where}.doseAndRate[{j}].doseQuantity.value")
            unit = str(quantity.get("code") or quantity.get("unit") or "")
        elif drange is not None:
            high = _obj(drange.get("high"), f"{where}.doseAndRate[{j}].doseRange.high")
            low = _obj(drange.get("low"), f"{where}.doseAndRate[{j}].doseRange.low")
            if high is None:
                caveats.append(words.range_open)
                return None
            amount = _num(high.get("value"), f"{where}.doseAndRate[{j}].doseRange.high.value")
            unit = str(high.get("code") or high.get("unit") or "")
            low_v = None if low is None else low.get("value")
            caveats.append(fill(words.range_upper, low=format(low_v if low_v is not None
                                                               else '?'),
                                high=format(amount, "g")))
        if amount is not None:
            break
    if amount is None or amount <= 0:
        return None
    timing = _obj(dosage.get("timing"), f"{where}.timing")
    per_day: float | None = None
    if timing is not None:
        repeat = _obj(timing.get("repeat"), f"{where}.timing.repeat")
        if repeat is not None and repeat.get("period") is not None:
            freq = _num(repeat.get("frequencyMax"), f"{where}.timing.repeat.frequencyMax")
            if freq is not None:
                caveats.append(fill(words.frequency_max, times=format(freq, "g")))
            else:
                freq = _num(repeat.get("frequency"), f"{where}.timing.repeat.frequency") or 1.0
            period = _num(repeat.get("period"), f"{where}.timing.repeat.period")
            unit_p = _str(repeat.get("periodUnit"), f"{where}.timing.repeat.periodUnit")
            if period and period > 0 and unit_p in _PERIOD_PER_DAY:
                per_day = freq * _PERIOD_PER_DAY[unit_p] / period
                if repeat.get("periodMax") is not None:
                    caveats.append(words.period_range)
        if per_day is None:
            code = _obj(timing.get("code"), f"{where}.timing.code")
            for c in _codings(code, f"{where}.timing.code"):
                if c.code and c.code.upper() in _TIMING_CODES:
                    per_day = _TIMING_CODES[c.code.upper()]
                    break
    return amount, per_day, unit.strip().lower(), as_needed


# --------------------------------------------------------------------------------------------
# The importer
# --------------------------------------------------------------------------------------------


class _Importer:
    def __init__(self, ruleset: RuleSet, on: date, assessed_on: bool) -> None:
        if ruleset.fhir is None:
            raise FhirImportError("", "this rule set has no FHIR mapping "
                                  f"({MAPPING_FILE}); the import needs it")
        self.mapping: FhirMapping = ruleset.fhir
        self.vocab = ruleset.vocabulary
        self.words: FhirWords = ruleset.texts.fhir
        self.on = on
        self.report: list[ReportItem] = []
        self._history: dict[str, list[tuple[str | bool, _Entry, str, str]]] = {}
        self.case: dict[str, Any] = {"schema_version": 1}
        if assessed_on:
            self.case["assessed_on"] = on.isoformat()

    def note(self, entry: _Entry | None, reason: str, *, mapped: bool = False,
             rtype: str | None = None) -> None:
        self.report.append(ReportItem(
            resource_type=rtype or (entry.type if entry else "Bundle"),
            id=entry.id if entry else None, reason=reason, mapped=mapped))

    def section(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.case.setdefault(name, {})
        return found

    def run(self, bundle: Any) -> ImportResult:
        notes: list[tuple[str, str]] = []
        entries = _entries(bundle, self.words, notes)
        for where, reason in notes:
            self.report.append(ReportItem(resource_type="Bundle", id=None,
                                          reason=f"{where}: {reason}" if where else reason))
        resolver = _Resolver(entries)
        patients = [e for e in entries if e.type == "Patient"]
        ids = {e.id for e in patients}
        if len(patients) > 1 and len(ids) > 1:
            raise FhirImportError("entry", f"the bundle holds {len(ids)} different patients; "
                                  "a case is one patient: export one patient's record")
        if patients:
            self.patient(patients[0])
            self.check_subjects(entries, patients[0])
        else:
            self.note(None, self.words.no_patient, rtype="Patient")
        medicines: list[_Medicine] = []
        conditions: list[str] = []
        pain: list[tuple[date | None, int, _Entry]] = []
        pregnancy: list[tuple[date | None, bool | None, _Entry]] = []
        for entry in entries:
            kind = entry.type
            if kind == "Patient" or kind == "Medication":
                continue  # read above / through references
            if kind == "Condition":
                self.condition(entry, conditions)
            elif kind in ("MedicationRequest", "MedicationStatement", "MedicationDispense",
                          "MedicationAdministration"):
                med = self.medicine(entry, resolver)
                if med is not None:
                    medicines.append(med)
            elif kind == "AllergyIntolerance":
                self.allergy(entry)
            elif kind == "Observation":
                self.observation(entry, pain, pregnancy)
            elif kind == "OperationOutcome":
                self.note(entry, self.words.operation_outcome)
            else:
                self.note(entry, fill(self.words.type_not_read, type=kind))
        if conditions:
            self.section("pain")["conditions"] = list(dict.fromkeys(conditions))
        self.finish_history()
        self.finish_observations(pain, pregnancy)
        self.finish_medicines(medicines)
        return self.result()

    def check_subjects(self, entries: Sequence[_Entry], patient: _Entry) -> None:
        """Every resource that names its patient names this one: a bundle that mixes
        patients would put one patient's opioids into another's case."""
        keys = {f"Patient/{patient.id}"} if patient.id else set()
        if patient.full_url:
            keys.add(patient.full_url)
        if not keys:
            return
        for entry in entries:
            if entry.type not in MAPPED_TYPES or entry.type in ("Patient", "Medication"):
                continue
            for name in ("subject", "patient"):
                ref_obj = _obj(entry.resource.get(name), f"{entry.where}.{name}")
                ref = None if ref_obj is None else _str(ref_obj.get("reference"),
                                                        f"{entry.where}.{name}.reference")
                if ref is None:
                    continue
                tail = "/".join(ref.rstrip("/").split("/")[-2:])
                if ref not in keys and tail not in keys:
                    raise FhirImportError(f"{entry.where}.{name}.reference",
                                          f"{ref!r} is not the bundle's patient "
                                          f"({sorted(keys)[0]}): export one patient's record")

    # -- Patient ---------------------------------------------------------------------------

    def patient(self, entry: _Entry) -> None:
        res, where = entry.resource, entry.where
        out = self.section("patient")
        names = [_obj(n, f"{where}.name[{i}]")
                 for i, n in enumerate(_list(res.get("name"), f"{where}.name"))]
        chosen = next((n for n in names if n and n.get("use") == "official"),
                      next((n for n in names if n), None))
        if chosen is not None:
            text = _str(chosen.get("text"), f"{where}.name.text")
            if not text:
                given = [g for g in _list(chosen.get("given"), f"{where}.name.given")
                         if isinstance(g, str)]
                family = _str(chosen.get("family"), f"{where}.name.family")
                text = " ".join([*given, *([family] if family else [])])
            if text and text.strip():
                out["name"] = " ".join(text.split())[:200]
        idents = [_obj(x, f"{where}.identifier[{i}]")
                  for i, x in enumerate(_list(res.get("identifier"), f"{where}.identifier"))]
        idents_ok = [x for x in idents if x and isinstance(x.get("value"), str)]

        def is_mrn(x: dict[str, Any]) -> bool:
            return any(c.code == "MR" for c in _codings(_obj(x.get("type"), where), where))

        mrn = next((x for x in idents_ok if is_mrn(x)), idents_ok[0] if idents_ok else None)
        if mrn is not None:
            out["record_id"] = str(mrn["value"])[:200]
            if len(idents_ok) > 1 and not is_mrn(mrn):
                self.note(entry, fill(self.words.identifiers, count=str(len(idents_ok))),
                          mapped=True)
        birth = res.get("birthDate")
        born = _date(birth, f"{where}.birthDate")
        if born is not None:
            out["date_of_birth"] = born.isoformat()
        elif birth is not None:
            self.note(entry, fill(self.words.birth_partial, birth=repr(birth)))
        gender = _str(res.get("gender"), f"{where}.gender")
        if gender in ("female", "male", "other"):
            out["sex"] = gender
        elif gender is not None:
            self.note(entry, fill(self.words.gender, gender=repr(gender)))

    # -- Condition -------------------------------------------------------------------------

    def condition(self, entry: _Entry, out: list[str]) -> None:
        res, where = entry.resource, entry.where
        verification = _status_code(res, "verificationStatus", where)
        clinical = _status_code(res, "clinicalStatus", where)
        concept = _obj(res.get("code"), f"{where}.code")
        words = self.words
        label = _concept_text(concept, f"{where}.code") or words.no_code
        if verification in ("refuted", "entered-in-error"):
            self.note(entry, fill(words.condition_refuted, label=label, status=verification))
            return
        history = [h for c in _codings(concept, f"{where}.code") for h in self.mapping.history
                   if c.system == self.mapping.url(h.system) and c.code == h.code]
        if history:
            self.history_condition(entry, label, history, verification, clinical)
            return
        if clinical in ("inactive", "remission", "resolved"):
            self.note(entry, fill(words.condition_inactive, label=label, status=clinical))
            return
        found: ConditionCode | None = None
        unverified: ConditionCode | None = None
        for c in _codings(concept, f"{where}.code"):
            for item in self.mapping.conditions:
                if c.system == self.mapping.url(item.system) and c.code == item.code:
                    if item.verified:
                        found = found or item
                    else:
                        unverified = unverified or item
        if found is None:
            if unverified is not None:
                self.note(entry, fill(words.condition_unverified, label=label,
                                      code=unverified.code, condition=unverified.condition))
            else:
                self.note(entry, fill(words.condition_unmapped, label=label))
            return
        if verification in ("unconfirmed", "provisional", "differential"):
            self.note(entry, fill(words.condition_unconfirmed, label=label,
                                  status=verification))
            return
        out.append(found.condition)
        if clinical is None:
            self.note(entry, fill(words.condition_no_clinical, label=label), mapped=True)
        if found.pain_types:
            types = self.section("pain").setdefault("types", [])
            types.extend(t.value for t in found.pain_types if t.value not in types)

    def history_condition(self, entry: _Entry, label: str, codes: Sequence[HistoryCode],
                          verification: str | None, clinical: str | None) -> None:
        """A Condition that answers a safety-history question (collected; the more serious
        answer per question is kept in :meth:`finish_history`)."""
        words = self.words
        verified = [h for h in codes if h.verified]
        if not verified:
            h = codes[0]
            self.note(entry, fill(words.history_unverified, label=label, code=h.code,
                                  question=words.history_questions[h.field]))
            return
        h = verified[0]
        what = words.history_questions[h.field]
        if verification in ("unconfirmed", "provisional", "differential"):
            self.note(entry, fill(words.history_unconfirmed, label=label, status=verification,
                                  question=what))
            return
        if clinical in ("inactive", "resolved"):
            self.note(entry, fill(words.history_inactive, label=label, status=clinical,
                                  question=what))
            return
        value = h.remission_value if clinical == "remission" else h.value
        if clinical == "remission" and value is None and h.value not in ("remission",):
            self.note(entry, fill(words.history_remission, label=label, question=what))
            return
        if clinical == "remission" and value is None:
            value = h.value
        if value is None:
            answers = words.answers_or.join(map(str, HISTORY_VALUES[h.field]))
            self.note(entry, fill(words.history_which, label=label, question=what,
                                  answers=answers))
            return
        caveat = words.history_no_clinical if clinical is None else ""
        self._history.setdefault(h.field, []).append((value, entry, label, caveat))

    def finish_history(self) -> None:
        words = self.words
        for name, found in self._history.items():
            order = HISTORY_VALUES[name]
            found.sort(key=lambda x: order.index(x[0]), reverse=True)
            value, entry, label, caveat = found[0]
            self.section("history")[name] = value
            shown = words.yes if value is True else str(value).replace("_", " ")
            what = words.history_questions[name]
            self.note(entry, fill(words.history_answered, label=label, question=what,
                                  answer=shown, caveat=caveat), mapped=True)
            for other, o_entry, o_label, _ in found[1:]:
                if other != value:
                    self.note(o_entry, fill(words.history_also, label=o_label, question=what,
                                            other=str(other).replace("_", " "), answer=shown),
                              mapped=True)
                else:
                    self.note(o_entry, fill(words.history_same, label=o_label, question=what,
                                            answer=shown), mapped=True)

    # -- AllergyIntolerance ----------------------------------------------------------------

    def allergy(self, entry: _Entry) -> None:
        res, where = entry.resource, entry.where
        concept = _obj(res.get("code"), f"{where}.code")
        words = self.words
        label = _concept_text(concept, f"{where}.code")
        if label is None:
            self.note(entry, words.allergy_no_code)
            return
        rec = recognise(self.vocab, label)
        ings = set(rec.ingredients) & set(self.mapping.allergy_ingredients)
        if not ings:
            self.note(entry, fill(words.allergy_other, label=label))
            return
        verification = _status_code(res, "verificationStatus", where)
        clinical = _status_code(res, "clinicalStatus", where)
        if verification in ("refuted", "entered-in-error"):
            self.note(entry, fill(words.allergy_refuted, label=label, status=verification))
            return
        if clinical in ("inactive", "resolved"):
            self.note(entry, fill(words.allergy_inactive, label=label, status=clinical))
            return
        self.section("history")["naltrexone_hypersensitivity"] = True
        if verification == "unconfirmed":
            self.note(entry, fill(words.allergy_unconfirmed, label=label), mapped=True)

    # -- Observation -----------------------------------------------------------------------

    def _is(self, codings: Sequence[_Coding], codes: Sequence[ObservationCode]) -> bool:
        return any(c.system == self.mapping.url(o.system) and c.code == o.code
                   for c in codings for o in codes)

    def observation(self, entry: _Entry, pain: list[tuple[date | None, int, _Entry]],
                    pregnancy: list[tuple[date | None, bool | None, _Entry]]) -> None:
        res, where = entry.resource, entry.where
        status = _str(res.get("status"), f"{where}.status", required=True)
        code = _obj(res.get("code"), f"{where}.code", required=True)
        codings = _codings(code, f"{where}.code")
        words = self.words
        label = _concept_text(code, f"{where}.code") or words.no_code
        obs = self.mapping.observations
        kind = ("pain" if self._is(codings, obs.pain_score)
                else "pregnancy" if self._is(codings, obs.pregnancy_status) else None)
        if kind is None:
            self.note(entry, fill(words.observation_other, label=label))
            return
        if status not in ("final", "amended", "corrected"):
            self.note(entry, fill(words.observation_status, label=label, status=str(status)))
            return
        when = _date(res.get("effectiveDateTime") or res.get("issued"),
                     f"{where}.effectiveDateTime")
        if kind == "pain":
            value: float | None = None
            if "valueInteger" in res:
                value = _num(res.get("valueInteger"), f"{where}.valueInteger")
            elif "valueQuantity" in res:
                q = _obj(res.get("valueQuantity"), f"{where}.valueQuantity")
                value = None if q is None else _num(q.get("value"),
                                                    f"{where}.valueQuantity.value")
            if value is None or value != int(value) or not 0 <= value <= 10:
                self.note(entry, fill(words.pain_value, label=label, value=repr(value)))
                return
            pain.append((when, int(value), entry))
            return
        answer = _obj(res.get("valueCodeableConcept"), f"{where}.valueCodeableConcept")
        vcodes = _codings(answer, f"{where}.valueCodeableConcept")
        flag = (True if self._is(vcodes, obs.pregnant)
                else False if self._is(vcodes, obs.not_pregnant) else None)
        pregnancy.append((when, flag, entry))

    def finish_observations(self, pain: list[tuple[date | None, int, _Entry]],
                            pregnancy: list[tuple[date | None, bool | None, _Entry]]) -> None:
        words = self.words
        if pain:
            dated = [p for p in pain if p[0] is not None]
            latest = max(dated, key=lambda p: p[0] or date.min) if dated else pain[-1]
            self.section("pain")["score_now"] = latest[1]
            when = latest[0].isoformat() if latest[0] else words.undated
            self.note(latest[2], fill(words.pain_used, score=str(latest[1]), date=when,
                                      count=str(len(pain))), mapped=True)
        if pregnancy:
            dated_p = [p for p in pregnancy if p[0] is not None]
            if not dated_p:
                for _, _, entry in pregnancy:
                    self.note(entry, words.pregnancy_undated)
                return
            when_p, flag, entry = max(dated_p, key=lambda p: p[0] or date.min)
            if flag is None:
                self.note(entry, words.pregnancy_unrecognised)
                return
            assert when_p is not None
            self.section("patient")["pregnant"] = flag
            self.note(entry, fill(words.pregnancy_used,
                                  status=words.pregnant if flag else words.not_pregnant,
                                  date=when_p.isoformat(), days=str((self.on - when_p).days)),
                      mapped=True)

    # -- Medicines -------------------------------------------------------------------------

    def medicine(self, entry: _Entry, resolver: _Resolver) -> _Medicine | None:
        res, where, kind = entry.resource, entry.where, entry.type
        status = _str(res.get("status"), f"{where}.status", required=True) or ""
        intent = None
        if kind == "MedicationRequest":
            intent = _str(res.get("intent"), f"{where}.intent", required=True)
        words = self.words
        concept, ingredients, problem = _medication_concept(entry, resolver, words)
        code, display = _rxnorm(concept, f"{where}.medication",
                                self.vocab, self.mapping.url("rxnorm"))
        text = _concept_text(concept, f"{where}.medication") or display
        if text is None:
            self.note(entry, problem or words.medicine_unreadable)
            self.section("opioids")["_unresolved"] = True
            return None
        if problem:
            self.note(entry, problem, mapped=True)
        if code and display is None:
            self.note(entry, fill(words.rxnorm_unknown, text=text, code=code), mapped=True)
        if kind == "MedicationAdministration":
            # one administration's dose is not a daily dose: none is computed
            _obj(res.get("dosage"), f"{where}.dosage")
            dosages: list[dict[str, Any]] = []
        else:
            dosages = [d for d in (_obj(x, f"{where}.dosage[{i}]") for i, x in enumerate(
                _list(res.get("dosageInstruction") if kind == "MedicationRequest"
                      else res.get("dosageInstruction") if kind == "MedicationDispense"
                      else res.get("dosage"),
                      f"{where}.dosage"))) if d is not None]
        med = _Medicine(kind, entry.id, text, display, "unknown", None, dosages, where,
                        ingredients=ingredients)
        if status in ("entered-in-error", "cancelled", "draft", "not-taken", "declined",
                      "not-done"):
            self.note(entry, fill(words.medicine_ignored, text=text, status=status))
            return None
        if kind == "MedicationDispense":
            self.dispense_status(entry, med, status)
        elif kind == "MedicationAdministration":
            self.administration_status(entry, med, status)
        elif status in ("active", "intended"):
            med.status = "current"
            if intent in ("proposal", "plan", "option", "directive"):
                med.caveats.append(fill(words.intent_not_order, intent=intent))
        elif status in ("completed", "stopped"):
            med.status = "stopped"
            med.last_date = self.end_date(res, where, kind)
        else:  # on-hold, unknown, preparation, in-progress without a meaning here
            med.status = "unknown"
            med.caveats.append(fill(words.status_unknown, status=status))
        return med

    def end_date(self, res: dict[str, Any], where: str, kind: str) -> date | None:
        candidates: list[date | None] = []
        if kind in ("MedicationStatement", "MedicationAdministration"):
            period = _obj(res.get("effectivePeriod"), f"{where}.effectivePeriod")
            if period is not None:
                candidates.append(_date(period.get("end"), f"{where}.effectivePeriod.end"))
            candidates.append(_date(res.get("effectiveDateTime"), f"{where}.effectiveDateTime"))
        else:
            for i, raw in enumerate(_list(res.get("dosageInstruction"),
                                          f"{where}.dosageInstruction")):
                d = _obj(raw, f"{where}.dosageInstruction[{i}]") or {}
                timing = _obj(d.get("timing"), f"{where}.dosageInstruction[{i}].timing") or {}
                repeat = _obj(timing.get("repeat"), f"{where}.timing.repeat") or {}
                bounds = _obj(repeat.get("boundsPeriod"), f"{where}.timing.repeat."
                              "boundsPeriod") or {}
                candidates.append(_date(bounds.get("end"), f"{where}.boundsPeriod.end"))
            dispense = _obj(res.get("dispenseRequest"), f"{where}.dispenseRequest") or {}
            validity = _obj(dispense.get("validityPeriod"),
                            f"{where}.dispenseRequest.validityPeriod") or {}
            candidates.append(_date(validity.get("end"), f"{where}.validityPeriod.end"))
        found = [d for d in candidates if d is not None]
        return max(found) if found else None

    def administration_status(self, entry: _Entry, med: _Medicine, status: str) -> None:
        """A dose given (in clinic or hospital): it was taken on that date, but whether it
        goes on is not in the record, so its status is unknown, with the date."""
        if status == "in-progress":
            med.status = "current"
            med.caveats.append(self.words.administration_in_progress)
            return
        med.status = "unknown"
        given = self.end_date(entry.resource, entry.where, entry.type)
        med.last_date = given
        med.caveats.append(
            fill(self.words.administration_given_on, date=given.isoformat(), status=status)
            if given else fill(self.words.administration_given, status=status))

    def dispense_status(self, entry: _Entry, med: _Medicine, status: str) -> None:
        res, where, words = entry.resource, entry.where, self.words
        if status != "completed":
            med.status = "unknown"
            med.caveats.append(fill(words.dispense_status, status=status))
            return
        handed = _date(res.get("whenHandedOver"), f"{where}.whenHandedOver")
        supply = _obj(res.get("daysSupply"), f"{where}.daysSupply")
        days = None if supply is None else _num(supply.get("value"), f"{where}.daysSupply.value")
        if handed is None or days is None:
            med.status = "unknown"
            med.caveats.append(words.dispense_incomplete)
            return
        if not 0 < days <= 366:
            med.status = "unknown"
            med.caveats.append(fill(words.dispense_days_implausible, days=format(days, "g")))
            return
        try:
            end = handed + timedelta(days=int(days))
        except OverflowError:
            med.status = "unknown"
            med.caveats.append(words.dispense_end_invalid)
            return
        if end >= self.on:
            med.status = "current"
            med.caveats.append(fill(words.dispense_current, date=handed.isoformat(),
                                    days=format(days, "g")))
        else:
            med.status = "stopped"
            med.last_date = end
            med.caveats.append(fill(words.dispense_stopped, date=handed.isoformat(),
                                    days=format(days, "g"), end=end.isoformat()))

    def daily_dose(self, med: _Medicine, ingredient: str, rec_release: Release | None,
                   single_ingredient: bool, strengths: Sequence[float]
                   ) -> tuple[float | None, str | None, str | None]:
        """(daily dose, unit, use) of one opioid medicine."""
        words = self.words
        strength: tuple[float, bool] | None = None
        if med.rxnorm_display is not None:
            strength = _opioid_strength(med.rxnorm_display, ingredient, self.vocab)
        if strength is None:
            strength = _opioid_strength(med.text, ingredient, self.vocab)
        if strength is None:
            strength = self.ingredient_strength(med, ingredient)
        use: str | None = None
        for i, dosage in enumerate(med.dosages):
            caveats: list[str] = []
            got = _dose_per_day(dosage, f"{med.where}.dosage[{i}]", caveats, words)
            if got is None:
                continue
            amount, times, unit, as_needed = got
            use = "as_needed" if as_needed else "daily"
            med.caveats.extend(caveats)
            if as_needed:
                med.caveats.append(words.as_needed)
            if rec_release is Release.TRANSDERMAL or (strength and strength[1]):
                if strength is None or not strength[1]:
                    med.caveats.append(words.patch_strength_missing)
                    return None, None, use
                # a patch delivers its strength while worn: the dose is patches worn at once
                return round(strength[0] * 1000 * amount, 3), "mcg/h", use
            if times is None:
                med.caveats.append(words.no_timing)
                return None, None, use
            per_day = amount * times
            if unit in _UCUM_MG:
                if not single_ingredient:
                    med.caveats.append(words.mg_combination)
                    return None, None, use
                return round(per_day, 3), "mg/day", use
            if unit in _UNIT_WORDS or unit.strip("{}") in _UNIT_WORDS:
                if strength is None:
                    med.caveats.append(words.strength_missing)
                    return None, None, use
                return round(per_day * strength[0], 3), "mg/day", use
            med.caveats.append(fill(words.unit_not_read, unit=repr(unit or words.unit_none)))
            return None, None, use
        if med.dosages:
            med.caveats.append(words.dosage_incomplete)
        else:
            med.caveats.append(words.no_dosage)
        return None, None, use

    def ingredient_strength(self, med: _Medicine, ingredient: str
                            ) -> tuple[float, bool] | None:
        """(strength in mg, per hour) of ``ingredient`` from Medication.ingredient: a Ratio
        of mg (or mcg/h, mg/h for a patch) per one tablet, film, patch ..."""
        where = f"{med.where} -> Medication.ingredient"
        for j, raw in enumerate(med.ingredients):
            item = _obj(raw, f"{where}[{j}]")
            if item is None:
                continue
            label = _concept_text(_obj(item.get("itemCodeableConcept"),
                                       f"{where}[{j}].itemCodeableConcept"), where)
            if label is None or ingredient not in recognise(self.vocab, label).ingredients:
                continue
            ratio = _obj(item.get("strength"), f"{where}[{j}].strength") or {}
            num = _obj(ratio.get("numerator"), f"{where}[{j}].strength.numerator") or {}
            den = _obj(ratio.get("denominator"), f"{where}[{j}].strength.denominator") or {}
            value = _num(num.get("value"), f"{where}[{j}].strength.numerator.value")
            per = _num(den.get("value"), f"{where}[{j}].strength.denominator.value") or 1.0
            unit = str(num.get("code") or num.get("unit") or "").strip().lower()
            if value is None or value <= 0 or per <= 0:
                return None
            if unit in _UCUM_MG:
                return value / per, False
            if unit in ("ug/h", "mcg/h", "mcg/hr", "ug/hr"):
                return value / per / 1000, True
            if unit in ("mg/h", "mg/hr"):
                return value / per, True
            med.caveats.append(fill(self.words.ingredient_unit,
                                    unit=repr(unit or self.words.unit_none)))
            return None
        return None

    def finish_medicines(self, medicines: list[_Medicine]) -> None:
        opioids: list[dict[str, Any]] = []
        statuses: set[str] = set()
        other: list[str] = []
        words = self.words
        ldn: list[tuple[_Medicine, float | None, _Entry]] = []
        unresolved = bool(self.case.get("opioids", {}).pop("_unresolved", False))
        if not self.case.get("opioids"):
            self.case.pop("opioids", None)
        for med in medicines:
            rec = recognise(self.vocab, med.rxnorm_display or med.text)
            if not rec.is_opioid and med.rxnorm_display:
                rec_text = recognise(self.vocab, med.text)
                if rec_text.is_opioid:
                    rec = rec_text
            entry = _Entry({"resourceType": med.resource_type, "id": med.id}, med.where, None)
            if rec.is_opioid:
                statuses.add(med.status)
                opioids.append(self.opioid_entry(med, rec.opioid_ingredients, rec.formulation,
                                                 rec.role, rec.strengths_mg,
                                                 len(rec.ingredients) == 1, entry))
                continue
            if rec.role is Role.NALTREXONE_PRODUCT and "ldn" in rec.tags:
                ldn.append((med, self.ldn_dose(med, rec.strengths_mg), entry))
                if med.status != "current":
                    continue  # in the ldn section only (a current one is listed as well)
            if not rec.recognised and rec.meanings:
                unresolved = True
                self.note(entry, fill(words.may_be_opioid, text=med.text,
                                      meanings="; ".join(rec.meanings)))
                if med.status != "stopped":
                    other.append(med.text[:200])
                continue
            if med.status == "stopped":
                self.note(entry, fill(words.medicine_stopped_on, text=med.text,
                                      date=med.last_date.isoformat()) if med.last_date
                          else fill(words.medicine_stopped, text=med.text))
                continue
            other.append(med.text[:200])
            why = "; ".join(med.caveats)
            if not rec.recognised:
                self.note(entry, fill(words.medicine_unrecognised, text=med.text),
                          mapped=True)
            elif why:
                self.note(entry, f"{med.text}: {why}", mapped=True)
        if other:
            self.case["other_medications"] = list(dict.fromkeys(other))
        if ldn:
            self.finish_ldn(ldn)
        if opioids or unresolved:
            section = self.section("opioids")
            if "current" in statuses:
                section["status"] = "current"
            elif unresolved or "unknown" in statuses:
                section["status"] = "unknown"
            else:
                section["status"] = "stopped"
            if opioids:
                section["medications"] = _merge(opioids, self.report, words)
            if section["status"] == "current" and (unresolved or "unknown" in statuses):
                self.note(None, words.opioid_status_mixed, mapped=True, rtype="Bundle")

    def ldn_dose(self, med: _Medicine, strengths: Sequence[float]) -> float | None:
        """The daily LDN dose in mg the dosage gives (mg, or units of one strength)."""
        for i, dosage in enumerate(med.dosages):
            caveats: list[str] = []
            got = _dose_per_day(dosage, f"{med.where}.dosage[{i}]", caveats, self.words)
            if got is None:
                continue
            amount, times, unit, _ = got
            if times is None:
                return None
            if unit in _UCUM_MG:
                return round(amount * times, 3)
            if (unit in _UNIT_WORDS or unit.strip("{}") in _UNIT_WORDS) and len(strengths) == 1:
                return round(amount * times * strengths[0], 3)
            return None
        return None

    def finish_ldn(self, found: list[tuple[_Medicine, float | None, _Entry]]) -> None:
        """LDN itself in the record: the ``ldn`` section (current beats not known beats
        stopped; a stopped one gives its last date, which decides a restart's dose)."""
        order = {"current": 0, "unknown": 1, "stopped": 2}
        found.sort(key=lambda x: (order[x[0].status],
                                  -(x[0].last_date or date.min).toordinal()))
        med, dose, entry = found[0]
        words = self.words
        section = self.section("ldn")
        if med.status == "unknown":
            self.note(entry, fill(words.ldn_unknown, text=med.text,
                                  caveats="; ".join(med.caveats)))
            return
        section["status"] = med.status
        said = [fill(words.ldn_status, text=med.text,
                     status=words.statuses["current" if med.status == "current"
                                           else "stopped"])]
        if dose is not None and 0 < dose <= 50:
            section["dose_mg"] = dose
            said.append(fill(words.ldn_dose, dose=format(dose, "g")))
        else:
            said.append(words.ldn_dose_missing)
        if med.status == "stopped":
            if med.last_date is not None:
                section["last_dose_on"] = min(med.last_date, self.on).isoformat()
                said.append(fill(words.ldn_last_dose, date=section["last_dose_on"]))
            else:
                said.append(words.ldn_last_dose_missing)
        self.note(entry, "; ".join(said + med.caveats), mapped=True)
        for other_med, _, other_entry in found[1:]:
            self.note(other_entry, fill(words.ldn_other, text=other_med.text,
                                        status=other_med.status, used=med.status),
                      mapped=True)

    def opioid_entry(self, med: _Medicine, ingredients: Sequence[str],
                     release: Release | None, role: Role | None, strengths: Sequence[float],
                     single: bool, entry: _Entry) -> dict[str, Any]:
        out: dict[str, Any] = {"drug": (med.rxnorm_display or med.text)[:200]}
        code_form = self.vocab.codes.get(_code_of(med.rxnorm_display, self.vocab) or "")
        form = code_form.formulation if code_form else release
        if form is not None:
            out["release"] = form.value
        dose: float | None = None
        unit: str | None = None
        use: str | None = None
        if med.resource_type == "MedicationAdministration":
            pass  # one dose given: said in its caveat, no daily dose
        elif len(ingredients) == 1:
            dose, unit, use = self.daily_dose(med, ingredients[0], form, single, strengths)
        else:
            med.caveats.append(fill(self.words.opioid_ingredients,
                                    count=str(len(ingredients))))
        if dose is not None and dose > 0:
            out["daily_dose"] = dose
            out["unit"] = unit
            if unit == "mcg/h" and "release" not in out:
                out["release"] = Release.TRANSDERMAL.value
        if use is not None:
            out["use"] = use
        if med.status == "stopped":
            if med.last_date is not None:
                out["last_dose_on"] = min(med.last_date, self.on).isoformat()
            else:
                med.caveats.append(self.words.opioid_stopped_undated)
        words = self.words
        label = "; ".join(med.caveats) or words.mapped_as_written
        status = words.statuses[med.status]
        if role in OPIOID_ROLES:
            self.note(entry, fill(words.opioid_with_dose, text=med.text, status=status,
                                  dose=format(dose, "g"), unit=str(unit), caveats=label)
                      if dose else fill(words.opioid, text=med.text, status=status,
                                        caveats=label), mapped=True)
        out["_status"] = med.status
        return out

    def result(self) -> ImportResult:
        problems: list[str] = []
        try:
            case: Case | None = parse_case(self.case)
        except ValidationError as exc:
            case = None
            problems = [f"{where or '(case)'}: {message}" for where, message in describe(exc)]
        return ImportResult(self.case, case, self.report, problems)


def _code_of(display: str | None, vocab: Vocabulary) -> str | None:
    if display is None:
        return None
    for code, entry in vocab.codes.items():
        if entry.display == display:
            return code
    return None


def _merge(items: list[dict[str, Any]], report: list[ReportItem], words: FhirWords
           ) -> list[dict[str, Any]]:
    """One entry per opioid product: the same product from a request, a statement and a
    dispense is one medicine, not three (counting it three times would triple the MME)."""
    merged: dict[tuple[str, str | None], dict[str, Any]] = {}
    order = {"current": 0, "unknown": 1, "stopped": 2}
    for item in items:
        key = (item["drug"].lower(), item.get("release"))
        kept = merged.get(key)
        if kept is None:
            merged[key] = item
            continue
        better = item if order[item["_status"]] < order[kept["_status"]] else kept
        other = kept if better is item else item
        if "daily_dose" not in better and "daily_dose" in other:
            better.update(daily_dose=other["daily_dose"], unit=other["unit"])
        if better.get("daily_dose") and other.get("daily_dose") and other.get(
                "unit") == better.get("unit"):
            better["daily_dose"] = max(better["daily_dose"], other["daily_dose"])
        if "last_dose_on" in other and better["_status"] != "current":
            better["last_dose_on"] = max(better.get("last_dose_on", ""), other["last_dose_on"])
        merged[key] = better
        report.append(ReportItem(resource_type="Bundle", id=None, mapped=True,
                                 reason=fill(words.merged, drug=item["drug"])))
    out = []
    for item in merged.values():
        if item.pop("_status") == "unknown":
            item.pop("last_dose_on", None)  # not known to be stopped: no last dose
        out.append(item)
    return out


def import_bundle(bundle: Any, ruleset: RuleSet, *, on: date,
                  assessed_on: bool = False) -> ImportResult:
    """The case a FHIR R4 Bundle prefills, with the import report.

    ``on`` is the date the record is read against (is a dispensed supply still running, how
    old is a pregnancy status); it becomes the case's ``assessed_on`` only when
    ``assessed_on`` is true: the day of an import is not the day of the assessment.

    Raises:
        FhirImportError: the input is not a Bundle of a readable type, or a resource lacks a
            field this importer needs (``where`` names it, e.g. ``entry[3].resource.status``).
    """
    return _Importer(ruleset, on, assessed_on).run(bundle)


def report_lines(report: Sequence[ReportItem]) -> list[str]:
    return [item.line() for item in report]


__all__ = [
    "MAPPING_FILE",
    "FhirImportError",
    "FhirMapping",
    "ImportResult",
    "ReportItem",
    "check_mapping",
    "import_bundle",
    "report_lines",
]

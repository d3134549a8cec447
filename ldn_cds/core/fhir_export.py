"""Case + assessment -> FHIR R4 ``collection`` Bundle (a plain ``dict``): the result for a record.

Pure (standard library and pydantic): :func:`export_bundle` takes the case, its assessment and
the rule set and returns the Bundle as JSON-ready data:

* a **Patient** with only what the case holds (name, record id as an ``MR`` identifier, birth
  date, gender); nothing else is written, so absent still means not known;
* a **MedicationRequest** (``intent: proposal``, ``status: draft``) for naltrexone when the
  assessment has a dose plan: one ``dosageInstruction`` per titration step (text, once daily
  with ``boundsPeriod`` from the step's first to its last day; the maintenance step runs to
  the review date), ``doseQuantity`` in mg (UCUM), the case's conditions as ``reasonCode``
  text, and a ``note`` naming the rule set (id, version, SHA-256);
* one **DetectedIssue** per finding (``status: final``; severity high / moderate / low for
  critical / warning / info; ``code.text`` the rule id; ``detail`` the finding's text;
  ``implicated`` the MedicationRequest when there is one; ``evidence`` and ``reference`` from
  the finding's sources).

The medicine is written as text only: the medication vocabulary (the CDC value sets) holds
RxNorm codes of opioid products, among them combinations with naltrexone, but no code for
naltrexone alone, and a code is never invented here.

Every resource id is a UUID derived from the case's content, the rule-set hash and the
resource's role, so the same input always gives the same Bundle; every entry has
``fullUrl`` ``urn:uuid:<id>`` and references use those URLs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ldn_cds.core.assessment import Assessment, Finding
    from ldn_cds.core.dosing import DosePlan, DoseStep
    from ldn_cds.core.models import Case
    from ldn_cds.core.ruleset import RuleSet

_NS = uuid.UUID("5d0c3c1e-8a52-5b7e-9f0a-6c1d2e3f4a5b")
"""Namespace of the export's UUIDs (a fixed, arbitrary value: changing it changes every id)."""

UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
SEVERITY = {"critical": "high", "warning": "moderate", "info": "low"}
WHEN = {"bedtime": "HS", "morning": "MORN"}
"""FHIR EventTiming codes: HS 'before the hour of sleep', MORN 'morning'."""


def case_key(case: Case) -> str:
    """A stable digest of the case's content (not its file name or the time of export)."""
    data = case.model_dump(mode="json", by_alias=True, exclude_none=True)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _id(key: str, sha256: str, role: str) -> str:
    return str(uuid.uuid5(_NS, f"{key}:{sha256}:{role}"))


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def patient_resource(case: Case, rid: str) -> dict[str, Any]:
    """The Patient: only what the case holds."""
    p = case.patient
    out: dict[str, Any] = {"resourceType": "Patient", "id": rid}
    if p.record_id:
        out["identifier"] = [{
            "use": "usual",
            "type": {"coding": [{"system": V2_0203, "code": "MR"}],
                     "text": "Medical record number"},
            "value": p.record_id,
        }]
    if p.name:
        out["name"] = [{"use": "official", "text": p.name}]
    if p.sex is not None:
        out["gender"] = p.sex.value
    if p.date_of_birth is not None:
        out["birthDate"] = p.date_of_birth.isoformat()
    return out


def _step_text(plan: DosePlan, step: DoseStep) -> str:
    dose = f"{step.dose_mg:g} mg"
    if step.capsules_per_dose and step.capsule_strength_mg:
        dose += (f" ({step.capsules_per_dose} x {step.capsule_strength_mg:g} mg capsule"
                 f"{'s' if step.capsules_per_dose > 1 else ''})")
    elif step.ml_per_dose is not None:
        dose += f" ({step.ml_per_dose:g} mL of the liquid)"
    when = f" at {plan.timing}" if plan.timing else ""
    if step.maintenance or step.until is None:
        span = f"from {step.start.isoformat()} (day {step.day_from}), review on " \
               f"{plan.review_on.isoformat()}"
    else:
        span = (f"from {step.start.isoformat()} to {step.until.isoformat()} "
                f"(days {step.day_from}-{step.day_to})")
    return f"{dose} once daily{when}, {span}"


def _dosage(plan: DosePlan, step: DoseStep, sequence: int) -> dict[str, Any]:
    end = step.until if step.until is not None else plan.review_on
    bounds: dict[str, str] = {"start": step.start.isoformat()}
    if end >= step.start:
        bounds["end"] = end.isoformat()
    repeat: dict[str, Any] = {"boundsPeriod": bounds, "frequency": 1, "period": 1,
                              "periodUnit": "d"}
    if plan.timing in WHEN:
        repeat["when"] = [WHEN[plan.timing]]
    return {
        "sequence": sequence,
        "text": _step_text(plan, step),
        "timing": {"repeat": repeat},
        "doseAndRate": [{"doseQuantity": {"value": _num(step.dose_mg), "unit": "mg",
                                          "system": UCUM, "code": "mg"}}],
    }


def medication_request(case: Case, assessment: Assessment, ruleset: RuleSet, rid: str,
                       patient_url: str) -> dict[str, Any] | None:
    """The proposed naltrexone titration, or None when the assessment has no dose plan."""
    plan = assessment.dose_plan
    if plan is None:
        return None
    out: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": {"text": "naltrexone"},
        "subject": {"reference": patient_url},
        "authoredOn": assessment.assessed_on.isoformat(),
    }
    reasons = [{"text": ruleset.conditions.label(code)} for code in case.pain.conditions or []]
    reasons += [{"text": text} for text in case.pain.other_conditions or []]
    if reasons:
        out["reasonCode"] = reasons
    ident = assessment.ruleset
    out["note"] = [
        {"text": f"Proposal of ldn-cds {assessment.program_version}, rule set {ident.id} "
                 f"version {ident.version}, sha256 {ident.sha256}; to be reviewed and signed "
                 "by the prescriber."},
        {"text": f"Protocol: {plan.protocol_name} ({plan.form.value}); start {plan.start_mg:g}"
                 f" mg, target {plan.target_mg:g} mg, at most {plan.max_mg:g} mg a day; "
                 f"review on {plan.review_on.isoformat()}."},
    ]
    out["dosageInstruction"] = [_dosage(plan, step, i)
                                for i, step in enumerate(plan.steps, start=1)]
    return out


def detected_issue(finding: Finding, rid: str, patient_url: str, request_url: str | None,
                   identified: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": rid,
        "status": "final",
        "severity": SEVERITY[finding.indicator.value],
        "code": {"text": finding.rule_id},
        "patient": {"reference": patient_url},
        "identifiedDateTime": identified,
        "detail": (f"{finding.summary}\n\n{finding.detail}".strip()
                   if finding.detail and finding.detail != finding.summary
                   else finding.summary),
    }
    if request_url is not None:
        out["implicated"] = [{"reference": request_url}]
    evidence = [{"detail": [{"display": s.label}]} for s in finding.sources if s.label]
    if evidence:
        out["evidence"] = evidence
    url = next((s.url for s in finding.sources if s.url), None)
    if url:
        out["reference"] = url
    return out


def export_bundle(case: Case, assessment: Assessment, ruleset: RuleSet) -> dict[str, Any]:
    """The FHIR R4 ``collection`` Bundle of the case's result (same input, same Bundle)."""
    key = case_key(case)
    sha = ruleset.sha256
    patient = patient_resource(case, _id(key, sha, "Patient"))
    patient_url = f"urn:uuid:{patient['id']}"
    entries = [_entry(patient)]
    request = medication_request(case, assessment, ruleset, _id(key, sha, "MedicationRequest"),
                                 patient_url)
    request_url = None
    if request is not None:
        entries.append(_entry(request))
        request_url = f"urn:uuid:{request['id']}"
    seen: dict[str, int] = {}
    for finding in assessment.findings:
        role = f"DetectedIssue:{finding.rule_id}@{finding.rule_version}:{finding.status}"
        seen[role] = seen.get(role, 0) + 1
        if seen[role] > 1:
            role += f":{seen[role]}"
        entries.append(_entry(detected_issue(finding, _id(key, sha, role), patient_url,
                                             request_url, assessment.assessed_on.isoformat())))
    return {"resourceType": "Bundle", "id": _id(key, sha, "Bundle"), "type": "collection",
            "entry": entries}

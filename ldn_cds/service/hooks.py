"""CDS Hooks 2.0 requests and responses, without a web framework.

A request's ``prefetch`` and, for the order hooks, ``context.draftOrders`` are put into one FHIR
R4 ``collection`` Bundle and read by the existing importer (``ldn_cds.core.fhir_import``); the
case it prefills is assessed (``ldn_cds.core.assessment``).  The response holds one card per
finding (the findings are already CDS Hooks shaped) and, under
``extension["ldn-cds.assessment"]``, the same object as one line of ``ldn-cds assess --from-fhir
--json`` for that bundle (without ``file``).

Nothing is more certain than the record: prefetch that is missing, and that could not be
fetched from the client's ``fhirServer`` (only from servers the operator allowed, see
``ldn_cds.service.fetch``), stays unknown and a card says what was not given and why.  A draft
order is about to be signed, so it is read as a current medicine (the safer reading) and a card
says so.

The medication templates ask for every status, not only active ones: an opioid stopped last
week, with its last date, decides the washout.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from ldn_cds.core.assessment import Assessment, Finding, assess, verdict_text
from ldn_cds.core.dosing import DosingError
from ldn_cds.core.fhir_import import FhirImportError, ImportResult, import_bundle
from ldn_cds.core.medicines import Role, Vocabulary, recognise
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.core.texts import fill

if TYPE_CHECKING:
    from ldn_cds.service.fetch import Fetched

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "medications": "MedicationRequest?patient={{context.patientId}}",
    "statements": "MedicationStatement?patient={{context.patientId}}",
    "dispenses": "MedicationDispense?patient={{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "allergies": "AllergyIntolerance?patient={{context.patientId}}",
    "painScores": "Observation?patient={{context.patientId}}&code=http://loinc.org|72514-3",
    "pregnancy": "Observation?patient={{context.patientId}}&code=http://loinc.org|82810-3",
}
SERVICES = {"ldn-cds-patient-view": "patient-view", "ldn-cds-order-select": "order-select",
            "ldn-cds-order-sign": "order-sign"}
"""Service id -> hook; titles and descriptions are the rule set's texts (service)."""
ORDER_HOOKS = {"order-select", "order-sign"}
_IGNORED_DRAFT = {"entered-in-error", "cancelled", "revoked", "completed", "stopped"}


class HookRequestError(ValueError):
    """The body is not a CDS Hooks request this service reads; ``where`` names the field."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


def check_texts(ruleset: RuleSet) -> list[str]:
    """What the rule set's service texts lack (a service id or prefetch key without words)."""
    words = ruleset.texts.service
    out = [f"texts.yaml: service.{part}.{key}: missing"
           for part, keys in (("titles", SERVICES), ("descriptions", SERVICES),
                              ("prefetch", PREFETCH))
           for key in keys if key not in getattr(words, part)]
    return out


def discovery(ruleset: RuleSet) -> dict[str, Any]:
    """The body of ``GET /cds-services``."""
    words = ruleset.texts.service
    return {"services": [
        {"id": sid, "hook": hook, "title": words.titles[sid],
         "description": words.descriptions[sid], "prefetch": dict(PREFETCH)}
        for sid, hook in SERVICES.items()]}


@dataclass
class Built:
    """The bundle built from a request, and what the physician must know about it."""

    bundle: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    ldn_orders: list[str] = field(default_factory=list)


def _resources(value: Any, where: str) -> list[dict[str, Any]]:
    """The resources of a prefetch value or draftOrders: one resource or a Bundle of them."""
    if not isinstance(value, dict):
        raise HookRequestError(where, "must be a FHIR resource or Bundle (a JSON object)")
    rtype = value.get("resourceType")
    if not isinstance(rtype, str):
        raise HookRequestError(f"{where}.resourceType", "missing")
    if rtype == "OperationOutcome":
        return []  # the client could not prefetch: treated as not given
    if rtype != "Bundle":
        return [value]
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise HookRequestError(f"{where}.entry", "must be a list")
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise HookRequestError(f"{where}.entry[{i}]", "must be an object")
        resource = entry.get("resource")
        if resource is None:
            continue
        out.extend(_resources(resource, f"{where}.entry[{i}].resource"))
    return out


def check_request(body: Any, hook: str) -> dict[str, Any]:
    """The request as an object, or HookRequestError naming the field."""
    if not isinstance(body, dict):
        raise HookRequestError("", "a CDS Hooks request is a JSON object")
    for key in ("hook", "hookInstance"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise HookRequestError(key, "missing or not a string")
    if body["hook"] != hook:
        raise HookRequestError("hook", f"{body['hook'][:60]!r} is not this service's hook "
                               f"({hook})")
    if not isinstance(body.get("context"), dict):
        raise HookRequestError("context", "missing or not an object")
    for key in ("prefetch", "fhirAuthorization"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise HookRequestError(key, "must be an object")
    if body.get("fhirServer") is not None and not isinstance(body["fhirServer"], str):
        raise HookRequestError("fhirServer", "must be a string")
    if hook in ORDER_HOOKS and body["context"].get("draftOrders") is None:
        raise HookRequestError("context.draftOrders", f"required for {hook}")
    return body


def missing_keys(body: dict[str, Any]) -> list[str]:
    """This service's prefetch keys the (checked) request did not give."""
    prefetch = body.get("prefetch") or {}
    return [key for key in PREFETCH
            if prefetch.get(key) is None or (isinstance(prefetch[key], dict) and
                                             prefetch[key].get("resourceType")
                                             == "OperationOutcome")]


def _is_naltrexone_order(resource: dict[str, Any], vocab: Vocabulary | None) -> bool:
    """A draft order of naltrexone (LDN itself): the start being considered, not a medicine
    the patient takes (read as current it would say "already on LDN")."""
    if vocab is None:
        return False
    concept = resource.get("medicationCodeableConcept")
    if not isinstance(concept, dict):
        return False
    names = [concept.get("text")] + [c.get("display") for c in concept.get("coding") or []
                                     if isinstance(c, dict)]
    return any(isinstance(n, str) and recognise(vocab, n[:200]).role
               is Role.NALTREXONE_PRODUCT for n in names)


def build_bundle(body: dict[str, Any], hook: str,
                 fetched: dict[str, Any] | None = None,
                 vocab: Vocabulary | None = None) -> Built:
    """One ``collection`` Bundle from the prefetch (with what was ``fetched`` for the keys it
    lacked) and the draft orders (checked request).  With the ``vocab``, a draft order of
    naltrexone is left out (it is the LDN being ordered) and named in ``ldn_orders``."""
    prefetch = {**(body.get("prefetch") or {}), **(fetched or {})}
    built = Built({"resourceType": "Bundle", "type": "collection", "entry": []})
    seen: set[tuple[str, str]] = set()

    def add(resource: dict[str, Any]) -> None:
        rtype, rid = resource.get("resourceType"), resource.get("id")
        if isinstance(rid, str) and isinstance(rtype, str):
            if (rtype, rid) in seen:
                return
            seen.add((rtype, rid))
        built.bundle["entry"].append({"resource": resource})

    if hook in ORDER_HOOKS:
        for resource in _resources(body["context"]["draftOrders"], "context.draftOrders"):
            resource = copy.deepcopy(resource)
            if (resource.get("resourceType") == "MedicationRequest"
                    and resource.get("status") not in _IGNORED_DRAFT
                    and _is_naltrexone_order(resource, vocab)):
                built.ldn_orders.append(f"MedicationRequest/{resource.get('id') or '?'}")
                continue
            if (resource.get("resourceType") == "MedicationRequest"
                    and resource.get("status") not in _IGNORED_DRAFT):
                # the order is about to be signed: read it as current, the safer reading
                # (the importer ignores a draft request)
                resource["status"] = "active"
                built.drafts.append(f"MedicationRequest/{resource.get('id') or '?'}")
            add(resource)
    for key in PREFETCH:
        value = prefetch.get(key)
        if value is None or (isinstance(value, dict)
                             and value.get("resourceType") == "OperationOutcome"):
            # not prefetched (an empty searchset is given: the record holds none)
            built.missing.append(key)
            continue
        for resource in _resources(value, f"prefetch.{key}"):
            add(resource)
    for key, value in prefetch.items():  # prefetch keys of other services: read as well
        if key not in PREFETCH and value is not None:
            for resource in _resources(value, f"prefetch.{str(key)[:40]}"):
                add(resource)
    return built


def _card(finding: Finding) -> dict[str, Any]:
    src = finding.sources[0]
    source: dict[str, Any] = {"label": src.label}
    if src.url:
        source["url"] = src.url
    card: dict[str, Any] = {"uuid": finding.uuid, "summary": finding.summary,
                            "indicator": finding.indicator.value, "detail": finding.detail,
                            "source": source}
    if finding.suggestions:
        card["suggestions"] = [{"label": s.label, "uuid": s.uuid,
                                "isRecommended": s.is_recommended}
                               for s in finding.suggestions]
        card["selectionBehavior"] = finding.selection_behavior or "at-most-one"
    if finding.override_reasons:
        card["overrideReasons"] = [{"code": o.code, "display": o.display}
                                   for o in finding.override_reasons]
    return card


def _short(text: str) -> str:
    return text if len(text) <= 140 else text[:139].rstrip() + "\u2026"


def _verdict_card(assessment: Assessment, ruleset: RuleSet) -> dict[str, Any]:
    """The verdict in words (the findings below say why), from the rule set's texts."""
    words = ruleset.texts.service
    text = verdict_text(ruleset, assessment.verdict)
    start = assessment.earliest_start_on
    detail = fill(words.verdict_detail, verdict=assessment.verdict.value) + (
        fill(words.earliest_start, date=start.isoformat()) if start else "")
    return {"summary": _short(text), "indicator": "info", "detail": detail,
            "source": {"label": fill(words.ruleset_label, id=ruleset.manifest.id,
                                     version=ruleset.version)}}


def foreign_ruleset_line(ruleset: RuleSet) -> str:
    return fill(ruleset.texts.service.foreign_ruleset_line, origin=str(ruleset.origin),
                sha256=ruleset.sha256, id=ruleset.manifest.id, version=ruleset.version)


def _imported(body: dict[str, Any], hook: str, ruleset: RuleSet, on: date,
              fetched: dict[str, Any] | None) -> tuple[Built, ImportResult]:
    built = build_bundle(body, hook, fetched, ruleset.vocabulary)
    try:
        return built, import_bundle(built.bundle, ruleset, on=on, assessed_on=True)
    except FhirImportError as exc:
        raise HookRequestError("prefetch/context", str(exc)) from None
    except RecursionError:
        raise HookRequestError("prefetch/context", "nested too deeply") from None


def respond(body: dict[str, Any], hook: str, ruleset: RuleSet, on: date,
            fetched: Fetched | None = None) -> dict[str, Any]:
    """The CDS Hooks response to a checked request (``fetched``: what was read from its
    FHIR server for the keys the prefetch lacked).

    Raises:
        HookRequestError: the prefetch or draft orders are not FHIR this service reads.
    """
    if fetched and fetched.values:
        try:
            built, result = _imported(body, hook, ruleset, on, fetched.values)
        except HookRequestError as exc:
            # the server's answer is not FHIR the importer reads: the client's request is
            # fine, so assess without it and say so (never a 400 for the server's data)
            reason = fill(ruleset.texts.service.answer_unreadable, problem=exc.message[:200])
            fetched.failed.update(dict.fromkeys(fetched.values, reason))
            fetched.values.clear()
            built, result = _imported(body, hook, ruleset, on, None)
    else:
        built, result = _imported(body, hook, ruleset, on, None)
    words = ruleset.texts.service

    def note(summary: str, detail: str, indicator: str = "info") -> dict[str, Any]:
        return {"summary": _short(summary), "indicator": indicator, "detail": detail,
                "source": {"label": words.label}}

    def named(keys: Any) -> str:
        return ", ".join(words.prefetch[k] for k in keys)

    cards: list[dict[str, Any]] = []
    extension: dict[str, Any] = {}
    if not ruleset.shipped:
        line = foreign_ruleset_line(ruleset)
        extension["ldn-cds.ruleset-notice"] = line
        cards.append(note(fill(words.foreign_ruleset, id=ruleset.manifest.id,
                               version=ruleset.version), line, "warning"))
    if built.ldn_orders:
        cards.append(note(words.ldn_orders,
                          fill(words.ldn_orders_detail, orders=", ".join(built.ldn_orders))))
    if built.drafts:
        cards.append(note(words.drafts_current,
                          fill(words.drafts_current_detail, orders=", ".join(built.drafts))))
    if fetched and fetched.values:
        what = named(k for k in PREFETCH if k in fetched.values)
        cards.append(note(fill(words.fetched, what=what),
                          fill(words.fetched_detail, what=what,
                               server=str(body.get("fhirServer")))))
    if built.missing:
        what = named(built.missing)
        why = [f"{words.prefetch[k]}: {fetched.failed[k]}" for k in built.missing
               if fetched and k in fetched.failed]
        if fetched and fetched.skipped:
            why.append(fetched.skipped)
        reason = fill(words.not_fetched, reasons="; ".join(why)) if why else ""
        cards.append(note(fill(words.missing, what=what),
                          fill(words.missing_detail, what=what) + reason, "warning"))
    assessment: Assessment | None = None
    problem = "; ".join(result.problems)
    if result.case is not None:
        try:
            assessment = assess(result.case, on=on, ruleset=ruleset)
        except DosingError as exc:
            problem = f"plan: {exc}"
    if assessment is None:
        cards.insert(0, note(words.not_assessed, problem, "warning"))
        extension["ldn-cds.assessment"] = None
        extension["ldn-cds.import_report"] = result.report_json()
        extension["ldn-cds.problems"] = result.problems or [problem]
        return {"cards": cards, "extension": extension}
    payload = {**assessment.model_dump(mode="json", by_alias=True),
               "import_report": result.report_json()}
    payload["ruleset"].update(shipped=ruleset.shipped, origin=ruleset.origin)
    extension["ldn-cds.assessment"] = payload
    cards.append(_verdict_card(assessment, ruleset))
    cards.extend(_card(f) for f in assessment.findings)
    return {"cards": cards, "extension": extension}


__all__ = ["PREFETCH", "SERVICES", "Built", "HookRequestError", "build_bundle",
           "check_request", "check_texts", "discovery", "missing_keys", "respond"]

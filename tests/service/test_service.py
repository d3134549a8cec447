"""``ldn-cds serve`` over HTTP: a real uvicorn on 127.0.0.1, a real HTTP client.

Requests follow the published CDS Hooks 2.0 examples (https://cds-hooks.hl7.org/, the
patient-view request with prefetch and the order-sign request with draftOrders); their FHIR
server points at the loopback and is never called (this server is not started with
``--fhir-server``, so it never fetches: tests/service/test_fetch.py covers fetching).
"""

from __future__ import annotations

import copy
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldn_cds.resources import examples_dir
from ldn_cds.service.hooks import build_bundle
from tests.service.conftest import Server, running

SCRIPT = Path(sys.executable).with_name("ldn-cds")
DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
PERCOCET = DATA / "epic-percocet-current.json"
PV = "/cds-services/ldn-cds-patient-view"
SIGN = "/cds-services/ldn-cds-order-sign"
INDICATORS = {"info", "warning", "critical"}
FHIR_SERVER = "http://127.0.0.1:9/fhir"  # never contacted (not allowed)
AUTH = {"access_token": "some-opaque-fhir-access-token", "token_type": "Bearer",
        "expires_in": 300, "scope": "user/Patient.read user/Observation.read",
        "subject": "cds-service4"}

# the spec's patient-view example (prefetch with the patient only)
PATIENT_VIEW: dict[str, Any] = {
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "fhirServer": FHIR_SERVER,
    "hook": "patient-view",
    "fhirAuthorization": AUTH,
    "context": {"userId": "Practitioner/example", "patientId": "1288992",
                "encounterId": "89284"},
    "prefetch": {"patient": {"resourceType": "Patient", "gender": "male",
                             "birthDate": "1925-12-23", "id": "1288992", "active": True,
                             "name": [{"text": "Zebulon Quixwater"}]}},
}

OXYCODONE_ORDER: dict[str, Any] = {
    "resourceType": "MedicationRequest", "id": "smart-MedicationRequest-103",
    "status": "draft", "intent": "order",
    "medicationCodeableConcept": {
        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "1049621", "display": "oxycodone hydrochloride 5 MG Oral Tablet"}],
        "text": "oxycodone hydrochloride 5 MG Oral Tablet"},
    "subject": {"reference": "Patient/1288992"},
    "dosageInstruction": [{"text": "5 mg every 6 hours as needed",
                           "timing": {"repeat": {"frequency": 1, "period": 6,
                                                 "periodUnit": "h"}},
                           "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}]}],
}

# the spec's order-sign example shape, with an opioid draft order
ORDER_SIGN: dict[str, Any] = {
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2eb",
    "fhirServer": FHIR_SERVER,
    "hook": "order-sign",
    "fhirAuthorization": AUTH,
    "context": {"userId": "Practitioner/example", "patientId": "1288992",
                "encounterId": "89284",
                "draftOrders": {"resourceType": "Bundle",
                                "entry": [{"resource": OXYCODONE_ORDER}]}},
    "prefetch": {"patient": PATIENT_VIEW["prefetch"]["patient"]},
}


def _full_prefetch() -> dict[str, Any]:
    """The Percocet bundle of the import tests, split into this service's prefetch keys."""
    bundle = json.loads(PERCOCET.read_text(encoding="utf-8"))
    resources = [e["resource"] for e in bundle["entry"]]

    def search(rtype: str) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == rtype]}

    return {"patient": next(r for r in resources if r["resourceType"] == "Patient"),
            "medications": search("MedicationRequest"), "conditions": search("Condition"),
            "statements": search("MedicationStatement"), "dispenses": search("MedicationDispense"),
            "allergies": search("AllergyIntolerance"), "painScores": search("Observation"),
            "pregnancy": search("Observation")}


def check_cards(answer: dict[str, Any]) -> list[dict[str, Any]]:
    cards = answer["cards"]
    assert cards
    for card in cards:
        assert 0 < len(card["summary"]) <= 140
        assert card["indicator"] in INDICATORS
        assert card["source"]["label"]
        for reason in card.get("overrideReasons", []):
            assert reason["code"]
            assert reason["display"]
        for suggestion in card.get("suggestions", []):
            assert suggestion["label"]
            assert suggestion["uuid"]
        if card.get("suggestions"):
            assert card["selectionBehavior"] in {"at-most-one", "any"}
    return list(cards)


def cli_line(bundle: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "request-bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    proc = subprocess.run([str(SCRIPT), "assess", "--from-fhir", str(path), "--json"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    line = json.loads(proc.stdout)
    assert line.pop("file") == str(path)
    return dict(line)


def test_discovery_lists_a_service_per_hook_with_prefetch(client: httpx.Client) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = response.json()["services"]
    assert {s["hook"] for s in services} == {"patient-view", "order-select", "order-sign"}
    for s in services:
        assert {"id", "hook", "title", "description", "prefetch"} <= s.keys()
        templates = " ".join(s["prefetch"].values())
        for what in ("Patient/{{context.patientId}}", "MedicationRequest?",
                     "MedicationStatement?", "MedicationDispense?", "Condition?",
                     "AllergyIntolerance?", "72514-3", "82810-3"):
            assert what in templates
        # every status: an opioid stopped last week decides the washout
        assert "status=" not in templates


def test_patient_view_example_assesses_what_it_has_and_says_what_is_missing(
        client: httpx.Client, tmp_path: Path) -> None:
    response = client.post(PV, json=PATIENT_VIEW)
    assert response.status_code == 200, response.text
    answer = response.json()
    cards = check_cards(answer)
    missing = [c for c in cards if c["summary"].startswith("Assessed without")]
    assert len(missing) == 1
    assert missing[0]["indicator"] == "warning"
    assert "not set to fetch from it" in missing[0]["detail"]
    assessment = answer["extension"]["ldn-cds.assessment"]
    assert assessment["verdict"] == "needs_information"  # unknowns stay unknown
    assert "opioids.status" in {m["input"] for m in assessment["missing_information"]}
    built = build_bundle(PATIENT_VIEW, "patient-view")
    assert assessment == cli_line(built.bundle, tmp_path)


def test_patient_view_with_a_full_prefetch_equals_assess_from_fhir(
        client: httpx.Client, tmp_path: Path) -> None:
    request = {**copy.deepcopy(PATIENT_VIEW), "prefetch": _full_prefetch()}
    response = client.post(PV, json=request)
    assert response.status_code == 200, response.text
    answer = response.json()
    cards = check_cards(answer)
    assert not [c for c in cards if c["summary"].startswith("Assessed without")]
    assert "critical" in {c["indicator"] for c in cards}  # a current opioid (Percocet)
    assessment = answer["extension"]["ldn-cds.assessment"]
    assert assessment["ruleset"]["shipped"] is True
    assert assessment["import_report"]
    assert assessment == cli_line(build_bundle(request, "patient-view").bundle, tmp_path)
    # the finding cards carry the rules' suggestions and override reasons
    by_uuid = {c.get("uuid"): c for c in cards}
    for finding in assessment["findings"]:
        card = by_uuid[finding["uuid"]]
        assert card["summary"] == finding["summary"]
        assert card["indicator"] == finding["indicator"]
        assert len(card.get("overrideReasons", [])) == len(finding["override_reasons"])
        assert len(card.get("suggestions", [])) == len(finding["suggestions"])


def test_order_sign_with_an_opioid_draft_order_is_critical(
        client: httpx.Client, tmp_path: Path) -> None:
    response = client.post(SIGN, json=ORDER_SIGN)
    assert response.status_code == 200, response.text
    answer = response.json()
    cards = check_cards(answer)
    assert any(c["summary"].startswith("Draft orders read as current") for c in cards)
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical
    assert any(c.get("overrideReasons") for c in critical)
    assessment = answer["extension"]["ldn-cds.assessment"]
    assert assessment["verdict"] not in {"candidate", "candidate_with_cautions"}
    assert any("opioid" in f["rule_id"] and f["indicator"] == "critical"
               for f in assessment["findings"])
    built = build_bundle(ORDER_SIGN, "order-sign")
    assert built.drafts == ["MedicationRequest/smart-MedicationRequest-103"]
    assert assessment == cli_line(built.bundle, tmp_path)


def test_a_draft_ldn_order_is_the_start_being_considered_not_ldn_already_taken(
        client: httpx.Client, tmp_path: Path) -> None:
    """Ordering LDN is what the physician is doing: the draft order must not make the
    assessment say "already on LDN, continue at the previous dose"."""
    ldn_order = {**OXYCODONE_ORDER, "id": "ldn-1",
                 "medicationCodeableConcept": {"text": "Naltrexone 1.5 mg capsule (LDN, "
                                                       "compounded)"}}
    body = copy.deepcopy(ORDER_SIGN)
    body["context"]["draftOrders"]["entry"] = [{"resource": ldn_order}]
    body["prefetch"] = {**_full_prefetch(), "medications": {
        "resourceType": "Bundle", "type": "searchset", "entry": []}}
    response = client.post(SIGN, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    cards = check_cards(answer)
    assert any(c["summary"].startswith("Draft naltrexone order read as the LDN being "
                                       "considered") for c in cards)
    assert not any(c["summary"].startswith("Draft orders read as current") for c in cards)
    assessment = answer["extension"]["ldn-cds.assessment"]
    assert "already-on-ldn" not in {f["rule_id"] for f in assessment["findings"]}
    assert not any("Naltrexone" in m["entry"] for m in assessment["medicines"])


def test_malformed_json_is_400_and_the_service_keeps_serving(client: httpx.Client) -> None:
    response = client.post(PV, content=b'{"hook": "patient-view", ',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "malformed JSON"
    assert client.get("/cds-services").status_code == 200
    assert client.post(PV, json=PATIENT_VIEW).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ([], ""),
    ({**PATIENT_VIEW, "hook": "order-sign"}, "hook"),
    ({k: v for k, v in PATIENT_VIEW.items() if k != "hookInstance"}, "hookInstance"),
    ({**PATIENT_VIEW, "context": "Patient/1"}, "context"),
    ({**PATIENT_VIEW, "prefetch": {"patient": [1, 2]}}, "prefetch.patient"),
    ({**PATIENT_VIEW, "prefetch": {"patient": {"resourceType": "Patient",
                                               "birthDate": 19251223}}}, "prefetch/context"),
])
def test_not_a_cds_hooks_request_is_400_naming_the_field(
        client: httpx.Client, body: Any, field: str) -> None:
    response = client.post(PV, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert response.json().get("field", "") == field


def test_order_sign_without_draft_orders_is_400(client: httpx.Client) -> None:
    body = copy.deepcopy(ORDER_SIGN)
    del body["context"]["draftOrders"]
    response = client.post(SIGN, json=body)
    assert response.status_code == 400
    assert response.json()["field"] == "context.draftOrders"


def test_unknown_service_is_404_with_json(client: httpx.Client) -> None:
    response = client.post("/cds-services/no-such-service", json=PATIENT_VIEW)
    assert response.status_code == 404
    assert "error" in response.json()
    assert client.get("/elsewhere").status_code == 404


def test_a_body_over_the_limit_is_refused_and_the_service_keeps_serving(
        client: httpx.Client) -> None:
    big = b'{"hook": "patient-view", "pad": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    response = client.post(PV, content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "error" in response.json()

    def chunks() -> Any:  # no Content-Length: the limit holds while reading
        for _ in range(7):
            yield b" " * (1024 * 1024)

    response = client.post(PV, content=chunks())
    assert response.status_code == 413
    assert client.post(PV, json=PATIENT_VIEW).status_code == 200


def test_no_patient_data_in_the_log(server: Server, client: httpx.Client) -> None:
    assert client.post(PV, json=PATIENT_VIEW).status_code == 200
    assert client.post(SIGN, json=ORDER_SIGN).status_code == 200
    assert client.post(PV, content=b'{"name": "Zebulon Quixwater"').status_code == 400
    assert client.get("/cds-services", params={"patient": "Zebulon Quixwater"}).status_code \
        == 200
    log = server.log_text()
    assert f"POST {PV} HTTP/1.1" in log  # the access log is on and gives paths
    for secret in ("Zebulon", "Quixwater", "1925-12-23", "1288992", "oxycodone",
                   "some-opaque-fhir-access-token"):
        assert secret not in log


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)
REQUESTS = st.fixed_dictionaries(
    {"hook": st.sampled_from(["patient-view", "order-sign"]) | JSON,
     "hookInstance": st.just("x") | JSON,
     "context": st.fixed_dictionaries({"patientId": st.just("p")},
                                      optional={"draftOrders": JSON}) | JSON},
    optional={"prefetch": st.dictionaries(st.sampled_from(["patient", "medications",
                                                           "conditions", "other"]),
                                          JSON | st.fixed_dictionaries(
                                              {"resourceType": st.sampled_from(
                                                  ["Patient", "Bundle", "Condition"])},
                                              optional={"entry": JSON, "id": JSON}),
                                          max_size=3),
              "fhirServer": JSON})


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON | REQUESTS, path=st.sampled_from([PV, SIGN]))
def test_any_json_body_gets_a_json_answer_never_a_500(
        client: httpx.Client, body: Any, path: str) -> None:
    response = client.post(path, content=json.dumps(body).encode())
    assert response.status_code in {200, 400}, response.text
    assert isinstance(response.json(), dict)


def test_a_foreign_rule_set_is_named_in_every_response(tmp_path: Path) -> None:
    root = tmp_path / "clinic-rules"
    shutil.copytree(examples_dir().parent, root)
    with running(tmp_path / "serve.log", "--rules-dir", str(root)) as foreign:
        answer = httpx.post(foreign.url + PV, json=PATIENT_VIEW, timeout=10).json()
        log = foreign.log_text()
    assert str(root) in answer["extension"]["ldn-cds.ruleset-notice"]
    identity = answer["extension"]["ldn-cds.assessment"]["ruleset"]
    assert identity["shipped"] is False
    assert identity["origin"] == str(root)
    assert answer["cards"][0]["indicator"] == "warning"
    assert "not the shipped one" in answer["cards"][0]["summary"]
    assert "Rule set not the shipped one" in log  # named at start-up


def test_the_other_commands_do_not_load_the_web_stack() -> None:
    code = ("import sys; from ldn_cds.cli import build_parser; build_parser(); "
            "import ldn_cds.service.hooks; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'anyio') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert proc.stdout.strip() == "[]"


def test_a_body_just_under_the_limit_is_answered_within_seconds(client: httpx.Client) -> None:
    order = {**OXYCODONE_ORDER, "status": "active"}
    count = 4_500_000 // len(json.dumps(order))
    request = {**copy.deepcopy(PATIENT_VIEW),
               "prefetch": {"medications": {"resourceType": "Bundle", "type": "searchset",
                                            "entry": [{"resource": {**order, "id": f"m{i}"}}
                                                      for i in range(count)]}}}
    body = json.dumps(request).encode()
    assert 4_000_000 < len(body) < 5 * 1024 * 1024
    started = time.monotonic()
    response = client.post(PV, content=body)
    assert response.status_code == 200, response.text[:300]
    assert time.monotonic() - started < 5


def test_a_body_that_never_arrives_is_408_after_a_few_seconds(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(f"POST {PV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nContent-Length: 100\r\n\r\n{\"hook\"".encode())
        started = time.monotonic()
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < 10


def test_the_service_words_are_the_rule_sets_and_a_missing_one_is_named() -> None:
    from ldn_cds.core.rulecheck import build_ruleset
    from ldn_cds.resources import read_files, resources_dir
    from ldn_cds.service.app import create_app
    from ldn_cds.service.hooks import check_texts, discovery

    files, problems = read_files(resources_dir())
    assert problems == []
    files["texts.yaml"]["service"]["titles"]["ldn-cds-patient-view"] = "LDN: ask this desk"
    edited = build_ruleset(copy.deepcopy(files))
    assert check_texts(edited) == []
    assert discovery(edited)["services"][0]["title"] == "LDN: ask this desk"
    del files["texts.yaml"]["service"]["prefetch"]["pregnancy"]
    lacking = build_ruleset(files)
    assert check_texts(lacking) == ["texts.yaml: service.prefetch.pregnancy: missing"]
    with pytest.raises(ValueError, match=r"service\.prefetch\.pregnancy"):
        create_app(lacking)

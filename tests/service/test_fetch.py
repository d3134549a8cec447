"""The service reads missing prefetch from the client's FHIR server, only where allowed.

A real ``ldn-cds serve --fhir-server ...`` (subprocess, uvicorn) is called over HTTP; its FHIR
server is a real HTTP server on the loopback (the standard library's) serving the Percocet
bundle of the import tests by search, in two pages for the medication requests.  Its paths
give the failures a record system shows: ``/fhir`` answers, ``/slow/fhir`` never answers in
time, ``/deny/fhir`` answers 401, ``/junk/fhir`` answers what is not FHIR.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ldn_cds.service.fetch import allowed_servers, plan
from ldn_cds.service.hooks import PREFETCH, missing_keys
from tests.service.conftest import Server, running
from tests.service.test_service import PATIENT_VIEW, PERCOCET, PV, _full_prefetch, check_cards

TOKEN = "opaque-token-7f3a"
RESOURCES = [e["resource"] for e in json.loads(PERCOCET.read_text("utf-8"))["entry"]]
PATIENT_ID = next(r["id"] for r in RESOURCES if r["resourceType"] == "Patient")


class FakeFhir(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/fhir+json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        FakeFhir.seen.append((self.path, self.headers.get("Authorization")))
        url = urlsplit(self.path)
        prefix, _, rest = url.path.partition("/fhir/")
        if prefix == "/slow":
            time.sleep(8)
        if prefix == "/deny":
            return self._send(401, b'{"resourceType": "OperationOutcome"}')
        if prefix == "/junk":
            if rest.startswith("Condition"):
                return self._send(200, b"<html>login</html>", "text/html")
            if rest.startswith("MedicationRequest"):  # a Bundle whose entry is no list
                return self._send(200, json.dumps({"resourceType": "Bundle",
                                                   "entry": {"x": 1}}).encode())
        rtype, _, rid = rest.partition("/")
        query = parse_qs(url.query)
        if rid:
            found = [r for r in RESOURCES if r["resourceType"] == rtype and r["id"] == rid]
            return self._send(200 if found else 404, json.dumps(
                found[0] if found else {"resourceType": "OperationOutcome"}).encode())
        matches = [r for r in RESOURCES if r["resourceType"] == rtype
                   and query.get("patient") == [PATIENT_ID]]
        if rtype == "Observation" and "code" in query:
            code = query["code"][0].split("|")[-1]
            matches = [r for r in matches
                       if any(c.get("code") == code for c in r["code"]["coding"])]
        page = int(query.get("page", ["1"])[0])
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                                  "entry": [{"resource": r} for r in matches]}
        if rtype == "MedicationRequest":  # two pages: the second holds the medicines
            base = f"http://{self.headers['Host']}{prefix}/fhir"
            bundle["entry"] = [] if page == 1 else bundle["entry"]
            if page == 1:
                bundle["link"] = [{"relation": "next", "url": f"{base}/MedicationRequest?"
                                   f"patient={PATIENT_ID}&page=2"}]
        return self._send(200, json.dumps(bundle).encode())


@pytest.fixture(scope="module")
def fhir() -> Iterator[str]:
    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the standard library's 5 would drop concurrent searches

    httpd = Server(("127.0.0.1", 0), FakeFhir)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@pytest.fixture(scope="module")
def fetching(fhir: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    options = []
    for prefix in ("", "/slow", "/deny", "/junk"):
        options += ["--fhir-server", f"{fhir}{prefix}/fhir"]
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with running(log, serve_options=tuple(options)) as started:
        yield started


def request(server: str, prefetch: dict[str, Any] | None = None) -> dict[str, Any]:
    body = copy.deepcopy(PATIENT_VIEW)
    body.update(fhirServer=server, prefetch=prefetch or {},
                fhirAuthorization={**body["fhirAuthorization"], "access_token": TOKEN})
    body["context"]["patientId"] = PATIENT_ID
    return body


def _post(server: Server, body: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = httpx.post(server.url + PV, json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.json(), time.monotonic() - started


def _missing_card(cards: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((c for c in cards if c["summary"].startswith("Assessed without")), None)


def test_missing_prefetch_is_fetched_with_the_token_and_equals_a_full_prefetch(
        fetching: Server, fhir: str) -> None:
    FakeFhir.seen.clear()
    answer, _ = _post(fetching, request(f"{fhir}/fhir"))
    cards = check_cards(answer)
    assert _missing_card(cards) is None
    read = [c for c in cards if c["summary"].startswith("Read from the record's FHIR server")]
    assert len(read) == 1
    paths = [p for p, _ in FakeFhir.seen]
    assert len(paths) == len(PREFETCH) + 1  # every key, and the second page
    assert all(auth == f"Bearer {TOKEN}" for _, auth in FakeFhir.seen)
    assert any("page=2" in p for p in paths)
    # the same assessment as when the client prefetched everything itself
    given, _ = _post(fetching, request(f"{fhir}/fhir", _full_prefetch()))
    assert answer["extension"]["ldn-cds.assessment"] == given["extension"]["ldn-cds.assessment"]
    assert "critical" in {c["indicator"] for c in cards}  # Percocet, from page 2


def test_only_the_missing_keys_are_fetched(fetching: Server, fhir: str) -> None:
    FakeFhir.seen.clear()
    prefetch = {k: v for k, v in _full_prefetch().items() if k != "allergies"}
    _post(fetching, request(f"{fhir}/fhir", prefetch))
    assert [urlsplit(p).path for p, _ in FakeFhir.seen] == ["/fhir/AllergyIntolerance"]


def test_a_server_not_allowed_is_never_called_and_stays_unknown(
        fetching: Server, fhir: str) -> None:
    FakeFhir.seen.clear()
    answer, _ = _post(fetching, request(f"{fhir}/fhir-elsewhere"))
    assert FakeFhir.seen == []
    card = _missing_card(check_cards(answer))
    assert card is not None
    assert "not set to fetch from it" in card["detail"]
    assert answer["extension"]["ldn-cds.assessment"]["verdict"] == "needs_information"


def test_a_server_that_does_not_answer_in_time_leaves_the_record_unknown_within_seconds(
        fetching: Server, fhir: str) -> None:
    answer, took = _post(fetching, request(f"{fhir}/slow/fhir"))
    assert took < 6
    card = _missing_card(check_cards(answer))
    assert card is not None
    assert "timed out" in card["detail"]
    assessment = answer["extension"]["ldn-cds.assessment"]
    assert assessment["verdict"] == "needs_information"
    assert "opioids.status" in {m["input"] for m in assessment["missing_information"]}


def test_a_refusal_is_named_and_nothing_is_assumed(fetching: Server, fhir: str) -> None:
    answer, _ = _post(fetching, request(f"{fhir}/deny/fhir"))
    card = _missing_card(check_cards(answer))
    assert card is not None
    assert "HTTP 401" in card["detail"]
    assert answer["extension"]["ldn-cds.assessment"]["verdict"] == "needs_information"


def test_an_answer_that_is_not_fhir_is_a_card_not_a_400(fetching: Server, fhir: str) -> None:
    answer, _ = _post(fetching, request(f"{fhir}/junk/fhir"))
    card = _missing_card(check_cards(answer))
    assert card is not None
    assert "conditions: the answer is not JSON" in card["detail"]
    assert "medication requests: its answer could not be read" in card["detail"]
    assert answer["extension"]["ldn-cds.assessment"]["verdict"] == "needs_information"


def test_the_log_holds_neither_the_patient_nor_the_token(fetching: Server, fhir: str) -> None:
    _post(fetching, request(f"{fhir}/fhir"))
    log = fetching.log_text()
    assert "POST /cds-services/ldn-cds-patient-view" in log
    for secret in (TOKEN, PATIENT_ID, "Percocet", "oxycodone"):
        assert secret not in log


@pytest.mark.parametrize(("server", "fetched"), [
    ("http://ehr.example/fhir", True),
    ("http://ehr.example/fhir/", True),
    ("HTTP://EHR.EXAMPLE/fhir", True),
    ("http://ehr.example/fhir-test", False),
    ("http://ehr.example/fhir/../admin", False),
    ("http://ehr.example.evil.test/fhir", False),
    ("http://ehr.example:8080/fhir", False),
    ("https://ehr.example/fhir", False),
    ("http://user:pw@ehr.example/fhir", False),
    ("http://ehr.example/fhir?x=1", False),
    ("file:///etc/passwd", False),
    ("", False),
])
def test_look_alike_servers_are_not_fetched_from(server: str, fetched: bool) -> None:
    allowed = allowed_servers(["http://ehr.example/fhir/"])
    body = request(server)
    _, urls, reason = plan(body, missing_keys(body), PREFETCH, allowed)
    assert bool(urls) is fetched
    assert bool(reason) is not fetched


@pytest.mark.parametrize("patient", ["../Patient/x", "p1?x=1", "p 1", "", "a" * 65])
def test_a_patient_id_that_is_not_a_fhir_id_is_not_fetched(patient: str) -> None:
    body = request("http://ehr.example/fhir")
    body["context"]["patientId"] = patient
    _, urls, reason = plan(body, missing_keys(body), PREFETCH,
                           allowed_servers(["http://ehr.example/fhir"]))
    assert urls == {}
    assert "no patient id" in reason


def test_a_bad_fhir_server_option_is_a_usage_error() -> None:
    import subprocess
    import sys

    proc = subprocess.run([str(Path(sys.executable).with_name("ldn-cds")), "serve",
                           "--fhir-server", "ftp://ehr.example/fhir"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "--fhir-server 'ftp://ehr.example/fhir'" in proc.stderr

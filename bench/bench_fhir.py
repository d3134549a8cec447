"""Benchmark of the FHIR import and the CDS Hooks service.

Run:  .venv/bin/python bench/bench_fhir.py [--entries 5000] [--requests 300] [--clients 4]

1. Import of a bundle with ``--entries`` entries (time, peak traced memory): the Percocet
   record of the test data padded with non-opioid MedicationStatements, Conditions and pain
   scores, as a long record-system export looks.
2. ``ldn-cds serve`` on a free loopback port (a real uvicorn server in a subprocess): latency
   p50 / p95 of ``--requests`` sequential patient-view requests with a typical prefetch
   (patient, medication requests, statements and dispenses, conditions, allergies, pain
   scores, pregnancy); target p95 <= 50 ms.  Then the same request without prefetch, the
   service fetching every search from a FHIR server on the loopback (``--fhir-server``).
3. Throughput with ``--clients`` concurrent clients for the same request.
All traffic stays on 127.0.0.1; the server is always stopped.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from ldn_cds.core.fhir_import import import_bundle  # noqa: E402
from ldn_cds.resources import default_ruleset  # noqa: E402

RECORD = ROOT / "tests/data/fhir/epic-percocet-current.json"
OTHERS = ("lisinopril 10 mg tablet", "metformin 500 mg tablet", "atorvastatin 20 mg tablet",
          "sertraline 50 mg tablet", "omeprazole 20 mg capsule")


def big_bundle(entries: int) -> dict[str, Any]:
    bundle = json.loads(RECORD.read_text(encoding="utf-8"))
    patient = next(e["resource"]["id"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Patient")
    i = 0
    while len(bundle["entry"]) < entries:
        i += 1
        kind = i % 3
        if kind == 0:
            resource = {"resourceType": "MedicationStatement", "id": f"ms{i}",
                        "status": "active", "subject": {"reference": f"Patient/{patient}"},
                        "medicationCodeableConcept": {"text": OTHERS[i % len(OTHERS)]}}
        elif kind == 1:
            resource = {"resourceType": "Condition", "id": f"c{i}",
                        "subject": {"reference": f"Patient/{patient}"},
                        "clinicalStatus": {"coding": [{
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "resolved"}]},
                        "code": {"text": f"old problem {i}"}}
        else:
            resource = {"resourceType": "Observation", "id": f"o{i}", "status": "final",
                        "subject": {"reference": f"Patient/{patient}"},
                        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
                        "effectiveDateTime": f"20{10 + i % 15}-01-01",
                        "valueQuantity": {"value": i % 11}}
        bundle["entry"].append({"resource": resource})
    return bundle


def bench_import(entries: int) -> None:
    ruleset = default_ruleset()
    bundle = big_bundle(entries)
    tracemalloc.start()
    start = time.perf_counter()
    result = import_bundle(bundle, ruleset, on=date(2026, 11, 23))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"import of a {len(bundle['entry']):,}-entry bundle: {elapsed * 1000:.0f} ms, peak "
          f"traced memory {peak / 2**20:.1f} MiB, {len(result.report)} report items")


def prefetch() -> dict[str, Any]:
    resources = [e["resource"] for e in json.loads(RECORD.read_text())["entry"]]

    def search(rtype: str) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "searchset",
                "entry": [{"resource": r} for r in resources if r["resourceType"] == rtype]}

    return {"patient": next(r for r in resources if r["resourceType"] == "Patient"),
            "medications": search("MedicationRequest"), "conditions": search("Condition"),
            "statements": search("MedicationStatement"),
            "dispenses": search("MedicationDispense"),
            "allergies": search("AllergyIntolerance"), "painScores": search("Observation"),
            "pregnancy": search("Observation")}


def fake_fhir_server() -> tuple[ThreadingHTTPServer, str]:
    """A FHIR server on the loopback answering this service's prefetch searches from the
    same record (what a record system's server does, without its own latency)."""
    answers = prefetch()
    by_type = {"Patient": answers["patient"], "MedicationRequest": answers["medications"],
               "MedicationStatement": answers["statements"],
               "MedicationDispense": answers["dispenses"], "Condition": answers["conditions"],
               "AllergyIntolerance": answers["allergies"], "Observation": answers["painScores"]}
    bodies = {k: json.dumps(v).encode() for k, v in by_type.items()}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            rtype = self.path.split("/fhir/", 1)[1].split("?", 1)[0].split("/", 1)[0]
            body = bodies[rtype]
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the standard library's 5 drops the 8 concurrent searches

    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/fhir"


def latency(client: httpx.Client, body: dict[str, Any], requests: int) -> list[float]:
    for _ in range(20):  # warm up
        client.post("/cds-services/ldn-cds-patient-view", json=body)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = client.post("/cds-services/ldn-cds-patient-view", json=body)
        times.append(time.perf_counter() - start)
        assert answer.status_code == 200, answer.text
    times.sort()
    return times


def p50_p95(times: list[float]) -> str:
    return (f"p50 {statistics.median(times) * 1000:.1f} ms, p95 "
            f"{times[int(len(times) * 0.95) - 1] * 1000:.1f} ms")


def bench_service(requests: int, clients: int) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fhir, fhir_url = fake_fhir_server()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("ldn-cds")), "serve", "--host", "127.0.0.1",
         "--port", str(port), "--fhir-server", fhir_url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    body = {"hookInstance": "bench", "hook": "patient-view",
            "context": {"userId": "Practitioner/example", "patientId": "bench"},
            "prefetch": prefetch()}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/cds-services", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("ldn-cds serve did not start") from None
                time.sleep(0.1)
        fetching = {**body, "prefetch": {}, "fhirServer": fhir_url,
                    "fhirAuthorization": {"access_token": "bench", "token_type": "Bearer",
                                          "expires_in": 300, "scope": "patient/*.read",
                                          "subject": "ldn-cds"}}
        with httpx.Client(base_url=url, timeout=10) as client:
            times = latency(client, body, requests)
            fetched = latency(client, fetching, requests)
        print(f"patient-view latency over {requests} requests: {p50_p95(times)} "
              "(target p95 <= 50 ms)")
        print(f"patient-view without prefetch, the service fetching its 8 searches from a FHIR "
              f"server on the loopback: {p50_p95(fetched)}")
        done = [0] * clients
        stop = time.monotonic() + 5

        def worker(n: int) -> None:
            with httpx.Client(base_url=url, timeout=10) as client:
                while time.monotonic() < stop:
                    if client.post("/cds-services/ldn-cds-patient-view",
                                   json=body).status_code == 200:
                        done[n] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
        begin = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"throughput with {clients} concurrent clients (one server process): "
              f"{sum(done) / (time.monotonic() - begin):.0f} requests/s")
    finally:
        fhir.shutdown()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    bench_import(args.entries)
    bench_service(args.requests, args.clients)


if __name__ == "__main__":
    main()

"""Benchmark of the clinical core and the CLI's cold start.

Run:  .venv/bin/python bench/bench_core.py [--cases 10000] [--runs 10] [--profile]

1. Marginal cost of ``assess`` per case over a batch of varied, already-parsed cases
   (target: at most 1 ms per case).
2. Cost per case of parse + assess + JSON dump (what ``ldn-cds assess --json`` does per file).
3. Cold start of ``ldn-cds assess resources/examples/jane-doe.json --json`` in a subprocess
   (median of N runs) beside ``python -c pass`` measured in the same run as the floor.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ldn_cds.core.assessment import assess  # noqa: E402
from ldn_cds.core.models import Case, parse_case  # noqa: E402
from ldn_cds.resources import default_ruleset, examples_dir  # noqa: E402

ON = date(2026, 11, 23)
DRUGS = ["oxycodone", "hydrocodone", "morphine", "tramadol", "codeine", "fentanyl",
         "methadone", "buprenorphine", "tapentadol", "levorphanol"]
CONDITIONS = ["fibromyalgia", "crps", "diabetic_neuropathy", "crohns_disease",
              "multiple_sclerosis", "osteoarthritis", "chronic_low_back_pain", "migraine",
              "me_cfs", "other"]
MEDS = ["ibuprofen", "duloxetine", "levothyroxine", "gabapentin", "Contrave", "Lomotil",
        "thioridazine", "Antabuse", "sertraline", "metformin"]


def _maybe(rng: random.Random, value: Any, p_unknown: float = 0.05) -> Any:
    return None if rng.random() < p_unknown else value


def make_case(rng: random.Random) -> dict[str, Any]:
    """One varied, valid case (a JSON-like dict)."""
    sex = rng.choice(["female", "female", "male", "other"])
    status = rng.choice(["none", "none", "current", "stopped", "stopped", "unknown"])
    meds = []
    if status in ("current", "stopped"):
        for _ in range(rng.randint(1, 2)):
            drug = rng.choice(DRUGS)
            patch = drug in ("fentanyl",) or (drug == "buprenorphine" and rng.random() < 0.5)
            meds.append({
                "drug": drug,
                "release": "transdermal" if patch else _maybe(
                    rng, rng.choice(["immediate", "extended"])),
                "daily_dose": rng.choice([5, 10, 20, 25, 50, 100]),
                "unit": "mcg/h" if patch else "mg/day",
                "last_dose_on": (ON - timedelta(days=rng.randint(0, 30))).isoformat()
                if status == "stopped" else None,
            })
    surgery = _maybe(rng, rng.random() < 0.1)
    return {
        "schema_version": 1,
        "assessed_on": ON.isoformat(),
        "patient": {
            "name": f"Patient {rng.randint(1, 10**6)}",
            "record_id": f"MRN-{rng.randint(1, 10**6)}",
            "date_of_birth": _maybe(rng, (ON - timedelta(days=rng.randint(16 * 365, 90 * 365)))
                                    .isoformat()),
            "sex": sex,
            "pregnant": False if sex == "male" else _maybe(rng, rng.random() < 0.05),
            "breastfeeding": False if sex == "male" else _maybe(rng, rng.random() < 0.05),
        },
        "pain": {
            "types": [rng.choice(["neuropathic", "nociplastic", "inflammatory", "mixed"])],
            "conditions": rng.sample(CONDITIONS, rng.randint(1, 2)),
            "duration_months": rng.randint(3, 240),
            "score_now": rng.randint(0, 10),
        },
        "opioids": {"status": _maybe(rng, status), "medications": meds,
                    "urine_drug_screen": _maybe(rng, "negative", 0.5)},
        "history": {
            "naltrexone_hypersensitivity": _maybe(rng, rng.random() < 0.03),
            "liver": _maybe(rng, rng.choice(["none"] * 8 + ["mild", "cirrhosis"])),
            "renal": _maybe(rng, rng.choice(["none"] * 8 + ["moderate", "severe"])),
            "opioid_use_disorder": _maybe(rng, rng.choice(["none"] * 9 + ["remission"])),
            "surgery_planned": surgery,
            "planned_surgery_on": "2027-01-15" if surgery else None,
            "hypothyroidism_on_levothyroxine": _maybe(rng, rng.random() < 0.1),
            "immunosuppressed": _maybe(rng, rng.random() < 0.05),
            "depression_or_suicidality": _maybe(rng, rng.random() < 0.15),
            "insomnia_or_vivid_dreams": _maybe(rng, rng.random() < 0.15),
            "multiple_drug_sensitivities": _maybe(rng, rng.random() < 0.1),
        },
        "other_medications": _maybe(rng, rng.sample(MEDS, rng.randint(0, 2))),
        "prior_therapies": ["gabapentin"],
        "plan": {"protocol": rng.choice([None, None, None, "standard", "weekly-1mg"]),
                 "form": rng.choice([None, None, "capsule", "liquid"])},
    }


def bench_assess(n: int, profile: bool) -> None:
    ruleset = default_ruleset()
    rng = random.Random(20261123)
    raw = [make_case(rng) for _ in range(n)]
    texts = [json.dumps(c) for c in raw]
    cases: list[Case] = [parse_case(t) for t in texts]
    for case in cases[:200]:  # warm-up (caches, imports)
        assess(case, on=ON, ruleset=ruleset)

    start = time.perf_counter()
    verdicts: dict[str, int] = {}
    for case in cases:
        v = assess(case, on=ON, ruleset=ruleset).verdict.value
        verdicts[v] = verdicts.get(v, 0) + 1
    assess_ms = (time.perf_counter() - start) * 1000 / n

    start = time.perf_counter()
    for text in texts:
        result = assess(parse_case(text), on=ON, ruleset=ruleset)
        json.dumps(result.model_dump(mode="json", by_alias=True), ensure_ascii=False)
    full_ms = (time.perf_counter() - start) * 1000 / n

    print(f"cases: {n} (verdicts: {dict(sorted(verdicts.items()))})")
    print(f"assess only:                  {assess_ms:.3f} ms/case "
          f"({'within' if assess_ms <= 1.0 else 'OVER'} the 1 ms target)")
    print(f"parse + assess + JSON dump:   {full_ms:.3f} ms/case")

    if profile or assess_ms > 1.0:
        profiler = cProfile.Profile()
        profiler.enable()
        for case in cases[: min(n, 3000)]:
            assess(case, on=ON, ruleset=ruleset)
        profiler.disable()
        print("\nprofile of assess (top 15 by own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def _median_run(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_cold_start(runs: int) -> None:
    script = Path(sys.executable).with_name("ldn-cds")
    example = examples_dir() / "jane-doe.json"
    cmd = [str(script), "assess", str(example), "--json"] if script.is_file() else [
        sys.executable, "-m", "ldn_cds", "assess", str(example), "--json"]
    floor = _median_run([sys.executable, "-c", "pass"], runs)
    cli = _median_run(cmd, runs)
    print(f"\ncold start, median of {runs} runs:")
    print(f"python -c pass (floor):       {floor:.1f} ms")
    print(f"ldn-cds assess jane-doe.json: {cli:.1f} ms  (x{cli / floor:.1f} the floor, "
          f"+{cli - floor:.1f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="always print a cProfile")
    args = parser.parse_args()
    bench_assess(args.cases, args.profile)
    bench_cold_start(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

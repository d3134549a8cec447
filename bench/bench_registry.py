"""Benchmark of the patient registry on SQLite and (when given) PostgreSQL.

Run:  .venv/bin/python bench/bench_registry.py [--patients 5000] [--followups 10000]
      [--postgres postgresql+psycopg://user:pw@127.0.0.1/postgres]

For each database: save ``--patients`` assessments (one patient each, the real saved JSON of an
example case), insert ``--followups`` follow-up visits one transaction each (as the window and
``followup add`` do, audit entry included), list the registry, search it, compute the practice
outcomes, and verify the audit chain. Figures are per operation, measured in one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ldn_cds import __version__  # noqa: E402
from ldn_cds.casefile import assess_file  # noqa: E402
from ldn_cds.core.followup import FollowUp  # noqa: E402
from ldn_cds.resources import default_ruleset, examples_dir  # noqa: E402
from ldn_cds.store import open_registry  # noqa: E402


def _timed(fn, repeat: int = 1):  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, statistics.median(times)


def bench(url: str, patients: int, followups: int) -> None:
    ruleset = default_ruleset()
    case, result, _ = assess_file(examples_dir() / "jane-doe.json", ruleset, None)
    case_json = case.model_dump(mode="json")
    result_json = result.model_dump(mode="json", by_alias=True)
    start_on = result.dose_plan.start_on if result.dose_plan else date(2026, 11, 23)
    with open_registry(url) as reg:
        t0 = time.perf_counter()
        for i in range(patients):
            data = {**case_json, "patient": {**case_json["patient"], "record_id": f"R{i:05d}",
                                             "name": f"Patient {i:05d}"}}
            reg.save_assessment(data, result_json, ruleset=ruleset,
                                program_version=__version__)
        save_s = time.perf_counter() - t0
        ids = [r.id for r in reg.patients()]
        t0 = time.perf_counter()
        for i in range(followups):
            reg.add_followup(ids[i % len(ids)], FollowUp(
                on=start_on + timedelta(days=7 * (1 + i // len(ids))), dose_mg=4.5,
                pain_score=i % 11))
        follow_s = time.perf_counter() - t0
        rows, list_s = _timed(reg.patients, 3)
        _, search_s = _timed(lambda: reg.patients("patient 0042"), 3)
        _, outcomes_s = _timed(lambda: reg.outcomes(start_on + timedelta(days=120), ruleset))
        _, again_s = _timed(lambda: reg.outcomes(start_on + timedelta(days=121), ruleset))
        report, verify_s = _timed(reg.verify_audit)
    assert report.ok
    where = make_url(url).get_backend_name()
    print(f"{where}: save assessment {save_s / patients * 1000:.2f} ms each "
          f"({patients} patients); add follow-up {follow_s / followups * 1000:.2f} ms each "
          f"({followups}); list {len(rows)} patients {list_s * 1000:.0f} ms; search "
          f"{search_s * 1000:.0f} ms; practice outcomes {outcomes_s * 1000:.0f} ms (again "
          f"{again_s * 1000:.0f} ms, saved plans decoded once); audit verify "
          f"{report.entries} entries {verify_s * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--followups", type=int, default=10000)
    parser.add_argument("--postgres", default=os.environ.get("LDN_CDS_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args.patients, args.followups)
    if args.postgres:
        name = f"ldn_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            bench(make_url(args.postgres).set(database=name).render_as_string(
                hide_password=False), args.patients, args.followups)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        print("postgresql: skipped (give --postgres URL or set LDN_CDS_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()

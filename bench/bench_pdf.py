"""Benchmark: both PDFs for a 200-case batch (cycling the example cases).

Reports the marginal time per case (after a warm-up that loads fonts and imports) and the
peak memory of the batch (tracemalloc for Python allocations, ru_maxrss for the process).
Target: <= 40 ms per case for the summary and the handout together (issue 8).

Usage: python bench/bench_pdf.py [N] [--time-only]   (--time-only skips the memory pass,
which runs the batch again under tracemalloc and takes about a minute)
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
import tracemalloc
from datetime import date

from ldn_cds.core.assessment import assess
from ldn_cds.core.models import parse_case
from ldn_cds.core.report_content import PrintSettings
from ldn_cds.pdf import render_handout, render_summary
from ldn_cds.resources import default_ruleset, examples_dir

TARGET_MS = 40.0


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    time_only = "--time-only" in sys.argv[1:]
    n = int(args[0]) if args else 200
    ruleset = default_ruleset()
    settings = PrintSettings(clinic_name="Bench Clinic", clinic_phone="555", prescriber="Dr B")
    prepared = []
    for path in sorted(examples_dir().glob("*.json")):
        case = parse_case(json.loads(path.read_text(encoding="utf-8")))
        on = case.assessed_on or date(2026, 11, 23)
        prepared.append((case, assess(case, on=on, ruleset=ruleset)))
    for case, a in prepared:  # warm-up: imports, font registration, caches
        render_summary(case, a, ruleset, settings)
        render_handout(case, a, ruleset, settings)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    clean: list[float] = []
    total_bytes = 0
    for i in range(n):
        case, a = prepared[i % len(prepared)]
        t0 = time.perf_counter()
        total_bytes += len(render_summary(case, a, ruleset, settings))
        total_bytes += len(render_handout(case, a, ruleset, settings))
        clean.append(time.perf_counter() - t0)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # Python-level peak memory: tracemalloc slows rendering about tenfold, so it runs on a
    # second pass of the same batch and is not part of the timing above.
    peak = None
    if not time_only:
        tracemalloc.start()
        for i in range(n):
            case, a = prepared[i % len(prepared)]
            render_summary(case, a, ruleset, settings)
            render_handout(case, a, ruleset, settings)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    per_case = statistics.mean(clean) * 1000
    print(f"cases: {n} (cycling {len(prepared)} examples), output {total_bytes / n / 1024:.0f} KiB"
          " per case (both PDFs)")
    print(f"marginal time per case: mean {per_case:.1f} ms, median "
          f"{statistics.median(clean) * 1000:.1f} ms, p95 "
          f"{sorted(clean)[int(0.95 * n) - 1] * 1000:.1f} ms (target <= {TARGET_MS:.0f} ms)")
    print(f"batch wall time: {sum(clean):.2f} s")
    if peak is not None:
        print(f"peak traced Python memory during the batch: {peak / 2**20:.1f} MiB")
    print(f"process max RSS: {rss_before / 1024:.0f} MiB before the batch, "
          f"{rss_after / 1024:.0f} MiB after it")
    print("PASS" if per_case <= TARGET_MS else "OVER TARGET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

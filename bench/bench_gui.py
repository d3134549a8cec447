"""GUI benchmark: start-up to the first painted main window, and re-assess + repaint per edit.

Start-up is measured from process start (the parent's clock just before it spawns the child)
to the first paint event of the main window, for ldn-cds and for a bare PySide6 QMainWindow
started the same way, interleaved, several repetitions, medians.  Targets: ratio <= 1.5;
one edit re-assessed and repainted in <= 16 ms.

    python bench/bench_gui.py [--reps 7] [--edits 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD_COMMON = """
import os, sys, time
T0 = float(os.environ["BENCH_T0"])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            sys.stdout.write(f"{time.time() - T0:.6f}\\n")
            sys.stdout.flush()
            os._exit(0)
        return False
"""

_CHILD_BARE = _CHILD_COMMON + """
from PySide6.QtWidgets import QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 860)
spy = FirstPaint()
window.installEventFilter(spy)
window.show()
app.exec()
"""

_CHILD_APP = """
import os, sys, time
T0 = float(os.environ["BENCH_T0"])
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from ldn_cds.gui.app import after_first_paint, application, create_window, start

marks = []

class Paints(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not marks:
            marks.append(time.time() - T0)
        return False

def ready():
    start(window, None)  # what run() does after the first paint: core, rule set, case
    window.repaint()
    marks.append(time.time() - T0)
    sys.stdout.write(f"{marks[0]:.6f} {marks[-1]:.6f}\\n")
    sys.stdout.flush()
    os._exit(0)

app = application()
window = create_window(QSettings(os.environ["BENCH_INI"], QSettings.Format.IniFormat))
spy = Paints()
window.installEventFilter(spy)
window.show()
after_first_paint(window, ready)
app.exec()
"""


def _spawn(code: str, ini: str) -> list[float]:
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env["BENCH_INI"] = ini
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["BENCH_T0"] = repr(time.time())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({done.returncode}): {done.stderr[-2000:]}")
    return [float(v) for v in lines[-1].split()]


def bench_startup(reps: int) -> tuple[float, float, float]:
    tmp = tempfile.mkdtemp(prefix="ldn-bench-")
    ini = str(Path(tmp) / "settings.ini")
    _spawn(_CHILD_BARE, ini)  # warm the file cache for both
    _spawn(_CHILD_APP, ini)
    bare: list[float] = []
    app: list[float] = []
    full: list[float] = []
    for _ in range(reps):
        bare.append(_spawn(_CHILD_BARE, ini)[0])
        first, ready = _spawn(_CHILD_APP, ini)
        app.append(first)
        full.append(ready)

    def runs(values: list[float]) -> str:
        return ", ".join(f"{t * 1000:.0f}" for t in values)

    print(f"bare QMainWindow, first paint:           median "
          f"{statistics.median(bare) * 1000:.0f} ms (runs: {runs(bare)})")
    print(f"ldn-cds main window, first paint:        median "
          f"{statistics.median(app) * 1000:.0f} ms (runs: {runs(app)})")
    print(f"ldn-cds main window, form and assessment ready and painted: median "
          f"{statistics.median(full) * 1000:.0f} ms (runs: {runs(full)})")
    return statistics.median(bare), statistics.median(app), statistics.median(full)


def bench_edit(edits: int) -> list[float]:
    if not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, str(ROOT))
    from datetime import date

    from PySide6.QtCore import QSettings

    from ldn_cds.gui.app import application
    from ldn_cds.gui.main_window import MainWindow
    from ldn_cds.resources import default_ruleset

    app = application()
    tmp = Path(tempfile.mkdtemp(prefix="ldn-bench-"))
    window = MainWindow(ruleset=default_ruleset(),
                        settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                        draft_dir=tmp, today=lambda: date(2026, 11, 23))
    window.resize(1280, 860)
    window.show()
    window.open_path(ROOT / "resources/examples/jane-doe.json")
    app.processEvents()
    score = window.form.score
    times = []
    for i in range(edits):
        score.setCurrentIndex(score.findData(6 if i % 2 else 7))
        start = time.perf_counter()
        window.form.flush()  # the debounced edit, sent now: validate, assess, render
        window.repaint()  # synchronous paint of the whole window
        times.append(time.perf_counter() - start)
    # an edit that changes the verdict and rebuilds the cards
    heavy = []
    for i in range(max(10, edits // 10)):
        window.form.hypersensitivity.set_value(i % 2 == 0)  # Yes / No buttons
        start = time.perf_counter()
        window.form.flush()
        window.repaint()
        heavy.append(time.perf_counter() - start)
    window.controller.load_data({"schema_version": 1}, path=None, dirty=False)
    window.close()
    print(f"edit -> re-assess -> repaint (same findings): median "
          f"{statistics.median(times) * 1000:.1f} ms, p95 "
          f"{sorted(times)[int(len(times) * 0.95) - 1] * 1000:.1f} ms over {len(times)} edits")
    print(f"edit that changes the verdict (cards rebuilt): median "
          f"{statistics.median(heavy) * 1000:.1f} ms over {len(heavy)} edits")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description="ldn-cds GUI benchmark")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    bare, app, full = bench_startup(args.reps)
    print(f"start-up ratio, first paint ldn-cds / bare: {app / bare:.2f} (target <= 1.5)")
    print(f"start-up ratio, ready window / bare first paint: {full / bare:.2f}")
    times = bench_edit(args.edits)
    median_ms = statistics.median(times) * 1000
    print(f"edit median {median_ms:.1f} ms (target <= 16 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The form needs no horizontal scrolling at 1280 px wide, nor at 150% on a 1920x1080 screen.

The 150% case runs in its own process: QT_SCALE_FACTOR must be set before Qt starts, and the
offscreen screen is configured as 1920x1080 physical pixels (1280x720 logical at 150%).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ldn_cds.gui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = r"""
import json, sys
from datetime import date
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from ldn_cds.gui.main_window import MainWindow
from ldn_cds.resources import default_ruleset, examples_dir
tmp = Path(sys.argv[1])
window = MainWindow(ruleset=default_ruleset(),
                    settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                    draft_dir=tmp / "drafts", today=lambda: date(2026, 11, 23))
window.resize(1280, 720)
window.show()
window.after_show(None)
window.open_path(examples_dir() / "jane-doe.json")
window.form.opioid_table.add_row()
for _ in range(10):
    app.processEvents()
screen = app.primaryScreen()
print(json.dumps({
    "screen": [screen.geometry().width(), screen.geometry().height()],
    "dpr": window.devicePixelRatio(),
    "window": [window.width(), window.height()],
    "horizontal_max": window.form.scroll_area.horizontalScrollBar().maximum(),
}))
window.controller.load_data({"schema_version": 1}, path=None, dirty=False)
"""


def _fill_wide(window: MainWindow, example_files: list[Path]) -> None:
    assert window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    form = window.form
    form.opioid_table.add_row()
    form.conditions.add_other("chronic post-surgical pain after a left total knee replacement")
    form.conditions.add_code("complex_regional_pain_syndrome_type_two_of_the_upper_limb")


def test_no_horizontal_scrolling_at_1280_px(window: MainWindow, qtbot: Any,
                                            example_files: list[Path]) -> None:
    window.resize(1280, 720)
    _fill_wide(window, example_files)
    qtbot.wait(50)
    assert window.form.scroll_area.horizontalScrollBar().maximum() == 0
    # and nothing is cut off instead: the form's content fits the visible width
    form = window.form
    assert form._inner.minimumSizeHint().width() <= form.scroll_area.viewport().width()


def test_no_horizontal_scrolling_at_150_percent_on_1920x1080(tmp_path: Path) -> None:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "fullhd", "x": 0, "y": 0, "width": 1920, "height": 1080,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), "utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "QT_SCALE_FACTOR": "1.5", "PYTHONPATH": str(ROOT), "LDN_CDS_CACHE_DIR": ""}
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["screen"] == [1280, 720]  # 1920x1080 at 150%
    assert result["dpr"] == 1.5
    assert result["window"] == [1280, 720]
    assert result["horizontal_max"] == 0

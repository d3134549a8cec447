"""Every dialog's buttons are on screen at 150 % on a 1920x1080 screen (issue 9).

Qt reads the scale factor and the screen once, at start-up, so the check runs in a fresh
process: the offscreen platform with one 1920x1080 screen (a config file) and
QT_SCALE_FACTOR=1.5, which leaves 1280x720 logical pixels.  Each dialog is opened the way the
window opens it, shown, and its frame and every button checked against the screen's available
geometry.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.gui.fake_cups import make_fake_cups

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox

    app = QApplication([])
    # the window asks before printing a case from an earlier day: print it as of that day
    QMessageBox.question = lambda *a, **k: QMessageBox.StandardButton.No
    from ldn_cds.gui.main_window import MainWindow
    from ldn_cds.gui.widgets import dialogs
    from ldn_cds.resources import default_ruleset, examples_dir

    tmp = Path(sys.argv[1])
    screen = app.primaryScreen()
    area = screen.availableGeometry()
    report = {"screen": [area.x(), area.y(), area.width(), area.height()], "dialogs": {}}

    def check(name, widget):
        app.processEvents()
        frame = widget.frameGeometry()
        buttons = [b for b in widget.findChildren(QAbstractButton) if b.isVisible()]
        off = []
        for button in buttons:
            top_left = button.mapToGlobal(button.rect().topLeft())
            bottom_right = button.mapToGlobal(button.rect().bottomRight())
            if not (area.contains(top_left) and area.contains(bottom_right)):
                off.append(button.text() or button.objectName() or type(button).__name__)
        report["dialogs"][name] = {
            "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
            "inside": area.contains(frame), "buttons": len(buttons), "off_screen": off}

    window = MainWindow(ruleset=default_ruleset(), settings=QSettings(
        str(tmp / "settings.ini"), QSettings.Format.IniFormat), draft_dir=tmp / "appdata")
    window.show()
    window.after_show(None)
    assert window.open_path(examples_dir() / "jane-doe.json")
    check("main window", window)

    def shown(dialog):
        dialog.show()
        app.processEvents()
        return dialog

    rs = window.ruleset
    finding = window.controller.assessment.findings[0]
    for name, make in (
        ("override", lambda: dialogs.OverrideDialog(finding, by="", on=window.controller.today(),
                                                    parent=window)),
        ("settings", lambda: dialogs.SettingsDialog(window.clinic, ruleset=rs, parent=window)),
        ("about", lambda: dialogs.AboutDialog(ruleset=rs, parent=window)),
        ("shortcuts", lambda: dialogs.ShortcutsDialog(window)),
        ("rule set", lambda: dialogs.RuleSetBrowser(ruleset=rs, parent=window)),
        ("preview", lambda: window.preview_dialog()),
    ):
        dialog = shown(make())
        check(name, dialog)
        if name == "preview":
            def record(self):
                self.show()
                check("print", self)
                return 0
            QPrintDialog.exec = record
            QMessageBox.warning = lambda *a, **k: report.setdefault("warned", a[2])
            dialog.print_button.click()
        dialog.close()
    print(json.dumps(report))
''')


def test_every_dialog_fits_a_1920x1080_screen_at_150_percent(tmp_path: Path) -> None:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "1920x1080", "x": 0, "y": 0, "width": 1920, "height": 1080,
        "logicalDpi": 96, "logicalBase": 96, "dpr": 1}]}), "utf-8")
    cups = make_fake_cups(tmp_path / "cups")  # a printer, so Print opens the print dialog
    cups.set(running=True, printers=("Office",), default="Office")
    env = dict(cups.env(), QT_SCALE_FACTOR="1.5",
               QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    env.pop("QT_SCREEN_SCALE_FACTORS", None)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, timeout=180, check=False, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["screen"] == [0, 0, 1280, 720]  # 1920x1080 at 150 %
    assert "warned" not in report, report.get("warned")
    expected = {"main window", "override", "settings", "about", "shortcuts", "rule set",
                "preview", "print"}
    assert set(report["dialogs"]) == expected
    for name, seen in report["dialogs"].items():
        assert seen["buttons"] > 0, name
        assert seen["inside"], f"{name}: frame {seen['frame']} is not inside the screen"
        if name != "main window":  # the form's own buttons scroll with the form
            assert seen["off_screen"] == [], f"{name}: buttons off screen: {seen['off_screen']}"
    assert report["dialogs"]["preview"]["frame"][3] <= 720

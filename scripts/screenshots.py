"""Open the real main window on an example case and save a screenshot of every tab and dialog.

Usage::

    python scripts/screenshots.py [--case resources/examples/jane-doe.json] [--out shots/]
                                  [--scale 1.25] [--main docs/images/screenshot-main.png]

Runs offscreen unless a DISPLAY is set (e.g. under ``Xvfb :99``; then ``QT_QPA_PLATFORM=xcb``).
Settings and the recovery draft go to a temporary folder: the user's own are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=Path, default=ROOT / "resources/examples/jane-doe.json")
    parser.add_argument("--out", type=Path, default=ROOT / "build/screenshots")
    parser.add_argument("--scale", type=float, default=None, help="QT_SCALE_FACTOR")
    parser.add_argument("--main", type=Path, default=None,
                        help="also save the main window here (e.g. docs/images/...png)")
    parser.add_argument("--size", default="1280x860")
    parser.add_argument("--real-today", action="store_true",
                        help="use today's date (shows the 'earlier day' notice)")
    args = parser.parse_args()
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    from ldn_cds.gui.app import application
    from ldn_cds.gui.main_window import MainWindow
    from ldn_cds.gui.printing import render_documents
    from ldn_cds.gui.widgets.dialogs import (
        AboutDialog,
        OverrideDialog,
        PreviewDialog,
        RuleSetBrowser,
        SettingsDialog,
        ShortcutsDialog,
    )
    from ldn_cds.resources import default_ruleset

    app = application()
    tmp = Path(tempfile.mkdtemp(prefix="ldn-shots-"))
    store = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    ruleset = default_ruleset()
    # The clock reads the case's assessment day (when it has one), so that the pictures show the
    # case as on that day rather than the "assessed on an earlier day" notice.
    from ldn_cds.casefile import read_case

    case, _ = read_case(args.case)
    day = case.assessed_on if case is not None and case.assessed_on is not None else None
    if args.real_today:
        day = None
    window = MainWindow(ruleset=ruleset, settings=store, draft_dir=tmp,
                        **({"today": lambda: day} if day is not None else {}))
    width, height = (int(v) for v in args.size.split("x"))
    window.resize(width, height)
    window.splitter.setSizes([width * 31 // 64, width * 33 // 64])
    window.show()
    app.processEvents()
    if not window.open_path(args.case):
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def settle() -> None:
        for _ in range(5):
            app.processEvents()

    def shot(widget: QWidget, name: str) -> None:
        settle()
        path = args.out / f"{name}.png"
        widget.grab().save(str(path))
        saved.append(path)

    for index, name in enumerate(("assessment", "dose-plan", "notes", "why")):
        window.tabs.setCurrentIndex(index)
        shot(window, f"tab-{index + 1}-{name}")
    window.tabs.setCurrentIndex(0)
    if window.panel.cards:
        window.panel.cards[0].toggle.setChecked(True)
        shot(window, "tab-1-assessment-details-open")
        window.panel.cards[0].toggle.setChecked(False)
    if args.main is not None:
        settle()
        args.main.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.main))
        saved.append(args.main)

    window.form.scroll_area.verticalScrollBar().setValue(
        window.form.scroll_area.verticalScrollBar().maximum())
    shot(window, "form-scrolled-down")
    window.form.scroll_area.verticalScrollBar().setValue(0)

    # An empty new case: every safety question "Not asked" -> needs information.
    window.controller.new_case()
    shot(window, "new-case-needs-information")
    window.form.dob.setText("1970-13-01")
    window.form.flush()
    shot(window, "invalid-date-inline-error")
    window.open_path(args.case)
    settle()

    case, result = window.controller.case, window.controller.assessment
    assert case is not None
    assert result is not None
    documents = render_documents(case, result, ruleset, window.clinic)
    preview = PreviewDialog(documents, parent=window)
    preview.show()
    deadline = time.monotonic() + 3  # QPdfView renders pages in the background
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    shot(preview, "dialog-preview")
    preview.close()
    for dialog, name in (
        (OverrideDialog(result.findings[0], by="Dr Example", on=result.assessed_on,
                        parent=window), "dialog-override"),
        (SettingsDialog(window.clinic, ruleset=ruleset, parent=window), "dialog-settings"),
        (AboutDialog(ruleset=ruleset, parent=window), "dialog-about"),
        (RuleSetBrowser(ruleset=ruleset, parent=window), "dialog-rules"),
        (ShortcutsDialog(window), "dialog-shortcuts"),
    ):
        dialog.show()
        shot(dialog, name)
        dialog.close()
    window.controller.load_data(window.controller.data(), path=None, dirty=False)
    window.close()
    QApplication.processEvents()
    for path in saved:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

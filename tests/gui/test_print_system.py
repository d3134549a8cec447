"""The print system in words (issue 9): a CUPS scheduler that does not answer is not "no
default printer"; no printers and no default are told apart; the window's print sends one job
per document.  CUPS is stood in for by ``lpstat``/``lp`` scripts on PATH (tests/gui/fake_cups.py);
the CLI runs as a real subprocess."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import Qt

from ldn_cds.gui.main_window import MainWindow
from ldn_cds.resources import examples_dir
from tests.gui.fake_cups import FakeCups, cups_fixture  # noqa: F401 (the fixture)

pytestmark = pytest.mark.gui
JANE = examples_dir() / "jane-doe.json"


def _print(fake: FakeCups, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ldn_cds", "print", str(JANE), *args],
                          capture_output=True, text=True, timeout=120, check=False,
                          env=fake.env())


def test_cli_scheduler_down_is_not_no_default_printer(cups: FakeCups) -> None:
    cups.set(running=False)
    done = _print(cups)
    assert done.returncode == 1
    assert "the print system (CUPS) is not reachable" in done.stderr
    assert "default printer" not in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert cups.jobs() == []
    named = _print(cups, "--printer", "Office")  # what was asked for is named
    assert "cannot print to 'Office': the print system (CUPS) is not reachable" in named.stderr


@pytest.mark.skipif(shutil.which("lpstat") is None, reason="CUPS client tools not installed")
def test_cli_real_lpstat_with_no_scheduler_says_not_reachable(tmp_path: Path) -> None:
    """The real ``lpstat``, pointed at a scheduler socket that does not exist."""
    env = dict(os.environ, CUPS_SERVER=str(tmp_path / "nothing.sock"),
               QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "ldn_cds", "print", str(JANE)],
                          capture_output=True, text=True, timeout=120, check=False, env=env)
    assert done.returncode == 1
    assert "not reachable" in done.stderr
    assert "no default printer" not in done.stderr


def test_cli_no_printers_and_no_default_are_told_apart(cups: FakeCups) -> None:
    cups.set(running=True, printers=())
    none = _print(cups)
    assert none.returncode == 1
    assert "no printer is set up on this computer" in none.stderr
    assert "not reachable" not in none.stderr

    cups.set(running=True, printers=("Office", "Front-Desk"))
    no_default = _print(cups)
    assert no_default.returncode == 1
    assert "no default printer is set; use --printer NAME (available: Office, Front-Desk)" \
        in no_default.stderr

    unknown = _print(cups, "--printer", "Basement")
    assert unknown.returncode == 1
    assert "no printer named 'Basement'; available printers: Office, Front-Desk" \
        in unknown.stderr
    assert cups.jobs() == []


def test_cli_prints_to_the_default_as_two_pdf_jobs(cups: FakeCups) -> None:
    cups.set(running=True, printers=("Office",), default="Office")
    done = _print(cups, "--copies", "2")
    assert done.returncode == 0, done.stderr
    assert "as 2 job(s) through CUPS (PDF)" in done.stderr
    jobs = cups.jobs()
    assert len(jobs) == 2
    titles = [args[args.index("-t") + 1] for args, _ in jobs]
    assert titles == ["LDN handout MRN-1", "LDN clinician summary MRN-1"]
    for args, pdf in jobs:
        assert args[args.index("-d") + 1] == "Office"
        assert args[args.index("-n") + 1] == "2"
        assert "Jane" not in " ".join(args)
        text = " ".join(p.extract_text() or "" for p in pypdf.PdfReader(str(pdf)).pages)
        assert len(text) > 200  # the PDF itself: its text layer is there


# -- the window ----------------------------------------------------------------------------------

def _preview(window: MainWindow, qtbot: Any) -> Any:
    window.open_path(JANE)
    dialog = window.preview_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_window_print_with_scheduler_down_says_so_and_opens_no_dialog(
    window: MainWindow, qtbot: Any, cups: FakeCups, modal_boxes: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtPrintSupport import QPrintDialog

    cups.set(running=False)
    opened: list[bool] = []
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: opened.append(True) or 0)
    dialog = _preview(window, qtbot)
    modal_boxes.clear()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert modal_boxes == ["Cannot print"]
    assert opened == []
    assert cups.jobs() == []

    cups.set(running=True, printers=())
    modal_boxes.clear()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert modal_boxes == ["Cannot print"]
    assert opened == []


def test_window_print_to_file_keeps_the_chosen_documents(
    window: MainWindow, qtbot: Any, tmp_path: Path, cups: FakeCups,
    monkeypatch: pytest.MonkeyPatch, modal_boxes: list[str],
) -> None:
    """With the dialog's "Print to file" the chosen documents go into that file."""
    from PySide6.QtPrintSupport import QPrintDialog

    cups.set(running=True, printers=("Office",), default="Office")
    dialog = _preview(window, qtbot)
    out = tmp_path / "printed.pdf"

    def accept(self: QPrintDialog) -> int:
        self.printer().setOutputFileName(str(out))  # what choosing "Print to file" does
        return 1

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    dialog.checks["summary"].setChecked(False)
    modal_boxes.clear()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    handout = dialog.documents[0]
    expected = len(pypdf.PdfReader(io.BytesIO(handout.data)).pages)
    assert len(pypdf.PdfReader(str(out)).pages) == expected
    assert modal_boxes == ["Print"]
    assert cups.jobs() == []

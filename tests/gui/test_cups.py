"""The real print path: a CUPS scheduler with the cups-pdf queue ``PDF`` (CI installs both)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import Qt

from ldn_cds.core.assessment import assess
from ldn_cds.core.ruleset import RuleSet
from tests.conftest import ON, load_example

pytestmark = [pytest.mark.gui, pytest.mark.cups, pytest.mark.slow]

CUPSD = Path("/usr/sbin/cupsd")
QUEUE = "PDF"
ROOT = Path(__file__).resolve().parents[2]


def _lpstat_running() -> bool:
    out = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, check=False)
    return "is running" in out.stdout and "not running" not in out.stdout


def _out_dir() -> Path:
    conf = Path("/etc/cups/cups-pdf.conf")
    out = "${HOME}/PDF"
    if conf.is_file():
        for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.match(r"^\s*Out\s+(\S+)", line)
            if match:
                out = match.group(1)
    return Path(out.replace("${HOME}", str(Path.home())).replace("${USER}",
                                                                  os.environ.get("USER", "")))


def _ppd() -> str | None:
    for candidate in (Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"),
                      *Path("/usr/share/ppd").rglob("CUPS-PDF*.ppd")):
        if candidate.is_file():
            return str(candidate)
    return None


@pytest.fixture(scope="module")
def cups_queue() -> Iterator[Path]:
    missing = [p for p in ("lpadmin", "lpstat") if shutil.which(p) is None]
    if not CUPSD.exists() or missing:
        pytest.skip(f"CUPS is not installed ({CUPSD} or {', '.join(missing)} missing): "
                    "apt-get install cups cups-pdf")
    ppd = _ppd()
    if ppd is None:
        pytest.skip("cups-pdf is not installed (no CUPS-PDF PPD): apt-get install cups-pdf")
    started: subprocess.Popen[bytes] | None = None
    if not _lpstat_running():
        started = subprocess.Popen([str(CUPSD), "-f"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not _lpstat_running():
            if time.monotonic() > deadline or started.poll() is not None:
                started.kill()
                pytest.fail("cupsd did not start")
            time.sleep(0.2)
    added = False
    try:
        queues = subprocess.run(["lpstat", "-p"], capture_output=True, text=True,
                                check=False).stdout
        if f"printer {QUEUE} " not in queues:
            subprocess.run(["lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", "-P", ppd],
                           check=True, capture_output=True)
            added = True
        yield _out_dir()
    finally:
        if added:
            subprocess.run(["lpadmin", "-x", QUEUE], check=False, capture_output=True)
        if started is not None:
            started.terminate()
            try:
                started.wait(timeout=10)
            except subprocess.TimeoutExpired:
                started.kill()


def _wait_for_new_pdf(folder: Path, before: set[Path], timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = sorted(set(folder.glob("*.pdf")) - before) if folder.is_dir() else []
        for path in new:
            size = path.stat().st_size
            time.sleep(0.5)
            if size > 0 and path.stat().st_size == size:
                try:
                    pypdf.PdfReader(str(path))
                except Exception:  # still being written
                    continue
                return path
        time.sleep(0.5)
    jobs = subprocess.run(["lpstat", "-W", "all", "-o"], capture_output=True, text=True,
                          check=False).stdout
    pytest.fail(f"no new PDF appeared in {folder} within {timeout:.0f} s; jobs: {jobs!r}")


def _assert_no_blank_page(path: Path) -> None:
    from ldn_cds.gui.printing import LoadedPdf

    pdf = LoadedPdf(path.read_bytes())
    for page in range(pdf.page_count()):
        image = pdf.render(page, 24)
        dark = 0
        for y in range(0, image.height(), 2):
            for x in range(0, image.width(), 2):
                if image.pixelColor(x, y).lightness() < 160:
                    dark += 1
        assert dark > 20, f"page {page + 1} of {path.name} is blank"


def _handout_pages(example_files: list[Path], ruleset: RuleSet) -> tuple[Path, Any, int]:
    from ldn_cds.gui.printing import render_documents

    path = next(p for p in example_files if p.name == "jane-doe.json")
    case = load_example(path)
    result = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    handout = render_documents(case, result, ruleset, summary=False)
    return path, handout, len(pypdf.PdfReader(__import__("io").BytesIO(handout[0].data)).pages)


def test_gui_print_code_prints_through_cups(qtbot: Any, cups_queue: Path,
                                            example_files: list[Path],
                                            ruleset: RuleSet) -> None:
    from ldn_cds.gui.printing import available_printers, make_printer, paint_documents

    assert QUEUE in available_printers()
    _path, handout, pages = _handout_pages(example_files, ruleset)
    before = set(cups_queue.glob("*.pdf")) if cups_queue.is_dir() else set()
    printer = make_printer(printer_name=QUEUE, title="ldn-cds-gui-test")
    assert printer.printerName() == QUEUE
    assert paint_documents(printer, handout) == pages
    del printer  # the job is submitted when the printer's painter ends
    produced = _wait_for_new_pdf(cups_queue, before)
    assert len(pypdf.PdfReader(str(produced)).pages) == pages
    _assert_no_blank_page(produced)


def test_print_command_prints_through_cups(qtbot: Any, cups_queue: Path,
                                           example_files: list[Path],
                                           ruleset: RuleSet) -> None:
    path, _handout, pages = _handout_pages(example_files, ruleset)
    before = set(cups_queue.glob("*.pdf")) if cups_queue.is_dir() else set()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "ldn_cds", "print", str(path), "--printer", QUEUE,
         "--handout-only"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    produced = _wait_for_new_pdf(cups_queue, before)
    assert len(pypdf.PdfReader(str(produced)).pages) == pages
    _assert_no_blank_page(produced)

    missing = subprocess.run(
        [sys.executable, "-m", "ldn_cds", "print", str(path), "--printer", "NoSuchQueue"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert missing.returncode == 1
    assert "NoSuchQueue" in missing.stderr
    assert QUEUE in missing.stderr
    assert "Traceback" not in missing.stderr


def test_window_print_sends_handout_and_summary_as_separate_pdf_jobs(
    make_window: Any, qtbot: Any, cups_queue: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Preview → Print → the system print dialog (accepted on the real dialog) → two CUPS jobs,
    each the PDF itself (text layer kept), titled by record id, never by name."""
    import json

    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QApplication, QMessageBox

    marker = f"WIN{os.getpid()}"
    data = json.loads((ROOT / "resources" / "examples" / "jane-doe.json").read_text("utf-8"))
    data["patient"]["record_id"] = marker
    case = tmp_path / "case.json"
    case.write_text(json.dumps(data), "utf-8")
    window = make_window()
    window.after_show(None)
    assert window.open_path(case)
    dialog = window.preview_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.printer.setPrinterName(QUEUE)  # the queue the physician picks in the dialog
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda *a, **k: told.append(str(a[2])) or QMessageBox.StandardButton.Ok)
    seen: list[str] = []

    def accept_print_dialog() -> None:
        modal = next((w for w in QApplication.topLevelWidgets()
                      if isinstance(w, QPrintDialog) and w.isVisible()), None)
        if modal is not None:
            seen.append(modal.printer().printerName())
            modal.accept()
        else:
            QTimer.singleShot(100, accept_print_dialog)

    before = set(cups_queue.glob("*.pdf")) if cups_queue.is_dir() else set()
    QTimer.singleShot(100, accept_print_dialog)
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert seen == [QUEUE]
    assert len(told) == 1
    assert "as 2 print jobs (one job each), through CUPS (PDF)" in told[0]
    produced: list[Path] = []
    deadline = time.monotonic() + 60
    while len(produced) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        produced = []
        for path in sorted(set(cups_queue.glob(f"*{marker}*.pdf")) - before):
            try:
                pypdf.PdfReader(str(path))
            except Exception:  # still being written
                continue
            produced.append(path)
    assert len(produced) == 2, f"jobs in {cups_queue}: {produced}"
    assert not any("Jane" in p.name or "Doe" in p.name for p in produced)
    texts = [" ".join(page.extract_text() or "" for page in pypdf.PdfReader(str(p)).pages)
             for p in produced]
    assert all(len(t) > 200 for t in texts)  # vector PDFs with their text, not raster
    handout = next(t for t in texts if "Your LDN plan" in t)
    summary = next(t for t in texts if t is not handout)
    assert "LDN clinical summary" in summary
    assert "LDN clinical summary" not in handout

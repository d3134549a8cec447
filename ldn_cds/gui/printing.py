"""Printing the reportlab PDFs: shared by the window and ``ldn-cds print``.

The PDFs are rendered by :mod:`ldn_cds.pdf` (imported lazily: reportlab is heavy).  Where CUPS
is the print system, :func:`print_documents` sends each PDF itself with ``lp`` (vector, text
kept, one job per document, job titles without the patient's name); elsewhere each page is
rasterised with QtPdf and painted onto a QPrinter page of the same paper size.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSize, QSizeF
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from ldn_cds.core.assessment import Assessment
from ldn_cds.core.models import Case
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.settings import ClinicSettings

PRINT_DPI = 300
"""Raster resolution of printed pages (sharp text, bounded memory)."""


@dataclass(frozen=True)
class PdfDocument:
    """One rendered PDF: ``kind`` is ``handout`` or ``summary``."""

    kind: str
    title: str
    data: bytes


def print_settings(settings: ClinicSettings | None) -> Any:
    """The PDF layer's PrintSettings from the clinic settings (None: defaults)."""
    if settings is None:
        return None
    from ldn_cds.pdf import PrintSettings

    return PrintSettings(
        clinic_name=settings.clinic_name, clinic_address=settings.clinic_address,
        clinic_phone=settings.clinic_phone, prescriber=settings.prescriber,
        paper="a4" if settings.paper == "a4" else "letter", large_print=settings.large_print,
    )


def render_documents(
    case: Case,
    assessment: Assessment,
    ruleset: RuleSet,
    settings: ClinicSettings | None = None,
    *,
    handout: bool = True,
    summary: bool = True,
    overrides: dict[str, Any] | None = None,
    followup: Any = None,
) -> list[PdfDocument]:
    """Render the chosen PDFs (handout first: it is what the patient takes home).

    ``overrides`` (print-settings fields from the command line) win over ``settings``;
    ``followup`` (course, today) adds the registry's follow-up section to the summary.
    """
    from ldn_cds.pdf import PrintSettings, render_handout, render_summary

    options = print_settings(settings)
    if overrides:
        base = options.model_dump() if options is not None else {}
        options = PrintSettings.model_validate({**base, **overrides})
    out = []
    if handout:
        out.append(PdfDocument("handout", job_title("handout", case.patient.record_id),
                               render_handout(case, assessment, ruleset, options)))
    if summary:
        out.append(PdfDocument("summary", job_title("summary", case.patient.record_id),
                               render_summary(case, assessment, ruleset, options,
                                              followup=followup)))
    return out


_JOB_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def job_title(kind: str, record_id: str | None) -> str:
    """A print job's name: never the patient's name (CUPS keeps job names in its spool and
    logs), the record id when there is one, else a neutral title."""
    base = "LDN handout" if kind == "handout" else "LDN clinician summary"
    rid = _JOB_UNSAFE.sub("_", record_id or "").strip("._-")[:40]
    return f"{base} {rid}" if rid else base


def cups_printer(printer_name: str) -> bool:
    """True when CUPS is the print system and knows ``printer_name`` (``lp`` and ``lpstat``
    exist and ``lpstat -p NAME`` succeeds)."""
    if sys.platform.startswith("win"):
        return False
    lp, lpstat = shutil.which("lp"), shutil.which("lpstat")
    if lp is None or lpstat is None:
        return False
    try:
        done = subprocess.run([lpstat, "-p", printer_name], capture_output=True, text=True,
                              timeout=15, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclass(frozen=True)
class PrintSystem:
    """What the computer's print system says: is it CUPS, does it answer, which printers."""

    cups: bool
    reachable: bool
    printers: tuple[str, ...]
    default: str


def _lpstat(*args: str) -> subprocess.CompletedProcess[str] | None:
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return None
    try:
        return subprocess.run([lpstat, *args], capture_output=True, text=True, timeout=15,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None


def print_system() -> PrintSystem:
    """Ask the print system: CUPS (``lpstat``) where it is the print system, else Qt.

    Tells apart a scheduler that does not answer, no printers set up, and no default
    printer, which all look the same ("no printers, no default") through Qt.
    """
    if sys.platform.startswith("win") or shutil.which("lp") is None \
            or shutil.which("lpstat") is None:
        return PrintSystem(False, True, tuple(available_printers()), default_printer())
    running = _lpstat("-r")
    if running is None or "is running" not in running.stdout \
            or "not running" in running.stdout:
        return PrintSystem(True, False, (), "")
    listed = _lpstat("-e")
    names = tuple(line.strip() for line in (listed.stdout if listed else "").splitlines()
                  if line.strip())
    shown = _lpstat("-d")
    default = ""
    if shown is not None and ":" in shown.stdout and "no system default" not in shown.stdout:
        default = shown.stdout.split(":", 1)[1].strip()
    return PrintSystem(True, True, names, default)


def print_system_problem(system: PrintSystem) -> str | None:
    """Why nothing can be printed at all (scheduler down, no printers), or None."""
    if system.cups and not system.reachable:
        return ("the print system (CUPS) is not reachable: its scheduler is not running or "
                "does not answer. Start it (for example 'systemctl start cups') or ask your "
                "administrator; the PDFs can still be saved and printed later")
    if not system.printers:
        return ("no printer is set up on this computer; add one in the system's printer "
                "settings, or save the PDFs and print them later")
    return None


def choose_printer(system: PrintSystem, wanted: str | None) -> tuple[str | None, str | None]:
    """(printer name, None) or (None, the problem in words) for ``wanted`` or the default."""
    problem = print_system_problem(system)
    if problem is not None:
        return None, f"cannot print to {wanted!r}: {problem}" if wanted else problem
    listed = ", ".join(system.printers)
    if wanted:
        if wanted not in system.printers:
            return None, f"no printer named {wanted!r}; available printers: {listed}"
        return wanted, None
    if not system.default:
        return None, f"no default printer is set; use --printer NAME (available: {listed})"
    return system.default, None


def cups_options(printer: QPrinter) -> list[str]:
    """``lp -o`` options for what the print dialog chose (sides, colour)."""
    duplex = printer.duplex()
    sides = {
        QPrinter.DuplexMode.DuplexLongSide: "two-sided-long-edge",
        QPrinter.DuplexMode.DuplexShortSide: "two-sided-short-edge",
        QPrinter.DuplexMode.DuplexNone: "one-sided",
    }.get(duplex)
    options = [f"sides={sides}"] if sides else []
    if printer.colorMode() == QPrinter.ColorMode.GrayScale:
        options.append("print-color-mode=monochrome")
    return options


def send_to_cups(document: PdfDocument, printer_name: str, copies: int = 1,
                 options: Sequence[str] = ()) -> str:
    """Send the PDF itself to CUPS with ``lp`` (vector, text kept): one job per document.
    Returns lp's answer ("request id is PDF-12 (1 file(s))")."""
    lp = shutil.which("lp")
    if lp is None:
        raise OSError("lp is not installed")
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, then removed)
        prefix="ldn-cds-", suffix=".pdf", delete=False)
    path = Path(handle.name)
    try:
        with handle:
            handle.write(document.data)
        done = subprocess.run(
            [lp, "-d", printer_name, "-n", str(max(1, copies)), "-t", document.title,
             *(arg for option in options for arg in ("-o", option)), str(path)],
            capture_output=True, text=True, timeout=60, check=False)
    finally:
        path.unlink(missing_ok=True)  # lp has copied the file into the spool
    if done.returncode != 0:
        raise OSError((done.stderr or done.stdout).strip() or f"lp exited {done.returncode}")
    return done.stdout.strip()


def print_documents(documents: Sequence[PdfDocument], printer_name: str,
                    copies: int = 1, *, like: QPrinter | None = None) -> tuple[str, int]:
    """Print each document as its own job (no summary page on the back of a handout page).

    Through CUPS the PDF itself is sent (``lp``); elsewhere each document is rasterised
    through Qt.  ``like``: a printer set up by the print dialog, whose sides and colour are
    kept.  Returns (how it was sent, number of jobs).
    """
    if cups_printer(printer_name):
        options = cups_options(like) if like is not None else []
        for document in documents:
            send_to_cups(document, printer_name, copies, options)
        return "CUPS (PDF)", len(documents)
    for document in documents:
        printer = make_printer(printer_name=printer_name, copies=copies, title=document.title)
        if like is not None:
            printer.setDuplex(like.duplex())
            printer.setColorMode(like.colorMode())
        paint_documents(printer, [document])
        del printer  # the job is submitted when the printer is released
    return "Qt (raster)", len(documents)


def print_from_dialog(documents: Sequence[PdfDocument], printer: QPrinter) -> tuple[str, int]:
    """Print what the system print dialog chose: each document its own job.

    "Print to file" writes every chosen document into that one file (a file has no back of a
    page); a printer gets one job per document, the PDF itself through CUPS.
    """
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat \
            and printer.outputFileName():
        paint_documents(printer, documents)
        return "a PDF file", 1
    return print_documents(documents, printer.printerName(), max(1, printer.copyCount()),
                           like=printer)


class LoadedPdf:
    """A QPdfDocument over bytes (keeps the buffer alive as long as the document)."""

    def __init__(self, data: bytes) -> None:
        self._bytes = QByteArray(data)
        self._buffer = QBuffer()
        self._buffer.setData(self._bytes)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise ValueError(f"the PDF could not be read ({self.document.error().name})")

    def page_count(self) -> int:
        return int(self.document.pageCount())

    def page_points(self, page: int) -> QSizeF:
        return self.document.pagePointSize(page)

    def render(self, page: int, dpi: int) -> QImage:
        points = self.page_points(page)
        size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
        image = self.document.render(page, size)
        # PDF pages have no background: paint them on white (printers and previews expect it).
        out = QImage(image.size(), QImage.Format.Format_RGB32)
        out.fill(0xFFFFFF)
        painter = QPainter(out)
        painter.drawImage(0, 0, image)
        painter.end()
        return out


def page_count(data: bytes) -> int:
    return LoadedPdf(data).page_count()


def _page_layout(points: QSizeF) -> QPageLayout:
    size = QPageSize(points, QPageSize.Unit.Point)
    orientation = (QPageLayout.Orientation.Landscape if points.width() > points.height()
                   else QPageLayout.Orientation.Portrait)
    return QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0))


def paint_documents(printer: QPrinter, documents: Sequence[PdfDocument]) -> int:
    """Paint every page of every document onto ``printer``; return the pages printed.

    The caller keeps ``printer`` referenced while this runs (PySide6 would otherwise free it).
    """
    loaded = [LoadedPdf(doc.data) for doc in documents]
    pages = [(pdf, n) for pdf in loaded for n in range(pdf.page_count())]
    if not pages:
        return 0
    printer.setFullPage(True)
    printer.setPageLayout(_page_layout(pages[0][0].page_points(pages[0][1])))
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("the printer could not be opened")
    try:
        for i, (pdf, n) in enumerate(pages):
            if i:
                printer.setPageLayout(_page_layout(pdf.page_points(n)))
                if not printer.newPage():
                    raise OSError("the printer refused a new page")
            target = printer.pageLayout().fullRectPixels(printer.resolution())
            dpi = min(PRINT_DPI, printer.resolution())
            painter.drawImage(target, pdf.render(n, dpi))
    finally:
        painter.end()
    return len(pages)


def make_printer(
    *, printer_name: str | None = None, output_file: Path | None = None, copies: int = 1,
    title: str = "ldn-cds",
) -> QPrinter:
    """A high-resolution QPrinter for a named printer, the default one, or a PDF file."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if output_file is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output_file))
    elif printer_name:
        printer.setPrinterName(printer_name)
    printer.setCopyCount(max(1, copies))
    printer.setDocName(title)
    printer.setFullPage(True)
    return printer


def available_printers() -> list[str]:
    return [str(name) for name in QPrinterInfo.availablePrinterNames()]


def default_printer() -> str:
    return str(QPrinterInfo.defaultPrinterName())


# -- the ``ldn-cds print`` command ------------------------------------------------------------

def _fail(message: str) -> int:
    sys.stderr.write(f"ldn-cds print: {message}\n")
    return 1


def _ensure_app() -> Any:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
                and sys.platform.startswith("linux"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([sys.argv[0] if sys.argv else "ldn-cds"])
    return app


def print_case_cli(args: argparse.Namespace, ruleset: RuleSet) -> int:
    """``ldn-cds print CASE.json``: assess, render and print without a window."""
    from ldn_cds.casefile import assess_file

    _app = _ensure_app()
    copies = int(getattr(args, "copies", 1) or 1)
    if copies < 1 or copies > 99:
        return _fail(f"--copies must be between 1 and 99 (got {copies})")
    wanted, problem = choose_printer(print_system(), getattr(args, "printer", None))
    if wanted is None:
        return _fail(problem or "no printer")
    path = Path(args.case)
    case, result, problems = assess_file(path, ruleset, getattr(args, "date", None))
    if result is None:
        for line in problems:
            sys.stderr.write(line + "\n")
        return 1
    from PySide6.QtCore import QSettings

    from ldn_cds.gui.settings import APPLICATION, ORGANIZATION, load_settings

    clinic = load_settings(QSettings(ORGANIZATION, APPLICATION))
    documents = render_documents(
        case, result, ruleset, clinic,
        handout=not getattr(args, "summary_only", False),
        summary=not getattr(args, "handout_only", False),
        overrides=getattr(args, "print_options", None),
    )
    try:
        how, jobs = print_documents(documents, wanted, copies)
    except (OSError, ValueError) as exc:
        return _fail(f"printing to {wanted!r} failed: {exc}")
    pages = sum(page_count(d.data) for d in documents)
    sys.stderr.write(f"ldn-cds print: sent {pages} page(s) x {copies} to {wanted} as {jobs} "
                     f"job(s) through {how}\n")
    if not ruleset.shipped:
        sys.stderr.write(f"ldn-cds print: rule set not the shipped one: {ruleset.origin}, "
                         f"sha256 {ruleset.sha256}\n")
    return 0

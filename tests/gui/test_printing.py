"""Printing: the real reportlab PDFs go through QPrinter page by page."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest

from ldn_cds.core.assessment import assess
from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.main_window import MainWindow
from ldn_cds.gui.printing import (
    make_printer,
    page_count,
    paint_documents,
    print_case_cli,
    render_documents,
)
from tests.conftest import ON, load_example
from tests.gui.fake_cups import FakeCups, cups_fixture  # noqa: F401 (the fixture)

pytestmark = pytest.mark.gui


def _pages(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def jane(example_files: list[Path], ruleset: RuleSet) -> tuple[Any, Any]:
    path = next(p for p in example_files if p.name == "jane-doe.json")
    case = load_example(path)
    return case, assess(case, on=case.assessed_on or ON, ruleset=ruleset)


def test_print_path_writes_the_handout_through_qprinter(
    qtbot: Any, tmp_path: Path, jane: tuple[Any, Any], ruleset: RuleSet
) -> None:
    case, result = jane
    documents = render_documents(case, result, ruleset, summary=False)
    assert [d.kind for d in documents] == ["handout"]
    expected = _pages(documents[0].data)
    assert page_count(documents[0].data) == expected
    out = tmp_path / "printed.pdf"
    printer = make_printer(output_file=out, title="handout")
    assert paint_documents(printer, documents) == expected
    del printer
    printed = pypdf.PdfReader(str(out))
    assert len(printed.pages) == expected
    # the printed page keeps the PDF's paper size (points, within rounding)
    source = pypdf.PdfReader(io.BytesIO(documents[0].data)).pages[0].mediabox
    assert abs(float(printed.pages[0].mediabox.width) - float(source.width)) < 2
    assert abs(float(printed.pages[0].mediabox.height) - float(source.height)) < 2


def test_both_documents_print_in_order(qtbot: Any, tmp_path: Path, jane: tuple[Any, Any],
                                       ruleset: RuleSet) -> None:
    case, result = jane
    documents = render_documents(case, result, ruleset)
    assert [d.kind for d in documents] == ["handout", "summary"]
    out = tmp_path / "both.pdf"
    printer = make_printer(output_file=out)
    total = sum(_pages(d.data) for d in documents)
    assert paint_documents(printer, documents) == total
    assert len(pypdf.PdfReader(str(out)).pages) == total


def test_preview_dialog_shows_the_real_pdfs_and_prints(
    window: MainWindow, qtbot: Any, tmp_path: Path, example_files: list[Path]
) -> None:
    window.open_path(example_files[0])
    dialog = window.preview_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.tabs.count() == 2
    assert [d.kind for d in dialog.documents] == ["handout", "summary"]
    assert dialog.printer is not None  # kept referenced for the dialog's lifetime
    assert all(v.document().pageCount() > 0 for v in dialog.views)
    dialog.checks["summary"].setChecked(False)
    out = tmp_path / "preview-print.pdf"
    printer = make_printer(output_file=out)
    pages = dialog.print_to(printer)
    assert pages == _pages(dialog.documents[0].data)
    assert len(pypdf.PdfReader(str(out)).pages) == pages


def test_print_is_allowed_for_every_verdict(window: MainWindow, qtbot: Any) -> None:
    window.on_new()  # needs information: the handout explains what happens next
    dialog = window.preview_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.documents
    assert all(d.data.startswith(b"%PDF") for d in dialog.documents)


def test_save_pdfs_writes_both_files(window: MainWindow, tmp_path: Path,
                                     example_files: list[Path]) -> None:
    window.open_path(next(p for p in example_files if p.name == "jane-doe.json"))
    paths = window.save_pdfs(tmp_path / "out")
    assert sorted(p.name for p in paths) == ["MRN-1-handout.pdf", "MRN-1-summary.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in paths)


def test_invalid_case_is_not_printed(window: MainWindow, modal_boxes: list[str]) -> None:
    window.on_new()
    window.form.dob.setText("19")
    window.form.flush()
    assert window.preview_dialog() is None
    assert "Nothing to print" in modal_boxes


def _args(case: Path, **kw: Any) -> argparse.Namespace:
    base = {"case": case, "printer": None, "handout_only": False, "summary_only": False,
            "copies": 1, "date": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_print_cli_unknown_printer_is_one_clear_line(
    qtbot: Any, capsys: pytest.CaptureFixture[str], example_files: list[Path], ruleset: RuleSet,
    cups: FakeCups,
) -> None:
    cups.set(running=True, printers=("Office",), default="Office")
    status = print_case_cli(_args(example_files[0], printer="NoSuchPrinter"), ruleset)
    err = capsys.readouterr().err
    assert status == 1
    assert "NoSuchPrinter" in err
    assert "available printers" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_print_cli_bad_case_file(qtbot: Any, capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path, ruleset: RuleSet,
                                 cups: FakeCups) -> None:
    cups.set(running=True, printers=("Office",), default="Office")
    broken = tmp_path / "bad.json"
    broken.write_text('{"schema_version": 1, "patient": {"sex": 3}}', encoding="utf-8")
    status = print_case_cli(_args(broken, printer="Office"), ruleset)
    err = capsys.readouterr().err
    assert status == 1
    assert "patient.sex" in err
    assert "Traceback" not in err


def test_print_cli_paints_to_the_named_printer(
    qtbot: Any, example_files: list[Path], ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path
) -> None:
    """Without CUPS: the named printer is redirected to a PDF file to count the pages."""
    import ldn_cds.gui.printing as printing

    no_cups = tmp_path / "bin"
    no_cups.mkdir()
    monkeypatch.setenv("PATH", str(no_cups))  # no lp, no lpstat: Qt is the print system
    monkeypatch.setattr(printing, "available_printers", lambda: ["Office"])
    made: dict[str, Any] = {}
    real = printing.make_printer

    def to_file(**kwargs: Any) -> Any:
        made.update(kwargs)
        return real(output_file=tmp_path / "cli.pdf", copies=kwargs.get("copies", 1))

    monkeypatch.setattr(printing, "make_printer", to_file)
    assert print_case_cli(_args(example_files[0], printer="Office", handout_only=True,
                                copies=2), ruleset) == 0
    assert made["printer_name"] == "Office"
    assert made["copies"] == 2
    case = load_example(example_files[0])
    result = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    handout = render_documents(case, result, ruleset, summary=False)[0]
    assert len(pypdf.PdfReader(str(tmp_path / "cli.pdf")).pages) == _pages(handout.data)


def test_refcount_of_none_is_stable(qtbot: Any) -> None:
    """PySide6 6.12.0 on CPython 3.11 lowers None's refcount on every void call."""
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
    assert sys.getrefcount(None) >= before

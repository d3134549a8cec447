"""Printing: one job per document, no patient name in the job title, the PDF itself to CUPS
(text layer kept), /Lang in the PDF."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pypdf
import pytest

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render_handout, render_summary
from ldn_cds.resources import examples_dir
from tests.gui.test_cups import QUEUE, cups_queue  # noqa: F401 (the CUPS fixture)
from tests.pdf.conftest import SETTINGS, Assessed

ROOT = Path(__file__).resolve().parents[2]


def test_pdfs_declare_their_language(examples: list[Assessed], ruleset: RuleSet) -> None:
    a = examples[0]
    for pdf in (render_handout(a.case, a.assessment, ruleset, SETTINGS),
                render_summary(a.case, a.assessment, ruleset, SETTINGS)):
        root = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
        assert root["/Lang"] == "en-US"


def test_job_titles_never_carry_the_patient_name() -> None:
    pytest.importorskip("PySide6.QtPdf")
    from ldn_cds.gui.printing import job_title

    assert job_title("handout", "MRN-1") == "LDN handout MRN-1"
    assert job_title("summary", "MRN-1") == "LDN clinician summary MRN-1"
    assert job_title("handout", None) == "LDN handout"
    assert job_title("handout", "../Jane Doe; rm -rf") == "LDN handout Jane_Doe_rm_-rf"


def test_rendered_documents_are_titled_without_the_name(example_files: list[Path],
                                                        ruleset: RuleSet) -> None:
    pytest.importorskip("PySide6.QtPdf")
    from ldn_cds.core.assessment import assess
    from ldn_cds.gui.printing import render_documents
    from tests.conftest import ON, load_example

    case = load_example(examples_dir() / "jane-doe.json")
    result = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    docs = render_documents(case, result, ruleset)
    assert [d.kind for d in docs] == ["handout", "summary"]
    for d in docs:
        assert "Jane" not in d.title
        assert "Doe" not in d.title


def test_each_document_is_its_own_job_without_cups(
    qtbot: Any, tmp_path: Path, example_files: list[Path], ruleset: RuleSet,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import ldn_cds.gui.printing as printing
    from ldn_cds.core.assessment import assess
    from tests.conftest import ON, load_example

    case = load_example(examples_dir() / "jane-doe.json")
    result = assess(case, on=case.assessed_on or ON, ruleset=ruleset)
    docs = printing.render_documents(case, result, ruleset)
    monkeypatch.setattr(printing, "cups_printer", lambda name: False)
    made: list[Path] = []
    real = printing.make_printer

    def to_file(**kwargs: Any) -> Any:
        made.append(tmp_path / f"job-{len(made)}.pdf")
        return real(output_file=made[-1], title=kwargs["title"])

    monkeypatch.setattr(printing, "make_printer", to_file)
    how, jobs = printing.print_documents(docs, "Office")
    assert (how, jobs) == ("Qt (raster)", 2)
    assert [len(pypdf.PdfReader(str(p)).pages) for p in made] == [
        len(pypdf.PdfReader(io.BytesIO(d.data)).pages) for d in docs]


# -- the real CUPS path (the cups-pdf queue of tests/gui/test_cups.py) ------------------------

def _new_pdfs(folder: Path, before: set[Path], marker: str, count: int,
              timeout: float = 60) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(p for p in set(folder.glob("*.pdf")) - before if marker in p.name)
        ready = []
        for path in found:
            try:
                pypdf.PdfReader(str(path))
            except Exception:  # still being written
                continue
            ready.append(path)
        if len(ready) >= count:
            return ready
        time.sleep(0.5)
    pytest.fail(f"fewer than {count} PDFs named *{marker}* appeared in {folder}")


@pytest.mark.gui
@pytest.mark.cups
@pytest.mark.slow
def test_print_command_sends_the_pdf_itself_to_cups(
    tmp_path: Path, cups_queue: Path,  # noqa: F811 (the imported fixture)
) -> None:
    folder = cups_queue
    marker = f"LPT{os.getpid()}"
    data = json.loads((examples_dir() / "jane-doe.json").read_text(encoding="utf-8"))
    data["patient"]["record_id"] = marker
    case = tmp_path / "case.json"
    case.write_text(json.dumps(data), encoding="utf-8")
    before = set(folder.glob("*.pdf")) if folder.is_dir() else set()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "ldn_cds", "print", str(case), "--printer", QUEUE,
         "--clinic-name", "Riverside Pain Clinic"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 job(s) through CUPS (PDF)" in done.stderr
    produced = _new_pdfs(folder, before, marker, 2)
    assert len(produced) == 2  # handout and summary: separate jobs
    names = " ".join(p.name for p in produced)
    assert "Jane" not in names
    assert "Doe" not in names
    texts = [" ".join(page.extract_text() or "" for page in pypdf.PdfReader(str(p)).pages)
             for p in produced]
    assert any("Your LDN plan" in t and "Riverside Pain Clinic" in t for t in texts)
    assert any("LDN clinical summary" in t for t in texts)  # the text layer survives
    assert not any("Your LDN plan" in t and "LDN clinical summary" in t for t in texts)

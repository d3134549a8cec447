"""write_case_pdfs: file names from the record id, and atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.pdf import render as render_module
from ldn_cds.pdf import safe_stem, write_case_pdfs
from tests.pdf.conftest import Assessed


def test_writes_both_documents_named_by_record_id(
    tmp_path: Path, examples: list[Assessed], ruleset: RuleSet
) -> None:
    a = examples[0]
    paths = write_case_pdfs(a.case, a.assessment, ruleset, out_dir=tmp_path / "out",
                            stem="fallback", invariant=True)
    stem = safe_stem(a.case.patient.record_id, "fallback")
    assert [p.name for p in paths] == [f"{stem}-summary.pdf", f"{stem}-handout.pdf"]
    for path in paths:
        assert path.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_hostile_record_id_stays_in_the_folder(
    tmp_path: Path, variants: dict[str, Assessed], ruleset: RuleSet
) -> None:
    a = variants["hostile"]
    paths = write_case_pdfs(a.case, a.assessment, ruleset, out_dir=tmp_path, stem="case-7")
    for path in paths:
        assert path.parent == tmp_path
        assert len(path.name) < 120


@pytest.mark.parametrize(("record_id", "stem", "expected"), [
    ("MRN-1", "file", "MRN-1"),
    (None, "jane-doe", "jane-doe"),
    ("../../etc/passwd", "x", "etc_passwd"),
    ("a b/c\\d:e", "x", "a_b_c_d_e"),
    ("///", "", "case"),
    ("مرحبا", "fallback", "fallback"),
])
def test_safe_stem(record_id: str | None, stem: str, expected: str) -> None:
    assert safe_stem(record_id, stem) == expected


def test_render_failure_writes_nothing(
    tmp_path: Path, examples: list[Assessed], ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = examples[0]

    def boom(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("render failed")

    monkeypatch.setattr(render_module, "render_handout", boom)
    with pytest.raises(RuntimeError, match="render failed"):
        write_case_pdfs(a.case, a.assessment, ruleset, out_dir=tmp_path, stem="s")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_no_partial_file(
    tmp_path: Path, examples: list[Assessed], ruleset: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = examples[0]
    stem = safe_stem(a.case.patient.record_id, "s")
    old = tmp_path / f"{stem}-handout.pdf"
    old.write_bytes(b"%PDF-old")
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync_fails_second_time(fd: int) -> None:
        # Count syncs of files only: the shared writer also syncs the folder.
        if stat.S_ISREG(os.fstat(fd).st_mode):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError("disk full")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_fails_second_time)
    with pytest.raises(OSError, match="disk full"):
        write_case_pdfs(a.case, a.assessment, ruleset, out_dir=tmp_path, stem="s")
    assert old.read_bytes() == b"%PDF-old"  # the previous file is untouched
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    summary = tmp_path / f"{stem}-summary.pdf"
    assert summary.read_bytes().startswith(b"%PDF-")
    assert summary.read_bytes().rstrip().endswith(
        b"%%EOF")

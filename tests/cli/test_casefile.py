"""Case files are read strictly and within bounds, and written privately and atomically."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from ldn_cds.casefile import (
    MAX_BYTES,
    read_case,
    read_json,
    write_case_data,
    write_private_atomic,
)
from tests.cli.test_cli import JANE, run_script

GOOD = JANE.read_text(encoding="utf-8")


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, expected words in its one-line error)."""
    files: dict[str, tuple[Path, str]] = {}
    dup = tmp_path / "duplicate.json"
    dup.write_text(GOOD.replace('"liver": "none"',
                                '"liver": "acute_hepatitis", "liver": "none"'), "utf-8")
    assert dup.read_text("utf-8") != GOOD
    files["duplicate"] = (dup, "'liver' appears twice")
    big = tmp_path / "big.json"
    big.write_text('{"schema_version": 1, "x": "' + "a" * (MAX_BYTES + 10) + '"}', "utf-8")
    files["big"] = (big, "too large")
    deep = tmp_path / "deep.json"
    deep.write_text('{"schema_version": 1, "patient": ' + "[" * 100_000 + "]" * 100_000 + "}",
                    "utf-8")
    files["deep"] = (deep, "nested more than")
    huge = tmp_path / "huge.json"
    huge.write_text('{"schema_version": 1, "pain": {"duration_months": 1' + "0" * 5000 + "}}",
                    "utf-8")
    files["huge-int"] = (huge, "out of range")
    inf = tmp_path / "inf.json"
    inf.write_text('{"schema_version": 1, "pain": {"duration_months": 1e999}}', "utf-8")
    files["infinite"] = (inf, "out of range")
    nan = tmp_path / "nan.json"
    nan.write_text('{"schema_version": 1, "pain": {"score_now": NaN}}', "utf-8")
    files["nan"] = (nan, "NaN")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    files["fifo"] = (fifo, "not a regular file")
    files["dev-zero"] = (Path("/dev/zero"), "not a regular file")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"schema_version": 1, "patient": {"name": "Jos\xe9"}}')
    files["not-utf8"] = (latin, "not UTF-8")
    return files


def test_each_bad_file_is_one_line_naming_the_file_and_the_batch_goes_on(
    tmp_path: Path,
) -> None:
    files = _bad_files(tmp_path)
    paths = [p for p, _ in files.values()]
    done = run_script("assess", *paths, JANE, "--json")  # a subprocess: nothing may hang
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = done.stderr.splitlines()
    for name, (path, words) in files.items():
        mine = [line for line in errors if line.startswith(f"{path}: ")]
        assert len(mine) == 1, (name, errors)
        assert words in mine[0], (name, mine)
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["file"] for o in out] == [str(JANE)]  # the good case after them is assessed


def test_duplicate_key_is_never_silently_the_last_one(tmp_path: Path) -> None:
    path, _ = _bad_files(tmp_path)["duplicate"]
    case, problems = read_case(path)
    assert case is None
    assert problems == [f"{path}: key 'liver' appears twice in one object; keep one"]


def test_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "p.json"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(read_json(fifo)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert result[0] == (None, [f"{fifo}: not a regular file; a case file is a regular "
                                f".json file"])


def test_a_good_file_still_reads(tmp_path: Path) -> None:
    case, problems = read_case(JANE)
    assert problems == []
    assert case is not None


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_are_owner_only_in_an_owner_only_new_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "case.json"
    write_case_data(target, json.loads(GOOD))
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    assert json.loads(target.read_text("utf-8")) == json.loads(GOOD)
    assert [p.name for p in target.parent.iterdir()] == ["case.json"]  # no temporary left


def test_overwriting_tightens_a_world_readable_case_file(tmp_path: Path) -> None:
    target = tmp_path / "case.json"
    target.write_text("{}", "utf-8")
    target.chmod(0o644)
    write_private_atomic(target, GOOD)
    assert _mode(target) == 0o600
    assert target.read_text("utf-8") == GOOD


def test_a_planted_symlink_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours", "utf-8")
    target = tmp_path / "case.json"
    target.symlink_to(victim)
    write_private_atomic(target, GOOD)
    assert victim.read_text("utf-8") == "not yours"
    assert not target.is_symlink()
    assert target.read_text("utf-8") == GOOD


def test_a_failed_write_leaves_the_old_file_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "case.json"
    target.write_text("old", "utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_private_atomic(target, GOOD)
    assert target.read_text("utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["case.json"]

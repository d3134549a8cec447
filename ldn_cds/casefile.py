"""Case files: strict, bounded reading and private, atomic writing.

Below both the command line and the window (neither imports the other for this).  Reading:

- regular files only (a FIFO, ``/dev/zero`` or a device is refused without blocking), at most
  :data:`MAX_BYTES`; UTF-8 JSON;
- a key that appears twice in one object is an error (JSON parsers silently keep the last,
  which once turned ``"liver": "acute_hepatitis"`` into ``"none"``);
- nesting deeper than :data:`MAX_DEPTH`, integers longer than :data:`MAX_INT_DIGITS` digits and
  ``NaN``/``Infinity`` are errors;

each problem is one line ``<file>: <where>: <message>``, so a batch goes on with the next file.

Writing: owner-only (0600 files; folders this module creates are 0700), atomic (a temporary
file created exclusively in the same folder, flushed, then renamed over the target), and never
through a planted symlink (the temporary name is created with ``O_EXCL``; the rename replaces a
link rather than following it).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ldn_cds.fileio import write_private_atomic

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 32
MAX_INT_DIGITS = 30


class CaseFileFormatError(ValueError):
    """The text is JSON-like but not acceptable as a case file (one line, no file name)."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise CaseFileFormatError(f"key {key!r} appears twice in one object; keep one")
        out[key] = value
    return out


def _parse_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        raise CaseFileFormatError(f"a number with {len(digits)} digits is out of range")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise CaseFileFormatError(f"the number {text[:20]} is out of range")
    return value


def _parse_constant(name: str) -> Any:
    raise CaseFileFormatError(f"{name} is not a number a case file may contain")


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of lists and objects, stopping early past ``limit``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads_strict(text: str) -> Any:
    """Parse JSON strictly; raise CaseFileFormatError or json.JSONDecodeError."""
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicates, parse_int=_parse_int,
                          parse_float=_parse_float,
                          parse_constant=_parse_constant)
    except RecursionError:
        raise CaseFileFormatError(f"nested more than {MAX_DEPTH} levels deep") from None
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise CaseFileFormatError(f"nested more than {MAX_DEPTH} levels deep")
    return data


def read_text_bounded(path: Path, *, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes.

    Raises OSError subclasses for missing or unreadable files and CaseFileFormatError for
    anything that is not a regular file, too large, or not UTF-8.  Never blocks on a FIFO.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise CaseFileFormatError(f"{kind}; a case file is a regular .json file")
        if info.st_size > limit:
            raise CaseFileFormatError(
                f"too large ({info.st_size:,} bytes; a case file is at most {limit:,})")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:  # grew while being read
                raise CaseFileFormatError(f"too large (a case file is at most {limit:,} bytes)")
            chunks.append(chunk)
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileFormatError(f"cannot read: not UTF-8 text (byte {exc.start})") from None


def read_json(path: Path, *, limit: int = MAX_BYTES,
              what: str = "a case file") -> tuple[Any, list[str]]:
    """(data, problems as '<file>: ...' lines) for any strict JSON file of at most ``limit``
    bytes (``what`` names the kind of file in the size message)."""
    try:
        text = read_text_bounded(path, limit=limit)
    except FileNotFoundError:
        return None, [f"{path}: file not found"]
    except CaseFileFormatError as exc:
        return None, [f"{path}: {str(exc).replace('a case file', what)}"]
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc.strerror or exc}"]
    try:
        return loads_strict(text), []
    except json.JSONDecodeError as exc:
        return None, [f"{path}: line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"]
    except CaseFileFormatError as exc:
        return None, [f"{path}: {exc}"]


def read_case_data(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The case file's JSON object, unvalidated (problems as one line each)."""
    data, problems = read_json(path)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [f"{path}: a case file is a JSON object ({{...}}), not "
                      f"{type(data).__name__}"]
    return data, []


def validate_case(path: Path, data: dict[str, Any]) -> tuple[Any, list[str]]:
    """(case, problems as 'file: field: message') for the JSON object read from ``path``."""
    from pydantic import ValidationError

    from ldn_cds.core.errors import describe
    from ldn_cds.core.models import parse_case

    try:
        return parse_case(data), []
    except ValidationError as exc:
        return None, [f"{path}: {field}: {message}" for field, message in describe(exc)]
    except RecursionError:
        return None, [f"{path}: nested too deeply"]


def read_case(path: Path) -> tuple[Any, list[str]]:
    """Read and validate one case file; return (case, problems as 'file: field: message').

    A draft (see :func:`draft_data`) is refused with one line naming the file.
    """
    data, problems = read_case_data(path)
    if data is None:
        return None, problems
    if is_draft(data):
        return None, [draft_problem(path, data)]
    return validate_case(path, data)


# -- drafts: a half-finished case saved on purpose ------------------------------------------------

DRAFT_KEY = "ldn_cds_draft"
"""The key that marks a draft; a case file never has it (an unknown key is an error there)."""
DRAFT_FORMAT = 1


def is_draft(data: Any) -> bool:
    """Whether a JSON object read from a case file is a draft wrapper."""
    return isinstance(data, dict) and DRAFT_KEY in data


def draft_data(case: dict[str, Any], problems: Sequence[tuple[str, str]],
               saved_at: str) -> dict[str, Any]:
    """A draft: the case exactly as entered (typed text kept, valid or not) in a wrapper.

    ``{"ldn_cds_draft": 1, "saved_at": ..., "problems": ["field: message", ...], "case": {...}}``
    A strict reader recognises the marker and says the file is a draft; nothing assesses it.
    """
    return {DRAFT_KEY: DRAFT_FORMAT, "saved_at": saved_at,
            "problems": [f"{field}: {message}" if field else message
                         for field, message in problems],
            "case": case}


def draft_problem(path: Path, data: dict[str, Any]) -> str:
    """The one line a headless reader gives for a draft."""
    raw = data.get("problems")
    count = len(raw) if isinstance(raw, list) else 0
    what = f"{count} answer{'s' if count != 1 else ''} missing or invalid" if count else \
        "not finished"
    return (f"{path}: a draft, not a finished case ({what}); open it in the window "
            f"(ldn-cds gui {path.name}), complete it and save it before it can be assessed")


def read_draft_case(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str]]:
    """The case inside a draft wrapper (unvalidated), or problems naming the file."""
    version = data.get(DRAFT_KEY)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return None, [f"{path}: {DRAFT_KEY}: not a draft format this program knows"]
    if version > DRAFT_FORMAT:
        return None, [f"{path}: {DRAFT_KEY} is {version}; this program reads drafts of "
                      f"format {DRAFT_FORMAT}. Open it with a newer ldn-cds."]
    case = data.get("case")
    if not isinstance(case, dict):
        return None, [f"{path}: case: a draft holds its case as a JSON object ({{...}})"]
    return case, []


def assess_file(path: Path, ruleset: Any, on: date | None) -> tuple[Any, Any, list[str]]:
    """(case, assessment, problems) for one file; the date falls back to the case's, then today."""
    from ldn_cds.core.assessment import assess
    from ldn_cds.core.dosing import DosingError

    case, problems = read_case(path)
    if case is None:
        return None, None, problems
    when = on or case.assessed_on or date.today()
    try:
        return case, assess(case, on=when, ruleset=ruleset), []
    except DosingError as exc:
        return case, None, [f"{path}: plan: {exc}"]


def expand_paths(paths: Sequence[Path]) -> Iterator[tuple[Path, str | None]]:
    """Files in input order; a folder expands to its *.json files sorted by name."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                yield path, "folder contains no .json case files"
            for item in found:
                yield item, None
        else:
            yield path, None


# -- writing -----------------------------------------------------------------------------------


def ensure_private_dir(folder: Path) -> None:
    """Create ``folder`` (and parents) owner-only when missing; tighten it when it is ours.

    Only folders the program owns are tightened (an application-data folder); a folder the user
    chose keeps its permissions, but everything written into it is owner-only.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if stat.S_ISLNK(info.st_mode):
        raise OSError(f"{folder} is a symbolic link; refusing to write patient data through it")


def case_json(data: dict[str, Any]) -> str:
    """The text of a case file (stable key order as given, UTF-8, trailing newline)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_case_data(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON-like case to ``path`` (owner-only, atomic)."""
    write_private_atomic(path, case_json(data))


# -- recovery drafts ----------------------------------------------------------------------------


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return cleaned[:40] or "case"


class Draft:
    """One recovery draft and its lock; the lock is held while a window has the case open.

    The lock is ``flock`` on a companion ``.lock`` file: the system drops it when the process
    ends, so a crashed window's draft can be restored, while a live window's draft is never
    taken, overwritten or deleted by another window (even in the same process).
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def write(self, payload: dict[str, Any]) -> None:
        if self._fd is None:
            raise OSError(f"{self.path.name}: the draft is not held by this window")
        write_private_atomic(self.path, json.dumps(payload, indent=1, default=str))

    def read(self) -> dict[str, Any] | None:
        data, problems = read_json(self.path)
        return data if not problems and isinstance(data, dict) else None

    def release(self) -> None:
        """Give up the lock and keep the draft (what a crash does)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def remove(self) -> None:
        """Delete the draft (the case was saved or discarded) and its lock."""
        if self._fd is None:
            return
        for item in (self.path, self.lock_path):
            with contextlib.suppress(OSError):
                item.unlink()
        self.release()


def _try_lock(lock_path: Path) -> int | None:
    import fcntl

    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(lock_path, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


class DraftStore:
    """Recovery drafts in one owner-only folder: one per open case, named after the case."""

    PREFIX = "draft-"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def claim(self, key: str, label: str) -> Draft:
        """A draft for the case ``key`` (its absolute path, or an id for a new case).

        When another window holds the draft of the same case, this one gets its own
        (``-2``, ``-3``, ...): neither overwrites the other.
        """
        import hashlib

        ensure_private_dir(self.folder)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
        n = 1
        while True:
            suffix = "" if n == 1 else f"-{n}"
            path = self.folder / f"{self.PREFIX}{_slug(label)}-{digest}{suffix}.json"
            fd = _try_lock(path.with_name(path.name + ".lock"))
            if fd is not None:
                return Draft(path, fd)
            n += 1

    def orphans(self) -> list[tuple[Draft, dict[str, Any]]]:
        """Drafts no open window holds (left by a crash), newest first, each now locked.

        Unreadable drafts are left where they are.  The caller keeps one and releases the rest.
        """
        if not self.folder.is_dir():
            return []
        found: list[tuple[Draft, dict[str, Any]]] = []
        for path in sorted(self.folder.glob(f"{self.PREFIX}*.json")):
            fd = _try_lock(path.with_name(path.name + ".lock"))
            if fd is None:
                continue  # an open window's draft
            draft = Draft(path, fd)
            payload = draft.read()
            if payload is None or not isinstance(payload.get("case"), dict):
                draft.release()
                continue
            found.append((draft, payload))
        found.sort(key=lambda item: str(item[1].get("saved_at", "")), reverse=True)
        return found

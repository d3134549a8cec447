"""Writing a file owner-only and atomically: the one place that does it.

Case files, drafts, PDFs and the parsed rule-set cache all go through
:func:`write_private_atomic`: a temporary file created 0600 in the target folder (never
following a planted symlink), flushed and synced, then moved over the target with
``os.replace``; on any failure the temporary file is removed, so no partial file remains.
Output folders of a batch (``--pdf-dir``, ``--fhir-out``) are made owner-only by
:func:`output_folder_problem`.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path


def write_private_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` owner-only (0600) and atomically; no partial file remains."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_stem(record_id: str | None, fallback: str) -> str:
    """A file-name stem from the record id (or the fallback): letters, digits, ``. _ -``."""
    for candidate in (record_id, fallback):
        if candidate:
            cleaned = _UNSAFE.sub("_", candidate).strip("._-")[:80].rstrip("._-")
            if cleaned:
                return cleaned
    return "case"


def unique_stem(stem: str, used: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``, ... when an earlier output of the batch took it;
    the name returned is added to ``used``."""
    name, n = stem, 1
    while name in used:
        n += 1
        name = f"{stem}-{n}"
    used.add(name)
    return name


def output_folder_problem(out_dir: Path, option: str) -> str | None:
    """Create ``out_dir`` owner-only when missing; the usage problem in words (naming
    ``option``, e.g. ``--pdf-dir``), or None when it is a folder to write into."""
    if out_dir.exists() and not out_dir.is_dir():
        return f"{option} {out_dir} is a file, not a folder"
    try:
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        return f"{option} {out_dir}: cannot create the folder: {exc.strerror or exc}"
    return None

"""The hash-chained audit log: how an entry is hashed, and how the chain is checked.

Every change the program makes to a registry row appends one entry in the same transaction:
the action, the row it touched, the SHA-256 of the row's content after the change, the hash of
the previous entry and its own hash over all of these. Nothing in the program updates or deletes
an entry (the database refuses it too: see ``schema``). ``verify`` recomputes the chain and
compares the last recorded content hash of every row with the row as it is now, so an edit made
behind the program's back, to an entry or to the data, is named with the first entry it breaks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64
TRACKED = ("patients", "assessments", "followups", "overrides", "documents")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return repr(value)
    return value


def canonical(data: Mapping[str, Any]) -> bytes:
    """The same bytes for the same content on SQLite and PostgreSQL (times in UTC)."""
    return json.dumps({k: _plain(v) for k, v in data.items()}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def row_hash(row: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def entry_hash(*, seq: int, at: datetime, action: str, table_name: str, row_id: int,
               payload_sha256: str, prev_hash: str) -> str:
    return hashlib.sha256(canonical({
        "seq": seq, "at": at, "action": action, "table_name": table_name, "row_id": row_id,
        "payload_sha256": payload_sha256, "prev_hash": prev_hash,
    })).hexdigest()


@dataclass(frozen=True)
class Problem:
    seq: int | None
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}" if self.seq is not None else self.message


@dataclass(frozen=True)
class AuditReport:
    entries: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def verify(entries: Iterable[Mapping[str, Any]],
           rows: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> AuditReport:
    """Check the chain (entries in ``seq`` order) and that each row matches its last entry.

    Args:
        entries: the audit rows, ordered by ``seq``.
        rows: for each tracked table, its rows as they are now, by id.
    """
    problems: list[Problem] = []
    last: dict[tuple[str, int], tuple[int, str, str]] = {}
    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        seq = int(entry["seq"])
        if seq != expected_seq:
            problems.append(Problem(seq, f"entries {expected_seq} to {seq - 1} are missing"))
        if entry["prev_hash"] != prev:
            problems.append(Problem(seq, "does not follow the entry before it "
                                         "(the previous entry was changed or removed)"))
        recomputed = entry_hash(
            seq=seq, at=entry["at"], action=entry["action"], table_name=entry["table_name"],
            row_id=int(entry["row_id"]), payload_sha256=entry["payload_sha256"],
            prev_hash=entry["prev_hash"])
        if recomputed != entry["entry_hash"]:
            problems.append(Problem(seq, "was changed after it was written (its hash does "
                                         "not match its content)"))
        prev = entry["entry_hash"]
        expected_seq = seq + 1
        last[(entry["table_name"], int(entry["row_id"]))] = (
            seq, entry["payload_sha256"], entry["action"])
    for table in TRACKED:
        current = rows.get(table, {})
        for row_id, row in sorted(current.items()):
            recorded = last.get((table, row_id))
            if recorded is None:
                problems.append(Problem(None, f"{table} row {row_id} was added outside the "
                                              "program (no audit entry)"))
            elif recorded[1] != row_hash(row):
                problems.append(Problem(recorded[0], f"{table} row {row_id} was changed "
                                                     "outside the program after this entry"))
        for (name, row_id), (seq, _digest, _action) in sorted(last.items()):
            if name == table and row_id not in current:
                problems.append(Problem(seq, f"{table} row {row_id} was deleted outside the "
                                             "program"))
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return AuditReport(entries=count, problems=tuple(problems))

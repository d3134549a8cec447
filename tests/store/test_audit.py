from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from ldn_cds.core.followup import FollowUp
from ldn_cds.store import open_registry
from ldn_cds.store.audit import GENESIS, entry_hash, verify
from tests.store.helpers import save


def _busy_registry(db_url: str) -> int:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
        save(reg, "tramadol-current", record_id="A-77", name="José Álvarez")
        pid = reg.patients("MRN-1")[0].id
        fid = reg.add_followup(pid, FollowUp(on=date(2027, 1, 4), pain_score=5, dose_mg=3.0))
        reg.update_followup(fid, FollowUp(on=date(2027, 1, 4), pain_score=4, dose_mg=3.0))
        aid = reg.assessments(pid)[0]["id"]
        reg.record_override(aid, "fibromyalgia-evidence", "discussed the 2024 trial")
        reg.record_document(pid, "handout", "ab" * 32, assessment_id=aid)
        report = reg.verify_audit()
    assert report.ok, report.problems
    return report.entries


def _raw(db_url: str, *statements: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def _disable_guard(db_url: str) -> tuple[str, ...]:
    if db_url.startswith("sqlite"):
        return ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete")
    return ("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",)


def test_every_change_is_one_entry_and_the_chain_verifies(db_url: str) -> None:
    # 2 patients + 2 assessments + follow-up added + changed + override + document
    assert _busy_registry(db_url) == 8


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET action = 'nothing' WHERE seq = 2",
    "DELETE FROM audit_log WHERE seq = 8",
])
def test_the_database_refuses_to_change_the_audit_log(db_url: str, statement: str) -> None:
    _busy_registry(db_url)
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(db_url, statement)
    with open_registry(db_url) as reg:
        assert reg.verify_audit().ok


@pytest.mark.parametrize(("statements", "first_seq", "words"), [
    (["UPDATE audit_log SET action = 'record changed' WHERE seq = 3"], 3, "was changed after"),
    (["DELETE FROM audit_log WHERE seq = 5"], 6, "missing"),
    (["UPDATE followups SET pain_score = 0"], 6, "followups row 1 was changed outside"),
    (["UPDATE assessments SET verdict = 'candidate' WHERE id = 1"], 2,
     "assessments row 1 was changed outside"),
    (["DELETE FROM documents"], 8, "documents row 1 was deleted outside"),
    (["INSERT INTO overrides (assessment_id, rule_id, reason, at) "
      "VALUES (1, 'x', 'y', '2027-01-01 00:00:00')"], None, "added outside the program"),
])
def test_an_edit_behind_the_programs_back_is_named(
        db_url: str, statements: list[str], first_seq: int | None, words: str) -> None:
    _busy_registry(db_url)
    _raw(db_url, *_disable_guard(db_url), *statements)
    with open_registry(db_url) as reg:
        report = reg.verify_audit()
    assert not report.ok
    first = report.first_broken
    assert first is not None
    if first_seq is not None:
        assert first.seq == first_seq
    assert any(words in str(p) for p in report.problems), report.problems


# -- the chain itself, property-based -------------------------------------------------------
def _chain(n: int) -> tuple[list[dict[str, Any]], dict[str, dict[int, dict[str, Any]]]]:
    entries, rows = [], {"followups": {}}
    prev = GENESIS
    start = datetime(2027, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    from ldn_cds.store.audit import row_hash

    for seq in range(1, n + 1):
        row = {"id": seq, "pain_score": seq % 11, "visit_on": date(2027, 1, 1)}
        rows["followups"][seq] = row
        at = start + timedelta(minutes=seq)
        fields = {"seq": seq, "at": at, "action": "follow-up recorded",
                  "table_name": "followups", "row_id": seq, "payload_sha256": row_hash(row),
                  "prev_hash": prev}
        entry = {**fields, "entry_hash": entry_hash(**fields)}
        entries.append(entry)
        prev = entry["entry_hash"]
    return entries, rows


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 30), data=st.data())
def test_any_single_tampered_field_is_caught(n: int, data: st.DataObject) -> None:
    entries, rows = _chain(n)
    assert verify(entries, rows).ok
    index = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(
        ["at", "action", "row_id", "payload_sha256", "prev_hash", "entry_hash", "drop"]))
    tampered = [dict(e) for e in entries]
    if field == "drop":
        del tampered[index]
    elif field == "at":
        tampered[index]["at"] += timedelta(seconds=1)
    elif field == "row_id":
        tampered[index]["row_id"] += 1000
    else:
        tampered[index][field] = "f" * 64 if field != "action" else "record changed"
    report = verify(tampered, rows)
    assert not report.ok
    first = report.first_broken
    assert first is not None
    # the first problem is at the tampered entry or (for a dropped last entry) names its row
    assert first.seq is None or first.seq <= index + 2

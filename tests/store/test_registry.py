from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest

from ldn_cds.core.followup import Adherence, FollowUp, SideEffect
from ldn_cds.resources import default_ruleset
from ldn_cds.store import RegistryError, open_registry
from tests.store.helpers import assessed, save


def test_two_assessments_with_one_record_id_are_one_patient(db_url: str) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
        save(reg, "jane-doe")
        rows = reg.patients()
        assert len(rows) == 1
        assert rows[0].record_id == "MRN-1"
        assert rows[0].assessments == 2
        saved = reg.assessments(rows[0].id)
    case, result = assessed("jane-doe")
    assert json.loads(saved[0]["case_json"]) == case
    assert json.loads(saved[0]["result_json"]) == result
    assert saved[0]["verdict"] == result["verdict"]
    assert saved[0]["ruleset_sha256"] == default_ruleset().sha256
    assert saved[0]["ruleset_origin"] is None
    assert saved[0]["prescriber"] == "Dr A. Test"


def test_without_record_id_name_and_birth_date_identify_the_patient(db_url: str) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe", record_id=None, name="Ann Lee", date_of_birth="1970-01-02")
        save(reg, "jane-doe", record_id=None, name="Ann Lee", date_of_birth="1970-01-02")
        # same name, another birthday: another person, never merged
        save(reg, "jane-doe", record_id=None, name="Ann Lee", date_of_birth="1971-01-02")
        # no name: nothing to match on, so a new patient rather than a guess
        save(reg, "jane-doe", record_id=None, name=None, date_of_birth=None)
        counts = sorted(row.assessments for row in reg.patients())
    assert counts == [1, 1, 2]


def test_search_matches_name_or_record_id_in_any_case(db_url: str) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe", record_id="MRN-1", name="Jane Doe")
        save(reg, "tramadol-current", record_id="A-77", name="José Álvarez")
        save(reg, "pregnant", record_id="B-5", name="Janet Smith")
        assert [r.name for r in reg.patients("doe")] == ["Jane Doe"]
        assert [r.record_id for r in reg.patients("a-77")] == ["A-77"]
        assert {r.name for r in reg.patients("JANE DOE")} == {"Jane Doe"}
        assert {r.name for r in reg.patients("jan")} == {"Jane Doe", "Janet Smith"}
        assert [r.name for r in reg.patients("álvarez")] == ["José Álvarez"]
        assert [r.name for r in reg.patients("JOSÉ")] == ["José Álvarez"]
        assert reg.patients("nobody") == []
        assert len(reg.patients("  ")) == 3


def test_follow_up_is_recorded_edited_and_read_back(db_url: str) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
        pid = reg.patients()[0].id
        first = FollowUp(on=date(2026, 12, 21), dose_mg=3.0, pain_score=6, pgic=3,
                         side_effects=(SideEffect.VIVID_DREAMS, SideEffect.OTHER),
                         side_effect_other="dry mouth", adherence=Adherence.MOST,
                         note="sleeping worse first week")
        fid = reg.add_followup(pid, first)
        assert reg.followups(pid) == [(fid, first)]
        corrected = first.model_copy(update={"pain_score": 5})
        reg.update_followup(fid, corrected)
        assert reg.followups(pid) == [(fid, corrected)]
        assert reg.patients()[0].followups == 1
        assert reg.patients()[0].last_seen == date(2026, 12, 21)
        with pytest.raises(RegistryError, match="patient 999 does not exist"):
            reg.add_followup(999, first)
        with pytest.raises(RegistryError, match="follow-up 999 does not exist"):
            reg.update_followup(999, first)


def test_response_uses_the_assessment_baseline_and_the_dose_plan(db_url: str) -> None:
    ruleset = default_ruleset()
    _case, result = assessed("jane-doe")
    plan = result["dose_plan"]
    start = date.fromisoformat(plan["start_on"])
    review = date.fromisoformat(plan["review_on"])
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
        pid = reg.patients()[0].id
        reg.add_followup(pid, FollowUp(on=start + timedelta(weeks=4), dose_mg=3.0, pain_score=6))
        before_review = reg.response(pid, review - timedelta(days=1), ruleset)
        overdue = reg.response(pid, review + timedelta(days=3), ruleset)
        reg.add_followup(pid, FollowUp(on=review + timedelta(days=3), dose_mg=4.5, pain_score=4))
        now = reg.response(pid, review + timedelta(days=3), ruleset)
    assert not before_review.due_for_review
    assert overdue.due_for_review
    assert not now.due_for_review
    # the example's pain score now is 7: 7 -> 4 is a 43% reduction, meaningful not substantial
    assert now.baseline_pain == 7
    assert now.latest_pain == 4
    assert now.reduction_percent == pytest.approx(42.9, abs=0.05)
    assert now.classification == "meaningful"
    assert now.review_on == review
    assert now.weeks_on_ldn == pytest.approx((review - start).days / 7 + 3 / 7, abs=0.05)


def test_the_sqlite_registry_is_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "ldn-cds"
    with open_registry(f"sqlite:///{folder / 'registry.sqlite3'}") as reg:
        save(reg, "jane-doe")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "registry.sqlite3").st_mode) == 0o600


def test_default_location_is_the_user_data_folder(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LDN_CDS_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with open_registry() as reg:
        assert reg.where.endswith(f"{tmp_path}/ldn-cds/registry.sqlite3")
    assert (tmp_path / "ldn-cds" / "registry.sqlite3").is_file()
    monkeypatch.setenv("LDN_CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    with open_registry() as reg:
        assert reg.where.endswith("other.db")


def test_a_bad_url_or_a_foreign_database_is_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    with pytest.raises(RegistryError, match="not a database URL"):
        open_registry("not a url")
    other = tmp_path / "app.db"
    con = sqlite3.connect(other)
    con.execute("create table invoices (id integer)")
    con.commit()
    con.close()
    before = other.read_bytes()
    with pytest.raises(RegistryError, match="not an ldn-cds registry; it was not changed"):
        open_registry(f"sqlite:///{other}")
    assert other.read_bytes() == before
    with pytest.raises(RegistryError, match="no registry here"):
        open_registry(f"sqlite:///{tmp_path / 'missing.db'}", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_postgresql_password_is_never_shown() -> None:
    from ldn_cds.store.registry import display_url

    shown = display_url("postgresql+psycopg://ldn:s3cret@db.example:5432/ldn")
    assert "s3cret" not in shown
    assert "db.example" in shown


def test_the_cases_overrides_are_recorded_with_the_assessment(db_url: str) -> None:
    case, result = assessed("jane-doe")
    case = json.loads(json.dumps(case))
    case["overrides"] = [{"rule_id": "hypothyroid-levothyroxine", "reason_code": "will_monitor",
                          "comment": "TSH in 6 weeks", "by": "Dr A. Test", "on": "2026-11-23"}]
    with open_registry(db_url) as reg:
        aid = reg.save_assessment(case, result, ruleset=default_ruleset(),
                                  program_version="0.1.0")
        [override] = reg.overrides(aid)
        assert override["rule_id"] == "hypothyroid-levothyroxine"
        assert override["reason"] == "will_monitor: TSH in 6 weeks"
        assert override["by"] == "Dr A. Test"
        assert reg.verify_audit().ok
        assert reg.verify_audit().entries == 3  # patient, assessment, override

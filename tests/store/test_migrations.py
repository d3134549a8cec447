from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from ldn_cds.core.followup import FollowUp
from ldn_cds.store import RegistryError, open_registry
from ldn_cds.store import schema as store_schema
from ldn_cds.store.registry import Registry, migrate, schema_version
from tests.store.helpers import save


def _version_one_with_data(db_url: str) -> None:
    """A registry as the first schema made it, with two saved assessments."""
    engine = create_engine(db_url)
    if db_url.startswith("sqlite"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate(engine, upto=1)
    assert schema_version(engine) == 1
    reg = Registry(engine, db_url)
    save(reg, "jane-doe")
    save(reg, "tramadol-current", record_id="A-77", name="José Álvarez")
    reg.close()


def test_a_first_schema_registry_upgrades_with_nothing_lost(db_url: str) -> None:
    _version_one_with_data(db_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        before = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                  for t in ("patients", "assessments", "audit_log")}
    engine.dispose()
    with open_registry(db_url) as reg:
        assert schema_version(reg.engine) == store_schema.LATEST
        with reg.engine.connect() as conn:
            after = {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                     for t in before}
        assert after == before
        assert reg.verify_audit().ok
        pid = reg.patients("MRN-1")[0].id
        reg.add_followup(pid, FollowUp(on=date(2027, 1, 4), pain_score=5))
        assert reg.verify_audit().ok
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        backup = path.with_name(path.name + ".v1.bak")
        assert backup.is_file()
        assert backup.stat().st_mode & 0o077 == 0


def test_migrating_from_nothing_gives_the_declared_schema(db_url: str) -> None:
    with open_registry(db_url) as reg:
        found = inspect(reg.engine)
        for table in store_schema.metadata.sorted_tables:
            columns = {c["name"]: c for c in found.get_columns(table.name)}
            assert set(columns) == {c.name for c in table.columns}, table.name
            for column in table.columns:
                assert columns[column.name]["nullable"] == column.nullable, (
                    f"{table.name}.{column.name}")


def test_a_registry_from_a_newer_program_is_refused_and_untouched(db_url: str) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ldn_meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    before = (Path(db_url.removeprefix("sqlite:///")).read_bytes()
              if db_url.startswith("sqlite") else None)
    with pytest.raises(RegistryError, match=r"newer ldn-cds \(schema version 99; this program "
                                            r"knows up to 2\)\. It was not changed"):
        open_registry(db_url)
    if before is not None:
        assert Path(db_url.removeprefix("sqlite:///")).read_bytes() == before
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM ldn_meta")).scalar() == "99"
        assert conn.execute(text("SELECT count(*) FROM assessments")).scalar() == 1
    engine.dispose()


def test_a_failed_upgrade_step_leaves_the_database_at_its_version(tmp_path: Path,
                                                                  monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    _version_one_with_data(url)

    def broken(conn):  # type: ignore[no-untyped-def]
        conn.execute(text("CREATE TABLE half_done (id integer)"))
        conn.execute(text("SELECT nothing FROM no_such_table"))  # fails after the first step

    monkeypatch.setattr(store_schema, "MIGRATIONS", (store_schema.MIGRATIONS[0], broken))
    with pytest.raises(RegistryError, match="upgrading the registry from schema version 1"):
        open_registry(url)
    engine = create_engine(url)
    assert schema_version(engine) == 1
    assert "half_done" not in inspect(engine).get_table_names()
    engine.dispose()

"""A killed writer and concurrent writers never leave a broken registry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ldn_cds.core.followup import FollowUp
from ldn_cds.store import RegistryBusy, open_registry
from ldn_cds.store import registry as store_registry
from tests.store.helpers import save

REPO = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from datetime import date, timedelta
from ldn_cds.core.followup import FollowUp
from ldn_cds.store import open_registry
reg = open_registry(sys.argv[1])
pid = int(sys.argv[2])
for i in range(100000):
    reg.add_followup(pid, FollowUp(on=date(2027, 1, 1) + timedelta(days=i % 300),
                                   pain_score=i % 11, note="x" * 500))
    print(i + 1, flush=True)
"""


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.6])
def test_killing_a_writer_mid_save_keeps_every_committed_visit(db_url: str,
                                                               delay: float) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
        pid = reg.patients()[0].id
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, db_url, str(pid)],
                            stdout=subprocess.PIPE, text=True, env=env)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    confirmed = int(out.split()[-1]) if out.split() else 0
    with open_registry(db_url) as reg:
        report = reg.verify_audit()
        saved = len(reg.followups(pid))
    assert report.ok, report.problems
    # every visit the writer saw committed is there; at most the one in flight is not
    assert confirmed <= saved <= confirmed + 1
    if db_url.startswith("sqlite"):
        engine = create_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        engine.dispose()


def test_concurrent_writers_never_fork_the_chain(db_url: str) -> None:
    with open_registry(db_url) as reg:
        save(reg, "jane-doe")
        pid = reg.patients()[0].id
    errors: list[BaseException] = []

    def write(offset: int) -> None:
        try:
            with open_registry(db_url) as mine:
                for i in range(15):
                    mine.add_followup(pid, FollowUp(on=date(2027, 1, 1) + timedelta(days=i),
                                                    pain_score=(i + offset) % 11))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    with open_registry(db_url) as reg:
        report = reg.verify_audit()
        assert report.ok, report.problems
        assert len(reg.followups(pid)) == 45


def test_a_busy_sqlite_registry_says_so_and_saves_nothing(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    with open_registry(url) as reg:
        save(reg, "jane-doe")
        pid = reg.patients()[0].id
    monkeypatch.setattr(store_registry, "BUSY_SECONDS", 0.3)
    other = sqlite3.connect(tmp_path / "r.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another window in the middle of a save
    try:
        with open_registry(url) as reg, \
                pytest.raises(RegistryBusy, match="busy .* nothing was saved: try again"):
            reg.add_followup(pid, FollowUp(on=date(2027, 1, 4), pain_score=5))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with open_registry(url) as reg:
        assert reg.followups(pid) == []
        reg.add_followup(pid, FollowUp(on=date(2027, 1, 4), pain_score=5))
        assert len(reg.followups(pid)) == 1
        assert reg.verify_audit().ok

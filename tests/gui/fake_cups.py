"""A stand-in for the CUPS command-line tools (``lpstat`` and ``lp``) on PATH.

The program asks CUPS through these two commands, so a test puts scripts with the same names
first on PATH: ``lpstat`` answers from a small JSON state file (is the scheduler running,
which printers, which default) and ``lp`` keeps each job it is given (arguments and the PDF)
in a folder.  ``CUPS_SERVER`` points at a socket that does not exist, so nothing in the
process (Qt reads CUPS through libcups) reaches a real scheduler.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

LPSTAT = r'''
import json, os, sys
state = json.load(open(os.environ["FAKE_CUPS_STATE"]))
args = sys.argv[1:]
if not state["running"]:
    if args == ["-r"]:
        print("scheduler is not running")
        sys.exit(0)
    print("lpstat: Scheduler is not running.", file=sys.stderr)
    sys.exit(1)
if args == ["-r"]:
    print("scheduler is running")
elif args == ["-e"]:
    for name in state["printers"]:
        print(name)
elif args == ["-d"]:
    if state["default"]:
        print("system default destination: " + state["default"])
    else:
        print("no system default destination")
elif args[:1] == ["-p"]:
    names = args[1:] or state["printers"]
    for name in names:
        if name not in state["printers"]:
            print(f'lpstat: Invalid destination name in list "{name}".', file=sys.stderr)
            sys.exit(1)
        print(f"printer {name} is idle.  enabled since Mon 23 Nov 2026 09:00:00")
else:
    print("lpstat: unsupported in this fake: " + " ".join(args), file=sys.stderr)
    sys.exit(2)
'''

LP = r'''
import json, os, shutil, sys
state_path = os.environ["FAKE_CUPS_STATE"]
state = json.load(open(state_path))
if not state["running"]:
    print("lp: Scheduler is not running.", file=sys.stderr)
    sys.exit(1)
args = sys.argv[1:]
folder = os.path.join(os.path.dirname(state_path), "jobs")
os.makedirs(folder, exist_ok=True)
number = len([n for n in os.listdir(folder) if n.endswith(".json")]) + 1
dest = args[args.index("-d") + 1]
shutil.copy(args[-1], os.path.join(folder, f"{number}.pdf"))
with open(os.path.join(folder, f"{number}.json"), "w") as out:
    json.dump(args, out)
print(f"request id is {dest}-{number} (1 file(s))")
'''


@dataclass
class FakeCups:
    bin_dir: Path
    state_file: Path

    def set(self, *, running: bool = True, printers: tuple[str, ...] = (),
            default: str = "") -> None:
        self.state_file.write_text(json.dumps(
            {"running": running, "printers": list(printers), "default": default}), "utf-8")

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that sees only the fake print system."""
        return dict(os.environ, PATH=f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                    FAKE_CUPS_STATE=str(self.state_file),
                    CUPS_SERVER=str(self.state_file.parent / "no-scheduler.sock"),
                    QT_QPA_PLATFORM="offscreen")

    def jobs(self) -> list[tuple[list[str], Path]]:
        """(lp arguments, the PDF it was given) per job, in order."""
        folder = self.state_file.parent / "jobs"
        if not folder.is_dir():
            return []
        numbers = sorted(int(p.stem) for p in folder.glob("*.json"))
        return [(json.loads((folder / f"{n}.json").read_text("utf-8")), folder / f"{n}.pdf")
                for n in numbers]


def make_fake_cups(folder: Path) -> FakeCups:
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True)
    for name, body in (("lpstat", LPSTAT), ("lp", LP)):
        script = bin_dir / name
        script.write_text(f"#!{sys.executable}\n{body}", "utf-8")
        script.chmod(0o755)
    fake = FakeCups(bin_dir, folder / "state.json")
    fake.set()
    return fake


@pytest.fixture(name="cups")
def cups_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCups:
    """This process (and its subprocesses) sees only the fake print system."""
    fake = make_fake_cups(tmp_path / "cups")
    for key, value in fake.env().items():
        if os.environ.get(key) != value:
            monkeypatch.setenv(key, value)
    return fake

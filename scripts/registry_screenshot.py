"""Screenshot of the registry window on a small demonstration registry (temporary SQLite).

Usage::

    python scripts/registry_screenshot.py [--out docs/images/registry-window.png]

Four example patients are saved from resources/examples/ with follow-up visits; nothing touches
the user's own registry.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/images/registry-window.png")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from ldn_cds import __version__
    from ldn_cds.casefile import assess_file
    from ldn_cds.core.followup import Adherence, FollowUp, SideEffect
    from ldn_cds.gui.registry_window import RegistryWindow
    from ldn_cds.resources import default_ruleset, examples_dir
    from ldn_cds.store import open_registry

    app = QApplication([])
    ruleset = default_ruleset()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'registry.sqlite3'}"
        with open_registry(url) as reg:
            for name in ("jane-doe", "crohns-candidate", "fibromyalgia-sensitive",
                         "norco-stopped"):
                case, result, _ = assess_file(examples_dir() / f"{name}.json", ruleset, None)
                reg.save_assessment(case.model_dump(mode="json"),
                                    result.model_dump(mode="json", by_alias=True),
                                    ruleset=ruleset, program_version=__version__,
                                    prescriber="Dr A. Example")
            jane = next(p.id for p in reg.patients() if p.record_id == "MRN-1")
            start = date(2026, 11, 23)
            for days, dose, pain, pgic, effects in (
                    (14, 3.0, 6, 4, (SideEffect.VIVID_DREAMS,)),
                    (42, 4.5, 5, 3, (SideEffect.VIVID_DREAMS,)),
                    (84, 4.5, 4, 2, ()),
                    (112, 4.5, 3, 2, ())):
                reg.add_followup(jane, FollowUp(on=start + timedelta(days=days), dose_mg=dose,
                                                pain_score=pain, pgic=pgic, side_effects=effects,
                                                adherence=Adherence.MOST))
        window = RegistryWindow(lambda: open_registry(url), ruleset,
                                today=lambda: date(2027, 3, 20))
        window.resize(1280, 820)
        window.show()
        window.select_patient(jane)
        app.processEvents()
        window.statusBar().showMessage("Registry: ~/.local/share/ldn-cds/registry.sqlite3")
        app.processEvents()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.out))
        window.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

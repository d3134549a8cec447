"""A rule set that is not the shipped one is named in a persistent banner (issue 9)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from ldn_cds.core.ruleset import RuleSet
from ldn_cds.gui.main_window import MainWindow
from ldn_cds.resources import examples_dir, load_ruleset
from tests.conftest import ON

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def foreign_ruleset(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    root = tmp_path_factory.mktemp("foreign") / "clinic-rules"
    shutil.copytree(examples_dir().parent, root)
    return load_ruleset(root)


def test_foreign_rule_set_banner_names_folder_and_full_hash(
    qtbot: Any, tmp_path: Path, store: QSettings, foreign_ruleset: RuleSet,
    example_files: list[Path],
) -> None:
    window = MainWindow(ruleset=foreign_ruleset, settings=store,
                        draft_dir=tmp_path / "appdata", today=lambda: ON)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.after_show(None)
    assert window.foreign_bar.isVisible()
    text = window.foreign_label.text()
    assert "Rule set not the shipped one" in text
    assert str(foreign_ruleset.origin) in text
    assert foreign_ruleset.sha256 in text  # the full hash, not a prefix
    assert "NOT the shipped one" in window.ruleset_label.text()
    # persistent: a new case, an opened case and a click on the banner leave it there
    window.open_path(example_files[0])
    qtbot.mouseClick(window.foreign_label, Qt.MouseButton.LeftButton)
    window.on_new()
    assert window.foreign_bar.isVisible()
    # above the form and the assessment, full width
    assert window.foreign_bar.geometry().bottom() < window.splitter.geometry().top()
    assert window.foreign_bar.width() == window.centralWidget().width()
    window.grab().save("/tmp/win-foreign-ruleset.png")


def test_shipped_rule_set_shows_no_banner(window: MainWindow) -> None:
    assert window.ruleset.shipped
    assert not window.foreign_bar.isVisible()
    assert "NOT" not in window.ruleset_label.text()


def test_rules_dir_reaches_the_window_started_by_the_app(
    qtbot: Any, tmp_path: Path, store: QSettings, foreign_ruleset: RuleSet,
) -> None:
    """``ldn-cds --rules-dir DIR gui``: the start-up path loads that rule set and names it."""
    from ldn_cds.gui.app import start

    window = MainWindow(settings=store, draft_dir=tmp_path / "appdata", today=lambda: ON)
    qtbot.addWidget(window)
    window.show()
    assert start(window, None, rules_dir=Path(str(foreign_ruleset.origin)))
    assert window.ruleset.origin == foreign_ruleset.origin
    assert window.foreign_bar.isVisible()
    assert foreign_ruleset.sha256 in window.foreign_label.text()
    assert window.clinic_bar.isVisible()  # the real start-up asks for clinic details once
    window.controller.load_data({"schema_version": 1}, path=None, dirty=False)

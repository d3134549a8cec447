"""Application bootstrap: ``run(path)`` opens the main window (``ldn-cds`` with no arguments)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ldn_cds.gui.settings import APPLICATION, ORGANIZATION

if TYPE_CHECKING:
    from ldn_cds.gui.main_window import MainWindow


def application() -> QApplication:
    """The QApplication (created once, named so QSettings and AppDataLocation resolve)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "ldn-cds"])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("ldn-cds")
    return app


def draft_dir() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".ldn-cds")


def create_window(settings: QSettings | None = None) -> MainWindow:
    """The main window frame (light); call ``load()`` on it to build the form and views."""
    from ldn_cds.gui.main_window import MainWindow

    return MainWindow(settings=settings or QSettings(), draft_dir=draft_dir())


def start(window: MainWindow, path: Path | None, *, rules_dir: Path | None = None) -> bool:
    """After the first paint: load the core and the rule set (``--rules-dir``'s, else the
    shipped one or ``$LDN_CDS_RESOURCES``), then open the case."""
    try:
        if rules_dir is not None:
            from ldn_cds.resources import load_ruleset

            window.load(load_ruleset(rules_dir))
        else:
            window.load()
    except Exception as exc:  # a broken rule set must be a message, not a traceback
        QMessageBox.critical(window, "ldn-cds cannot start",
                             f"The rule set could not be loaded:\n{exc}")
        window.close()
        return False
    window.after_show(path)
    window.offer_clinic_details()  # a bar, never a modal box: the case is already open
    from ldn_cds.gui.main_window import warm_pdf_import

    warm_pdf_import()
    return True


class _FirstPaint(QObject):
    """Calls ``callback`` once, just after the window's first paint."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._callback: Callable[[], None] | None = callback
        window.installEventFilter(self)
        QTimer.singleShot(2000, self._fire)  # a platform that never paints still starts

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.Paint and self._callback is not None:
            QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            callback()


def after_first_paint(window: QWidget, callback: Callable[[], None]) -> QObject:
    return _FirstPaint(window, callback)


def run(path: Path | None = None, *, rules_dir: Path | None = None) -> int:
    """Open the window (on ``path`` if given) and run the event loop; return the exit code."""
    app = application()
    window = create_window()
    window.show()
    started: list[bool] = []
    after_first_paint(window, lambda: started.append(start(window, path, rules_dir=rules_dir)))
    code = int(app.exec())
    return code if all(started) else 1

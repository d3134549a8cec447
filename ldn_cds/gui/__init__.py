"""PySide6 desktop window: intake form, live assessment, overrides, printing.

The widgets hold no clinical logic: they build the case, call :mod:`ldn_cds.core` through the
:class:`~ldn_cds.gui.controller.AssessmentController` and render the returned assessment.
"""

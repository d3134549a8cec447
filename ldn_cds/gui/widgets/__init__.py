"""Widgets of the main window (intake form, assessment views, dialogs)."""

"""Validation messages in the words of the clinic, for display beside their field.

The core reports ``(field path, message)`` pairs; the window shows them beside the field they
belong to, so the path itself is never shown, and the generic parser phrases ("Input should be
a valid number") become what to type.  Display only: nothing here decides anything.
"""

from __future__ import annotations

import re

# Opioid-row columns and other field names, in the words of the form.
FIELD_LABELS = {
    "drug": "Drug",
    "release": "Release",
    "daily_dose": "Daily dose",
    "unit": "Unit",
    "use": "Daily or as needed",
    "last_dose_on": "Last dose date",
    "max_mg": "Above-ceiling maximum",
    "reason": "Above-ceiling reason",
}

_GENERIC: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Input should be a valid integer.*"), "enter a whole number, e.g. 14"),
    (re.compile(r"^Input should be a valid number.*"), "enter a number, e.g. 20 or 7.5"),
    (re.compile(r"^Input should be a valid date.*"), "enter a date as YYYY-MM-DD"),
    (re.compile(r"^Input should be a valid boolean.*"), "choose Yes, No or Not asked"),
    (re.compile(r"^Input should be a valid list.*"), "enter names separated by commas"),
    (re.compile(r"^String should have at least 1 character.*"), "enter a name"),
    (re.compile(r"^Input should be greater than or equal to (\S+).*"), r"must be \1 or more"),
    (re.compile(r"^Input should be greater than (\S+).*"), r"must be more than \1"),
    (re.compile(r"^Input should be less than or equal to (\S+).*"), r"must be \1 or less"),
    (re.compile(r"^Input should be less than (\S+).*"), r"must be less than \1"),
    (re.compile(r"^Input should be (.*)$"), r"choose one of: \1"),
    (re.compile(r"^required field is missing$"), "required: fill this in"),
]


def clinic_words(message: str) -> str:
    """A parser message as what to do; messages already written for people pass through."""
    for pattern, replacement in _GENERIC:
        if pattern.match(message):
            text = pattern.sub(replacement, message)
            return text[:1].upper() + text[1:]
    return message[:1].upper() + message[1:]


def row_message(key: str, message: str) -> str:
    """A problem of one opioid-row column: ``Last dose date: ...`` (no path)."""
    label = FIELD_LABELS.get(key) or key.replace("_", " ").capitalize() or "This row"
    return f"{label}: {clinic_words(message)}"


def section_message(label: str | None, path: str, message: str) -> str:
    """A problem shown above a section or the form: named by its caption, never its path.

    Only a field that the form has no place for (an unknown key in a case file) is named by
    its key, in quotes, since that is what must be removed from the file.
    """
    if label:
        return f"{label}: {clinic_words(message)}"
    if message.startswith("unknown field"):
        return (f"The case file has a field this form does not know, '{path}': remove it or "
                f"correct its spelling.")
    if path in ("(case)", ""):
        return clinic_words(message)
    return clinic_words(message)

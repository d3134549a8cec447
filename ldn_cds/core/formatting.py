"""How values are written for people: dates, doses, yes/no/unknown and rule-trace states.

One module for the PDFs, the notes and the window, so the same value reads the same
everywhere.  Nothing here depends on the process locale: a window started under a German
desktop prints "5 Mar 2026" exactly as the command line does (``strftime('%b')`` would
print "Mär").
"""

from __future__ import annotations

from datetime import date

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""English month abbreviations, fixed (never taken from the locale)."""

TRACE_STATES = {
    "fired": "fired",
    "not_fired": "not fired",
    "cannot_evaluate": "cannot evaluate",
}
"""A rule's outcome in words."""


def fmt_date(day: date) -> str:
    """Unambiguous date for printed text: 5 Mar 2026 (locale-independent)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def fmt_date_or(day: date | None, missing: str = "unknown") -> str:
    """:func:`fmt_date`, or ``missing`` when there is no date."""
    return missing if day is None else fmt_date(day)


def fmt_mg(mg: float) -> str:
    """A dose in milligrams: 4.5 mg, 0.5 mg, 3 mg."""
    return f"{mg:g} mg"


def fmt_yes_no(value: bool | None) -> str:
    """Three-valued answer: yes, no, or unknown (absent is never "no")."""
    if value is None:
        return "unknown"
    return "yes" if value else "no"


def fmt_trace_state(outcome: str) -> str:
    """``cannot_evaluate`` -> "cannot evaluate" (unknown states: underscores as spaces)."""
    return TRACE_STATES.get(outcome, outcome.replace("_", " "))


def fmt_value(value: object) -> str:
    """An input value as read by a rule: dates as ISO, booleans as yes/no, None as unknown."""
    if value is None:
        return "unknown"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fmt_value(v) for v in value) + "]" if value else "[] (none)"
    if isinstance(value, bool):
        return fmt_yes_no(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


__all__ = [
    "MONTHS",
    "TRACE_STATES",
    "fmt_date",
    "fmt_date_or",
    "fmt_mg",
    "fmt_trace_state",
    "fmt_value",
    "fmt_yes_no",
]

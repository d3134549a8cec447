"""Dates as a physician types them: ISO, or the locale's usual day/month order.

``YYYY-MM-DD`` is always accepted.  Otherwise the order is the locale's: month first where
its short date format starts with the month (``MM/DD/YYYY``, the United States), day first
where it starts with the day (``DD/MM/YYYY``, most other places), and year first otherwise.
Separators ``/``, ``.`` and ``-`` are accepted, with a four-digit year.

What is ambiguous, and how it is resolved (never silently the wrong way):

* a date whose first two numbers could both be a month (``03/04/2026``) is read in the
  locale's order, and the reading is always shown in words beside the field ("read as
  4 March 2026"), so that a wrong order is seen before anything is assessed;
* a date that is valid only in the other order (``13/04/2026`` in a month-first locale) is
  an error, never swapped: the note says to type it as ISO;
* a two-digit year (``03/04/26``) is an error: the century is not guessed;
* an empty field is not known (None), never today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Order = Literal["MDY", "DMY", "YMD"]
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PARTS = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
PATTERN = {"MDY": "MM/DD/YYYY", "DMY": "DD/MM/YYYY", "YMD": "YYYY-MM-DD"}


@dataclass(frozen=True)
class TypedDate:
    """What a typed date was read as: ``value`` (ISO) or a ``problem``; ``note`` says how."""

    value: date | None
    note: str = ""
    problem: str = ""
    ambiguous: bool = False


def in_words(value: date) -> str:
    """``4 March 2026``: a date no reader can take the wrong way round."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def order_of(short_format: str) -> Order:
    """The day/month order of a locale from its short date format (``M/d/yy`` -> MDY)."""
    for ch in short_format:
        if ch == "M":
            return "MDY"
        if ch == "d":
            return "DMY"
        if ch in "yY":
            return "YMD"
    return "YMD"


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(text: str, order: Order) -> TypedDate:
    """Read a typed date (see the module's rules); empty text is not known."""
    typed = text.strip()
    if not typed:
        return TypedDate(None)
    iso = _ISO.match(typed)
    if iso:
        found = _make(int(iso[1]), int(iso[2]), int(iso[3]))
        if found is None:
            return TypedDate(None, problem=f"{typed} is not a real calendar date")
        return TypedDate(found)
    parts = _PARTS.match(typed)
    if parts is None:
        return TypedDate(None, problem=f"type the date as {PATTERN[order]} or YYYY-MM-DD")
    a, b, c = parts[1], parts[2], parts[3]
    if order == "YMD" or len(a) == 4:
        year, month, day = int(a), int(b), int(c)
        if len(a) != 4:
            return TypedDate(None, problem="write the year with four digits")
    else:
        if len(c) != 4:
            return TypedDate(None, problem=f"write the year with four digits "
                                           f"({PATTERN[order]}): the century is not guessed")
        year = int(c)
        month, day = (int(a), int(b)) if order == "MDY" else (int(b), int(a))
    found = _make(year, month, day)
    if found is None:
        swapped = _make(year, day, month) if order != "YMD" else None
        hint = (f"; if you meant {in_words(swapped)}, type {swapped.isoformat()}"
                if swapped is not None else "")
        return TypedDate(None, problem=f"{typed} is not a date in {PATTERN[order]}{hint}")
    ambiguous = order != "YMD" and len(a) != 4 and month != day and month <= 12 and day <= 12
    return TypedDate(found, note=f"read as {in_words(found)} ({PATTERN[order]})",
                     ambiguous=ambiguous)

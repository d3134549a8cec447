"""Reading rendered PDFs back (pypdf for text, pdfplumber for tables and geometry)."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
import pypdf

from ldn_cds.resources import examples_dir
from tests.pdf.cases import VARIANTS

CASE_NAMES = [p.stem for p in sorted(examples_dir().glob("*.json"))] + [
    name for name in VARIANTS if name != "hostile"
]


def flat(text: str) -> str:
    """Whitespace runs (line breaks from wrapping) collapsed to one space."""
    return " ".join(text.split())


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return flat(" ".join(page_texts(pdf)))


def metadata(pdf: bytes) -> Any:
    return pypdf.PdfReader(io.BytesIO(pdf)).metadata


def tables(pdf: bytes) -> list[list[list[str | None]]]:
    out: list[list[list[str | None]]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            out.extend(page.extract_tables())
    return out


PAGE_OF = re.compile(r"Page (\d+) of (\d+)")

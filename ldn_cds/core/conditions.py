"""Coded pain conditions: the list the intake offers, and matching what a physician types.

The rules read ``pain.conditions`` as codes (``fibromyalgia``, ``crps``); a condition typed as
"fibro" or "Fibromyalgia" would silently match no rule.  The window therefore offers the coded
conditions of ``resources/vocabulary/conditions.yaml`` (label and synonyms) and keeps anything
else as free text (``pain.other_conditions``), which the assessment flags as not checked.

Matching is pure and deterministic:

* :func:`search` lists the candidates for what is typed so far (the completer's popup): every
  typed word must begin a word of the label or of a synonym, ignoring case and punctuation.
  An abbreviation (a synonym written in capitals, e.g. ``MS``) matches only as a whole word,
  so "ms" never matches inside another word and "crp" is not CRPS.
* :func:`resolve` accepts only an exact name (code, label or synonym, case and punctuation
  ignored): it is what Enter may add without a choice from the list.  "arthritis" resolves to
  nothing, although "Rheumatoid arthritis" is among its candidates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

CODE = r"^[a-z][a-z0-9_]*$"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
FINDING_PLACEHOLDERS = frozenset({"entries", "limits"})
_WORD = re.compile(r"[a-z0-9]+")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionEntry(_Data):
    code: str = Field(pattern=CODE, description="The name the rules read (pain.conditions).")
    label: str = Field(min_length=2, max_length=80, description="Shown in the window.")
    synonyms: list[str] = Field(default_factory=list, description="What a physician types; "
                                "a synonym in capitals is an abbreviation (whole word only).")
    icd10cm: str | None = Field(None, pattern=r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
    icd10cm_source: str | None = Field(None, min_length=10,
                                       description="Where the ICD-10-CM code was checked.")
    note: str | None = None

    @model_validator(mode="after")
    def _code_needs_source(self) -> ConditionEntry:
        if self.icd10cm is not None and self.icd10cm_source is None:
            raise ValueError("an icd10cm code needs icd10cm_source (where it was checked)")
        for synonym in self.synonyms:
            if not words(synonym):
                raise ValueError(f"synonym {synonym!r} has no letters or digits")
        return self


class FindingWording(_Data):
    """The words of a finding that the assessment adds for an entry (not a rule's card).

    ``{entries}`` is filled with the entries concerned (and ``{limits}`` for a dose).
    """

    title: str = Field(min_length=3, max_length=80)
    summary: str = Field(min_length=5, max_length=140)
    detail: str = Field(min_length=5)
    source: str | None = Field(None, description="What the finding rests on, when it is not "
                               "a clinical source (shown as its source).")

    @model_validator(mode="after")
    def _known_placeholders(self) -> FindingWording:
        for text in (self.title, self.summary, self.detail):
            unknown = set(PLACEHOLDER.findall(text)) - FINDING_PLACEHOLDERS
            if unknown:
                raise ValueError(f"unknown placeholder(s) {sorted(unknown)}; allowed: "
                                 f"{sorted(FINDING_PLACEHOLDERS)}")
        return self


class ConditionVocabulary(_Data):
    """``vocabulary/conditions.yaml``: one entry per coded condition."""

    conditions: list[ConditionEntry] = Field(min_length=1)
    free_text_finding: FindingWording

    @model_validator(mode="after")
    def _unique(self) -> ConditionVocabulary:
        codes: set[str] = set()
        names: dict[tuple[str, ...], str] = {}
        for entry in self.conditions:
            if entry.code in codes:
                raise ValueError(f"duplicate code {entry.code!r}")
            codes.add(entry.code)
            for name in _names(entry):
                key = words(name)
                other = names.setdefault(key, entry.code)
                if other != entry.code:
                    raise ValueError(f"{name!r} names both {other!r} and {entry.code!r}: "
                                     "a name must mean one condition")
        return self

    def entry(self, code: str) -> ConditionEntry | None:
        return next((e for e in self.conditions if e.code == code), None)

    def label(self, code: str) -> str:
        """The display label of a code; an unknown code is shown as written."""
        found = self.entry(code)
        return code if found is None else found.label


def words(text: str) -> tuple[str, ...]:
    """Lower-case words of ``text`` (accents and punctuation dropped; "Crohn's" -> crohns)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = re.sub(r"['’`]", "", folded.casefold())
    return tuple(_WORD.findall(folded))


def _tokens(name: str) -> tuple[tuple[str, bool], ...]:
    """Words of ``name``, each with whether it is an abbreviation (written in capitals in the
    data, e.g. ``MS``, ``CRPS``): an abbreviation matches only as a whole word."""
    out: list[tuple[str, bool]] = []
    for raw in re.split(r"[^0-9A-Za-z'’`À-ÿ]+", name):
        for word in words(raw):
            letters = [c for c in raw if c.isalpha()]
            out.append((word, bool(letters) and all(c.isupper() for c in letters)))
    return tuple(out)


def _names(entry: ConditionEntry) -> list[str]:
    return [entry.code.replace("_", " "), entry.label, *entry.synonyms]


@dataclass(frozen=True)
class Candidate:
    """One coded condition offered for what was typed."""

    code: str
    label: str
    matched: str = ""
    """The synonym that matched, when it is not the label ("fibro" for Fibromyalgia)."""
    exact: bool = False


def _match(query: tuple[str, ...], name: str) -> bool:
    """Every typed word begins a word of ``name``, in order ("low back" in "chronic low back
    pain", "fibro" in "fibromyalgia"); an abbreviation must be typed whole ("ms", never
    "msk"; "crp" is not "CRPS")."""
    target = _tokens(name)
    if not query or not target:
        return False
    start = 0
    for q in query:
        for i in range(start, len(target)):
            word, abbreviation = target[i]
            if word == q or (not abbreviation and word.startswith(q)):
                start = i + 1
                break
        else:
            return False
    return True


def search(vocab: ConditionVocabulary, text: str, limit: int = 8) -> list[Candidate]:
    """The coded conditions for what is typed, best first (exact names, then by label)."""
    query = words(text)
    if not query:
        return []
    found: list[tuple[int, str, Candidate]] = []
    for entry in vocab.conditions:
        best: tuple[int, str] | None = None
        code_name = entry.code.replace("_", " ")
        for name in _names(entry):
            if words(name) == query:
                rank = 0
            elif name != code_name and _match(query, name):  # a code matches only whole
                rank = 1 if words(name)[0].startswith(query[0]) else 2
            else:
                continue
            shown = "" if name in (entry.label, code_name) else name
            if best is None or rank < best[0]:
                best = (rank, shown)
        if best is not None:
            found.append((best[0], entry.label.casefold(), Candidate(
                code=entry.code, label=entry.label, matched=best[1], exact=best[0] == 0)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [candidate for _, _, candidate in found[:limit]]


def resolve(vocab: ConditionVocabulary, text: str) -> str | None:
    """The code that ``text`` names exactly (code, label or synonym), else None."""
    query = words(text)
    if not query:
        return None
    for entry in vocab.conditions:
        if any(words(name) == query for name in _names(entry)):
            return entry.code
    return None

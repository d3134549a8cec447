"""Turning validation errors into one clear line per problem: field path and how to fix it."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from ldn_cds.core.models import (
    Case,
    CeilingOverride,
    History,
    LdnUse,
    OpioidMedication,
    Opioids,
    Override,
    Pain,
    Patient,
    PlanChoices,
)

_SECTIONS: dict[str, type[BaseModel]] = {
    "": Case,
    "patient": Patient,
    "pain": Pain,
    "opioids": Opioids,
    "opioids.medications": OpioidMedication,
    "history": History,
    "ldn": LdnUse,
    "plan": PlanChoices,
    "plan.ceiling_override": CeilingOverride,
    "overrides": Override,
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('opioids', 'medications', 0, 'drug')`` -> ``opioids.medications[0].drug``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(case)"


def describe(exc: ValidationError) -> list[tuple[str, str]]:
    """(field path, message) for every problem, with a hint on how to fix it."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        path = field_path(loc)
        kind = err["type"]
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            parent = ".".join(p for p in loc[:-1] if isinstance(p, str))
            model = _SECTIONS.get(parent)
            known = ", ".join(model.model_fields) if model else ""
            message = "unknown field: remove it or correct the spelling"
            if known:
                message += f" (fields allowed here: {known})"
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "literal_error" and loc == ("schema_version",):
            message = "schema_version must be 1 (this program reads case format version 1)"
        elif kind in {"model_type", "model_attributes_type", "dict_type"}:
            message = "must be an object ({...}) or null"
        problems.append((path, message))
    return problems

"""Case patches covering every verdict, both dose forms, overrides and hostile free text."""

from __future__ import annotations

from typing import Any

LONG = "Ab" * 2500  # 5,000 characters, no spaces
HOSTILE = (
    "<b>Bold</b> & <i>x</i> &amp; ]]> <para> "
    "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 😀🩺 "  # Hebrew, Arabic, emoji
)


def _hostile_item(tag: str) -> str:
    return (HOSTILE + tag + " " + "x" * 200)[:200]


VARIANTS: dict[str, dict[str, Any]] = {
    "candidate-capsules": {"plan": {"form": "capsule"}},
    "candidate-liquid-morning": {"history": {"insomnia_or_vivid_dreams": True},
                                 "plan": {"form": "liquid"}},
    "cautions-override": {
        "history": {"hypothyroidism_on_levothyroxine": True, "depression_or_suicidality": True},
        "overrides": [{"rule_id": "depression-suicidality", "reason_code": "benefit-outweighs-risk",
                       "comment": "Discussed with the patient; psychiatry follows monthly.",
                       "by": "Dr. A. Example", "on": "2026-11-23"}],
    },
    "not-yet-washout": {"opioids": {"status": "stopped", "medications": [
        {"drug": "oxycodone", "release": "immediate", "daily_dose": 20, "unit": "mg/day",
         "last_dose_on": "2026-11-20"}]}},
    "not-yet-current": {"opioids": {"status": "current", "medications": [
        {"drug": "morphine", "release": "extended", "daily_dose": 60, "unit": "mg/day"},
        {"drug": "fentanyl", "release": "transdermal", "daily_dose": 25, "unit": "mcg/h"}]}},
    "contraindicated": {"patient": {"pregnant": True}},
    "needs-information": {"opioids": {"status": "unknown"}, "history": {"liver": None}},
    "hostile": {
        "patient": {"name": HOSTILE + LONG, "record_id": "../" + HOSTILE + LONG},
        "prior_therapies": [_hostile_item("gabapentin"), LONG[:200], HOSTILE.strip()],
        "other_medications": [_hostile_item("levothyroxine"), LONG[:200]],
        "opioids": {"status": "stopped", "medications": [
            {"drug": _hostile_item("oxycodone"), "release": "immediate", "daily_dose": 20,
             "unit": "mg/day", "last_dose_on": "2026-11-01"}]},
        "overrides": [{"rule_id": "thyroid-levothyroxine", "reason_code": HOSTILE[:100],
                       "comment": (HOSTILE + " ") * 40 + LONG, "by": HOSTILE + LONG,
                       "on": "2026-11-23"}],
    },
}
"""Patches over the rule set's complete example case (see the ``make_case`` fixture)."""

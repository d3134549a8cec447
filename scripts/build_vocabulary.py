"""Rebuild resources/vocabulary/rxnorm_opioids.json from the CDC Opioid CDS value sets.

Source: FHIR ValueSet resources of the CDC Opioid Prescribing Support implementation guide
(HL7 FHIR R4, repository cqframework/opioid-cds-r4, folder input/vocabulary/valueset/,
commit b29bdcbf, 2025-09-26; CC0).  Each expansion lists RxNorm codes with their display
names: ingredients with strengths, the dose form, and the brand in brackets.

The script reads every ``*-medications.json`` value set plus the two "ambulatory misuse"
sets, parses each display name into ingredient ids (salts removed), a formulation class and
the brand, and writes one JSON table: the provenance of every value set, the ingredients, the
brands (ingredients and formulations seen under each) and every code.  It does not decide
what an ingredient *is*: roles live in the hand-reviewed ``resources/vocabulary/curated.yaml``,
and the script fails when a value set brings an ingredient that file does not classify.

Usage::

    python scripts/build_vocabulary.py [--valuesets DIR] [--check]

``--check`` rebuilds in memory and exits 1 when the committed table differs (CI may run it
where the value-set folder exists).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VALUESETS = ROOT / "scripts" / "data" / "cdc-opioid-cds-valuesets"
"""A copy of the published value sets (CC0), kept so that the table can be rebuilt anywhere."""
OUT = ROOT / "resources" / "vocabulary" / "rxnorm_opioids.json"
CURATED = ROOT / "resources" / "vocabulary" / "curated.yaml"

REPOSITORY = "https://github.com/cqframework/opioid-cds-r4"
COMMIT = "b29bdcbf"
COMMIT_DATE = "2025-09-26"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

SALT_WORDS = frozenset({
    "hydrochloride", "sulfate", "bitartrate", "phosphate", "tartrate", "citrate", "polistirex",
    "napsylate", "terephthalate", "maleate", "hydrobromide", "acetate", "dipotassium",
    "bromide", "liposomal", "tannate", "mesylate", "sodium", "potassium", "tincture",
})
"""Words after an ingredient name that name its salt or preparation, not the ingredient."""

_STRENGTH = re.compile(
    r"(?<![\w\-])((?:[a-z][a-z0-9,\-]*)(?: [a-z][a-z0-9,\-]*)*) [\d.]+ (?:MG|MCG|UNT|MEQ|ML|%)"
)
_BRAND = re.compile(r"\s*\[([^\[\]]+)\]\s*$")
_HOURS = re.compile(r"\b\d+ HR\b")
DEPOT_BRANDS = frozenset({"Sublocade", "Brixadi", "Probuphine"})


def ingredient_id(name: str) -> str:
    """'oxycodone hydrochloride' -> 'oxycodone'; 'morphine sulfate liposomal' -> 'morphine'."""
    words = [w for w in name.split() if w not in SALT_WORDS]
    return "_".join(words).replace("-", "_")


def formulation(display: str, brand: str | None) -> str:
    """Formulation class from an RxNorm display name: depot, transdermal, extended or immediate."""
    if "Drug Implant" in display or (brand in DEPOT_BRANDS):
        return "depot"
    if "Transdermal" in display:
        return "transdermal"
    if "Extended Release" in display or _HOURS.search(display):
        return "extended"
    return "immediate"


def parse_display(display: str) -> tuple[list[str], str | None, str, list[str]]:
    """(ingredient ids, brand, formulation, ingredient names as written) of one display name."""
    brand_match = _BRAND.search(display)
    brand = brand_match.group(1).strip() if brand_match else None
    body = _BRAND.sub("", display) if brand_match else display
    if body.startswith("{") or (brand and ("}" in brand or "[" in brand)):
        brand = None  # packs: "{2 (...) } Pack [Brand 10 MG Dose Kit]" carry a kit name
    names = [m.group(1) for m in _STRENGTH.finditer(body)]
    ids = sorted({ingredient_id(n) for n in names})
    return ids, brand, formulation(display, brand), sorted(set(names))


def build(valuesets: Path) -> dict[str, Any]:
    files = sorted(valuesets.glob("*-medications.json")) + [
        valuesets / "opioid-analgesics-with-ambulatory-misuse-potential.json",
        valuesets / "extended-release-opioid-with-ambulatory-misuse-potential.json",
    ]
    provenance = []
    codes: dict[str, dict[str, Any]] = {}
    ingredient_names: dict[str, set[str]] = defaultdict(set)
    ingredient_sets: dict[str, set[str]] = defaultdict(set)
    brands: dict[str, dict[str, Any]] = {}
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        expansion = data["expansion"]
        provenance.append({
            "file": path.name,
            "url": data["url"],
            "title": data.get("title", data.get("name")),
            "publisher": data.get("publisher"),
            "expansion_timestamp": expansion.get("timestamp"),
            "codes": len(expansion["contains"]),
        })
        for item in expansion["contains"]:
            if item.get("system") != RXNORM:
                continue
            code, display = item["code"], item["display"]
            ids, brand, form, names = parse_display(display)
            if not ids:
                raise SystemExit(f"{path.name}: cannot parse ingredients of {code} {display!r}")
            entry = codes.setdefault(code, {
                "display": display, "ingredients": ids, "formulation": form, "brand": brand,
                "valuesets": [],
            })
            entry["valuesets"].append(data["id"])
            for name in names:
                ingredient_names[ingredient_id(name)].add(name)
            for ing in ids:
                ingredient_sets[ing].add(data["id"])
            if brand:
                b = brands.setdefault(brand.lower(), {
                    "name": brand, "ingredients": set(), "formulations": set(), "codes": [],
                })
                b["ingredients"].add(tuple(ids))
                b["formulations"].add(form)
                b["codes"].append(code)
    brand_rows = []
    for key in sorted(brands):
        b = brands[key]
        combos = sorted(b["ingredients"])
        brand_rows.append({
            "name": b["name"],
            "ingredients": sorted({i for combo in combos for i in combo}),
            "formulations": sorted(b["formulations"]),
            "codes": sorted(set(b["codes"]), key=int),
        })
    return {
        "generated_by": "scripts/build_vocabulary.py (do not edit by hand)",
        "source": {
            "title": "CDC Opioid Prescribing Support implementation guide, value sets",
            "repository": REPOSITORY,
            "commit": COMMIT,
            "commit_date": COMMIT_DATE,
            "folder": "input/vocabulary/valueset/",
            "license": "CC0 1.0",
            "code_system": RXNORM,
            "valuesets": provenance,
        },
        "ingredients": {
            ing: {"rxnorm_names": sorted(ingredient_names[ing]),
                  "valuesets": sorted(ingredient_sets[ing])}
            for ing in sorted(ingredient_names)
        },
        "brands": brand_rows,
        "codes": {code: {**codes[code], "valuesets": sorted(set(codes[code]["valuesets"]))}
                  for code in sorted(codes, key=int)},
    }


def curated_ingredients() -> set[str]:
    data = yaml.safe_load(CURATED.read_text(encoding="utf-8"))
    return {i["id"] for i in data["ingredients"]}


def _block(name: str, rows: list[str], opener: str, closer: str, last: bool) -> list[str]:
    """One top-level member, one row per line: '"name": {' rows '},'."""
    out = [f'  "{name}": {opener}']
    out += [f"    {row}{',' if i < len(rows) - 1 else ''}" for i, row in enumerate(rows)]
    out.append(f"  {closer}{'' if last else ','}")
    return out


def render(table: dict[str, Any]) -> str:
    """Stable, reviewable JSON: one code or brand per line."""
    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = ["{"]
    for key in ("generated_by", "source"):
        lines.append(f"  {dump(key)}: {dump(table[key])},")
    lines += _block("ingredients", [f"{dump(k)}: {dump(v)}" for k, v in
                                    table["ingredients"].items()], "{", "}", last=False)
    lines += _block("brands", [dump(row) for row in table["brands"]], "[", "]", last=False)
    lines += _block("codes", [f"{dump(k)}: {dump(v)}" for k, v in table["codes"].items()],
                    "{", "}", last=True)
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--valuesets", type=Path, default=DEFAULT_VALUESETS)
    parser.add_argument("--check", action="store_true", help="compare with the committed table")
    parser.add_argument("--list-ingredients", action="store_true")
    args = parser.parse_args(argv)
    table = build(args.valuesets)
    if args.list_ingredients:
        for ing, info in table["ingredients"].items():
            print(ing, info["rxnorm_names"], info["valuesets"])
        return 0
    missing = sorted(set(table["ingredients"]) - curated_ingredients())
    if missing:
        print(f"curated.yaml gives no role for: {', '.join(missing)}", file=sys.stderr)
        return 1
    text = render(table)
    json.loads(text)  # the renderer must produce valid JSON
    if args.check:
        if not OUT.is_file() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run scripts/build_vocabulary.py",
                  file=sys.stderr)
            return 1
        print(f"{OUT.relative_to(ROOT)} is up to date ({len(table['codes'])} codes)")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table['codes'])} codes, "
          f"{len(table['brands'])} brands, {len(table['ingredients'])} ingredients")
    return 0


if __name__ == "__main__":
    sys.exit(main())

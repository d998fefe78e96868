"""Generate ``search/ingest/data/provinces.json`` from the ``vietnamadminunits`` package data.

Run from the repository root, in an environment with the ``data`` extra installed::

    pip install "vietnamadminunits==1.0.4"
    python scripts/gen_provinces.py

Only the package's JSON files are read (located without importing the package, which
would pull in shapely, geopy and the GPL ``unidecode``); the output is a small JSON file
that the runtime (:mod:`search.ingest.provinces`) loads, so none of those dependencies ship.

What the JSON holds:

- ``provinces``: the 63 provinces before 1 July 2025 (code order), each with its display
  name, official name, successor among the 34, and aliases;
- ``provinces_2025``: the 34 provinces after the merger (Nghị quyết 202/2025/QH15), each
  with its predecessors;
- ``districts``: the ~696 legacy districts, by province, as ``[type, name]``;
- ``district_aliases``: folded keys of former or variant district names (``thongnong``,
  ``hoanhbo``) by province, as the package lists them among its keywords.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.text.normalize import fold, normalize_tones  # noqa: E402

PACKAGE = "vietnamadminunits"
VERSION = "1.0.4"
HOMEPAGE = "https://github.com/tranngocminhhieu/vietnamadminunits"
OUTPUT = ROOT / "search" / "ingest" / "data" / "provinces.json"

# The package data is dated after Thừa Thiên Huế became "Thành phố Huế" (1 Jan 2025);
# the pre-merger list uses the name under which nearly all documents were issued.
OLD_NAME_OVERRIDES = {"thanhphohue": ("Thừa Thiên Huế", "Tỉnh Thừa Thiên Huế")}

# Spellings seen in documents that folding alone does not join (hyphens and spaces are
# ignored by the runtime key, tones and đ/d by fold()).
EXTRA_ALIASES = {
    "thanhphohue": ["Thừa Thiên - Huế", "Huế", "Thành phố Huế", "TT Huế", "TT-Huế"],
    "tinhbariavungtau": ["BR-VT", "BRVT", "Bà Rịa Vũng Tàu"],
    "thanhphohochiminh": [
        "TP. Hồ Chí Minh",
        "TP Hồ Chí Minh",
        "Thành phố Hồ Chí Minh",
        "TP HCM",
        "TP.HCM",
        "TPHCM",
        "HCM",
    ],
    "tinhdaklak": ["Đăk Lăk", "Đắc Lắc", "Đắk Lăk"],
    "tinhdaknong": ["Đăk Nông", "Đắc Nông"],
    "tinhbackan": ["Bắc Cạn"],
    "thanhphohanoi": ["HN", "TP. Hà Nội"],
}

# District types as the package spells them in districtType.
DISTRICT_TYPES = ("Huyện", "Quận", "Thị xã", "Thành phố")
# Keyword prefixes (folded, no spaces) that carry the district type, not a name variant.
_TYPE_PREFIXES = ("huyen", "quan", "thixa", "thanhpho")


def package_paths() -> tuple[Path, Path]:
    """The package's data directory and its licence file, without importing it."""
    if importlib.metadata.version(PACKAGE) != VERSION:
        raise SystemExit(f"need {PACKAGE}=={VERSION}, found {importlib.metadata.version(PACKAGE)}")
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{PACKAGE} is not installed")
    data_dir = Path(list(spec.submodule_search_locations)[0]) / "data"
    dist = importlib.metadata.distribution(PACKAGE)
    licence = next(f for f in dist.files or [] if f.name.upper().startswith("LICENSE"))
    return data_dir, Path(str(dist.locate_file(licence)))


def licence_holder(licence_file: Path) -> tuple[str, str]:
    """(licence name, copyright line) read from the package's licence text."""
    text = licence_file.read_text(encoding="utf-8")
    if not text.startswith("MIT License"):
        raise SystemExit(f"unexpected licence in {licence_file}")
    copyright_line = next(line for line in text.splitlines() if line.startswith("Copyright"))
    return "MIT", copyright_line.strip()


def key(name: str) -> str:
    """The runtime lookup key: folded, letters and digits only."""
    return re.sub(r"[^0-9a-z]+", "", fold(name))


def display(name: str) -> str:
    """NFC with the project's old-style tone placement (Hòa, Hóa, Thụy)."""
    return normalize_tones(unicodedata.normalize("NFC", name.strip()))


def distinct_by_key(aliases: list[str], exclude: tuple[str, ...]) -> list[str]:
    """Aliases that add a lookup key: the first spelling of each key, in order."""
    seen = {key(e) for e in exclude}
    out = []
    for alias in aliases:
        if key(alias) not in seen:
            seen.add(key(alias))
            out.append(alias)
    return out


def old_provinces(legacy: dict[str, Any], successor_of: dict[str, str],
                  new_names: dict[str, str]) -> list[dict[str, Any]]:
    """The 63 pre-merger provinces with successor and aliases."""
    out = []
    for pkey, info in legacy["DICT_PROVINCE"].items():
        name, official = OLD_NAME_OVERRIDES.get(
            pkey, (display(info["provinceShort"]), display(info["province"]))
        )
        aliases = [official, *EXTRA_ALIASES.get(pkey, []), *info["provinceKeywords"]]
        out.append({
            "name": name,
            "official": official,
            "code": info["provinceCode"],
            "successor": new_names[successor_of[pkey]],
            "aliases": distinct_by_key(aliases, exclude=(name,)),
        })
    return out


def new_provinces(new: dict[str, Any], converter: dict[str, list[str]],
                  old_names: dict[str, str]) -> list[dict[str, Any]]:
    """The 34 post-merger provinces with their predecessors."""
    out = []
    for pkey, info in new["DICT_PROVINCE"].items():
        name = display(info["provinceShort"])
        preds = sorted((old_names[k] for k in converter[pkey]), key=lambda n: (fold(n), n))
        out.append({
            "name": name,
            "official": display(info["province"]),
            "code": info["provinceCode"],
            "predecessors": preds,
            "aliases": distinct_by_key(info["provinceKeywords"], exclude=(name, info["province"])),
        })
    return out


def district_name(info: dict[str, Any]) -> tuple[str, str]:
    """(type, name) of a legacy district; the package's short names sometimes carry the
    type ("Quận 1") or a disambiguating suffix ("Kỳ Anh (Huyện)")."""
    dtype = info["districtType"]
    if dtype not in DISTRICT_TYPES:
        raise SystemExit(f"unknown district type {dtype!r}")
    short = re.sub(r"\s*\((?:Huyện|Quận|Thị xã|Thành phố)\)$", "", info["districtShort"])
    short = re.sub(rf"^{dtype}\s+", "", short)
    return dtype, display(short)


def districts(legacy: dict[str, Any], old_names: dict[str, str]) -> dict[str, list[list[str]]]:
    """Legacy districts by province display name."""
    return {
        old_names[pkey]: [list(district_name(d)) for d in dmap.values()]
        for pkey, dmap in legacy["DICT_PROVINCE_DISTRICT"].items()
    }


def district_aliases(legacy: dict[str, Any], old_names: dict[str, str]) -> dict[str, list[str]]:
    """Folded keys of former/variant district names, e.g. ``thongnong`` (merged into Hà
    Quảng in 2020) or ``thanhphohue`` (divided in 2025): old documents still use them."""
    out: dict[str, set[str]] = {}
    for pkey, dmap in legacy["DICT_PROVINCE_DISTRICT"].items():
        for info in dmap.values():
            own = key(district_name(info)[1])
            for kw in info["districtKeywords"]:
                # Numbered urban districts ("q01", "district1") never follow "huyện X".
                if not kw.startswith(_TYPE_PREFIXES) and kw != own and kw.isalpha():
                    out.setdefault(old_names[pkey], set()).add(kw)
    for pkey, divided in legacy["DICT_PROVINCE_DISTRICT_DIVIDED"].items():
        for entry in divided.values():
            for kw in entry["dividedDistrictKeywords"]:
                if not kw.startswith(_TYPE_PREFIXES):
                    out.setdefault(old_names[pkey], set()).add(kw)
    return {prov: sorted(keys) for prov, keys in out.items()}


def build(data_dir: Path, licence_file: Path, today: dt.date) -> dict[str, Any]:
    legacy = json.loads((data_dir / "parser_legacy.json").read_text(encoding="utf-8"))
    new = json.loads((data_dir / "parser_from_2025.json").read_text(encoding="utf-8"))
    converter = json.loads((data_dir / "converter_2025.json").read_text(encoding="utf-8"))
    merge = converter["DICT_PROVINCE"]
    successor_of = {old: new_key for new_key, olds in merge.items() for old in olds}
    new_names = {k: display(v["provinceShort"]) for k, v in new["DICT_PROVINCE"].items()}
    old_names = {
        k: OLD_NAME_OVERRIDES.get(k, (display(v["provinceShort"]),))[0]
        for k, v in legacy["DICT_PROVINCE"].items()
    }
    licence, holder = licence_holder(licence_file)
    result = {
        "_meta": {
            "source": f"{PACKAGE} {VERSION} ({HOMEPAGE})",
            "source_files": ["data/parser_legacy.json", "data/parser_from_2025.json",
                             "data/converter_2025.json"],
            "license": licence,
            "copyright": holder,
            "generated": today.isoformat(),
            "note": "generated by scripts/gen_provinces.py, do not edit by hand",
            "merger": "Nghị quyết 202/2025/QH15, in force 2025-07-01",
        },
        "provinces": old_provinces(legacy, successor_of, new_names),
        "provinces_2025": new_provinces(new, merge, old_names),
        "districts": districts(legacy, old_names),
        "district_aliases": district_aliases(legacy, old_names),
    }
    check(result)
    return result


def check(result: dict[str, Any]) -> None:
    """Fail loudly if the package data changed shape."""
    olds, news = result["provinces"], result["provinces_2025"]
    n_districts = sum(len(v) for v in result["districts"].values())
    if (len(olds), len(news)) != (63, 34) or not 690 <= n_districts <= 710:
        raise SystemExit(f"unexpected counts {len(olds)}/{len(news)}/{n_districts}")
    new_names = {p["name"] for p in news}
    if any(p["successor"] not in new_names for p in olds):
        raise SystemExit("a successor is not among the 34")


def dump(result: dict[str, Any]) -> str:
    """JSON with one province (or one province's district list) per line: small, and
    diffs of a regeneration stay readable."""
    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    parts = []
    for name, value in result.items():
        if isinstance(value, list):
            body = ",\n".join("  " + one(v) for v in value)
            parts.append(f" {one(name)}:[\n{body}\n ]")
        elif name == "_meta":
            meta = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n ")
            parts.append(f" {one(name)}:{meta}")
        else:
            body = ",\n".join(f"  {one(k)}:{one(v)}" for k, v in value.items())
            parts.append(f" {one(name)}:{{\n{body}\n }}")
    return "{\n" + ",\n".join(parts) + "\n}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    data_dir, licence_file = package_paths()
    result = build(data_dir, licence_file, dt.date.today())
    text = dump(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode('utf-8')) // 1024} KB)")


if __name__ == "__main__":
    main()

"""The JSON Schemas of `relocsim schema --json` as an editor uses them: each is a valid
draft 2020-12 schema, every shipped scenario, sweep and calibration file validates
against its schema, and every file of the malformed corpus (tests/malformed) is
rejected, by TOML itself or by the schema, except those whose fault only the checks of
meaning can see (listed below with the reason; `relocsim validate` refuses them).

Usage: python check_schema.py RELOCSIM_BINARY
"""
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
binary = sys.argv[1]


def schema(kind: str) -> Draft202012Validator:
    text = subprocess.run([binary, "schema", "--json", kind], check=True, capture_output=True, text=True).stdout
    s = json.loads(text)
    Draft202012Validator.check_schema(s)
    return Draft202012Validator(s)


# Faults a schema of one file cannot see: they need the run's years, the region's data
# or the other tables of the file.
MEANING_ONLY = {
    "end_before_start.toml": "compares two keys",
    "missing_region_file.toml": "a file that does not exist",
    "start_year_not_a_base_year.toml": "the region's base years",
    "two_caps.toml": "two policy tables that conflict",
    "unknown_city.toml": "the region's city names",
    "unknown_sector.toml": "the region's sector names",
    "window_outside.toml": "a window against the run's years",
    "scale_too_small.toml": "the region's size",
    "region_duplicate_city.toml": "the region file it names",
    "region_missing_column.toml": "the region file it names",
    "region_negative_population.toml": "the region file it names",
    "not_a_number.toml": "NaN, which JSON numbers (and so the schema's bounds) do not have",
}

checks = {
    "scenario": sorted((ROOT / "scenarios").glob("*.toml")),
    "sweep": sorted((ROOT / "scenarios" / "sweeps").glob("*.toml")),
    "calibration": sorted((ROOT / "calibration").glob("*.toml")),
}
for kind, files in checks.items():
    v = schema(kind)
    assert files, kind
    for f in files:
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(tomllib.loads(f.read_text()))]
        assert not errors, f"{f.relative_to(ROOT)} against the {kind} schema: {errors}"

v = schema("scenario")
caught, meaning = 0, []
for f in sorted((ROOT / "tests" / "malformed").glob("*.toml")):
    try:
        doc = tomllib.loads(f.read_text())
    except tomllib.TOMLDecodeError:
        caught += 1
        continue
    rejected = any(True for _ in v.iter_errors(doc))
    if f.name in MEANING_ONLY:
        # The list stays exact: a file the schema learns to catch leaves it.
        assert not rejected, f"{f.name} is caught by the schema now: take it off MEANING_ONLY"
        meaning.append(f.name)
        continue
    assert rejected, f"{f.relative_to(ROOT)} passes the scenario schema"
    caught += 1
print(
    f"check_schema: {sum(map(len, checks.values()))} shipped files valid; {caught} malformed files rejected "
    f"by TOML or the schema, {len(meaning)} left to the checks of meaning"
)

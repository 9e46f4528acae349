"""Opens every data file of a run directory with pyarrow, polars and DuckDB, as users
will, and checks row counts against the manifest and the documented key columns.

Usage: python read_run.py RUN_DIR
"""
import json
import sys
import tomllib
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

run = Path(sys.argv[1])
manifest = tomllib.loads((run / "manifest.toml").read_text())["manifest"]
assert manifest["status"] == "complete", manifest["status"]
checked = 0
for entry in manifest["files"]:
    path = run / entry["name"]
    table = pq.read_table(path)
    frame = pl.read_parquet(path)
    (rows,) = duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}')").fetchall()[0]
    assert table.num_rows == frame.height == rows == entry["rows"], (entry, table.num_rows, frame.height, rows)
    assert table.column_names[:2] == ["step", "year"], table.column_names
    meta = pq.ParquetFile(path).metadata
    keys = set((meta.metadata or {}).keys())
    assert keys <= {b"ARROW:schema"}, keys
    checked += 1

# Units and descriptions travel as Arrow metadata (relocsim's indicator catalogue).
population = pq.read_schema(run / "cities.parquet").field("population").metadata
assert population[b"unit"] == b"persons" and population[b"description"], population
listing = json.loads(pq.read_schema(run / "indicators.parquet").metadata[b"relocsim:indicators"])
recorded = {name for (name,) in duckdb.sql(f"SELECT DISTINCT indicator FROM '{run}/indicators.parquet'").fetchall()}
assert {i["name"] for i in listing} == recorded, (listing, recorded)
assert all(i["unit"] and i["label"] and i["description"] for i in listing), listing

cities = duckdb.sql(f"SELECT count(DISTINCT city), count(DISTINCT step) FROM '{run}/cities.parquet'").fetchall()[0]
assert cities[0] == 14, cities
print(f"read_run: {checked} files read with pyarrow, polars and DuckDB; row counts match the manifest")

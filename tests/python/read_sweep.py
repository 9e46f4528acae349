"""Reads a whole sweep at once, as the README shows: DuckDB's read_parquet with
hive_partitioning, polars with hive partitioning, and pyarrow.dataset with a hive
partitioning. Each must see every run of the plan with its scenario, variant and
replicate columns, and the summary must have the documented columns.

Usage: python read_sweep.py SWEEP_DIR
"""
import sys
import tomllib
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pyarrow.parquet as pq

root = Path(sys.argv[1])
plan = tomllib.loads((root / "plan.toml").read_text())
tasks = plan["task"]
runs = {(t["scenario"], t["variant"], t["replicate"]) for t in tasks}
glob = f"{root}/scenario=*/variant=*/replicate=*/cities.parquet"
sql_glob = glob.replace("'", "''")  # a SQL string literal
expected_rows = sum(pq.ParquetFile(root / t["path"] / "cities.parquet").metadata.num_rows for t in tasks)

# DuckDB
rows, seen = duckdb.sql(
    f"SELECT count(*), count(DISTINCT (scenario, variant, replicate)) "
    f"FROM read_parquet('{sql_glob}', hive_partitioning = true)"
).fetchall()[0]
assert (rows, seen) == (expected_rows, len(runs)), (rows, seen, expected_rows, len(runs))
by_run = duckdb.sql(
    f"SELECT DISTINCT scenario, variant, CAST(replicate AS INTEGER) "
    f"FROM read_parquet('{sql_glob}', hive_partitioning = true)"
).fetchall()
assert set(by_run) == runs, (by_run, runs)

# polars
frame = pl.read_parquet(glob, hive_partitioning=True)
assert frame.height == expected_rows, frame.height
keys = frame.select(["scenario", "variant", "replicate"]).unique().rows()
assert {(s, v, int(r)) for s, v, r in keys} == runs, keys

# pyarrow.dataset: the files of one table, partitioned by their directories.
files = [str(root / t["path"] / "cities.parquet") for t in tasks]
dataset = ds.dataset(files, format="parquet", partitioning="hive", partition_base_dir=str(root))
table = dataset.to_table()
assert table.num_rows == expected_rows, table.num_rows
assert {"scenario", "variant", "replicate"} <= set(table.column_names), table.column_names
assert set(table.column("scenario").to_pylist()) == {t["scenario"] for t in tasks}
# The files' unit metadata survives reading them as one dataset.
assert table.schema.field("population").metadata[b"unit"] == b"persons", table.schema.field("population")

# The summary.
summary = pq.read_table(root / "summary.parquet")
assert summary.column_names == [
    "scenario", "variant", "step", "year", "city", "indicator",
    "mean", "sd", "p05", "p50", "p95", "n",
], summary.column_names
region = duckdb.sql(
    "SELECT count(*) FROM read_parquet('" + str(root / "summary.parquet").replace("'", "''") + "') "
    "WHERE city IS NULL AND indicator = 'beijing_population'"
).fetchall()[0][0]
assert region > 0, region
# runs.parquet: one row per run, joinable with the runs' tables on the hive columns;
# replicate is int64 in both, so the join needs no cast.
index_path = str(root / "runs.parquet").replace("'", "''")
indexed = pq.read_table(root / "runs.parquet")
assert indexed.num_rows == len(tasks), indexed.num_rows
assert indexed.schema.field("replicate").type == "int64", indexed.schema
assert {(s, v, r) for s, v, r in zip(*(indexed.column(c).to_pylist() for c in ("scenario", "variant", "replicate")))} == runs
joined = duckdb.sql(
    f"SELECT count(*), count(DISTINCT r.seed) FROM read_parquet('{sql_glob}', hive_partitioning = true) c "
    f"JOIN read_parquet('{index_path}') r USING (scenario, variant, replicate)"
).fetchall()[0]
assert joined[0] == expected_rows, joined
with_index = frame.join(pl.read_parquet(root / "runs.parquet"), on=["scenario", "variant", "replicate"])
assert with_index.height == expected_rows, with_index.height
print(
    f"read_sweep: {len(runs)} runs, {expected_rows} city rows read whole by DuckDB, polars and "
    f"pyarrow.dataset; summary has {summary.num_rows} rows"
)

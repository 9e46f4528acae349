"""Reads a whole sweep at once, as the README shows, in DuckDB, polars, pyarrow.dataset
and pandas. Each table has a tree of its own under DIR/tables/TABLE (hive-partitioned by
scenario, variant and replicate), so each reader opens it from one directory or glob and
must see every run of the plan; the summaries live outside it (DIR/summary/), runs.parquet
joins on the partition columns with the same types, and every column of every file says
what it holds.

Usage: python read_sweep.py SWEEP_DIR
"""
import sys
import tomllib
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

root = Path(sys.argv[1])
plan = tomllib.loads((root / "plan.toml").read_text())
tasks = plan["task"]
runs = {(t["scenario"], t["variant"], t["replicate"]) for t in tasks}
cities = root / "tables" / "cities"
glob = f"{cities}/**/*.parquet"
sql_glob = glob.replace("'", "''")  # a SQL string literal
expected_rows = sum(pq.ParquetFile(root / t["path"] / "cities.parquet").metadata.num_rows for t in tasks)


def keys(rows):
    return {(s, v, int(r)) for s, v, r in rows}


# DuckDB: the table's whole tree with hive partitioning.
rows, seen = duckdb.sql(
    f"SELECT count(*), count(DISTINCT (scenario, variant, replicate)) "
    f"FROM read_parquet('{sql_glob}', hive_partitioning = true)"
).fetchall()[0]
assert (rows, seen) == (expected_rows, len(runs)), (rows, seen, expected_rows, len(runs))
by_run = duckdb.sql(
    f"SELECT DISTINCT scenario, variant, replicate FROM read_parquet('{sql_glob}', hive_partitioning = true)"
).fetchall()
assert keys(by_run) == runs, (by_run, runs)

# polars
frame = pl.read_parquet(glob, hive_partitioning=True)
assert frame.height == expected_rows, frame.height
assert keys(frame.select(["scenario", "variant", "replicate"]).unique().rows()) == runs
assert frame.schema["replicate"] == pl.Int64, frame.schema["replicate"]

# pyarrow.dataset: the table's directory, hive-partitioned. pyarrow infers replicate as
# int32 where DuckDB and polars infer int64; the README's partitioning makes it int64,
# as in runs.parquet.
partitioning = ds.partitioning(
    pa.schema([("scenario", pa.string()), ("variant", pa.string()), ("replicate", pa.int64())]), flavor="hive"
)
table = ds.dataset(cities, format="parquet", partitioning=partitioning).to_table()
assert table.schema.field("replicate").type == pa.int64(), table.schema.field("replicate")
assert table.num_rows == expected_rows, table.num_rows
assert {"scenario", "variant", "replicate"} <= set(table.column_names), table.column_names
assert set(table.column("scenario").to_pylist()) == {t["scenario"] for t in tasks}
# The files' unit metadata survives reading them as one dataset.
assert table.schema.field("population").metadata[b"unit"] == b"persons", table.schema.field("population")

# pandas: the table's directory, and one scenario's partition of it.
df = pd.read_parquet(cities, partitioning=partitioning)
assert len(df) == expected_rows, len(df)
assert str(df["replicate"].dtype) == "int64", df.dtypes
assert keys(df[["scenario", "variant", "replicate"]].drop_duplicates().itertuples(index=False)) == runs
baseline = plan["sweep"]["scenarios"][0]
part = pd.read_parquet(cities / f"scenario={baseline}")
assert len(part) == sum(
    pq.ParquetFile(root / t["path"] / "cities.parquet").metadata.num_rows for t in tasks if t["scenario"] == baseline
), len(part)

# Every table of every run is in its tree, and every column of every file says what it
# holds (the partition columns come from the directory names).
for t in tasks:
    for f in (root / t["path"]).glob("*.parquet"):
        part_file = root / "tables" / f.stem / t["path"].removeprefix("runs/") / "part-0.parquet"
        assert part_file.read_bytes() == f.read_bytes(), part_file
for f in [*(root / "tables").glob("*/*/*/*/part-0.parquet"), *(root / "summary").glob("*.parquet"), root / "runs.parquet"]:
    for field in pq.read_schema(f):
        assert (field.metadata or {}).get(b"description"), f"{f}: {field.name} has no description"
events = pq.read_schema(next((root / "tables" / "events").glob("*/*/*/part-0.parquet")))
assert {"firms", "jobs"} <= set(events.names), events.names
assert events.field("jobs").metadata[b"unit"] == b"jobs"

# The summary, outside the runs' tree.
summary = pq.read_table(root / "summary" / "summary.parquet")
assert summary.column_names == [
    "scenario", "variant", "step", "year", "city", "indicator",
    "mean", "sd", "p05", "p50", "p95", "n",
], summary.column_names
region = duckdb.sql(
    "SELECT count(*) FROM read_parquet('" + str(root / "summary" / "summary.parquet").replace("'", "''") + "') "
    "WHERE city IS NULL AND indicator = 'beijing_population'"
).fetchall()[0][0]
assert region > 0, region

# runs.parquet: one row per run, joinable with the tables on the hive columns;
# replicate is int64 in both, so the join needs no cast.
index_path = str(root / "runs.parquet").replace("'", "''")
indexed = pq.read_table(root / "runs.parquet")
assert indexed.num_rows == len(tasks), indexed.num_rows
assert indexed.schema.field("replicate").type == "int64", indexed.schema
assert keys(zip(*(indexed.column(c).to_pylist() for c in ("scenario", "variant", "replicate")))) == runs
joined = duckdb.sql(
    f"SELECT count(*), count(DISTINCT r.seed) FROM read_parquet('{sql_glob}', hive_partitioning = true) c "
    f"JOIN read_parquet('{index_path}') r USING (scenario, variant, replicate)"
).fetchall()[0]
assert joined[0] == expected_rows, joined
with_index = frame.join(pl.read_parquet(root / "runs.parquet"), on=["scenario", "variant", "replicate"])
assert with_index.height == expected_rows, with_index.height
merged = df.merge(pd.read_parquet(root / "runs.parquet"), on=["scenario", "variant", "replicate"])
assert len(merged) == expected_rows, len(merged)
print(
    f"read_sweep: {len(runs)} runs, {expected_rows} city rows read whole by DuckDB, polars, "
    f"pyarrow.dataset and pandas; summary has {summary.num_rows} rows"
)

"""Times reading a whole sweep's tables in DuckDB, polars, pyarrow.dataset and pandas:
each reader opens DIR/tables/TABLE in full (every row and column, with the hive columns)
three times, and the best wall time is printed with the rows read.

Usage: python tools/read_times.py SWEEP_DIR [TABLE ...]   (default: cities events)
Needs duckdb, polars, pyarrow and pandas (as .ci/run installs them).
"""
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds

# As the README reads them: replicate int64 in every reader.
HIVE = ds.partitioning(
    pa.schema([("scenario", pa.string()), ("variant", pa.string()), ("replicate", pa.int64())]), flavor="hive"
)


def best(f, times=3):
    out, wall = None, float("inf")
    for _ in range(times):
        t = time.perf_counter()
        out = f()
        wall = min(wall, time.perf_counter() - t)
    return out, wall


root = Path(sys.argv[1])
tables = sys.argv[2:] or ["cities", "events"]
for table in tables:
    d = root / "tables" / table
    glob = str(d / "**" / "*.parquet").replace("'", "''")
    readers = {
        "duckdb": lambda: duckdb.sql(f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true)").to_arrow_table().num_rows,
        "polars": lambda: pl.read_parquet(str(d / "**" / "*.parquet"), hive_partitioning=True).height,
        "pyarrow.dataset": lambda: ds.dataset(d, format="parquet", partitioning=HIVE).to_table().num_rows,
        "pandas": lambda: len(pd.read_parquet(d, partitioning=HIVE)),
    }
    runs = len(list(d.glob("*/*/*/part-0.parquet")))
    size = sum(p.stat().st_size for p in d.glob("*/*/*/part-0.parquet"))
    for name, read in readers.items():
        rows, wall = best(read)
        print(f"{table:8} {runs:4} runs {size / 1e6:7.1f} MB  {name:16} {rows:10,} rows  {wall * 1000:8.1f} ms")

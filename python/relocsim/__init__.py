"""relocsim from Python: run scenarios and sweeps and get Arrow tables back.

    import relocsim
    run = relocsim.run("scenarios/non_capital_relief.toml", seed=7, scale=0.01)
    cities = run.table("cities")                 # a pyarrow.Table, no copy
    df = run.to_pandas("cities")                 # or run.to_polars("cities")
    run.manifest["scenario"]["seed"]

The simulation is relocsim's own (the Rust library the CLI is built on): the same
scenario and seed give the same tables as `relocsim run`, the GIL is released while it
runs, and Ctrl-C stops it cleanly. Errors are exceptions: `ScenarioError` (with every
problem in `.problems`) for input that does not validate, `RelocsimError` for the rest.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import _native
from ._native import RelocsimError, ScenarioError
from .evaluator import Evaluator

__all__ = [
    "Evaluator",
    "RelocsimError",
    "Run",
    "ScenarioError",
    "Sweep",
    "load",
    "load_sweep",
    "params",
    "policies",
    "run",
    "validate",
    "__version__",
]

__version__: str = _native.version()

#: The tables every run has, in file order (snapshots add firms and persons).
TABLES = ("cities", "city_sectors", "flows", "indicators", "events")

#: The partition columns of a sweep's table trees, typed as in runs.parquet: pyarrow
#: (and pandas through it) would otherwise infer replicate as int32, DuckDB and polars
#: as int64.
PARTITIONING = ds.partitioning(
    pa.schema([("scenario", pa.string()), ("variant", pa.string()), ("replicate", pa.int64())]),
    flavor="hive",
)

Scenario = str | os.PathLike[str] | Mapping[str, Any]


def _source(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the native module takes it: TOML text or a dict as JSON."""
    if isinstance(scenario, Mapping):
        return {"text": None, "json": json.dumps(scenario), "file": "<dict>", "base": os.getcwd()}
    path = Path(scenario)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RelocsimError(f"{path}: {e.strerror or e}") from None
    return {"text": text, "json": None, "file": str(path), "base": str(path.parent or ".")}


def _settings(seed: int | None, scale: float | None, replicate: int | None,
              overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        "seed": seed,
        "scale": scale,
        "replicate": replicate,
        "overrides": json.dumps(dict(overrides or {})),
    }


class Run:
    """One run: its tables as pyarrow Tables and its manifest as a dict.

    A run made in memory holds its tables in Rust and hands them to pyarrow without a
    copy; a run written to (or loaded from) a directory reads its Parquet files.
    """

    def __init__(self, native: Any | None, directory: Path | None, manifest: dict[str, Any]):
        self._native = native
        self.path: Path | None = directory
        self.manifest: dict[str, Any] = manifest

    def __repr__(self) -> str:
        s = self.manifest.get("scenario", {})
        where = f" at {self.path}" if self.path else " in memory"
        return f"<relocsim.Run {s.get('name')!r} seed={s.get('seed')} scale={s.get('scale')}{where}>"

    @property
    def tables(self) -> list[str]:
        """The names of the run's tables."""
        if self._native is not None and not self.path:
            return list(self._native.table_names())
        return sorted(p.stem for p in self.path.glob("*.parquet"))  # type: ignore[union-attr]

    def table(self, name: str = "cities") -> pa.Table:
        """A table of the run (cities, city_sectors, flows, indicators, events, and with
        snapshots firms and persons) as a pyarrow.Table with its unit and description
        metadata on every field."""
        if self._native is not None and not self.path:
            return pa.table(self._native.table(name))
        file = self.path / f"{name}.parquet"  # type: ignore[operator]
        if not file.is_file():
            raise KeyError(f"no table {name!r}; this run has {', '.join(self.tables)}")
        return pq.read_table(file)

    def to_polars(self, name: str = "cities") -> Any:
        """The table as a polars DataFrame (needs polars)."""
        import polars as pl

        return pl.from_arrow(self.table(name))

    def to_pandas(self, name: str = "cities") -> Any:
        """The table as a pandas DataFrame (needs pandas)."""
        return self.table(name).to_pandas()

    def _native_table(self, name: str) -> Any:
        """The native table behind `table(name)` (in-memory runs only): for tests."""
        return self._native.table(name)


def _manifest_of_scenario(text: str) -> dict[str, Any]:
    doc = tomllib.loads(text)
    return {"status": "complete", "relocsim_version": __version__, **doc}


def run(
    scenario: Scenario,
    *,
    seed: int | None = None,
    scale: float | None = None,
    replicate: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    threads: int | None = None,
    force: bool = False,
) -> Run:
    """Runs a scenario and returns the Run.

    scenario: a scenario file's path, or a dict with the same keys as the TOML file.
    seed, scale, replicate: set `scenario.seed`, `scenario.scale`, `scenario.replicate`.
    overrides: registry names (`behaviour.migration_rate`, `policy.KIND.FIELD`, set in
        every table of that kind) or dotted paths into the file (`scenario.end_year`,
        `policy.0.start`), with their values.
    out: a run directory to write, as `relocsim run --out` does (refused if it exists,
        unless force); None keeps the tables in memory.
    threads: worker threads (default: every core).
    """
    native = _native.run(_source(scenario), _settings(seed, scale, replicate, overrides),
                         None if out is None else str(out), threads, force)
    if out is not None:
        return load(out)
    return Run(native, None, _manifest_of_scenario(native.scenario))


def validate(
    scenario: Scenario,
    *,
    seed: int | None = None,
    scale: float | None = None,
    replicate: int | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Checks a scenario as `relocsim validate` does. Raises ScenarioError, whose
    `problems` lists every problem with its place; returns the resolved scenario."""
    text = _native.validate(_source(scenario), _settings(seed, scale, replicate, overrides))
    return tomllib.loads(text)


def load(run_dir: str | os.PathLike[str]) -> Run:
    """The run in a run directory (it holds manifest.toml), as `relocsim run` wrote it."""
    directory = Path(run_dir)
    manifest = directory / "manifest.toml"
    if not manifest.is_file():
        raise RelocsimError(f"{directory}: not a run directory (no manifest.toml)")
    return Run(None, directory, tomllib.loads(manifest.read_text(encoding="utf-8")))


class Sweep:
    """A sweep directory: its plan, its runs index and each table of every run as one
    pyarrow.Table with scenario, variant and replicate columns and one typed column per
    parameter the sweep sets (from runs.parquet)."""

    def __init__(self, directory: Path):
        self.path = directory
        self.plan: dict[str, Any] = tomllib.loads((directory / "plan.toml").read_text(encoding="utf-8"))
        self.runs: pa.Table = pq.read_table(directory / "runs.parquet")

    def __repr__(self) -> str:
        return f"<relocsim.Sweep {self.plan['sweep']['name']!r}: {self.runs.num_rows} runs at {self.path}>"

    def table(self, name: str = "cities") -> pa.Table:
        """Every complete run's `name` table, with the runs index's columns joined on."""
        tree = self.path / "tables" / name
        if not tree.is_dir():
            raise KeyError(f"no table {name!r} in {self.path / 'tables'}")
        rows = ds.dataset(tree, format="parquet", partitioning=PARTITIONING).to_table()
        axes = self.runs.drop_columns(["path"])
        return rows.join(axes, keys=["scenario", "variant", "replicate"])

    def run(self, scenario: str, variant: str = "default", replicate: int = 0) -> Run:
        """One run of the sweep."""
        return load(self.path / "runs" / f"scenario={scenario}" / f"variant={variant}" / f"replicate={replicate}")


def load_sweep(directory: str | os.PathLike[str]) -> Sweep:
    """A sweep directory written by `relocsim sweep run` (it holds plan.toml)."""
    d = Path(directory)
    if not (d / "plan.toml").is_file():
        raise RelocsimError(f"{d}: not a sweep directory (no plan.toml)")
    return Sweep(d)


def params() -> list[dict[str, Any]]:
    """The parameter registry: name, unit, default, min, max, tag ([V] verified, [D]
    derived, [M] modelled, [A] assumption) and meaning of every parameter."""
    return list(_native.params())


def policies() -> list[dict[str, Any]]:
    """The policy kinds: name, summary, the essay's wording, and an example table."""
    return list(_native.policies())

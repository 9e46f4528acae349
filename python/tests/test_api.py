"""The Python package as a user relies on it: runs in memory and to disk, the same bytes
as the CLI, errors as exceptions, tables handed over without a copy, the GIL released,
Ctrl-C, the registry, sweeps, and the Evaluator. Run by .ci/run after `pip install
./python` in a fresh venv; RELOCSIM_BIN names the CLI (default target/release/relocsim).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import relocsim

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("RELOCSIM_BIN", REPO / "target" / "release" / "relocsim"))

SMALL = """
[scenario]
name = "pytest"
description = "A short, small run for the Python tests."
start_year = 2020
end_year = 2022
seed = 7
scale = 0.002
"""

RELIEF = SMALL.replace('name = "pytest"', 'name = "pytest_relief"') + """
[[policy]]
kind = "non_capital_relief"
start = 2020
end = 2022
hazard_multiplier = 6.0
"""


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    assert BIN.is_file(), f"build the CLI first (cargo build --release) or set RELOCSIM_BIN: {BIN}"
    return subprocess.run([str(BIN), *args], capture_output=True, text=True)


def test_a_run_in_memory_has_every_table_with_units(small: Path) -> None:
    run = relocsim.run(small)
    assert run.path is None
    assert run.tables == list(relocsim.TABLES)
    cities = run.table("cities")
    assert isinstance(cities, pa.Table)
    assert cities.num_rows == 14 * 3, "14 cities, 2020 to 2022"
    assert cities.schema.field("population").metadata[b"unit"] == b"persons"
    assert run.manifest["scenario"]["seed"] == 7
    assert run.to_pandas("indicators").shape[0] == run.table("indicators").num_rows
    with pytest.raises(KeyError, match="no table .nope.; this run has cities"):
        run.table("nope")


def test_the_same_scenario_and_seed_give_the_cli_s_bytes(small: Path, tmp_path: Path) -> None:
    done = cli("run", str(small), "--out", str(tmp_path / "cli"), "--quiet", "--threads", "2")
    assert done.returncode == 0, done.stderr
    on_disk = relocsim.run(small, out=tmp_path / "py", threads=1)
    assert on_disk.path == tmp_path / "py"
    for table in relocsim.TABLES:
        a = (tmp_path / "cli" / f"{table}.parquet").read_bytes()
        b = (tmp_path / "py" / f"{table}.parquet").read_bytes()
        assert a == b, f"{table}.parquet differs from the CLI's"
    # In memory: the same rows, schema and metadata as the CLI's files.
    in_memory = relocsim.run(small)
    for table in relocsim.TABLES:
        assert in_memory.table(table).equals(pq.read_table(tmp_path / "cli" / f"{table}.parquet"), check_metadata=True), table


def test_seed_scale_and_replicate_are_set_as_the_cli_sets_them(small: Path, tmp_path: Path) -> None:
    run = relocsim.run(small, seed=9, scale=0.003, replicate=2, out=tmp_path / "r")
    m = run.manifest["manifest"]
    assert (m["seed"], m["scale"], m["replicate"]) == (9, 0.003, 2)
    other = relocsim.run(small, seed=9, scale=0.003, replicate=3)
    assert not other.table("events").equals(run.table("events")), "replicates draw differently"


def test_a_dict_is_the_same_scenario_as_its_file(small: Path) -> None:
    scenario = {"scenario": {"name": "pytest", "description": "d", "start_year": 2020,
                             "end_year": 2022, "seed": 7, "scale": 0.002}}
    a = relocsim.run(scenario).table("indicators")
    b = relocsim.run(small).table("indicators")
    assert a.equals(b)


def test_overrides_use_registry_names(tmp_path: Path) -> None:
    path = tmp_path / "relief.toml"
    path.write_text(RELIEF)
    weak = relocsim.run(path, overrides={"policy.non_capital_relief.hazard_multiplier": 1.5,
                                         "behaviour.migration_rate": 0.03})
    assert weak.manifest["policy"][0]["hazard_multiplier"] == 1.5
    assert weak.manifest["behaviour"]["migration_rate"] == 0.03
    # A migration lever is a hypothesis about the world: its reference moves with it.
    assert weak.manifest["reference"]["migration_rate"] == 0.03
    strong = relocsim.run(path)

    def moved(r: relocsim.Run) -> float:
        t = r.table("indicators").to_pandas()
        return t[(t.indicator == "firms_moved_out_of_beijing_cum") & (t.year == 2022)].value.item()

    assert moved(strong) > moved(weak)


def test_invalid_input_raises_one_error_with_every_problem() -> None:
    bad = {"scenario": {"name": "x", "start_year": 2020, "end_year": 2022, "colour": "red"},
           "policy": [{"kind": "non_capital_relief", "start": 2020, "end": 2022, "hazard_multiplier": -1.0}]}
    with pytest.raises(relocsim.ScenarioError) as e:
        relocsim.validate(bad)
    problems = e.value.problems
    assert len(problems) >= 2, problems
    assert any("colour" in p for p in problems), problems
    assert any("hazard_multiplier" in p for p in problems), problems
    with pytest.raises(relocsim.ScenarioError, match="overrides"):
        relocsim.validate({"scenario": {"name": "x", "start_year": 2020, "end_year": 2022}},
                          overrides={"policy.xiongan_incentives.subsidy_per_job_yuan": 1.0})
    assert relocsim.validate({"scenario": {"name": "ok", "start_year": 2020, "end_year": 2021}})["scenario"]["name"] == "ok"


def test_errors_are_exceptions_not_exits(small: Path, tmp_path: Path) -> None:
    relocsim.run(small, out=tmp_path / "once")
    with pytest.raises(relocsim.RelocsimError, match="exists already"):
        relocsim.run(small, out=tmp_path / "once")
    with pytest.raises(relocsim.RelocsimError, match="missing.toml"):
        relocsim.run(tmp_path / "missing.toml")
    with pytest.raises(relocsim.RelocsimError, match="not a run directory"):
        relocsim.load(tmp_path)
    # The interpreter is still here and still works.
    assert relocsim.run(small).table("cities").num_rows == 42


def test_tables_are_handed_over_without_a_copy() -> None:
    run = relocsim.run({"scenario": {"name": "big", "start_year": 2020, "end_year": 2024, "seed": 1, "scale": 0.02}})
    native = run._native_table("cities")
    table = run.table("cities")
    column = table.schema.get_field_index("population")
    ours = native.buffer_addresses(column)
    theirs = [chunk.buffers()[1].address for chunk in table.column(column).chunks]
    assert ours and ours == theirs, "pyarrow sees the Rust buffers themselves"


def test_the_gil_is_released_while_simulating() -> None:
    ticks = 0
    running = True

    def count() -> None:
        nonlocal ticks
        while running:
            ticks += 1
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    start = ticks
    relocsim.run({"scenario": {"name": "gil", "start_year": 2020, "end_year": 2030, "seed": 2, "scale": 0.01}}, threads=1)
    during = ticks - start
    running = False
    t.join()
    assert during > 20, f"another thread ran only {during} times during the run"


def test_ctrl_c_stops_a_run_and_raises_keyboard_interrupt() -> None:
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        relocsim.run({"scenario": {"name": "long", "start_year": 2020, "end_year": 2035, "seed": 3, "scale": 0.05}}, threads=1)
    timer.join()
    assert time.monotonic() - started < 30
    # The package still runs after an interrupt.
    assert relocsim.run({"scenario": {"name": "after", "start_year": 2020, "end_year": 2021, "scale": 0.002}}).tables


def test_ctrl_c_leaves_a_run_directory_that_the_cli_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    scenario = {"scenario": {"name": "long", "start_year": 2020, "end_year": 2035, "seed": 3, "scale": 0.05}}
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        relocsim.run(scenario, out=tmp_path / "cut", threads=1)
    timer.join()
    assert relocsim.load(tmp_path / "cut").manifest["manifest"]["status"] == "interrupted"
    done = cli("run", "--resume", str(tmp_path / "cut"), "--quiet")
    assert done.returncode == 0, done.stderr
    whole = relocsim.run(scenario, out=tmp_path / "whole")
    for table in relocsim.TABLES:
        assert (tmp_path / "cut" / f"{table}.parquet").read_bytes() == (whole.path / f"{table}.parquet").read_bytes(), table


def test_the_registry_and_the_policy_kinds() -> None:
    params = {p["name"]: p for p in relocsim.params()}
    rate = params["behaviour.migration_rate"]
    assert rate["tag"].startswith("[") and rate["min"] < rate["default"] < rate["max"]
    kinds = [k["name"] for k in relocsim.policies()]
    assert "non_capital_relief" in kinds and "xiongan_incentives" in kinds


def test_a_sweep_loads_with_typed_axis_columns(tmp_path: Path, small: Path) -> None:
    (tmp_path / "relief.toml").write_text(RELIEF)
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(
        '[sweep]\nname = "py"\nscenarios = ["small.toml", "relief.toml"]\nreplicates = 2\n'
        '[[axis]]\nkey = "behaviour.migration_rate"\nvalues = [0.01, 0.03]\n'
    )
    done = cli("sweep", "run", str(sweep_file), "--out", str(tmp_path / "sweep"), "--quiet", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    sweep = relocsim.load_sweep(tmp_path / "sweep")
    cities = sweep.table("cities")
    assert cities.num_rows == 2 * 2 * 2 * 42
    assert cities.schema.field("behaviour.migration_rate").type == pa.float64()
    assert cities.schema.field("replicate").type == pa.int64()
    assert set(cities.column("scenario").to_pylist()) == {"pytest", "pytest_relief"}
    one = sweep.run("pytest_relief", "migration_rate-0.03", 1)
    assert one.manifest["manifest"]["replicate"] == 1


def test_the_evaluator_runs_parameter_sets_in_parallel(tmp_path: Path) -> None:
    path = tmp_path / "relief.toml"
    path.write_text(RELIEF)
    with relocsim.Evaluator(path, outputs={"moved": ("firms_moved_out_of_beijing_cum", 2022)}, max_workers=2) as ev:
        weak, strong = ev.evaluate([{"policy.non_capital_relief.hazard_multiplier": 1.0},
                                    {"policy.non_capital_relief.hazard_multiplier": 8.0}])
        assert strong["moved"] > weak["moved"]
        assert ev.submit_parameters({"policy.non_capital_relief.hazard_multiplier": 8.0}).result() == strong

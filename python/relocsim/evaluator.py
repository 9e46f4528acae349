"""Evaluator: parameter sets in, outputs back, several runs at once.

It is a `concurrent.futures.Executor` (a thread pool: relocsim releases the GIL while it
simulates, so threads run in parallel), so tools that take an executor (pyABC's
ConcurrentFutureSampler, the EMA Workbench's evaluators, your own code) can use it
as it is; and it is callable on one parameter set, with `evaluate` for many, so SALib's
`model(X)` loops and pyABC's `model(parameters)` get a function directly.

    ev = relocsim.Evaluator("scenarios/non_capital_relief.toml", scale=0.005, seed=1,
                            outputs={"beijing_2035": ("beijing_population", 2035)})
    ev({"policy.non_capital_relief.hazard_multiplier": 4.0})   # {'beijing_2035': ...}
    ev.evaluate([{...}, {...}])                                 # in parallel, in order
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

if TYPE_CHECKING:
    from . import Run

#: An output: an indicator of indicators.parquet in a year, or a function of the Run.
Output = tuple[str, int] | Callable[["Run"], Any]


def indicator(run: "Run", name: str, year: int) -> float:
    """`name` of indicators.parquet in `year` (a region-level indicator)."""
    t = run.table("indicators")
    names, years, values = (t.column(c).to_pylist() for c in ("indicator", "year", "value"))
    for n, y, v in zip(names, years, values):
        if n == name and y == year:
            return float(v)
    raise KeyError(f"no indicator {name!r} in {year}")


class Evaluator(ThreadPoolExecutor):
    """Runs `scenario` once per parameter set and reduces each run to `outputs`.

    scenario: a path or a dict, as `relocsim.run` takes it.
    outputs: names to (indicator, year) pairs or functions of the Run.
    seed, scale, replicate: as for `relocsim.run`, the same for every set, so that the
        sets differ only in their parameters (common random numbers).
    max_workers: runs at once (default: every core); threads: worker threads per run
        (default 1: runs, not steps, are spread over the cores).
    """

    def __init__(
        self,
        scenario: Any,
        *,
        outputs: Mapping[str, Output],
        seed: int | None = None,
        scale: float | None = None,
        replicate: int | None = None,
        max_workers: int | None = None,
        threads: int = 1,
    ):
        super().__init__(max_workers=max_workers or os.cpu_count() or 1)
        self.scenario = scenario
        self.outputs = dict(outputs)
        self.settings = {"seed": seed, "scale": scale, "replicate": replicate, "threads": threads}

    def __call__(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """The outputs of one run with `parameters` as overrides."""
        from . import run

        r = run(self.scenario, overrides=dict(parameters), **self.settings)
        out: dict[str, Any] = {}
        for name, spec in self.outputs.items():
            out[name] = spec(r) if callable(spec) else indicator(r, *spec)
        return out

    def submit_parameters(self, parameters: Mapping[str, Any]) -> Future:
        """A future of the outputs of one parameter set."""
        return self.submit(self, parameters)

    def evaluate(self, sets: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The outputs of every parameter set, run in parallel, in the order given."""
        return list(self.map(self, sets))

    def evaluate_matrix(self, names: Sequence[str], rows: Iterable[Sequence[float]]) -> list[dict[str, Any]]:
        """As `evaluate`, for a design matrix (SALib's X): one row per set, one column
        per name."""
        return self.evaluate(dict(zip(names, row)) for row in rows)

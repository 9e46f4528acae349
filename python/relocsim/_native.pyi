"""Type stub of the Rust extension module (src/lib.rs). Use the typed API of
`relocsim` (__init__.py) rather than these functions."""

from typing import Any, TypedDict

class RelocsimError(Exception):
    """A relocsim error: the message names the file, key or directory concerned."""

class ScenarioError(RelocsimError):
    """A scenario that does not validate."""

    problems: list[str]
    """Every problem found, each with its file and place."""

class Source(TypedDict):
    text: str | None
    json: str | None
    file: str
    base: str

class Settings(TypedDict):
    seed: int | None
    scale: float | None
    replicate: int | None
    overrides: str

class NativeTable:
    name: str
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...
    def num_rows(self) -> int: ...
    def buffer_addresses(self, column: int) -> list[int]: ...

class NativeRun:
    scenario: str
    dir: str | None
    def table_names(self) -> list[str]: ...
    def table(self, name: str) -> NativeTable: ...

def validate(source: Source, settings: Settings) -> str: ...
def run(
    source: Source,
    settings: Settings,
    out: str | None = None,
    threads: int | None = None,
    force: bool = False,
) -> NativeRun: ...
def params() -> list[dict[str, Any]]: ...
def policies() -> list[dict[str, Any]]: ...
def version() -> str: ...

"""Runs the README's commands as a newcomer would: every line of every ```sh block, in
order, in a fresh clone of the repository (git clone of HEAD), with a fresh HOME, so
that a command the README gets wrong fails here. The quick start's sample output must
be what its command prints.

Two substitutions keep CI within its time: `cargo test` is left to CI's own step, and
cargo shares CI's target directory (CARGO_TARGET_DIR), so `cargo install` and `cargo run
--release` reuse the release build instead of compiling again.

Usage: python readme_commands.py REPO TARGET_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

repo, target = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
readme = (repo / "README.md").read_text()
work = Path(tempfile.mkdtemp(prefix="relocsim-readme-"))
clone = work / "relocsim"
subprocess.run(["git", "clone", "--quiet", str(repo), str(clone)], check=True)
home = work / "home"
home.mkdir()
# A fresh HOME for what the README writes there; the toolchain stays where rustup put it.
env = dict(
    os.environ,
    HOME=str(home),
    CARGO_TARGET_DIR=str(target),
    CARGO_HOME=os.environ.get("CARGO_HOME", str(Path.home() / ".cargo")),
    RUSTUP_HOME=os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")),
)
env["PATH"] = f"{home}/.cargo/bin:{env['PATH']}"
env.pop("CI", None)

commands = []
for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
    for line in block.splitlines():
        command = re.split(r"\s{2,}#", line)[0].strip()
        if command:
            commands.append(command)

SKIPPED = {"cargo test": "CI runs the test suite itself, in its first step"}
outputs = {}
for command in commands:
    if command in SKIPPED:
        print(f"skip: {command} ({SKIPPED[command]})")
        continue
    # A newcomer's `cargo install` puts relocsim in ~/.cargo/bin, which is on the PATH.
    run = command.replace("cargo install --locked --path .", f"cargo install --locked --path . --root {home}/.cargo")
    done = subprocess.run(run, shell=True, cwd=clone, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"README command failed ({done.returncode}): {command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    outputs[command] = done.stdout
    print(f"ok: {command}")

# The quick start's sample output is its command's.
start = readme.index("## Quick start")
sample = re.search(r"```\n(indicator.*?)```", readme[start:], re.S).group(1)
printed = outputs["cargo run --release -- run scenarios/baseline.toml"] + ""
for line in sample.splitlines():
    if line.strip() in ("...", "") or line.startswith("wrote "):
        continue
    assert line.split() == next((l.split() for l in printed.splitlines() if l.split()[:3] == line.split()[:3]), None), (
        f"the README's sample line\n  {line}\nis not what `run scenarios/baseline.toml` printed:\n{printed}"
    )
print(f"readme_commands: {len(outputs)} commands ran in a fresh clone; the quick start's sample output matches")
shutil.rmtree(work, ignore_errors=True)

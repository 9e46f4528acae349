#!/usr/bin/env bash
# The report in a real browser: installs Debian's chromium, then runs the browser test
# with RELOCSIM_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping.
# The test loads report.html headless, checks its DOM, console and net log, and saves a
# screenshots to target/tmp/report-1-run.png and target/tmp/report-5-replicates.png.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing chromium (Debian package)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
chromium --version

echo "== report.html in headless chromium"
RELOCSIM_REQUIRE_BROWSER=1 cargo test --locked --test report_browser -- --nocapture

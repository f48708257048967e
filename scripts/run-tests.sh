#!/usr/bin/env bash
# Runs the Swift tests (already built) and the Python tests (the bridge's and this folder's),
# then prints what each runner counted and one plain closing line over all of them,
# "tests: N passed, M failed" (scripts/test_summary.py). Exits non-zero if anything failed.
#   scripts/run-tests.sh [SWIFT TEST FLAGS...]
#   scripts/run-tests.sh --summarize SWIFT_LOG PYTEST_LOG   (only the counting, from saved output)
set -uo pipefail
cd "$(dirname "$0")/.."
# The Python test dependencies live in .build/venv (scripts/install-deps.sh); its python3 comes
# first on PATH, so the Swift tests that run `python3` use it too.
if [ -x .build/venv/bin/python3 ]; then export PATH="$PWD/.build/venv/bin:$PATH"; fi

# shellcheck source=scripts/shared-dir.sh
. scripts/shared-dir.sh

if [ "${1:-}" = "--summarize" ]; then
    exec python3 scripts/test_summary.py --swift "$2" --pytest "$3"
fi

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
swift test --skip-build "$@" 2>&1 | tee "$log/swift.log"
swift_rc=${PIPESTATUS[0]}
# The bridge's tests include a module that drives the real sidecar binary built above.
GITHUB_SIDECAR_BIN="$(swift build --show-bin-path)/github-sidecar" \
    python3 -m pytest -q -rs frappe_bridge/tests scripts/tests 2>&1 | tee "$log/pytest.log"
py_rc=${PIPESTATUS[0]}

echo
python3 scripts/test_summary.py --swift "$log/swift.log" --pytest "$log/pytest.log"
summary_rc=$?
if [ "$swift_rc" -ne 0 ] || [ "$py_rc" -ne 0 ] || [ "$summary_rc" -ne 0 ]; then exit 1; fi

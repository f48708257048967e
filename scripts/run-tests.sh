#!/usr/bin/env bash
# Runs the Swift tests (already built) and the bridge's pytest suite, then prints one plain
# closing line, "tests: N passed, N failed", over both. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)
swift test --skip-build "$@" 2>&1 | tee "$log/swift.log"
swift_rc=${PIPESTATUS[0]}
# The bridge's tests include a module that drives the real sidecar binary built above.
GITHUB_SIDECAR_BIN="$(swift build --show-bin-path)/github-sidecar" \
    bash -c 'cd frappe_bridge && python3 -m pytest -q -rs tests' 2>&1 | tee "$log/pytest.log"
py_rc=${PIPESTATUS[0]}

swift_total=$(grep -oE 'Test run with [0-9]+ tests?' "$log/swift.log" | tail -1 | grep -oE '[0-9]+' || echo 0)
swift_failed=$(grep -cE '^✘ Test .* failed after' "$log/swift.log" || true)
py_passed=$(grep -oE '[0-9]+ passed' "$log/pytest.log" | tail -1 | grep -oE '[0-9]+' || echo 0)
py_failed=$(grep -oE '[0-9]+ failed' "$log/pytest.log" | tail -1 | grep -oE '[0-9]+' || echo 0)
passed=$(( ${swift_total:-0} - ${swift_failed:-0} + ${py_passed:-0} ))
failed=$(( ${swift_failed:-0} + ${py_failed:-0} ))
rm -rf "$log"
echo
echo "tests: $passed passed, $failed failed"
if [ "$swift_rc" -ne 0 ] || [ "$py_rc" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi

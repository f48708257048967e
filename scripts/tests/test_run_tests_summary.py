"""`scripts/run-tests.sh --summarize` over recorded runner output (recorded/README.md says where each
file comes from): the closing line is the sum of what each runner counted itself, and Swift
Testing's own closing line ("✘ Test run with N tests … failed after") is never counted as a test."""

import re
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1]
RECORDED = Path(__file__).resolve().parent / "recorded"
CLOSING = re.compile(r"^tests: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$")


def summarize(swift, pytest_log):
	done = subprocess.run(["bash", str(SCRIPTS / "run-tests.sh"), "--summarize", str(RECORDED / swift), str(RECORDED / pytest_log)],
	                      capture_output=True, text=True, timeout=120)
	lines = done.stdout.strip().splitlines()
	return done.returncode, lines


def runner_lines(lines):
	return {line.split(":", 1)[0]: line for line in lines if line and not line.startswith("tests:")}


def test_a_failed_swift_test_is_counted_once_not_twice():
	"""The bug of issue 15: 3 tests, 1 failed, was summed as 1 passed, 2 failed."""
	rc, lines = summarize("swift-one-failed.txt", "pytest-bridge-skips.txt")
	assert rc == 1
	runners = runner_lines(lines)
	assert runners["swift-testing"] == "swift-testing: 2 passed, 1 failed (Test run with 3 tests)"
	assert runners["pytest"] == "pytest: 165 passed, 0 failed, 6 skipped"
	assert lines[-1] == "tests: 167 passed, 1 failed, 6 skipped"


def test_a_green_run():
	rc, lines = summarize("swift-passed.txt", "pytest-bridge-skips.txt")
	assert rc == 0
	runners = runner_lines(lines)
	assert runners["swift-testing"] == "swift-testing: 4 passed, 0 failed (Test run with 4 tests)", "50 cases count once"
	assert runners["xctest"] == "xctest: 0 passed, 0 failed (Executed 0 tests)"
	assert lines[-1] == "tests: 169 passed, 0 failed, 6 skipped"


def test_pytest_errors_are_failures_and_xfailed_are_skipped():
	rc, lines = summarize("swift-passed.txt", "pytest-mixed.txt")
	assert rc == 1
	assert runner_lines(lines)["pytest"] == "pytest: 2 passed, 2 failed, 2 skipped"
	assert lines[-1] == "tests: 6 passed, 2 failed, 2 skipped"


def test_a_runner_that_ended_without_its_closing_line_fails_the_run():
	rc, lines = summarize("swift-killed.txt", "pytest-bridge-skips.txt")
	assert rc == 1, "nothing failed that was counted, but the run did not finish"
	assert runner_lines(lines)["swift-testing"].endswith("(ended without its closing line)")


def test_xctest_and_skipped_swift_tests():
	rc, lines = summarize("swift-xctest-and-skip.txt", "pytest-bridge-skips.txt")
	assert rc == 1
	runners = runner_lines(lines)
	assert runners["xctest"] == "xctest: 1 passed, 1 failed, 1 skipped (Executed 3 tests)"
	assert runners["swift-testing"] == "swift-testing: 2 passed, 0 failed, 1 skipped (Test run with 3 tests)"
	assert lines[-1] == "tests: 168 passed, 1 failed, 8 skipped"


@pytest.mark.parametrize("swift", ["swift-passed.txt", "swift-one-failed.txt", "swift-killed.txt", "swift-xctest-and-skip.txt"])
@pytest.mark.parametrize("pytest_log", ["pytest-mixed.txt", "pytest-bridge-skips.txt"])
def test_the_closing_line_is_last_plain_and_the_sum_of_the_runners(swift, pytest_log):
	_, lines = summarize(swift, pytest_log)
	closing = CLOSING.match(lines[-1])
	assert closing, lines[-1]
	sums = [0, 0, 0]
	for line in runner_lines(lines).values():
		counts = re.match(r"^[\w -]+: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?", line)
		for i in range(3):
			sums[i] += int(counts.group(i + 1) or 0)
	assert [int(g or 0) for g in closing.groups()] == sums

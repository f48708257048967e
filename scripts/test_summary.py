"""Counts what each test runner says it ran, from its own output, for `scripts/run-tests.sh`.

`make test` ends with one plain line, `tests: N passed, M failed` (`, K skipped` when there are
any), and that line must equal what the runners themselves counted:

- Swift Testing: the total is its closing line (`✔ Test run with 128 tests in 20 suites passed
  after …` / `✘ … failed after … with 3 issues.`). That line is not a test, so it is never
  counted as one. Failed tests are the `✘ Test … failed after` lines, skipped ones the
  `Test … skipped` lines; the rest of the total passed. (Suites print `Suite …` lines; a
  parameterized test counts once, as Swift Testing counts it.)
- XCTest (the same `swift test` run, if the package has any): `Executed N tests, with K tests
  skipped and F failures` of the last "All tests" block; F counts failed assertions, so failed
  tests are the `Test Case '…' failed (` lines.
- pytest: its closing line (`1 failed, 171 passed, 2 skipped in 3.21s`); errors count as failed,
  xfailed as skipped, xpassed as passed.

A runner that ended without its closing line (a crash, a killed process) makes the summary fail.

Usage: python3 scripts/test_summary.py [--swift LOG] [--pytest LOG]
Prints one line per runner, then the closing line; exits 1 if anything failed or a runner's
closing line is missing.
"""

import argparse
import re
import sys
from dataclasses import dataclass

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Swift Testing prints a symbol first: ✔ ✘ ➜ ◇ (or SF Symbols on macOS).
ST_RUN = re.compile(r"^\S+ Test run with (\d+) tests?(?: in \d+ suites?)? (?:passed|failed) after ")
ST_FAILED = re.compile(r"^\S+ Test (?!run with \d+ tests?\b).+ failed after [\d.]+ seconds")
ST_PASSED = re.compile(r"^\S+ Test (?!run with \d+ tests?\b).+ passed after [\d.]+ seconds")
ST_SKIPPED = re.compile(r"^\S+ Test .+ skipped(?:\.$|: )")
XC_EXECUTED = re.compile(r"Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures?")
XC_FAILED = re.compile(r"^Test Case '.+' failed \(")
PYTEST_CLOSING = re.compile(r"^=*\s*((?:\d+ \w+(?:, )?)+|no tests ran)(?: in [\d.]+s)?(?: \([^)]*\))?\s*=*$")
PYTEST_ITEM = re.compile(r"(\d+) (\w+)")


@dataclass
class Count:
	runner: str
	passed: int = 0
	failed: int = 0
	skipped: int = 0
	complete: bool = True
	note: str = ""

	def line(self) -> str:
		text = f"{self.runner}: {self.passed} passed, {self.failed} failed"
		if self.skipped:
			text += f", {self.skipped} skipped"
		return text + (f" ({self.note})" if self.note else "")


def lines(text: str):
	for raw in text.splitlines():
		yield ANSI.sub("", raw).rstrip("\r")


def swift_testing(text: str) -> Count | None:
	total = None
	failed = passed = skipped = 0
	seen = False
	for line in lines(text):
		if m := ST_RUN.match(line):
			total = int(m.group(1))
			seen = True
		elif ST_FAILED.match(line):
			failed += 1
			seen = True
		elif ST_PASSED.match(line):
			passed += 1
			seen = True
		elif ST_SKIPPED.match(line):
			skipped += 1
			seen = True
		elif "Test run started." in line:
			seen = True
	if not seen:
		return None
	if total is None:
		return Count("swift-testing", passed, failed, skipped, complete=False, note="ended without its closing line")
	return Count("swift-testing", total - failed - skipped, failed, skipped, note=f"Test run with {total} tests")


def xctest(text: str) -> Count | None:
	executed = None
	failed_cases = 0
	for line in lines(text):
		if m := XC_EXECUTED.search(line):
			executed = (int(m.group(1)), int(m.group(2) or 0))  # the last one is "All tests"
		elif XC_FAILED.match(line):
			failed_cases += 1
	if executed is None:
		return None
	total, skipped = executed
	return Count("xctest", total - skipped - failed_cases, failed_cases, skipped, note=f"Executed {total} tests")


def pytest(text: str) -> Count:
	closing = None
	for line in lines(text):
		if m := PYTEST_CLOSING.match(line.strip()):
			closing = m.group(1)
	if closing is None:
		return Count("pytest", complete=False, note="ended without its closing line")
	count = Count("pytest")
	for number, word in PYTEST_ITEM.findall(closing):
		n = int(number)
		if word in ("passed", "xpassed"):
			count.passed += n
		elif word in ("failed", "error", "errors"):
			count.failed += n
		elif word in ("skipped", "xfailed"):
			count.skipped += n
	return count


def summarize(swift_log: str | None, pytest_log: str | None) -> tuple[list[Count], Count]:
	counts: list[Count] = []
	if swift_log is not None:
		found = [c for c in (xctest(swift_log), swift_testing(swift_log)) if c is not None]
		counts += found or [Count("swift test", complete=False, note="no test runner output")]
	if pytest_log is not None:
		counts.append(pytest(pytest_log))
	total = Count("tests")
	for c in counts:
		total.passed += c.passed
		total.failed += c.failed
		total.skipped += c.skipped
		total.complete = total.complete and c.complete
	return counts, total


def main(argv=None) -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--swift", help="output of `swift test`")
	parser.add_argument("--pytest", help="output of `python -m pytest -q`")
	args = parser.parse_args(argv)
	read = lambda path: open(path, encoding="utf-8", errors="replace").read() if path else None  # noqa: E731
	counts, total = summarize(read(args.swift), read(args.pytest))
	for c in counts:
		print(c.line())
	print()
	print(total.line())
	return 0 if total.failed == 0 and total.complete else 1


if __name__ == "__main__":
	sys.exit(main())

"""`scripts/bridge-app.sh DIR` makes DIR/erpnext_github_integration a layout `bench get-app` accepts.

What frappe-bench (5.x) needs of a path or URL it gets: a git repository at that root (it runs
`git clone` and reads the active branch; a folder inside another repository fails with
"'App' object has no attribute 'org'"), `pyproject.toml` whose `project.name` is the folder name
(bench renames the clone to it and `pip install -e`s it), and `<app>/hooks.py`, `modules.txt`,
`patches.txt` (`is_frappe_app`). The full `bench get-app` of the result was run by hand with
frappe-bench from PyPI against a bench skeleton (see the report of issue 15); this test keeps the
layout those rules need."""

import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bridge-app.sh"
ROOT = SCRIPT.parents[1]


@pytest.fixture
def tmp_path():
	"""A folder removed right after the test (pytest's own tmp_path keeps the last three runs)."""
	with tempfile.TemporaryDirectory(prefix="bridge-app-") as folder:
		yield Path(folder)


def run(*args, cwd=None):
	return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True, timeout=120).stdout


def test_the_app_is_a_git_repository_of_its_own(tmp_path):
	out = run("bash", str(SCRIPT), str(tmp_path))
	app = tmp_path / "erpnext_github_integration"
	assert f"bench get-app {app}" in out
	assert run("git", "-C", str(app), "rev-parse", "--show-toplevel").strip() == str(app)
	assert run("git", "-C", str(app), "symbolic-ref", "--short", "HEAD").strip() == "main"
	assert run("git", "-C", str(app), "status", "--porcelain") == ""
	project = tomllib.loads((app / "pyproject.toml").read_text())["project"]
	assert project["name"] == app.name
	for marker in ("hooks.py", "modules.txt", "patches.txt", "__init__.py"):
		assert (app / app.name / marker).is_file(), marker
	# the tree is frappe_bridge/ as committed
	committed = set(run("git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", "HEAD", "frappe_bridge").split())
	exported = set(run("git", "-C", str(app), "ls-files").split())
	assert exported == {p.removeprefix("frappe_bridge/") for p in committed}


def test_running_it_again_commits_only_a_change(tmp_path):
	run("bash", str(SCRIPT), str(tmp_path))
	app = tmp_path / "erpnext_github_integration"
	again = run("bash", str(SCRIPT), str(tmp_path))
	assert "is already frappe_bridge/" in again
	assert len(run("git", "-C", str(app), "rev-list", "HEAD").split()) == 1
	(app / "stray.txt").write_text("not part of the app")  # the next export replaces the tree
	run("bash", str(SCRIPT), str(tmp_path))
	assert not (app / "stray.txt").exists()
	assert run("git", "-C", str(app), "status", "--porcelain") == ""


def test_it_refuses_a_folder_it_did_not_make(tmp_path):
	(tmp_path / "erpnext_github_integration").mkdir()
	(tmp_path / "erpnext_github_integration" / "keep.txt").write_text("someone's")
	done = subprocess.run(["bash", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=60)
	assert done.returncode == 1 and "is not a git repository made by" in done.stderr
	assert (tmp_path / "erpnext_github_integration" / "keep.txt").read_text() == "someone's"

"""The meta rows of this app's DocTypes are the same whoever writes them: `bench migrate` (which applies
no field defaults on import) or the sidecar's dev site (whose document store applies them, as
`frappe.new_doc` does, to every key a file leaves out). So every DocType JSON states each value whose
default is not 0 (tests/frappe_dump.py says why, from Frappe v15's import code), and the rule is
checked against the rows a real `install-app` wrote for the seed app (../shared/fixtures/frappe)."""

import json
from pathlib import Path

import pytest
from frappe_dump import FIXTURES, migrated, nonzero_defaults, rows

DOCTYPES = Path(__file__).resolve().parents[1] / "erpnext_github_integration" / "erpnext_github_integration" / "doctype"
FILES = sorted(p for p in DOCTYPES.glob("*/*.json") if p.stem == p.parent.name)
needs_fixtures = pytest.mark.skipif(not (FIXTURES / "meta-v15.sql").is_file(), reason=f"no {FIXTURES}/meta-v15.sql")


def test_there_are_twelve_doctype_files():
	assert len(FILES) == 13


@needs_fixtures
def test_the_values_with_a_default_are_the_ones_frappe_v15_has():
	assert set(nonzero_defaults("DocPerm")) == {"read", "write", "create", "delete", "report", "export", "share", "print", "email"}
	assert set(nonzero_defaults("DocType")) >= {"editable_grid", "grid_page_length"}
	assert nonzero_defaults("DocType")["grid_page_length"] == "50"


@needs_fixtures
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_value_with_a_default_is_stated(path):
	doc = json.loads(path.read_text(encoding="utf-8"))
	missing = [k for k in nonzero_defaults("DocType") if k not in doc]
	for row, kind in [(f, "DocField") for f in doc.get("fields", [])] + [(p, "DocPerm") for p in doc.get("permissions", [])]:
		missing += [f"{kind} {row.get('fieldname') or row.get('role')}: {k}" for k in nonzero_defaults(kind) if k not in row]
	assert missing == [], "state these (0 where not granted) so bench migrate and the dev site write the same rows"


@needs_fixtures
def test_the_rule_gives_the_rows_a_real_install_app_wrote():
	"""seed-app-meta.sql: the seed app installed by Frappe 15.74.1 itself. Its permissions are the ones
	this app ships for the same DocTypes, so the rule applied to our files must give its rows."""
	real_perms = rows(FIXTURES / "seed-app-meta.sql", "tabDocPerm")
	real_doctypes = {r["name"]: r for r in rows(FIXTURES / "seed-app-meta.sql", "tabDocType")}
	compared = 0
	for path in FILES:
		ours = migrated(path)
		name = json.loads(path.read_text())["name"]
		if name not in real_doctypes:
			continue
		compared += 1
		for key in ("editable_grid", "grid_page_length", "istable", "issingle", "track_changes", "allow_rename"):
			assert ours["doctype"][key] == real_doctypes[name][key], (name, key)
		theirs = sorted((r for r in real_perms if r["parent"] == name), key=lambda r: int(r["idx"]))
		assert [{k: r[k] for k in p} for r, p in zip(theirs, ours["permissions"])] == ours["permissions"], name
		assert len(theirs) == len(ours["permissions"])
	assert compared == 8

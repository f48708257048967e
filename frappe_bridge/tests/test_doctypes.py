"""Contract tests for the bridge app's DocType JSON files (no Frappe import needed).

Run: cd frappe_bridge && python3 -m pytest -q tests
"""

import ast
import json
import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

BRIDGE = Path(__file__).resolve().parents[1]  # .../frappe_bridge
REPO_ROOT = BRIDGE.parent  # the project root
SHARED = Path(os.environ.get("SIDECAR_SHARED_DIR") or REPO_ROOT / ".." / "shared")
META_V15 = SHARED / "fixtures" / "frappe" / "meta-v15.sql"
SEED_META = SHARED / "fixtures" / "frappe" / "seed-app-meta.sql"

APP = BRIDGE / "erpnext_github_integration"
MODULE = "Erpnext Github Integration"
DOCTYPE_DIR = APP / "erpnext_github_integration" / "doctype"

SEED_DOCTYPES = {
	"GitHub Settings",
	"Repository",
	"Repository Branch",
	"Repository Member",
	"Repository Issue",
	"Repository Issue Assignee",
	"Repository Pull Request",
	"Repository PR Reviewer",
}
NEW_DOCTYPES = {"GitHub Webhook Delivery", "GitHub Sync Run", "GitHub Template", "GitHub ETag", "GitHub App Installation"}

# Options of DocField.fieldtype in Frappe v15 (tabDocField row parent='DocField', fieldname='fieldtype').
V15_FIELDTYPES = {
	"Autocomplete", "Attach", "Attach Image", "Barcode", "Button", "Check", "Code", "Color",
	"Column Break", "Currency", "Data", "Date", "Datetime", "Duration", "Dynamic Link", "Float",
	"Fold", "Geolocation", "Heading", "HTML", "HTML Editor", "Icon", "Image", "Int", "JSON", "Link",
	"Long Text", "Markdown Editor", "Password", "Percent", "Phone", "Read Only", "Rating",
	"Section Break", "Select", "Signature", "Small Text", "Tab Break", "Table", "Table MultiSelect",
	"Text", "Text Editor", "Time",
}
NO_VALUE_TYPES = {"Section Break", "Column Break", "Tab Break", "HTML", "Button", "Image", "Fold", "Heading"}
NAMING_RULES = {"field:": "By fieldname", "format:": "Expression", "hash": "Random"}


def scrub(name: str) -> str:
	return name.lower().replace(" ", "_").replace("-", "_")


@lru_cache(maxsize=None)
def load_doctypes() -> dict:
	out = {}
	for path in sorted(DOCTYPE_DIR.glob("*/*.json")):
		text = path.read_text(encoding="utf-8")
		out[path.parent.name] = (path, text, json.loads(text))
	return out


def all_docs():
	return {doc["name"]: doc for _, _, doc in load_doctypes().values()}


def field_map(doc):
	return {f["fieldname"]: f for f in doc["fields"]}


# --- a small parser for mysqldump INSERT statements (one tuple per line) ---------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "Z": "\x1a", "b": "\b"}


def _parse_tuple(s: str, i: int):
	"""Parse one `(v, v, ...)` tuple starting at s[i] == '('; return (values, index after ')')."""
	assert s[i] == "(", s[i : i + 40]
	i += 1
	values = []
	while True:
		while s[i] in " \t\r\n":
			i += 1
		if s[i] == "'":
			i += 1
			buf = []
			while True:
				c = s[i]
				if c == "\\":
					buf.append(_ESCAPES.get(s[i + 1], s[i + 1]))
					i += 2
				elif c == "'":
					if s[i + 1] == "'":
						buf.append("'")
						i += 2
					else:
						i += 1
						break
				else:
					buf.append(c)
					i += 1
			values.append("".join(buf))
		else:
			j = i
			while s[j] not in ",)":
				j += 1
			token = s[i:j].strip()
			i = j
			if token.upper() == "NULL":
				values.append(None)
			elif re.fullmatch(r"-?\d+", token):
				values.append(int(token))
			else:
				values.append(float(token))
		while s[i] in " \t\r\n":
			i += 1
		if s[i] == ",":
			i += 1
		elif s[i] == ")":
			return values, i + 1
		else:
			raise ValueError(f"unexpected {s[i]!r} at {i}")


def sql_rows(sql: str, table: str) -> list[dict]:
	rows = []
	pattern = re.compile(r"INSERT INTO `%s` \(([^)]*)\) VALUES\s*" % re.escape(table))
	for m in pattern.finditer(sql):
		columns = [c.strip().strip("`") for c in m.group(1).split(",")]
		i = m.end()
		while True:
			values, i = _parse_tuple(sql, i)
			assert len(values) == len(columns), (table, values[:3])
			rows.append(dict(zip(columns, values)))
			while sql[i] in " \t\r\n":
				i += 1
			if sql[i] == ",":
				i += 1
				while sql[i] in " \t\r\n":
					i += 1
				continue
			break  # ';'
	return rows


@lru_cache(maxsize=None)
def seed_meta():
	if not SEED_META.is_file():
		pytest.skip(f"{SEED_META} not found")
	sql = SEED_META.read_text(encoding="utf-8")
	return sql_rows(sql, "tabDocType"), sql_rows(sql, "tabDocField"), sql_rows(sql, "tabDocPerm")


@lru_cache(maxsize=None)
def core_doctype_names() -> frozenset:
	if not META_V15.is_file():
		pytest.skip(f"{META_V15} not found")
	sql = META_V15.read_text(encoding="utf-8")
	return frozenset(r["name"] for r in sql_rows(sql, "tabDocType"))


# --- the parser itself ------------------------------------------------------------------------------


def test_sql_parser_handles_quotes_escapes_and_null():
	sql = (
		"INSERT INTO `t` (`a`, `b`, `c`, `d`) VALUES ('x, (y)',NULL,3,'it''s \\'q\\'\\nz'),\n"
		"('',0,-1.5,'a\\\\b');\n"
	)
	assert sql_rows(sql, "t") == [
		{"a": "x, (y)", "b": None, "c": 3, "d": "it's 'q'\nz"},
		{"a": "", "b": 0, "c": -1.5, "d": "a\\b"},
	]


# --- app skeleton -----------------------------------------------------------------------------------


def test_app_skeleton():
	tree = ast.parse((APP / "hooks.py").read_text(encoding="utf-8"))
	values = {
		t.id: ast.literal_eval(node.value)
		for node in tree.body
		if isinstance(node, ast.Assign)
		for t in node.targets
		if isinstance(t, ast.Name)
	}
	assert values["app_name"] == "erpnext_github_integration"
	assert values["app_title"] == "ERPNext GitHub Integration"
	assert values["app_license"] == "mit"
	# "org/repo": Frappe's install-app and bench take the app name from it without asking GitHub
	# (a bare name is looked up on api.github.com: `find_org`), so an offline install works.
	assert values["required_apps"] == ["frappe/erpnext"]
	assert all(re.fullmatch(r"[\w.-]+/[\w.-]+", app) for app in values["required_apps"])
	for key in ("app_publisher", "app_description", "app_email"):
		assert values[key]
	assert (APP / "modules.txt").read_text().strip().splitlines() == [MODULE]
	assert scrub(MODULE) == DOCTYPE_DIR.parent.name
	patches = (APP / "patches.txt").read_text()
	assert "[pre_model_sync]" in patches and "[post_model_sync]" in patches
	assert re.search(r'^__version__ = "\d+\.\d+\.\d+"$', (APP / "__init__.py").read_text(), re.M)
	for pkg in (APP / "config", APP / "erpnext_github_integration", DOCTYPE_DIR):
		assert (pkg / "__init__.py").is_file(), pkg


def test_expected_doctypes_present():
	assert set(all_docs()) == SEED_DOCTYPES | NEW_DOCTYPES


# --- every DocType JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize("folder", sorted(p.parent.name for p in DOCTYPE_DIR.glob("*/*.json")))
def test_doctype_json_is_wellformed(folder):
	path, text, doc = load_doctypes()[folder]
	assert doc["doctype"] == "DocType"
	assert scrub(doc["name"]) == folder == path.stem
	assert doc["module"] == MODULE
	# written the way Frappe writes it: sorted keys, 1-space indent, trailing newline
	assert text == json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
	for key in ("actions", "links", "states"):
		assert doc[key] == []
	for key in ("creation", "modified", "modified_by", "owner", "engine", "sort_field", "sort_order"):
		assert doc.get(key), key

	fieldnames = [f["fieldname"] for f in doc["fields"]]
	assert len(fieldnames) == len(set(fieldnames)), "duplicate fieldname"
	assert doc["field_order"] == fieldnames
	for f in doc["fields"]:
		assert re.fullmatch(r"[a-z0-9_]+", f["fieldname"]) and re.fullmatch(r"\w+", f["fieldname"])
		assert len(f["fieldname"]) <= 64
		assert f["fieldtype"] in V15_FIELDTYPES, f
		if f["fieldtype"] not in NO_VALUE_TYPES:
			assert f.get("label"), f
		if f["fieldtype"] in ("Link", "Table", "Table MultiSelect", "Dynamic Link", "Select"):
			assert f.get("options"), f
		if f["fieldtype"] == "Select" and "default" in f:
			assert f["default"] in f["options"].split("\n"), f
		if "default" in f:
			assert isinstance(f["default"], str), f
		for flag in ("reqd", "unique", "search_index", "in_list_view", "read_only", "hidden"):
			assert f.get(flag, 0) in (0, 1), (f, flag)

	autoname = doc.get("autoname")
	if autoname:
		rule = next(v for k, v in NAMING_RULES.items() if autoname.startswith(k))
		assert doc["naming_rule"] == rule
		if autoname.startswith("field:"):
			assert autoname[len("field:") :] in fieldnames
		for token in re.findall(r"\{(\w+)\}", autoname):
			assert token in fieldnames, token

	if doc.get("istable"):
		assert not doc.get("permissions"), "child tables carry no permissions"
	else:
		roles = [p["role"] for p in doc["permissions"]]
		assert "System Manager" in roles and "GitHub Admin" in roles

	# controller: <folder>.py with class <Name without spaces>(Document)
	controller = (path.parent / f"{folder}.py").read_text(encoding="utf-8")
	assert "from frappe.model.document import Document" in controller
	assert f"class {doc['name'].replace(' ', '').replace('-', '')}(Document):" in controller
	assert (path.parent / "__init__.py").is_file()


def test_links_and_tables_resolve():
	docs = all_docs()
	core = core_doctype_names()
	for doc in docs.values():
		fields = field_map(doc)
		for f in doc["fields"]:
			if f["fieldtype"] in ("Link", "Table", "Table MultiSelect"):
				assert f["options"] in docs or f["options"] in core, (doc["name"], f)
			if f["fieldtype"] == "Dynamic Link":
				ref = fields.get(f["options"])
				assert ref and ref["fieldtype"] == "Link" and ref["options"] == "DocType", f


def test_table_options_are_child_doctypes():
	docs = all_docs()
	for doc in docs.values():
		for f in doc["fields"]:
			if f["fieldtype"] in ("Table", "Table MultiSelect"):
				assert f["options"] in docs, f
				assert docs[f["options"]].get("istable") == 1, (doc["name"], f["options"])


# --- continuity with the original app (seed 000) ----------------------------------------------------


# Where the bridge departs from the seed on purpose (issue 11, data integrity): GitHub's bodies do not
# fit a Text column (64 KB) and are kept whole in Long Text; a branch of 255 characters does not fit a
# `{repo_full_name}-{branch_name}` name (140), so branch rows are named by hash; `github_id` is indexed
# because every webhook looks its repository up (and locks it) by it. Field names stay the seed's.
SEED_DEPARTURES = {
	("Repository Issue", "body", "fieldtype"): "Long Text",
	("Repository Pull Request", "body", "fieldtype"): "Long Text",
	("Repository", "github_id", "search_index"): 1,
	("Repository Branch", None, "autoname"): "hash",
}


def seed_value(doctype, fieldname, prop, seed):
	return SEED_DEPARTURES.get((doctype, fieldname, prop), seed)


def test_seed_fields_kept():
	seed_dts, seed_fields, _ = seed_meta()
	docs = all_docs()
	assert {r["name"] for r in seed_dts} == SEED_DOCTYPES
	for r in seed_fields:
		doc = docs[r["parent"]]
		f = field_map(doc).get(r["fieldname"])
		assert f is not None, (r["parent"], r["fieldname"])
		assert f["fieldtype"] == seed_value(r["parent"], r["fieldname"], "fieldtype", r["fieldtype"]), (r["parent"], r["fieldname"])
		if r["options"]:
			assert f.get("options") == r["options"], (r["parent"], r["fieldname"])
		for prop in ("unique", "search_index"):
			assert f.get(prop, 0) == seed_value(r["parent"], r["fieldname"], prop, r[prop]), (r["parent"], r["fieldname"], prop)
		if r["default"] is not None:
			assert f.get("default") == r["default"], (r["parent"], r["fieldname"])
	# seed fields keep their relative order
	for name in SEED_DOCTYPES:
		seed_order = [r["fieldname"] for r in sorted(seed_fields, key=lambda r: r["idx"]) if r["parent"] == name]
		order = [n for n in docs[name]["field_order"] if n in seed_order]
		assert order == seed_order, name


def test_seed_doctype_settings_kept():
	seed_dts, _, seed_perms = seed_meta()
	docs = all_docs()
	for r in seed_dts:
		doc = docs[r["name"]]
		assert (doc.get("autoname") or None) == seed_value(r["name"], None, "autoname", r["autoname"]), r["name"]
		for prop in ("istable", "issingle", "track_changes"):
			assert doc.get(prop, 0) == r[prop], (r["name"], prop)
	for r in seed_perms:
		perms = {p["role"]: p for p in docs[r["parent"]]["permissions"]}
		p = perms[r["role"]]
		for right in ("read", "write", "create", "delete"):
			assert p.get(right, 0) == r[right], (r["parent"], r["role"], right)


def test_naming_of_issues_and_pull_requests():
	docs = all_docs()
	assert docs["Repository Issue"]["autoname"] == "format:{repository}-#{issue_number}"
	assert docs["Repository Pull Request"]["autoname"] == "format:{repository}-#{pr_number}"
	assert docs["Repository"]["autoname"] == "field:full_name"
	assert field_map(docs["Repository"])["github_id"]["fieldtype"] == "Data"
	for name in ("Repository Issue", "Repository Pull Request"):
		fields = field_map(docs[name])
		assert fields["created_at"]["fieldtype"] == "Datetime"
		assert fields["updated_at"]["fieldtype"] == "Datetime"


# --- ARCHITECTURE §4 changes ------------------------------------------------------------------------


def test_assignees_and_reviewers_keep_login_and_optional_user():
	docs = all_docs()
	for name in ("Repository Issue Assignee", "Repository PR Reviewer"):
		fields = field_map(docs[name])
		login = fields["github_username"]
		assert login["fieldtype"] == "Data"
		user = fields["user"]
		assert user["fieldtype"] == "Link" and user["options"] == "User"
		assert not user.get("reqd"), f"{name}.user must not be mandatory (unmapped logins)"


def test_github_settings_new_fields():
	doc = all_docs()["GitHub Settings"]
	assert doc["issingle"] == 1
	f = field_map(doc)
	assert f["api_base_url"]["fieldtype"] == "Data"
	assert f["api_base_url"]["default"] == "https://api.github.com"
	assert "https://HOST/api/v3" in f["api_base_url"]["description"]
	assert f["graphql_url"]["fieldtype"] == "Data"
	assert "derived from api_base_url when empty" in f["graphql_url"]["description"]
	assert f["allow_unsigned_webhooks"]["fieldtype"] == "Check"
	assert f["allow_unsigned_webhooks"]["default"] == "0"
	assert f["template_doctypes"]["fieldtype"] == "Small Text"


def test_webhook_delivery():
	doc = all_docs()["GitHub Webhook Delivery"]
	f = field_map(doc)
	assert doc["autoname"] == "field:delivery_id"
	assert doc.get("track_changes", 0) == 0
	assert f["delivery_id"]["fieldtype"] == "Data"
	assert f["delivery_id"].get("unique") == 1 and f["delivery_id"].get("reqd") == 1
	assert f["status"]["options"].split("\n") == ["Queued", "Applied", "Skipped", "Failed"]
	assert f["status"]["default"] == "Queued"
	for name in ("event", "repository", "status", "next_attempt_at"):
		assert f[name].get("search_index") == 1, name
	assert f["payload"]["fieldtype"] == "Long Text"
	assert f["attempts"]["fieldtype"] == "Int" and f["attempts"]["default"] == "0"
	assert f["signature_valid"]["fieldtype"] == "Check"


def test_sync_run_and_template():
	docs = all_docs()
	run = field_map(docs["GitHub Sync Run"])
	assert docs["GitHub Sync Run"]["autoname"] == "hash"
	assert run["trigger"]["options"].split("\n") == [
		"Manual", "Scheduler", "Webhook", "Sync All", "Install", "Push", "Sync Now", "Periodic", "Configure", "Rollback"]
	# a Sync Run is also the durable job: queued with a due time, its progress and answer kept
	assert run["status"]["options"].split("\n") == ["Queued", "Running", "Succeeded", "Failed"]
	assert run["next_attempt_at"]["fieldtype"] == "Datetime" and run["next_attempt_at"]["search_index"] == 1
	assert run["progress"]["fieldtype"] == "Percent" and run["attempts"]["fieldtype"] == "Int"
	assert run["result"]["fieldtype"] == "Long Text" and run["result"]["hidden"] == 1
	for name in ("rows_failed",):
		assert run[name]["fieldtype"] == "Int", name
	assert run["commit_sha"]["fieldtype"] == run["template_repository"]["fieldtype"] == "Data"
	assert run["not_modified"]["label"] == "304 Hits"
	for name in ("github_calls", "not_modified", "graphql_calls", "rows_inserted", "rows_updated", "rows_deleted"):
		assert run[name]["fieldtype"] == "Int", name
	tpl = field_map(docs["GitHub Template"])
	assert docs["GitHub Template"]["autoname"] == "hash"
	assert tpl["sync_source"].get("unique") == 1 and tpl["sync_source"].get("reqd") == 1
	assert tpl["target_name"] == {**tpl["target_name"], "fieldtype": "Dynamic Link", "options": "target_doctype"}
	assert tpl["status"]["options"].split("\n") == ["Synced", "Error", "Deleted"]
	inst = docs["GitHub App Installation"]
	assert inst["issingle"] == 1 and inst["read_only"] == 1
	assert all(f.get("read_only") == 1 for f in inst["fields"]), "the sidecar writes it; nobody edits it in the desk"
	assert {p["role"] for p in inst["permissions"]} == {"System Manager", "GitHub Admin"}
	assert not any(p.get("write") for p in inst["permissions"])

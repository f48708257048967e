"""Reads the rows of one table from a `mariadb-dump --complete-insert` file (the real Frappe v15 meta in
../shared/fixtures/frappe), and says what `bench migrate` writes for a DocType JSON file.

What bench migrate writes (Frappe v15, `frappe.modules.import_file.import_file_by_path`): the file's
document is inserted with `frappe.flags.in_import` set, so `Document._set_defaults` returns early and
no DocType or DocPerm field default is applied; a Check or Int the file leaves out is stored as 0
(`get_valid_dict`), not as its default (DocPerm's `create` … `email` default to 1, DocType's
`editable_grid` to 1 and `grid_page_length` to 50). Afterwards `migration_hash` is set to the md5 of
the file's bytes (`calculate_hash`). The seed app's rows in seed-app-meta.sql, written by a real
`install-app`, show exactly that (tests/test_meta_rows.py checks it).
"""

import hashlib
import json
import os
import re
from functools import lru_cache
from pathlib import Path

SHARED = Path(os.environ.get("SIDECAR_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
FIXTURES = SHARED / "fixtures" / "frappe"
_INSERT = re.compile(r"INSERT INTO `([^`]+)` \(([^)]*)\) VALUES ")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "Z": "\x1a"}


def _values(body, i):
	"""Parses one `(v, v, …)` tuple starting at body[i] == "("; returns (values, index after it)."""
	values = []
	i += 1
	while True:
		if body[i] == "'":
			j, out = i + 1, []
			while body[j] != "'" or body[j + 1 : j + 2] == "'":
				if body[j] == "\\":
					out.append(_ESCAPES.get(body[j + 1], body[j + 1]))
					j += 2
				elif body[j] == "'":  # '' inside a string
					out.append("'")
					j += 2
				else:
					out.append(body[j])
					j += 1
			values.append("".join(out))
			i = j + 1
		else:
			j = i
			while body[j] not in ",)":
				j += 1
			token = body[i:j].strip()
			values.append(None if token == "NULL" else token)
			i = j
		if body[i] == ")":
			return values, i + 1
		i += 1  # ","


@lru_cache(maxsize=None)
def _text(path):
	return Path(path).read_text(encoding="utf-8")


def rows(path, table):
	"""Every row of `table` in the dump file, as dicts of column → text (None for NULL)."""
	text = _text(str(path))
	out = []
	for m in _INSERT.finditer(text):
		if m.group(1) != table:
			continue
		columns = [c.strip().strip("`") for c in m.group(2).split(",")]
		i = m.end()
		while True:
			values, i = _values(text, i)
			out.append(dict(zip(columns, values)))
			if text[i] != ",":
				break
			i += 1
			while text[i] in " \n":
				i += 1
	return out


@lru_cache(maxsize=None)
def field_types(doctype):
	"""fieldname → fieldtype of a core DocType (DocType, DocField, DocPerm), from the real v15 meta."""
	return {r["fieldname"]: r["fieldtype"] for r in rows(FIXTURES / "meta-v15.sql", "tabDocField") if r["parent"] == doctype}


@lru_cache(maxsize=None)
def nonzero_defaults(doctype):
	"""The value fields of a core DocType whose default is neither empty nor 0: the ones a writer that
	applies defaults fills in where bench migrate does not."""
	return {
		r["fieldname"]: r["default"]
		for r in rows(FIXTURES / "meta-v15.sql", "tabDocField")
		if r["parent"] == doctype and r["default"] not in (None, "", "0")
		and r["fieldtype"] not in ("Section Break", "Column Break", "Tab Break", "Table")
	}


def _stored(doctype, fieldname, value):
	kind = field_types(doctype).get(fieldname)
	if kind in ("Check", "Int"):
		return str(int(value or 0))
	return None if value is None else str(value)


def migrated(path):
	"""What bench migrate writes for a DocType JSON file, for the columns where a default could make a
	difference: {"doctype": {...}, "fields": [{...}], "permissions": [{...}]}, values as the dump's text."""
	raw = Path(path).read_bytes()
	doc = json.loads(raw)
	keys = lambda dt: [f for f, t in field_types(dt).items() if t in ("Check", "Int")] + list(nonzero_defaults(dt))  # noqa: E731
	doctype = {k: _stored("DocType", k, doc.get(k)) for k in dict.fromkeys(keys("DocType"))}
	doctype["migration_hash"] = hashlib.md5(raw).hexdigest()
	fields = [
		{"fieldname": f["fieldname"], "idx": str(i), **{k: _stored("DocField", k, f.get(k)) for k in dict.fromkeys(keys("DocField"))}}
		for i, f in enumerate(doc.get("fields", []), start=1)
	]
	permissions = [
		{"role": p["role"], "idx": str(i), **{k: _stored("DocPerm", k, p.get(k)) for k in dict.fromkeys(keys("DocPerm"))}}
		for i, p in enumerate(doc.get("permissions", []), start=1)
	]
	return {"doctype": doctype, "fields": fields, "permissions": permissions}

/// The `data` of a Version row, as `frappe/core/doctype/version/version.py:get_diff` builds it.
enum VersionDiff {
    static func diff(old: Document, new: Document, meta: DocTypeMeta, childMeta: (String) -> DocTypeMeta?) -> JSONValue? {
        var changed: [JSONValue] = []
        var added: [JSONValue] = []
        var removed: [JSONValue] = []
        var rowChanged: [JSONValue] = []
        for field in meta.fields {
            if field.isTable {
                let oldRows = old.children[field.fieldname] ?? []
                let newRows = new.children[field.fieldname] ?? oldRows
                var oldByName: [String: Document] = [:]
                for row in oldRows { if let n = row.name { oldByName[n] = row } }
                var found = Set<String>()
                let rowMeta = field.options.flatMap(childMeta)
                for (i, row) in newRows.enumerated() {
                    if let n = row.name, let before = oldByName[n] {
                        found.insert(n)
                        let fields = rowMeta?.valueFields ?? []
                        let rowDiff = changes(before, row, fields: fields)
                        if !rowDiff.isEmpty {
                            rowChanged.append(.array([.string(field.fieldname), .number(Double(i)), .string(n), .array(rowDiff)]))
                        }
                    } else {
                        added.append(.array([.string(field.fieldname), .object(row.asDict())]))
                    }
                }
                for row in oldRows where !(row.name.map(found.contains) ?? false) {
                    removed.append(.array([.string(field.fieldname), .object(row.asDict())]))
                }
            } else if field.hasColumn, !FieldValue.same(old[field.fieldname], new[field.fieldname], fieldtype: field.fieldtype) {
                changed.append(.array([.string(field.fieldname), old[field.fieldname].json, new[field.fieldname].json]))
            }
        }
        if (old["docstatus"].int ?? 0) != (new["docstatus"].int ?? 0) {
            changed.append(.array([.string("docstatus"), old["docstatus"].json, new["docstatus"].json]))
        }
        guard !(changed.isEmpty && added.isEmpty && removed.isEmpty && rowChanged.isEmpty) else { return nil }
        return .object(["changed": .array(changed), "added": .array(added), "removed": .array(removed),
                        "row_changed": .array(rowChanged), "data_import": .null, "updater_reference": .null])
    }

    private static func changes(_ old: Document, _ new: Document, fields: [DocField]) -> [JSONValue] {
        fields.filter { !FieldValue.same(old[$0.fieldname], new[$0.fieldname], fieldtype: $0.fieldtype) }
            .map { .array([.string($0.fieldname), old[$0.fieldname].json, new[$0.fieldname].json]) }
    }
}

import Foundation
import MariaDB

/// Child rows: stable names across saves (diff, never delete-and-reinsert unchanged rows) and the
/// parent's values stamped on each row, as Frappe's `BaseDocument` does.
extension DocumentWriter {
    /// Picks the stamped rows to write and the names to delete.
    func collect(_ results: [ChildResult], of doc: Document, writes: inout [String: (meta: DocTypeMeta, rows: [Document])],
                         deletes: inout [String: (meta: DocTypeMeta, names: [String])]) {
        for result in results {
            if !result.deleted.isEmpty { deletes[result.meta.name, default: (result.meta, [])].names += result.deleted }
            let rows = (doc.children[result.field] ?? []).filter { $0.name.map(result.written.contains) ?? false }
            if !rows.isEmpty { writes[result.meta.name, default: (result.meta, [])].rows += rows }
        }
    }
    /// Parent values copied onto child rows on save (`docstatus`, `modified`, `owner`…).
    func stampChildren(_ doc: inout Document, meta: DocTypeMeta) {
        for field in meta.tableFields {
            guard var rows = doc.children[field.fieldname] else { continue }
            for i in rows.indices {
                rows[i]["parent"] = .optional(doc.name)
                rows[i]["parentfield"] = .string(field.fieldname)
                rows[i]["parenttype"] = .string(meta.name)
                rows[i]["docstatus"] = doc["docstatus"].isNull ? .int(0) : doc["docstatus"]
                rows[i]["idx"] = .int(i + 1)
                if rows[i]["creation"].isNull { rows[i]["creation"] = doc["modified"] }
                if rows[i]["owner"].isNull { rows[i]["owner"] = .string(user) }
                rows[i]["modified"] = doc["modified"]
                rows[i]["modified_by"] = doc["modified_by"]
            }
            doc.children[field.fieldname] = rows
        }
    }

    struct ChildResult {
        var field: String
        var meta: DocTypeMeta
        /// Names of rows to (re)write once the parent's values are stamped on them.
        var written: Set<String> = []
        var deleted: [String] = []
        var changed = false
    }

    /// Gives each new child row a name, keeping the names of rows that are still there:
    /// an explicit name, then the `key` field, then an identical row, then the child
    /// DocType's own naming (`format:`/`field:`), else a fresh hash.
    func resolveChildren(of doc: inout Document, field: DocField, previous: [Document], key: String?,
                                 now: NaiveDateTime) throws -> ChildResult {
        guard let childType = field.options else { return ChildResult(field: field.fieldname, meta: DocTypeMeta(name: "")) }
        let childMeta = try self.meta(childType)
        var result = ChildResult(field: field.fieldname, meta: childMeta)
        var rows = doc.children[field.fieldname] ?? []
        var unused = previous
        func take(_ match: (Document) -> Bool) -> Document? {
            guard let i = unused.firstIndex(where: match) else { return nil }
            return unused.remove(at: i)
        }
        let dataFields = childMeta.valueFields
        for i in rows.indices {
            var row = rows[i]
            applyDefaults(&row, meta: childMeta, now: now)
            var match: Document?
            if let n = row.name { match = take { $0.name?.lowercased() == n.lowercased() } }
            if match == nil, let key, let k = row.values[key]?.text { match = take { $0[key].text == k } }
            if match == nil {
                match = take { old in dataFields.allSatisfy { FieldValue.same(old[$0.fieldname], row[$0.fieldname], fieldtype: $0.fieldtype) } }
            }
            if match == nil, row.name == nil, let autoname = childMeta.autoname, autoname.hasPrefix("field:") || autoname.hasPrefix("format:") {
                let candidate = try Naming.newName(for: row, meta: childMeta, conn: conn, now: now)
                match = take { $0.name?.lowercased() == candidate.lowercased() }
                row.name = candidate
            }
            if let old = match {
                var merged = Self.overlay(row.values, on: old)
                merged.name = old.name
                let moved = old["idx"].int != i + 1
                let valuesChanged = dataFields.contains { !FieldValue.same(old[$0.fieldname], merged[$0.fieldname], fieldtype: $0.fieldtype) }
                rows[i] = merged
                if moved || valuesChanged, let n = merged.name { result.changed = true; result.written.insert(n) }
            } else {
                try validate(row, meta: childMeta)
                if row.name == nil { row.name = try Naming.newName(for: row, meta: childMeta, conn: conn, now: now) }
                row.values["creation"] = .datetime(now)
                rows[i] = row
                result.changed = true
                if let n = row.name { result.written.insert(n) }
            }
        }
        result.deleted = unused.compactMap(\.name)
        if !result.deleted.isEmpty { result.changed = true }
        doc.children[field.fieldname] = rows
        return result
    }

}

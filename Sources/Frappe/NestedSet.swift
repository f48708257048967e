import Foundation
import MariaDB

extension DocumentWriter {
    /// `frappe.utils.nestedset.update_add_node`, as `NestedSet.on_update` runs it for a new node:
    /// the node goes after the last child of `parent` (or after the last root), every `lft`/`rgt`
    /// on its right moves by 2, and the node gets `lft`/`rgt` and its `old_parent`.
    /// Call it inside the transaction that inserted the document.
    public func addToNestedSet(_ doctype: String, _ name: String, parentField: String, parent: String?) throws {
        let meta = try self.meta(doctype)
        for column in ["lft", "rgt", parentField] where !meta.columnNames.contains(column) {
            throw FrappeError.validation("\(doctype) is not a tree: it has no \(column) column")
        }
        let table = "`\(meta.tableName)`"
        var right: Int
        if let parent, !parent.isEmpty {
            guard let row = try conn.query("SELECT lft, rgt FROM \(table) WHERE name = ? FOR UPDATE", [.string(parent)]).first,
                  let parentRight = row["rgt"].int else { throw FrappeError.notFound("\(doctype) \(parent) not found") }
            right = parentRight
        } else {
            right = (try conn.query("SELECT COALESCE(MAX(rgt), 0) + 1 AS r FROM \(table) WHERE COALESCE(`\(parentField)`, '') = ''")
                .first?["r"].int) ?? 1
        }
        right = max(right, 1)
        try conn.execute("UPDATE \(table) SET rgt = rgt + 2 WHERE rgt >= ?", [.int(Int64(right))])
        try conn.execute("UPDATE \(table) SET lft = lft + 2 WHERE lft >= ?", [.int(Int64(right))])
        guard try conn.query("SELECT name FROM \(table) WHERE (lft = ? OR rgt = ?) AND name <> ? LIMIT 1",
                             [.int(Int64(right)), .int(Int64(right + 1)), .string(name)]).isEmpty else {
            throw FrappeError.validation("Nested set error. Please contact the Administrator.")
        }
        try conn.execute("UPDATE \(table) SET lft = ?, rgt = ? WHERE name = ?", [.int(Int64(right)), .int(Int64(right + 1)), .string(name)])
        if meta.columnNames.contains("old_parent") {
            try conn.execute("UPDATE \(table) SET old_parent = ? WHERE name = ?", [.string(parent ?? ""), .string(name)])
        }
    }
}

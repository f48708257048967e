import Foundation
import MariaDB

extension DocumentWriter {
    /// `frappe.db.set_value(doctype, name, field, value, update_modified=…)`: one column of a
    /// stored row, without the document's save path (no validation, no Version). Frappe itself
    /// writes the `_assign` and `_comments` caches this way, with `update_modified=False`.
    public func setValue(_ doctype: String, _ name: String, _ column: String, _ value: FrappeValue, updateModified: Bool) throws {
        let meta = try self.meta(doctype)
        guard meta.columnNames.contains(column) else { throw FrappeError.validation("\(doctype) has no field \(column)") }
        var sets = ["`\(column)` = ?"]
        var binds: [MariaDBValue] = [value.mariaDB]
        let modified = FrappeValue.datetime(clock.now())
        if updateModified {
            sets += ["`modified` = ?", "`modified_by` = ?"]
            binds += [modified.mariaDB, .string(user)]
        }
        try conn.execute("UPDATE `\(meta.tableName)` SET \(sets.joined(separator: ", ")) WHERE name = ?", binds + [.string(name)])
        noteChanged(DocumentKey(doctype, name), modified: updateModified ? modified : .null)
    }
}

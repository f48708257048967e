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

    /// `frappe.db.delete(doctype, filters)`: rows removed without the delete path (no Deleted
    /// Document, no child rows), as Frappe's own uninstall and role removal do. Answers the count.
    @discardableResult
    public func deleteWhere(_ doctype: String, _ filters: [String: Filter]) throws -> Int {
        guard !filters.isEmpty else { throw FrappeError.validation("Deleting every \(doctype) needs an explicit filter") }
        let meta = try self.meta(doctype)
        let (clause, binds) = try whereClause(filters, meta: meta)
        let names = try conn.query("SELECT name FROM `\(meta.tableName)`\(clause)", binds).compactMap { $0["name"].string }
        guard !names.isEmpty else { return 0 }
        try conn.execute("DELETE FROM `\(meta.tableName)`\(clause)", binds)
        for name in names { noteDeleted(DocumentKey(doctype, name)) }
        return names.count
    }

    /// The secrets a document's Password fields keep in `__Auth` (`frappe.utils.password.delete_all_passwords_for`).
    public func deletePasswords(of doctype: String) throws {
        try conn.execute("DELETE FROM `__Auth` WHERE doctype = ?", [.string(doctype)])
    }

    /// Forgets a Single's stored values (`tabSingles` rows), as deleting its DocType does.
    @discardableResult
    public func deleteSingleValues(_ doctype: String) throws -> Int {
        let count = try conn.query("SELECT COUNT(*) AS n FROM `tabSingles` WHERE doctype = ?", [.string(doctype)]).first?["n"].int ?? 0
        try conn.execute("DELETE FROM `tabSingles` WHERE doctype = ?", [.string(doctype)])
        if count > 0 { noteChanged(DocumentKey(doctype, doctype), modified: .null, single: true) }
        return count
    }
}

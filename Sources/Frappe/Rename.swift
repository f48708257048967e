import Algorithms
import MariaDB

extension DocumentWriter {
    /// `frappe.rename_doc(doctype, old, new)` for many documents of one DocType at once: the
    /// document rows, their child rows' `parent`, their `__Auth` and `Version` rows, and every Link
    /// field (standard or custom) that points at them follow the new names.
    ///
    /// A name already taken is a DuplicateEntryError and nothing is renamed. Bulk statements
    /// (`CASE … WHEN`) keep a repository with thousands of issues to a few dozen statements.
    public func rename(_ doctype: String, _ renames: [(from: String, to: String)]) throws {
        let pairs = renames.filter { $0.from != $0.to }
        guard !pairs.isEmpty else { return }
        let meta = try self.meta(doctype)
        guard !meta.isSingle else { throw FrappeError.validation("\(doctype) is a Single and cannot be renamed") }
        // A change of case only is not a clash (names compare case-insensitively).
        let taken = try getMany(doctype, names: pairs.filter { $0.to.lowercased() != $0.from.lowercased() }.map(\.to))
        if let name = taken.keys.first { throw FrappeError.duplicate("\(doctype) \(name) already exists") }

        var targets: [(table: String, column: String, scope: String, scopeBinds: [MariaDBValue])] = [
            (meta.tableName, "name", "", []),
            ("__Auth", "name", "doctype = ? AND ", [.string(doctype)]),
            (try self.meta("Version").tableName, "docname", "ref_doctype = ? AND ", [.string(doctype)]),
        ]
        for field in meta.tableFields {
            guard let childType = field.options else { continue }
            targets.append((try self.meta(childType).tableName, "parent", "parenttype = ? AND parentfield = ? AND ",
                            [.string(doctype), .string(field.fieldname)]))
        }
        for (linking, fieldname) in try linkFields(to: doctype) {
            guard let linkMeta = try? self.meta(linking), !linkMeta.isSingle, linkMeta.columnNames.contains(fieldname) else { continue }
            targets.append((linkMeta.tableName, fieldname, "", []))
        }
        for chunk in pairs.chunks(ofCount: 500) {
            let cases = Array(repeating: "WHEN ? THEN ?", count: chunk.count).joined(separator: " ")
            let marks = placeholders(chunk.count)
            let caseBinds = chunk.flatMap { [MariaDBValue.string($0.from), .string($0.to)] }
            let inBinds = chunk.map { MariaDBValue.string($0.from) }
            for target in targets {
                try conn.execute("""
                    UPDATE `\(target.table)` SET `\(target.column)` = CASE `\(target.column)` \(cases) ELSE `\(target.column)` END
                    WHERE \(target.scope)`\(target.column)` IN (\(marks))
                    """, caseBinds + target.scopeBinds + inBinds)
            }
        }
        for pair in pairs {
            noteDeleted(DocumentKey(doctype, pair.from))
            noteChanged(DocumentKey(doctype, pair.to), modified: .null)
        }
    }

    /// (DocType, fieldname) of every Link field, standard or custom, whose options name `doctype`.
    func linkFields(to doctype: String) throws -> [(String, String)] {
        let rows = try conn.query("""
            SELECT parent AS dt, fieldname FROM `tabDocField` WHERE fieldtype = 'Link' AND options = ?
            UNION SELECT dt, fieldname FROM `tabCustom Field` WHERE fieldtype = 'Link' AND options = ?
            """, [.string(doctype), .string(doctype)])
        return rows.compactMap { row in row["dt"].string.flatMap { dt in row["fieldname"].string.map { (dt, $0) } } }
    }
}

import Algorithms
import MariaDB

extension DocumentWriter {
    /// `frappe.rename_doc(doctype, old, new)` for many documents of one DocType at once: the
    /// document rows, their child rows' `parent`, their `__Auth` and `Version` rows, every Link
    /// field (standard or custom) that points at them, every Dynamic Link that does
    /// (`rename_dynamic_links`: `ToDo.reference_name`, `Comment.reference_name`,
    /// `Tag Link.document_name`, …, Singles included), attachments (`File.attached_to_name`) and
    /// Energy Point Logs follow the new names; each renamed document gets Frappe's "renamed from"
    /// Edit comment. The row keeps its `_assign`, `_comments`, `_user_tags` and `_liked_by`.
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
        var singles: [(doctype: String, fieldname: String, options: String)] = []
        for link in try dynamicLinkFields() {
            guard let linkMeta = try? self.meta(link.doctype), !linkMeta.isVirtual else { continue }
            if linkMeta.isSingle { singles.append(link); continue }
            // Both columns come from the linking DocType's own meta.
            guard linkMeta.columnNames.contains(link.fieldname), linkMeta.columnNames.contains(link.options) else { continue }
            targets.append((linkMeta.tableName, link.fieldname, "`\(link.options)` = ? AND ", [.string(doctype)]))
        }
        // `update_attachments` and `rename_eps_records`: plain Data columns beside a DocType link.
        for (other, column, typeColumn) in [("File", "attached_to_name", "attached_to_doctype"),
                                            ("Energy Point Log", "reference_name", "reference_doctype")] {
            guard let otherMeta = try? self.meta(other), !otherMeta.isSingle, otherMeta.columnNames.contains(column),
                  otherMeta.columnNames.contains(typeColumn), !targets.contains(where: { $0.table == otherMeta.tableName && $0.column == column })
            else { continue }
            targets.append((otherMeta.tableName, column, "`\(typeColumn)` = ? AND ", [.string(doctype)]))
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
        for single in singles {
            let options = try getSingle(single.doctype)[single.options].text
            guard options == doctype else { continue }
            for pair in pairs {
                try conn.execute("UPDATE `tabSingles` SET `value` = ? WHERE `doctype` = ? AND `field` = ? AND `value` = ?",
                                 [.string(pair.to), .string(single.doctype), .string(single.fieldname), .string(pair.from)])
            }
        }
        // `new_doc.add_comment("Edit", _("renamed from {0} to {1}"))`, as the renaming user.
        if (try? self.meta("Comment")) != nil {
            try upsert(pairs.map { pair in
                Document("Comment", ["comment_type": "Edit", "reference_doctype": .string(doctype), "reference_name": .string(pair.to),
                                     "comment_email": .string(user), "content": .string("renamed from <strong>\(pair.from)</strong> to <strong>\(pair.to)</strong>")])
            })
        }
        for pair in pairs {
            noteDeleted(DocumentKey(doctype, pair.from))
            noteChanged(DocumentKey(doctype, pair.to), modified: .null)
        }
    }

    /// (DocType, fieldname, options) of every Dynamic Link field, standard or custom
    /// (`frappe.model.dynamic_links.get_dynamic_links`).
    func dynamicLinkFields() throws -> [(doctype: String, fieldname: String, options: String)] {
        let rows = try conn.query("""
            SELECT parent AS dt, fieldname, options FROM `tabDocField` WHERE fieldtype = 'Dynamic Link'
            UNION SELECT dt, fieldname, options FROM `tabCustom Field` WHERE fieldtype = 'Dynamic Link'
            """)
        return rows.compactMap { row in
            guard let dt = row["dt"].string, let field = row["fieldname"].string, let options = row["options"].string, !options.isEmpty
            else { return nil }
            return (dt, field, options)
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

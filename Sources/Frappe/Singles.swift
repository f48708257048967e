import MariaDB

extension DocumentReader {
    /// A Single DocType's values from `tabSingles`, typed by its meta.
    public func getSingle(_ doctype: String) throws -> Document {
        let meta = try self.meta(doctype)
        var doc = Document(doctype, name: doctype)
        for row in try conn.query("SELECT field, value FROM `tabSingles` WHERE doctype = ?", [.string(doctype)]) {
            guard let field = row["field"].string else { continue }
            let value = row.value("value")
            if let f = meta.field(field), f.hasColumn {
                doc[field] = (try? FieldValue.coerce(value.isNull ? .null : .string(value.text ?? ""), for: f)) ?? value
            } else if field == "idx" || field == "docstatus" {
                doc[field] = .int(value.int ?? 0)
            } else if field == "creation" || field == "modified" {
                doc[field] = value.text.flatMap(NaiveDateTime.init).map(FrappeValue.datetime) ?? value
            } else {
                doc[field] = value
            }
        }
        return doc
    }
}

extension DocumentWriter {
    /// Saves a Single as `Document.update_single` does: every row of the DocType is replaced by
    /// one text row per valid column — `name`, `owner`, `creation`, `modified`, `modified_by`,
    /// `docstatus`, `idx`, then every data field (an empty one as NULL).
    @discardableResult
    public func setSingle(_ doctype: String, _ values: [String: FrappeValue]) throws -> Document {
        let meta = try self.meta(doctype)
        guard meta.isSingle else { throw FrappeError.validation("\(doctype) is not a Single DocType") }
        // `tabSingles` has no key to lock, and under READ COMMITTED two saves could both delete
        // and re-insert, doubling every row. The DocType's own row serialises saves of one Single.
        _ = try conn.query("SELECT name FROM `tabDocType` WHERE name = ? FOR UPDATE", [.string(doctype)])
        let existing = try getSingle(doctype)
        var doc = existing
        for (key, value) in values {
            guard let field = meta.field(key), field.hasColumn else { continue }
            doc[key] = try FieldValue.coerce(value, for: field)
        }
        for field in meta.valueFields where field.fieldtype == "Password" {
            guard let secret = doc.values[field.fieldname]?.text, !secret.isEmpty, !secret.allSatisfy({ $0 == "*" }) else { continue }
            try setPassword(doctype, doctype, field.fieldname, secret)
            doc[field.fieldname] = .string(String(repeating: "*", count: secret.unicodeScalars.count))
        }
        let changed = meta.valueFields.contains { !FieldValue.same(existing[$0.fieldname], doc[$0.fieldname], fieldtype: $0.fieldtype) }
        if !changed, !existing["modified"].isNull { return existing }
        let now = clock.now()
        doc["creation"] = existing["creation"].isNull ? .datetime(now) : existing["creation"]
        doc["owner"] = existing["owner"].isNull ? .string(user) : existing["owner"]
        doc["modified"] = .datetime(now)
        doc["modified_by"] = .string(user)
        doc["docstatus"] = .int(0)
        doc["idx"] = .int(0)

        var rows: [(String, FrappeValue)] = [("name", .string(doctype))]
        for column in ["owner", "creation", "modified", "modified_by", "docstatus", "idx"] { rows.append((column, doc[column])) }
        for field in meta.valueFields where !DocTypeMeta.standardColumns.contains(field.fieldname) {
            rows.append((field.fieldname, doc[field.fieldname]))
        }
        try conn.execute("DELETE FROM `tabSingles` WHERE doctype = ?", [.string(doctype)])
        let tuples = Array(repeating: "(?, ?, ?)", count: rows.count).joined(separator: ", ")
        var binds: [MariaDBValue] = []
        for (field, value) in rows {
            binds += [.string(doctype), .string(field), Self.singlesText(value, fieldtype: meta.field(field)?.fieldtype)]
        }
        try conn.execute("INSERT INTO `tabSingles` (doctype, field, value) VALUES \(tuples)", binds)
        if meta.trackChanges, let diff = VersionDiff.diff(old: existing, new: doc, meta: meta, childMeta: { _ in nil }) {
            try insert(Document("Version", ["ref_doctype": .string(doctype), "docname": .string(doctype), "data": .string(diff.pythonJSON())]))
        }
        noteChanged(DocumentKey(doctype, doctype), modified: doc["modified"], single: true)
        return doc
    }

    /// Values as pymysql writes them into `tabSingles.value`: Check/Int as digits, Float as a
    /// Python float, datetimes with microseconds, NULL kept.
    static func singlesText(_ value: FrappeValue, fieldtype: String?) -> MariaDBValue {
        if value.isNull {
            guard let fieldtype, TypeMap.integerTypes.contains(fieldtype) || ["Currency", "Float", "Percent"].contains(fieldtype) else { return .null }
            return .string(TypeMap.integerTypes.contains(fieldtype) ? "0" : "0.0")
        }
        if let fieldtype, TypeMap.numericTypes.contains(fieldtype), let d = value.double {
            return .string(d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : String(d))
        }
        if let fieldtype, TypeMap.integerTypes.contains(fieldtype) { return .string(String(value.int ?? 0)) }
        return .string(value.text ?? "")
    }
}

extension DocumentWriter {
    /// `set_encrypted_password`: the Fernet token in `__Auth`, keyed by (doctype, name, fieldname).
    /// A site without an `encryption_key` gets one first, as Frappe's `get_encryption_key` does.
    public func setPassword(_ doctype: String, _ name: String, _ fieldname: String, _ secret: String) throws {
        let fernet = try keyring.forEncrypting()
        try conn.execute("""
            INSERT INTO `__Auth` (doctype, name, fieldname, password, encrypted) VALUES (?, ?, ?, ?, 1)
            ON DUPLICATE KEY UPDATE password = VALUES(password), encrypted = 1
            """, [.string(doctype), .string(name), .string(fieldname), .string(try fernet.encrypt(secret))])
    }
}

extension DocumentReader {
    /// `get_decrypted_password`; nil when none is stored.
    public func getPassword(_ doctype: String, _ name: String, _ fieldname: String) throws -> String? {
        guard let token = try conn.query(
            "SELECT password FROM `__Auth` WHERE doctype = ? AND name = ? AND fieldname = ? AND encrypted = 1 LIMIT 1",
            [.string(doctype), .string(name), .string(fieldname)]).first?["password"].string else { return nil }
        guard let fernet else { throw FrappeError.validation("This site has no encryption_key in site_config.json") }
        do { return try fernet.decrypt(token) } catch { throw FrappeError.validation("Encryption key is invalid! Please check site_config.json") }
    }
}

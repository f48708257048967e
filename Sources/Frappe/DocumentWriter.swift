import Foundation
import MariaDB

/// What an upsert did to each document.
public enum WriteOutcome: String, Sendable {
    case inserted, updated, unchanged
}

public struct UpsertSummary: Sendable, Equatable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var names: [String] = []
    public init() {}
}

/// Reads and writes one site's documents inside one transaction, exactly as Frappe's ORM
/// would have written them (ARCHITECTURE §3.3). Obtained from ``Site/write(user:_:)``; used on
/// a pool thread only.
///
/// Table and column names come only from DocType meta; every value is a bound parameter.
public final class DocumentWriter {
    public let conn: Connection
    public let user: String
    let metas: MetaRegistry
    public let clock: SiteClock
    let fernet: Fernet?
    /// What this transaction changed; the site hands it to the cache after commit.
    public private(set) var changes = ChangeSet()

    init(conn: Connection, user: String, metas: MetaRegistry, clock: SiteClock, fernet: Fernet?) {
        self.conn = conn
        self.user = user
        self.metas = metas
        self.clock = clock
        self.fernet = fernet
        changes.user = user
    }

    public func meta(_ doctype: String) throws -> DocTypeMeta { try metas.meta(doctype, using: conn) }

    public func now() -> SQLDateTime { clock.now() }

    /// The site's time zone identifier.
    public var clockZone: String { clock.timeZone.identifier }

    /// Records a meta change made by raw DDL/meta rows (custom fields, permissions).
    public func noteMetaChanged(_ doctype: String) {
        metas.invalidate(doctype)
        changes.metaChanged.insert(doctype)
    }

    public func noteRolesChanged(for user: String) { changes.rolesChanged.insert(user) }

    func noteDeleted(_ key: DocumentKey) { changes.deleted.append(key) }

    func noteChanged(_ key: DocumentKey, modified: MariaDBValue, single: Bool = false) {
        changes.documents.append(key)
        changes.modified[key] = modified.text
        if single { changes.singles.insert(key.doctype) }
    }

    // MARK: reading

    /// The stored document with its child rows (children ordered by `idx`), or nil.
    public func get(_ doctype: String, _ name: String, forUpdate: Bool = false) throws -> Document? {
        try getMany(doctype, names: [name], forUpdate: forUpdate)[name]
    }

    /// Stored documents by name (missing names are absent from the result).
    public func getMany(_ doctype: String, names: [String], forUpdate: Bool = false) throws -> [String: Document] {
        let meta = try self.meta(doctype)
        if meta.isSingle { return names.contains(doctype) ? [doctype: try getSingle(doctype)] : [:] }
        guard !names.isEmpty else { return [:] }
        var result: [String: Document] = [:]
        for chunk in names.chunked(into: 1000) {
            let marks = placeholders(chunk.count)
            let rows = try conn.query("SELECT * FROM `\(meta.tableName)` WHERE name IN (\(marks))\(forUpdate ? " FOR UPDATE" : "")",
                                      chunk.map { .string($0) })
            for row in rows { let d = document(from: row, doctype: doctype); if let n = d.name { result[n] = d } }
        }
        // Keyed by the stored name; callers may ask with another case (the collation ignores case).
        for field in meta.tableFields {
            guard let childType = field.options else { continue }
            let childMeta = try self.meta(childType)
            let parents = Array(result.keys)
            for chunk in parents.chunked(into: 1000) where !chunk.isEmpty {
                let marks = placeholders(chunk.count)
                let rows = try conn.query("""
                    SELECT * FROM `\(childMeta.tableName)` WHERE parenttype = ? AND parentfield = ? AND parent IN (\(marks))
                    ORDER BY parent, idx\(forUpdate ? " FOR UPDATE" : "")
                    """, [.string(doctype), .string(field.fieldname)] + chunk.map { .string($0) })
                for row in rows {
                    guard let parent = row["parent"].string else { continue }
                    result[parent]?.children[field.fieldname, default: []].append(document(from: row, doctype: childType))
                }
            }
            for key in result.keys where result[key]?.children[field.fieldname] == nil { result[key]?.children[field.fieldname] = [] }
        }
        return result
    }

    private func document(from row: Row, doctype: String) -> Document {
        var values: [String: MariaDBValue] = [:]
        for (i, column) in row.columns.names.enumerated() where column != "name" { values[column] = row[i] }
        return Document(doctype, name: row["name"].string, values)
    }

    // MARK: writing

    /// Inserts a new document; a name already taken is a DuplicateEntryError.
    @discardableResult
    public func insert(_ doc: Document) throws -> Document {
        let meta = try self.meta(doc.doctype)
        if meta.isSingle { return try setSingle(doc.doctype, doc.values) }
        let (docs, _) = try save([doc], meta: meta, mode: .insert)
        return docs[0]
    }

    /// Updates a stored document with the values and child tables given (others are kept).
    @discardableResult
    public func update(_ doc: Document) throws -> Document {
        let meta = try self.meta(doc.doctype)
        if meta.isSingle { return try setSingle(doc.doctype, doc.values) }
        guard doc.name != nil else { throw FrappeError.validation("\(doc.doctype): a name is required to update") }
        let (docs, _) = try save([doc], meta: meta, mode: .update)
        return docs[0]
    }

    /// Inserts or updates documents of one DocType with multi-row statements. Unchanged
    /// documents are not written at all (their `modified` stays), so a re-sync writes nothing.
    ///
    /// `childKeys` names, per table field, the field that identifies a child row (e.g. an
    /// assignee's `github_username`), so a changed row keeps its name.
    @discardableResult
    public func upsert(_ docs: [Document], childKeys: [String: String] = [:]) throws -> UpsertSummary {
        guard let doctype = docs.first?.doctype else { return UpsertSummary() }
        guard docs.allSatisfy({ $0.doctype == doctype }) else { throw FrappeError.validation("upsert takes documents of one DocType") }
        let meta = try self.meta(doctype)
        let (saved, outcomes) = try save(docs, meta: meta, mode: .upsert, childKeys: childKeys)
        var summary = UpsertSummary()
        for (doc, outcome) in zip(saved, outcomes) {
            summary.names.append(doc.name ?? "")
            switch outcome {
            case .inserted: summary.inserted += 1
            case .updated: summary.updated += 1
            case .unchanged: summary.unchanged += 1
            }
        }
        return summary
    }

    /// Deletes a document and its child rows and passwords, keeping a Deleted Document row
    /// with its JSON as `frappe.delete_doc` does.
    public func delete(_ doctype: String, _ name: String) throws {
        let meta = try self.meta(doctype)
        guard let doc = try get(doctype, name, forUpdate: true), let storedName = doc.name else {
            throw FrappeError.notFound("\(doctype) \(name) not found")
        }
        for field in meta.tableFields {
            guard let childType = field.options else { continue }
            let childMeta = try self.meta(childType)
            try conn.execute("DELETE FROM `\(childMeta.tableName)` WHERE parenttype = ? AND parentfield = ? AND parent = ?",
                             [.string(doctype), .string(field.fieldname), .string(storedName)])
        }
        try conn.execute("DELETE FROM `\(meta.tableName)` WHERE name = ?", [.string(storedName)])
        try conn.execute("DELETE FROM `__Auth` WHERE doctype = ? AND name = ?", [.string(doctype), .string(storedName)])
        if doctype != "Deleted Document" {
            let data = JSONValue.object(doc.asDict()).pythonJSON(indent: 1)
            try insert(Document("Deleted Document", ["deleted_name": .string(storedName), "deleted_doctype": .string(doctype),
                                                      "data": .string(data), "restored": .int(0)]))
        }
        changes.deleted.append(DocumentKey(doctype, storedName))
    }

    // MARK: the shared save path

    enum Mode { case insert, update, upsert }

    private func save(_ incoming: [Document], meta: DocTypeMeta, mode: Mode, childKeys: [String: String] = [:]) throws -> ([Document], [WriteOutcome]) {
        let now = clock.now()
        // 1. Names: given, or from the DocType's autoname (only new documents draw series numbers).
        var named: [Document] = []
        named.reserveCapacity(incoming.count)
        for var doc in incoming {
            try coerce(&doc, meta: meta)
            if doc.name == nil || doc.name?.isEmpty == true {
                guard mode != .update else { throw FrappeError.validation("\(meta.name): a name is required to update") }
                applyDefaults(&doc, meta: meta, now: now)
                // `set_name_by_naming_series`: an empty series takes the DocType's first option, before validation.
                if meta.autoname?.hasPrefix("naming_series:") == true, (doc["naming_series"].text ?? "").isEmpty,
                   let first = meta.field("naming_series")?.selectOptions.first {
                    doc["naming_series"] = .string(first)
                }
                try validate(doc, meta: meta)
                doc.name = try Naming.newName(for: doc, meta: meta, conn: conn, now: now)
            }
            named.append(doc)
        }
        // 2. What is stored now, locked until commit.
        let stored = try getMany(meta.name, names: named.compactMap(\.name), forUpdate: true)
        let storedByFolded = Dictionary(stored.values.compactMap { d in d.name.map { ($0.lowercased(), d) } }, uniquingKeysWith: { a, _ in a })

        var finals: [Document] = []
        var outcomes: [WriteOutcome] = []
        var parentRows: [Document] = []
        var childWrites: [String: (meta: DocTypeMeta, rows: [Document])] = [:]
        var childDeletes: [String: (meta: DocTypeMeta, names: [String])] = [:]
        var versions: [Document] = []

        for var doc in named {
            let existing = doc.name.flatMap { storedByFolded[$0.lowercased()] }
            switch (mode, existing) {
            case (.insert, .some):
                throw FrappeError.duplicate("\(meta.name) \(doc.name ?? "") already exists")
            case (.update, .none):
                throw FrappeError.notFound("\(meta.name) \(doc.name ?? "") not found")
            default: break
            }
            if let existing {
                if let given = doc.values["modified"], !given.isNull, !FieldValue.same(given, existing["modified"], fieldtype: "Datetime"), mode == .update {
                    throw FrappeError(.timestampMismatchError, "Document has been modified after you have opened it. Please refresh to get the latest document.")
                }
                doc.name = existing.name
                var merged = Self.overlay(doc.values, on: existing)
                for (table, rows) in doc.children { merged.children[table] = rows }
                let tables = Set(doc.children.keys)
                doc = merged
                try validate(doc, meta: meta)
                var childChanged = false
                var childResults: [ChildResult] = []
                for field in meta.tableFields where tables.contains(field.fieldname) {
                    let result = try resolveChildren(of: &doc, field: field, previous: existing.children[field.fieldname] ?? [],
                                                     key: childKeys[field.fieldname], now: now)
                    childChanged = childChanged || result.changed
                    childResults.append(result)
                }
                let valueChanged = meta.valueFields.contains { f in
                    !FieldValue.same(existing[f.fieldname], doc[f.fieldname], fieldtype: f.fieldtype)
                }
                if !valueChanged && !childChanged {
                    finals.append(existing); outcomes.append(.unchanged); continue
                }
                try storePasswords(&doc, meta: meta)
                // A change to child rows alone still moves the parent's `modified`, as a desk save would.
                doc["modified"] = .datetime(now)
                doc["modified_by"] = .string(user)
                stampChildren(&doc, meta: meta)
                collect(childResults, of: doc, writes: &childWrites, deletes: &childDeletes)
                if meta.trackChanges, let diff = VersionDiff.diff(old: existing, new: doc, meta: meta, childMeta: { try? self.meta($0) }) {
                    versions.append(Document("Version", ["ref_doctype": .string(meta.name), "docname": .string(doc.name ?? ""),
                                                         "data": .string(diff.pythonJSON())]))
                }
                parentRows.append(doc)
                finals.append(doc); outcomes.append(.updated)
            } else {
                applyDefaults(&doc, meta: meta, now: now)
                try validate(doc, meta: meta)
                try storePasswords(&doc, meta: meta)
                doc["creation"] = .datetime(now)
                doc["modified"] = .datetime(now)
                doc["owner"] = .string(user)
                doc["modified_by"] = .string(user)
                doc["docstatus"] = .int(0)
                if doc.values["idx"] == nil { doc["idx"] = .int(0) }
                var childResults: [ChildResult] = []
                for field in meta.tableFields {
                    childResults.append(try resolveChildren(of: &doc, field: field, previous: [], key: nil, now: now))
                }
                stampChildren(&doc, meta: meta)
                collect(childResults, of: doc, writes: &childWrites, deletes: &childDeletes)
                parentRows.append(doc)
                finals.append(doc); outcomes.append(.inserted)
            }
        }

        // 3. Multi-row writes: parents, removed children, new/changed children, versions.
        // An insert must never overwrite: a name taken by a concurrent transaction since the
        // check above fails with a DuplicateEntryError instead of silently replacing that row.
        try writeRows(parentRows, meta: meta, insertOnly: mode == .insert)
        for (_, deletion) in childDeletes.sorted(by: { $0.key < $1.key }) {
            for chunk in deletion.names.chunked(into: 1000) {
                let marks = placeholders(chunk.count)
                try conn.execute("DELETE FROM `\(deletion.meta.tableName)` WHERE name IN (\(marks))", chunk.map { .string($0) })
            }
        }
        for (_, write) in childWrites.sorted(by: { $0.key < $1.key }) { try writeRows(write.rows, meta: write.meta) }
        for version in versions { try insert(version) }
        for doc in parentRows { noteChanged(DocumentKey(meta.name, doc.name ?? ""), modified: doc["modified"]) }
        return (finals, outcomes)
    }

    /// Picks the stamped rows to write and the names to delete.
    private func collect(_ results: [ChildResult], of doc: Document, writes: inout [String: (meta: DocTypeMeta, rows: [Document])],
                         deletes: inout [String: (meta: DocTypeMeta, names: [String])]) {
        for result in results {
            if !result.deleted.isEmpty { deletes[result.meta.name, default: (result.meta, [])].names += result.deleted }
            let rows = (doc.children[result.field] ?? []).filter { $0.name.map(result.written.contains) ?? false }
            if !rows.isEmpty { writes[result.meta.name, default: (result.meta, [])].rows += rows }
        }
    }

    static let nonFieldColumns = Set(DocTypeMeta.standardColumns + DocTypeMeta.childColumns + DocTypeMeta.optionalColumns + ["_seen"])

    /// A stored document with a caller's values laid over it, except the columns only the store sets.
    static func overlay(_ values: [String: MariaDBValue], on stored: Document) -> Document {
        var merged = stored
        for (k, v) in values where !protectedOnUpdate.contains(k) { merged.values[k] = v }
        return merged
    }

    /// Columns a caller cannot set on an existing document.
    static let protectedOnUpdate: Set<String> = ["name", "creation", "owner", "docstatus", "modified", "modified_by"]

    private func coerce(_ doc: inout Document, meta: DocTypeMeta) throws {
        for (key, value) in doc.values {
            if let field = meta.field(key), field.hasColumn {
                doc.values[key] = try FieldValue.coerce(value, for: field)
            } else if key == "idx" || key == "docstatus" {
                doc.values[key] = .int(value.int ?? 0)
            } else if !Self.nonFieldColumns.contains(key) {
                doc.values[key] = nil   // unknown keys are ignored, as Frappe ignores them
            }
        }
        for field in meta.tableFields {
            guard var rows = doc.children[field.fieldname], let childType = field.options else { continue }
            let childMeta = try self.meta(childType)
            for i in rows.indices {
                rows[i].doctype = childType
                try coerce(&rows[i], meta: childMeta)
            }
            doc.children[field.fieldname] = rows
        }
    }

    /// Static defaults for fields a new document leaves empty (`frappe.new_doc` defaults).
    private func applyDefaults(_ doc: inout Document, meta: DocTypeMeta, now: SQLDateTime) {
        for field in meta.valueFields where doc[field.fieldname].isNull {
            guard let d = field.defaultValue, !d.isEmpty else { continue }
            switch d {
            case "Today", "__today": doc[field.fieldname] = .date(now.date)
            case "now", "Now": doc[field.fieldname] = field.fieldtype == "Datetime" ? .datetime(now) : .string(now.description)
            case "__user": doc[field.fieldname] = .string(user)
            default:
                if d.hasPrefix(":") || TypeMap.dynamicDefaults.contains(d) { continue }
                doc[field.fieldname] = (try? FieldValue.coerce(.string(d), for: field)) ?? .string(d)
            }
        }
    }

    /// Mandatory fields and Select options, with Frappe's messages.
    private func validate(_ doc: Document, meta: DocTypeMeta) throws {
        for field in meta.valueFields {
            let value = doc[field.fieldname]
            // `_get_missing_mandatory_fields`: None or blank text is missing; 0 is a value.
            if field.reqd, value.isNull || (value.text ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw FrappeError.mandatory("Error: Value missing for \(meta.name): \(field.displayLabel)")
            }
            if field.fieldtype == "Select", let text = value.text, !text.isEmpty {
                let options = field.selectOptions
                if !options.isEmpty, !options.contains(text) {
                    let list = options.map { "\"\($0)\"" }.joined(separator: ", ")
                    throw FrappeError.validation(" \(field.displayLabel) cannot be \"\(text)\". It should be one of \(list)")
                }
            }
            if let t = TypeMap.columnType(for: field.fieldtype), t.type == "varchar", let text = value.text {
                let limit = field.length > 0 ? max(field.length, 1) : 140
                if text.count > limit {
                    throw FrappeError(.characterLengthExceededError,
                                      "Value too big: \(field.displayLabel) of \(meta.name) can hold \(limit) characters, got \(text.count)")
                }
            }
        }
    }

    /// Password fields: the secret goes to `__Auth` (Fernet), the column keeps `*` × length.
    private func storePasswords(_ doc: inout Document, meta: DocTypeMeta) throws {
        for field in meta.valueFields where field.fieldtype == "Password" {
            guard let value = doc.values[field.fieldname]?.text else { continue }
            if value.isEmpty {
                try conn.execute("DELETE FROM `__Auth` WHERE doctype = ? AND name = ? AND fieldname = ?",
                                 [.string(meta.name), .string(doc.name ?? meta.name), .string(field.fieldname)])
                continue
            }
            if value.allSatisfy({ $0 == "*" }) { continue }
            try setPassword(meta.name, doc.name ?? meta.name, field.fieldname, value)
            doc[field.fieldname] = .string(String(repeating: "*", count: value.unicodeScalars.count))
        }
    }

    /// Parent values copied onto child rows on save (`docstatus`, `modified`, `owner`…).
    private func stampChildren(_ doc: inout Document, meta: DocTypeMeta) {
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

    private struct ChildResult {
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
    private func resolveChildren(of doc: inout Document, field: DocField, previous: [Document], key: String?,
                                 now: SQLDateTime) throws -> ChildResult {
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

    /// Multi-row `INSERT … ON DUPLICATE KEY UPDATE` of full rows (every meta column).
    private func writeRows(_ docs: [Document], meta: DocTypeMeta, insertOnly: Bool = false) throws {
        guard !docs.isEmpty else { return }
        let columns = meta.columnNames
        let quoted = columns.map { "`\($0)`" }.joined(separator: ", ")
        let updates = columns.filter { $0 != "name" }.map { "`\($0)` = VALUES(`\($0)`)" }.joined(separator: ", ")
        let tuple = "(" + placeholders(columns.count) + ")"
        let perStatement = max(1, min(500, 60_000 / columns.count))
        // `get_valid_dict`: an empty Check/Int becomes 0 and an empty Float-like 0.0 before writing.
        let zeroWhenEmpty: [Bool] = columns.map { column in
            guard let type = meta.field(column)?.fieldtype else { return column == "docstatus" || column == "idx" }
            return TypeMap.integerTypes.contains(type) || ["Currency", "Float", "Percent"].contains(type)
        }
        for chunk in docs.chunked(into: perStatement) {
            var binds: [MariaDBValue] = []
            binds.reserveCapacity(chunk.count * columns.count)
            for doc in chunk {
                for (i, column) in columns.enumerated() {
                    if column == "name" { binds.append(.optional(doc.name)); continue }
                    let value = doc[column]
                    binds.append(value.isNull && zeroWhenEmpty[i] ? .int(0) : value)
                }
            }
            let sql = "INSERT INTO `\(meta.tableName)` (\(quoted)) VALUES \(Array(repeating: tuple, count: chunk.count).joined(separator: ",")) \(insertOnly ? "" : " ON DUPLICATE KEY UPDATE \(updates)")"
            do {
                try conn.execute(sql, binds)
            } catch let error as MariaDBError {
                // A deadlock or lock wait goes up unchanged: `Site.write` retries the whole transaction.
                if error.isRetryableTransaction || error.isConnectionLost { throw error }
                throw FrappeError(mariaDB: error, doctype: meta.name)
            }
        }
    }
}

extension Array {
    func chunked(into size: Int) -> [[Element]] {
        guard size > 0, !isEmpty else { return isEmpty ? [] : [self] }
        return stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

extension FrappeError {
    /// The Frappe exception a database error stands for; internals stay out of the message.
    public init(mariaDB error: MariaDBError, doctype: String? = nil) {
        let subject = doctype.map { "\($0): " } ?? ""
        switch error.code {
        case 1062, 1586: self = .duplicate("\(subject)a document with this name or unique value already exists")
        case 1406: self = FrappeError(.characterLengthExceededError, "\(subject)a value is longer than its field allows")
        case 1048: self = .mandatory("\(subject)a mandatory value is missing")
        case 1366, 1292, 1264: self = .validation("\(subject)a value does not fit its field's type")
        default: self = .internalError("Database error \(error.code)")
        }
    }
}

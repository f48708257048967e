import Foundation
import Algorithms
import MariaDB

/// What an upsert did to each document.
public enum WriteOutcome: String, Sendable {
    case inserted, updated, unchanged
    /// Not written: older than the stored document by the upsert's ordering field.
    case older
    /// Not written: the document is invalid (see ``UpsertSummary/skipped``).
    case skipped
}

public struct UpsertSummary: Sendable, Equatable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    /// Documents left as stored because the stored one is newer (``DocumentWriter/upsert(_:childKeys:newerBy:skipInvalid:)``).
    public var older = 0
    /// Documents not written because they are invalid, with Frappe's reason; the others were written.
    public var skipped: [Skipped] = []
    public var names: [String] = []
    public init() {}

    public struct Skipped: Sendable, Equatable {
        public var name: String
        public var reason: String
        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }
}

/// Reads and writes one site's documents inside one transaction, exactly as Frappe's ORM
/// would have written them (ARCHITECTURE §3.3). Obtained from ``Site/write(user:_:)``; used on
/// a pool thread only.
///
/// Table and column names come only from DocType meta; every value is a bound parameter.
public final class DocumentWriter: DocumentReader {
    public let user: String
    /// What this transaction changed; the site hands it to the cache after commit.
    public private(set) var changes = ChangeSet()

    init(conn: Connection, user: String, metas: MetaRegistry, clock: SiteClock, keyring: Keyring) {
        self.user = user
        super.init(conn: conn, metas: metas, clock: clock, keyring: keyring)
        changes.user = user
    }


    /// Records a meta change made by raw DDL/meta rows (custom fields, permissions).
    public func noteMetaChanged(_ doctype: String) {
        metas.invalidate(doctype)
        changes.metaChanged.insert(doctype)
    }

    public func noteRolesChanged(for user: String) { changes.rolesChanged.insert(user) }

    func noteDeleted(_ key: DocumentKey) { changes.deleted.append(key) }

    func noteChanged(_ key: DocumentKey, modified: FrappeValue, single: Bool = false) {
        changes.documents.append(key)
        changes.modified[key] = modified.text
        if single { changes.singles.insert(key.doctype) }
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

    /// Inserts new documents of one DocType with multi-row statements, all or none: a name already
    /// taken is a DuplicateEntryError and nothing is written.
    @discardableResult
    public func insert(_ docs: [Document]) throws -> [Document] {
        guard let doctype = docs.first?.doctype else { return [] }
        guard docs.allSatisfy({ $0.doctype == doctype }) else { throw FrappeError.validation("insert takes documents of one DocType") }
        let meta = try self.meta(doctype)
        guard !meta.isSingle else { throw FrappeError.validation("\(doctype) is a single DocType") }
        return try save(docs, meta: meta, mode: .insert).0
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
    ///
    /// `newerBy` names a Datetime field that orders versions of a document (GitHub's
    /// `updated_at`): a document older than the stored one, or without that value while the stored
    /// one has it, is left as stored. The check runs on the row locked for the write, so no
    /// concurrent writer can slip an older version in between.
    ///
    /// With `skipInvalid`, a document Frappe would refuse (a value too long, a bad name, a missing
    /// mandatory value) is left out with its reason in ``UpsertSummary/skipped`` and the others are
    /// written; without it, the first such document fails the whole call.
    @discardableResult
    public func upsert(_ docs: [Document], childKeys: [String: String] = [:], newerBy: String? = nil,
                       skipInvalid: Bool = false) throws -> UpsertSummary {
        guard let doctype = docs.first?.doctype else { return UpsertSummary() }
        guard docs.allSatisfy({ $0.doctype == doctype }) else { throw FrappeError.validation("upsert takes documents of one DocType") }
        let meta = try self.meta(doctype)
        if let newerBy, meta.field(newerBy)?.fieldtype != "Datetime" {
            throw FrappeError.validation("\(doctype) has no Datetime field \(newerBy) to order by")
        }
        var summary = UpsertSummary()
        let options = SaveOptions(childKeys: childKeys, newerBy: newerBy, skipInvalid: skipInvalid)
        let (saved, outcomes) = try save(docs, meta: meta, mode: .upsert, options: options, skipped: &summary.skipped)
        for (doc, outcome) in zip(saved, outcomes) {
            switch outcome {
            case .inserted: summary.inserted += 1
            case .updated: summary.updated += 1
            case .unchanged: summary.unchanged += 1
            case .older: summary.older += 1
            case .skipped: continue
            }
            summary.names.append(doc.name ?? "")
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

    struct SaveOptions {
        var childKeys: [String: String] = [:]
        var newerBy: String?
        var skipInvalid = false
    }

    private func save(_ incoming: [Document], meta: DocTypeMeta, mode: Mode) throws -> ([Document], [WriteOutcome]) {
        var skipped: [UpsertSummary.Skipped] = []
        return try save(incoming, meta: meta, mode: mode, options: SaveOptions(), skipped: &skipped)
    }

    /// Whether `error` is Frappe refusing one document (as opposed to the database failing).
    private static func refusesDocument(_ error: any Error) -> FrappeError? {
        guard let error = error as? FrappeError else { return nil }
        let refusals: Set<FrappeExceptionType> = [.validationError, .mandatoryError, .characterLengthExceededError, .nameError,
                                                  .invalidNameError, .frappeTypeError]
        return refusals.contains(error.type) ? error : nil
    }

    private func save(_ incoming: [Document], meta: DocTypeMeta, mode: Mode, options: SaveOptions,
                      skipped: inout [UpsertSummary.Skipped]) throws -> ([Document], [WriteOutcome]) {
        let childKeys = options.childKeys
        let now = clock.now()
        // 1. Names: given, or from the DocType's autoname (only new documents draw series numbers).
        var named: [Document] = []
        named.reserveCapacity(incoming.count)
        for var doc in incoming {
            do {
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
                } else if mode != .update, let given = doc.name {
                    // A given name is checked as `validate_name` checks a new document's name.
                    doc.name = try Naming.validate(given, meta: meta)
                }
                named.append(doc)
            } catch {
                guard options.skipInvalid, let refusal = Self.refusesDocument(error) else { throw error }
                skipped.append(.init(name: doc.name ?? "", reason: refusal.message))
            }
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
            do {
                let existing = doc.name.flatMap { storedByFolded[$0.lowercased()] }
                switch (mode, existing) {
                case (.insert, .some):
                    throw FrappeError.duplicate("\(meta.name) \(doc.name ?? "") already exists")
                case (.update, .none):
                    throw FrappeError.notFound("\(meta.name) \(doc.name ?? "") not found")
                default: break
                }
                if let existing, let field = options.newerBy, case .datetime(let storedAt) = existing[field] {
                    // The ordering guard: never replace a stored version with an older one.
                    guard case .datetime(let incomingAt) = doc[field], incomingAt >= storedAt else {
                        finals.append(existing); outcomes.append(.older); continue
                    }
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
            } catch {
                guard options.skipInvalid, let refusal = Self.refusesDocument(error) else { throw error }
                skipped.append(.init(name: doc.name ?? "", reason: refusal.message))
                finals.append(doc); outcomes.append(.skipped)
            }
        }

        // 3. Multi-row writes: parents, removed children, new/changed children, versions.
        // An insert must never overwrite: a name taken by a concurrent transaction since the
        // check above fails with a DuplicateEntryError instead of silently replacing that row.
        try writeRows(parentRows, meta: meta, insertOnly: mode == .insert)
        for (_, deletion) in childDeletes.sorted(by: { $0.key < $1.key }) {
            for chunk in deletion.names.chunks(ofCount: 1000) {
                let marks = placeholders(chunk.count)
                try conn.execute("DELETE FROM `\(deletion.meta.tableName)` WHERE name IN (\(marks))", chunk.map { .string($0) })
            }
        }
        for (_, write) in childWrites.sorted(by: { $0.key < $1.key }) { try writeRows(write.rows, meta: write.meta) }
        for version in versions { try insert(version) }
        for doc in parentRows { noteChanged(DocumentKey(meta.name, doc.name ?? ""), modified: doc["modified"]) }
        return (finals, outcomes)
    }

    static let nonFieldColumns = Set(DocTypeMeta.standardColumns + DocTypeMeta.childColumns + DocTypeMeta.optionalColumns + ["_seen"])

    /// A stored document with a caller's values laid over it, except the columns only the store sets.
    static func overlay(_ values: [String: FrappeValue], on stored: Document) -> Document {
        var merged = stored
        for (k, v) in values where !protectedOnUpdate.contains(k) { merged.values[k] = v }
        return merged
    }

    /// Columns a caller cannot set on an existing document.
    static let protectedOnUpdate: Set<String> = ["name", "creation", "owner", "docstatus", "modified", "modified_by"]
}

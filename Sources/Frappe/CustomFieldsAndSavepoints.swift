import Foundation
import MariaDB
import Synchronization

/// A Custom Field a feature adds to a DocType it does not own (e.g. `github_sync_source` on every
/// template DocType), as `create_custom_field` would.
public struct CustomFieldSpec: Sendable, Hashable {
    public var doctype: String
    public var fieldname: String
    public var label: String
    public var fieldtype: String
    public var insertAfter: String?
    public var readOnly: Bool
    public var searchIndex: Bool
    public var module: String

    public init(doctype: String, fieldname: String, label: String, fieldtype: String, insertAfter: String? = nil,
                readOnly: Bool = false, searchIndex: Bool = false, module: String = "Erpnext Github Integration") {
        self.doctype = doctype
        self.fieldname = fieldname
        self.label = label
        self.fieldtype = fieldtype
        self.insertAfter = insertAfter
        self.readOnly = readOnly
        self.searchIndex = searchIndex
        self.module = module
    }
}

extension Site {
    /// Adds the columns, then the `tabCustom Field` rows, of the fields not there yet; returns
    /// `DocType.fieldname` of those added. Columns first and on their own: DDL commits implicitly
    /// in MariaDB, and a meta row naming a missing column would break every write of that DocType.
    /// A DocType the site does not have is skipped (reported by the caller's own checks).
    @discardableResult
    public func ensureCustomFields(_ specs: [CustomFieldSpec], user: String) async throws -> [String] {
        let missing = try await write(user: user) { w -> [CustomFieldSpec] in
            var missing: [CustomFieldSpec] = []
            for spec in specs {
                guard let meta = try? w.meta(spec.doctype), !meta.isSingle, !meta.isVirtual else { continue }
                if meta.field(spec.fieldname) != nil, try w.get("Custom Field", "\(spec.doctype)-\(spec.fieldname)") != nil { continue }
                var field = DocField(fieldname: spec.fieldname, fieldtype: spec.fieldtype, label: spec.label)
                field.searchIndex = spec.searchIndex
                try w.addColumnIfMissing(field, to: spec.doctype)
                missing.append(spec)
            }
            return missing
        }
        guard !missing.isEmpty else { return [] }
        let added = try await write(user: user) { w -> [String] in
            var added: [String] = []
            for spec in missing where try w.get("Custom Field", "\(spec.doctype)-\(spec.fieldname)") == nil {
                var values: [String: FrappeValue] = [
                    "dt": .string(spec.doctype), "fieldname": .string(spec.fieldname), "label": .string(spec.label),
                    "fieldtype": .string(spec.fieldtype), "read_only": .int(spec.readOnly ? 1 : 0), "is_system_generated": .int(1),
                    "search_index": .int(spec.searchIndex ? 1 : 0), "module": .string(spec.module), "no_copy": .int(1),
                ]
                if let after = spec.insertAfter { values["insert_after"] = .string(after) }
                do {
                    try w.insert(Document("Custom Field", name: "\(spec.doctype)-\(spec.fieldname)", values))
                    added.append("\(spec.doctype).\(spec.fieldname)")
                } catch let error as FrappeError where error.type == .duplicateEntryError {
                    continue   // another process added it first
                }
                w.noteMetaChanged(spec.doctype)
            }
            return added
        }
        metas.invalidate()
        return added
    }
}

extension DocumentWriter {
    /// Runs `body` inside a savepoint: when it throws, only its own writes are undone and the
    /// transaction goes on (one bad file of a template sync, one bad webhook delivery, never costs
    /// the others). An error that ended the whole transaction (``Site/abortsTransaction(_:)``: a
    /// deadlock, a lost connection) is rethrown untouched, to be retried as a whole.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        let name = "sp_\(savepointCounter.add(1, ordering: .relaxed).newValue)"
        try conn.executeText("SAVEPOINT \(name)")
        do {
            let value = try body()
            try conn.executeText("RELEASE SAVEPOINT \(name)")
            return value
        } catch {
            if Site.abortsTransaction(error) { throw error }
            try conn.executeText("ROLLBACK TO SAVEPOINT \(name)")
            throw error
        }
    }
}

/// Savepoint names: generated digits only, unique per process, so savepoints may nest.
let savepointCounter = Atomic<Int>(0)

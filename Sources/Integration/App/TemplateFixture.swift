import Foundation
import Frappe

/// One `.json` file of a templates repository, read as Frappe fixture documents: one object or a
/// list of objects, each with `doctype` (what `bench export-fixtures` writes, `doc.as_dict()`).
enum TemplateFixture {
    struct Problem: Error, Sendable { let message: String }

    /// Keys that are Frappe's bookkeeping, never copied from a file: the store sets them.
    static let ignoredKeys: Set<String> = [
        "doctype", "name", "creation", "modified", "modified_by", "owner", "idx", "docstatus", "parent", "parentfield",
        "parenttype", "_user_tags", "_comments", "_assign", "_liked_by", "_seen", "__islocal", "__unsaved", "__last_sync_on",
        "migration_hash", TemplateSync.sourceField,
    ]

    /// The documents of a file, or why it cannot be read.
    static func parse(_ data: Data) throws -> [[String: JSONValue]] {
        guard !data.isEmpty else { throw Problem(message: "The file is empty") }
        let value: JSONValue
        do {
            value = try JSONValue.decode(data)
        } catch {
            throw Problem(message: "The file is not valid JSON")
        }
        let objects: [JSONValue]
        switch value {
        case .object: objects = [value]
        case .array(let items): objects = items
        default: throw Problem(message: "A fixture file holds a JSON object or a list of objects")
        }
        guard !objects.isEmpty else { throw Problem(message: "The file lists no documents") }
        return try objects.enumerated().map { index, item in
            guard case .object(let fields) = item else { throw Problem(message: "Item \(index + 1) is not a JSON object") }
            guard case .string(let doctype)? = fields["doctype"], !doctype.isEmpty else {
                throw Problem(message: "Item \(index + 1) has no \"doctype\"")
            }
            _ = doctype
            if let name = fields["name"], name != .null, name.string == nil {
                throw Problem(message: "Item \(index + 1): \"name\" must be text")
            }
            return fields
        }
    }

    /// The document a fixture object describes, with values typed by the DocType's fields.
    /// Keys the DocType does not have are ignored, as `frappe.get_doc(...).insert()` ignores them.
    static func document(_ fields: [String: JSONValue], meta: DocTypeMeta, childMeta: (String) throws -> DocTypeMeta) throws -> Document {
        let name = fields["name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        var doc = Document(meta.name, name: name)
        for (key, value) in fields where !ignoredKeys.contains(key) {
            guard let field = meta.field(key) else { continue }
            if field.isTable {
                guard let childType = field.options, !childType.isEmpty else { continue }
                let rows: [JSONValue]
                switch value {
                case .array(let items): rows = items
                case .null: rows = []
                default: throw Problem(message: "\(meta.name) \(name ?? ""): \(key) must be a list of rows")
                }
                let child = try childMeta(childType)
                doc.children[key] = try rows.enumerated().map { index, row in
                    guard case .object(let rowFields) = row else {
                        throw Problem(message: "\(meta.name) \(name ?? ""): row \(index + 1) of \(key) is not an object")
                    }
                    var childDoc = Document(childType)
                    for (childKey, childValue) in rowFields where !ignoredKeys.contains(childKey) {
                        guard let childField = child.field(childKey), childField.hasColumn, !childField.isTable else { continue }
                        childDoc.set(childKey, json: childValue, fieldtype: childField.fieldtype)
                    }
                    return childDoc
                }
                continue
            }
            guard field.hasColumn else { continue }
            doc.set(key, json: value, fieldtype: field.fieldtype)
        }
        return doc
    }
}

extension Document {
    /// Sets a field from a JSON value the way `frappe.get_doc` would cast it on save.
    mutating func set(_ field: String, json value: JSONValue, fieldtype: String) {
        switch value {
        case .null: self[field] = .null
        case .bool(let b): self[field] = .int(b ? 1 : 0)
        case .number(let n):
            if ["Int", "Check", "Long Int"].contains(fieldtype), n.isFinite, n == n.rounded(), abs(n) < 9e15 {
                self[field] = .int(Int64(n))
            } else if n.isFinite, n == n.rounded(), abs(n) < 9e15 {
                self[field] = .string(String(Int64(n)))
            } else {
                self[field] = .string(String(n))
            }
        case .string(let s): self[field] = .string(s)
        case .array, .object: self[field] = .string(value.pythonJSON())
        }
    }
}

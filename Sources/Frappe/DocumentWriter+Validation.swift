import Foundation
import MariaDB

/// Coercion, defaults and validation of incoming values, as `BaseDocument` does before a save.
extension DocumentWriter {
    func coerce(_ doc: inout Document, meta: DocTypeMeta) throws {
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
    func applyDefaults(_ doc: inout Document, meta: DocTypeMeta, now: NaiveDateTime) {
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
    func validate(_ doc: Document, meta: DocTypeMeta) throws {
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
                    throw FrappeError(.validationError, " \(field.displayLabel) cannot be \"\(text)\". It should be one of \(list)",
                                      title: "Invalid Option")
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

}

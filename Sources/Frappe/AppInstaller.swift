import Foundation
import MariaDB

/// Installs an app's DocTypes into a site as `bench migrate` does: the table from the DocType
/// (same generator as Frappe's schema code) and the meta rows in `tabDocType`, `tabDocField`,
/// `tabDocPerm`, so the site's meta reader sees them exactly like a real site's.
public enum AppInstaller {
    /// Creates missing tables, and adds the columns of fields a newer version of the app added to
    /// a table that exists (as `bench migrate`'s `updatedb` does; nothing is dropped or changed).
    /// DDL commits implicitly in MariaDB, so this runs outside any transaction.
    public static func createTables(for doctypes: [DocTypeJSON], conn: Connection) throws -> [String] {
        var created: [String] = []
        let existing = Set(try conn.query("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()")
            .compactMap { $0["t"].string })
        for doctype in doctypes where !doctype.meta.isSingle && !doctype.meta.isVirtual {
            guard existing.contains(doctype.meta.tableName) else {
                try conn.executeText(try Schema.createTable(doctype.meta))
                created.append(doctype.meta.tableName)
                continue
            }
            let columns = Set(try conn.query("SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ?",
                                             [.string(doctype.meta.tableName)]).compactMap { $0["c"].string?.lowercased() })
            for field in doctype.meta.valueFields where !columns.contains(field.fieldname.lowercased()) {
                for statement in try Schema.addColumn(field, to: doctype.meta) { try conn.executeText(statement) }
            }
        }
        return created
    }

    /// Writes (or rewrites) the DocType meta rows through the document store.
    public static func writeMeta(for doctypes: [DocTypeJSON], writer: DocumentWriter) throws {
        for doctype in doctypes {
            var values = scalars(doctype.raw)
            values["modified"] = nil
            values["creation"] = nil
            let fields = doctype.fieldRows.map { row in Document("DocField", scalars(row)) }
            let permissions = doctype.permissionRows.map { row in Document("DocPerm", scalars(row)) }
            let doc = Document("DocType", name: doctype.meta.name, values,
                               children: ["fields": fields, "permissions": permissions])
            if try writer.get("DocType", doctype.meta.name) != nil {
                try writer.update(doc)
            } else {
                try writer.insert(doc)
            }
            // bench migrate keeps the file's `modified`, which it compares on the next migrate, and
            // the md5 of the file as `migration_hash`.
            if let modified = doctype.raw["modified"]?.string.flatMap(NaiveDateTime.init) {
                try writer.setValue("DocType", doctype.meta.name, "modified", .datetime(modified), updateModified: false)
            }
            if try writer.meta("DocType").columnNames.contains("migration_hash") {
                try writer.setValue("DocType", doctype.meta.name, "migration_hash", .string(doctype.migrationHash), updateModified: false)
            }
            writer.noteMetaChanged(doctype.meta.name)
        }
    }

    private static func scalars(_ row: [String: JSONValue]) -> [String: FrappeValue] {
        var values: [String: FrappeValue] = [:]
        for (key, value) in row {
            switch value {
            case .string, .number, .bool: values[key] = .string(value.string ?? "")
            default: continue
            }
        }
        return values
    }
}

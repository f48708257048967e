import Foundation
import MariaDB

extension DocumentWriter {
    /// Password fields: the secret goes to `__Auth` (Fernet), the column keeps `*` × length.
    func storePasswords(_ doc: inout Document, meta: DocTypeMeta) throws {
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

}

import Foundation
import Algorithms
import MariaDB

/// A read-only view of one site's documents (``Site/read(_:)``), and the reading half of the
/// store every ``DocumentWriter`` also has. Used on a pool thread only.
///
/// Table and column names come only from DocType meta; every value is a bound parameter.
public class DocumentReader {
    let conn: Connection
    let metas: MetaRegistry
    public let clock: SiteClock
    let keyring: Keyring
    var fernet: Fernet? { keyring.current }

    init(conn: Connection, metas: MetaRegistry, clock: SiteClock, keyring: Keyring) {
        self.conn = conn
        self.metas = metas
        self.clock = clock
        self.keyring = keyring
    }

    public func meta(_ doctype: String) throws -> DocTypeMeta { try metas.meta(doctype, using: conn) }

    public func now() -> NaiveDateTime { clock.now() }

    /// The site's time zone identifier.
    public var clockZone: String { clock.timeZone.identifier }

    /// The stored document with its child rows (children ordered by `idx`), or nil.
    public func get(_ doctype: String, _ name: String, forUpdate: Bool = false) throws -> Document? {
        // The collation ignores case, as Frappe's does: `ACME/Widgets` finds `acme/widgets`.
        let found = try getMany(doctype, names: [name], forUpdate: forUpdate)
        return found[name] ?? found.values.first { $0.name?.lowercased() == name.lowercased() }
    }

    /// Stored documents by name (missing names are absent from the result).
    public func getMany(_ doctype: String, names: [String], forUpdate: Bool = false) throws -> [String: Document] {
        let meta = try self.meta(doctype)
        if meta.isSingle { return names.contains(doctype) ? [doctype: try getSingle(doctype)] : [:] }
        guard !names.isEmpty else { return [:] }
        var result: [String: Document] = [:]
        for chunk in names.chunks(ofCount: 1000) {
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
            for chunk in parents.chunks(ofCount: 1000) where !chunk.isEmpty {
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

    func document(from row: Row, doctype: String) -> Document {
        var values: [String: FrappeValue] = [:]
        for (i, column) in row.columns.names.enumerated() where column != "name" { values[column] = FrappeValue(row[i]) }
        return Document(doctype, name: row["name"].string, values)
    }
}

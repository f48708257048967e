import Foundation
import MariaDB
import Synchronization

/// Reads DocType meta the way `frappe.get_meta` builds it: `tabDocType`, `tabDocField`,
/// `tabCustom Field` placed by `insert_after`, then `tabProperty Setter` overrides.
public enum MetaLoader {
    static let fieldColumns = "fieldname, fieldtype, label, options, reqd, `unique`, search_index, `default`, length, `precision`, is_virtual, read_only, hidden, in_list_view, description, idx"

    public static func load(_ doctype: String, from conn: Connection) throws -> DocTypeMeta {
        let rows = try conn.query("""
            SELECT name, module, autoname, istable, issingle, is_tree, is_virtual, is_submittable, track_changes, track_seen, engine, title_field
            FROM `tabDocType` WHERE name = ?
            """, [.string(doctype)])
        guard let row = rows.first, let name = row["name"].string else {
            throw FrappeError.notFound("DocType \(doctype) not found")
        }
        var meta = DocTypeMeta(name: name)
        meta.module = row["module"].string
        meta.autoname = row["autoname"].string
        meta.isTable = row["istable"].int == 1
        meta.isSingle = row["issingle"].int == 1
        meta.isTree = row["is_tree"].int == 1
        meta.isVirtual = row["is_virtual"].int == 1
        meta.isSubmittable = row["is_submittable"].int == 1
        meta.trackChanges = row["track_changes"].int == 1
        meta.trackSeen = row["track_seen"].int == 1
        meta.engine = row["engine"].string ?? "InnoDB"
        meta.titleField = row["title_field"].string
        meta.fields = try conn.query(
            "SELECT \(fieldColumns) FROM `tabDocField` WHERE parent = ? AND parenttype = 'DocType' ORDER BY idx",
            [.string(name)]
        ).compactMap { field(from: $0) }

        let custom = try conn.query(
            "SELECT \(fieldColumns), insert_after FROM `tabCustom Field` WHERE dt = ? ORDER BY idx",
            [.string(name)]
        ).compactMap { row -> DocField? in
            var f = field(from: row)
            f?.isCustom = true
            f?.insertAfter = row["insert_after"].string
            return f
        }
        meta.fields = place(custom: custom, into: meta.fields)
        try applyPropertySetters(to: &meta, from: conn)
        return meta
    }

    static func field(from row: Row) -> DocField? {
        guard let fieldname = row["fieldname"].string, !fieldname.isEmpty, let fieldtype = row["fieldtype"].string else { return nil }
        var f = DocField(fieldname: fieldname, fieldtype: fieldtype, label: row["label"].string, options: row["options"].string)
        f.reqd = row["reqd"].int == 1
        f.unique = row["unique"].int == 1
        f.searchIndex = row["search_index"].int == 1
        f.defaultValue = row["default"].string
        f.length = row["length"].int ?? 0
        f.precision = row["precision"].string
        f.isVirtual = row["is_virtual"].int == 1
        f.readOnly = row["read_only"].int == 1
        f.hidden = row["hidden"].int == 1
        f.inListView = row["in_list_view"].int == 1
        f.description = row["description"].string
        f.idx = row["idx"].int ?? 0
        return f
    }

    /// Custom fields go right after their `insert_after` field, else at the end (`Meta.sort_fields`).
    static func place(custom: [DocField], into fields: [DocField]) -> [DocField] {
        var result = fields
        var pending = custom
        var progressed = true
        while !pending.isEmpty && progressed {
            progressed = false
            pending.removeAll { field in
                guard let after = field.insertAfter, let i = result.firstIndex(where: { $0.fieldname == after }) else { return false }
                result.insert(field, at: i + 1)
                progressed = true
                return true
            }
        }
        return result + pending
    }

    static func applyPropertySetters(to meta: inout DocTypeMeta, from conn: Connection) throws {
        let rows: [Row]
        do {
            rows = try conn.query(
                "SELECT field_name, property, value, doctype_or_field FROM `tabProperty Setter` WHERE doc_type = ? ORDER BY creation",
                [.string(meta.name)])
        } catch let error as MariaDBError where error.isMissingTable {
            return
        }
        for row in rows {
            guard let property = row["property"].string else { continue }
            let value = row["value"].string
            if row["doctype_or_field"].string == "DocType" {
                switch property {
                case "autoname": meta.autoname = value
                case "track_changes": meta.trackChanges = value == "1"
                case "track_seen": meta.trackSeen = value == "1"
                case "title_field": meta.titleField = value
                default: break
                }
                continue
            }
            guard let fieldname = row["field_name"].string, let i = meta.fields.firstIndex(where: { $0.fieldname == fieldname }) else { continue }
            let flag = value == "1"
            switch property {
            case "reqd": meta.fields[i].reqd = flag
            case "unique": meta.fields[i].unique = flag
            case "search_index": meta.fields[i].searchIndex = flag
            case "options": meta.fields[i].options = value
            case "default": meta.fields[i].defaultValue = value
            case "length": meta.fields[i].length = Int(value ?? "") ?? 0
            case "precision": meta.fields[i].precision = value
            case "read_only": meta.fields[i].readOnly = flag
            case "hidden": meta.fields[i].hidden = flag
            case "label": meta.fields[i].label = value
            case "fieldtype": if let value { meta.fields[i].fieldtype = value }
            default: break
            }
        }
    }
}

/// A site's meta, loaded once per DocType and kept until refreshed.
public final class MetaRegistry: Sendable {
    private struct State {
        var metas: [String: DocTypeMeta] = [:]
        /// Bumped by every invalidation: a load that began before one read what may be stale
        /// and is used for its own request but not kept.
        var generation = 0
    }

    private let cache = Mutex(State())

    public init() {}

    /// Cached meta, loading it through `conn` on a miss.
    public func meta(_ doctype: String, using conn: Connection) throws -> DocTypeMeta {
        let (hit, generation) = cache.withLock { ($0.metas[doctype], $0.generation) }
        if let hit { return hit }
        let meta = try MetaLoader.load(doctype, from: conn)
        cache.withLock { if $0.generation == generation { $0.metas[doctype] = meta } }
        return meta
    }

    /// Forget one DocType (after a Custom Field or Property Setter change) or all of them.
    public func invalidate(_ doctype: String? = nil) {
        cache.withLock {
            $0.generation += 1
            if let doctype { $0.metas[doctype] = nil } else { $0.metas.removeAll() }
        }
    }
}

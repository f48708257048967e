import Crypto
import Foundation

/// A DocType definition file as Frappe apps ship them (`<module>/doctype/<name>/<name>.json`).
public struct DocTypeJSON: Sendable {
    public let meta: DocTypeMeta
    /// The file's own values, for writing `tabDocType`/`tabDocField`/`tabDocPerm` rows as `bench migrate` does.
    public let raw: [String: JSONValue]
    public let fieldRows: [[String: JSONValue]]
    public let permissionRows: [[String: JSONValue]]
    /// md5 of the file's bytes: what `bench migrate` stores as `tabDocType.migration_hash` to skip an unchanged file.
    public let migrationHash: String

    public init(data: Data) throws {
        migrationHash = Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined()
        guard case .object(let object) = try JSONValue.decode(data), object["doctype"]?.string == "DocType",
              let name = object["name"]?.string else {
            throw FrappeError.validation("not a DocType JSON file")
        }
        raw = object
        var meta = DocTypeMeta(name: name)
        meta.module = object["module"]?.string
        meta.autoname = object["autoname"]?.string
        meta.isTable = object["istable"]?.bool ?? false
        meta.isSingle = object["issingle"]?.bool ?? false
        meta.isTree = object["is_tree"]?.bool ?? false
        meta.isVirtual = object["is_virtual"]?.bool ?? false
        meta.isSubmittable = object["is_submittable"]?.bool ?? false
        meta.trackChanges = object["track_changes"]?.bool ?? false
        meta.trackSeen = object["track_seen"]?.bool ?? false
        meta.engine = object["engine"]?.string ?? "InnoDB"
        meta.titleField = object["title_field"]?.string
        fieldRows = (object["fields"]?.array ?? []).compactMap { if case .object(let o) = $0 { return o } else { return nil } }
        permissionRows = (object["permissions"]?.array ?? []).compactMap { if case .object(let o) = $0 { return o } else { return nil } }
        meta.fields = try fieldRows.enumerated().map { i, o in
            guard let fieldname = o["fieldname"]?.string, let fieldtype = o["fieldtype"]?.string else {
                throw FrappeError.validation("\(name): field \(i + 1) has no fieldname or fieldtype")
            }
            var f = DocField(fieldname: fieldname, fieldtype: fieldtype, label: o["label"]?.string, options: o["options"]?.string)
            f.reqd = o["reqd"]?.bool ?? false
            f.unique = o["unique"]?.bool ?? false
            f.searchIndex = o["search_index"]?.bool ?? false
            f.defaultValue = o["default"]?.string
            f.length = o["length"]?.int ?? 0
            f.precision = o["precision"]?.string
            f.isVirtual = o["is_virtual"]?.bool ?? false
            f.readOnly = o["read_only"]?.bool ?? false
            f.hidden = o["hidden"]?.bool ?? false
            f.inListView = o["in_list_view"]?.bool ?? false
            f.description = o["description"]?.string
            f.idx = i + 1
            return f
        }
        self.meta = meta
    }

    /// Every DocType JSON under an app's folder (e.g. `frappe_bridge/erpnext_github_integration`).
    public static func loadAll(under folder: URL) throws -> [DocTypeJSON] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var result: [DocTypeJSON] = []
        for case let url as URL in walker where url.pathExtension == "json" && url.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent == "doctype" {
            guard url.deletingPathExtension().lastPathComponent == url.deletingLastPathComponent().lastPathComponent else { continue }
            result.append(try DocTypeJSON(data: Data(contentsOf: url)))
        }
        return result.sorted { $0.meta.name < $1.meta.name }
    }
}

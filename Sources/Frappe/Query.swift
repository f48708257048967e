import MariaDB

/// A condition on one column: equality, or membership in a list.
public enum Filter: Sendable {
    case equals(FrappeValue)
    case isIn([FrappeValue])
    /// Not NULL and not empty.
    case isSet
    /// At most the value (`<=`): due times, cut-off dates.
    case atMost(FrappeValue)
    /// At least the value (`>=`): "updated since".
    case atLeast(FrappeValue)
}

/// Row locks a ``DocumentWriter/list(_:where:fields:orderBy:limit:lock:)`` takes until commit.
public enum RowLock: Sendable {
    /// `FOR UPDATE`: wait for rows other transactions hold.
    case forUpdate
    /// `FOR UPDATE SKIP LOCKED`: take only rows nobody holds, so several workers (in one process
    /// or many) can claim queued rows without waiting on, or double-taking, each other's.
    case forUpdateSkipLocked
    /// `LOCK IN SHARE MODE`: readers of a row run side by side, and a writer of that row (a
    /// rename, say) waits for all of them, as they wait for it. A locking read also sees the
    /// latest committed version, not the transaction's snapshot.
    case share
}

/// `?,?,…,?`: `count` placeholders for a prepared statement's value list.
func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }

extension DocumentReader {
    /// `frappe.get_all(doctype, filters, fields)`: equality / IN filters on columns the DocType
    /// has. Column names are checked against meta; values are bound. Each result holds only the
    /// fields asked for (`name` as the document's name).
    public func list(_ doctype: String, where filters: [String: Filter] = [:], fields: [String] = ["name"],
                     orderBy: String? = nil, descending: Bool = false, limit: Int? = nil, lock: RowLock? = nil) throws -> [Document] {
        let meta = try self.meta(doctype)
        let (clause, binds) = try whereClause(filters, meta: meta)
        for f in fields { try requireColumn(f, meta) }
        if let orderBy { try requireColumn(orderBy, meta) }
        let select = fields.map { "`\($0)`" }.joined(separator: ", ")
        let order = orderBy.map { " ORDER BY `\($0)`\(descending ? " DESC" : "")" } ?? ""
        let cap = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let locking: String
        switch lock {
        case .none: locking = ""
        case .forUpdate?: locking = " FOR UPDATE"
        case .forUpdateSkipLocked?: locking = " FOR UPDATE SKIP LOCKED"
        case .share?: locking = " LOCK IN SHARE MODE"
        }
        return try conn.query("SELECT \(select) FROM `\(meta.tableName)`\(clause)\(order)\(cap)\(locking)", binds)
            .map { document(from: $0, doctype: doctype) }
    }

    /// `frappe.db.count(doctype, filters)`.
    public func count(_ doctype: String, where filters: [String: Filter] = [:]) throws -> Int {
        let meta = try self.meta(doctype)
        let (clause, binds) = try whereClause(filters, meta: meta)
        return try conn.query("SELECT COUNT(*) AS n FROM `\(meta.tableName)`\(clause)", binds).first?["n"].int ?? 0
    }

    /// Counts grouped by one column (e.g. issues by `state`).
    public func countBy(_ doctype: String, _ column: String, where filters: [String: Filter] = [:]) throws -> [String: Int] {
        let meta = try self.meta(doctype)
        try requireColumn(column, meta)
        let (clause, binds) = try whereClause(filters, meta: meta)
        var out: [String: Int] = [:]
        for row in try conn.query("SELECT `\(column)` AS k, COUNT(*) AS n FROM `\(meta.tableName)`\(clause) GROUP BY `\(column)`", binds) {
            out[row["k"].text ?? ""] = row["n"].int ?? 0
        }
        return out
    }

    func whereClause(_ filters: [String: Filter], meta: DocTypeMeta) throws -> (String, [MariaDBValue]) {
        guard !filters.isEmpty else { return ("", []) }
        var parts: [String] = []
        var binds: [MariaDBValue] = []
        for (column, filter) in filters.sorted(by: { $0.key < $1.key }) {
            try requireColumn(column, meta)
            switch filter {
            case .equals(let v):
                parts.append("`\(column)` = ?")
                binds.append(v.mariaDB)
            case .atMost(let v):
                parts.append("`\(column)` <= ?")
                binds.append(v.mariaDB)
            case .atLeast(let v):
                parts.append("`\(column)` >= ?")
                binds.append(v.mariaDB)
            case .isSet:
                parts.append("(`\(column)` IS NOT NULL AND `\(column)` <> '')")
            case .isIn(let values):
                if values.isEmpty { parts.append("1 = 0"); continue }
                parts.append("`\(column)` IN (\(placeholders(values.count)))")
                binds += values.map(\.mariaDB)
            }
        }
        return (" WHERE " + parts.joined(separator: " AND "), binds)
    }

    private func requireColumn(_ column: String, _ meta: DocTypeMeta) throws {
        guard meta.columnNames.contains(column) else { throw FrappeError.validation("\(meta.name) has no field \(column)") }
    }
}

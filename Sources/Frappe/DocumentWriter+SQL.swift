import Foundation
import Algorithms
import MariaDB

/// The SQL the store writes: multi-row upserts of full rows.
extension DocumentWriter {
    /// Multi-row `INSERT … ON DUPLICATE KEY UPDATE` of full rows (every meta column).
    func writeRows(_ docs: [Document], meta: DocTypeMeta, insertOnly: Bool = false) throws {
        guard !docs.isEmpty else { return }
        let columns = meta.columnNames
        let quoted = columns.map { "`\($0)`" }.joined(separator: ", ")
        let updates = columns.filter { $0 != "name" }.map { "`\($0)` = VALUES(`\($0)`)" }.joined(separator: ", ")
        let tuple = "(" + placeholders(columns.count) + ")"
        let perStatement = max(1, min(500, 60_000 / columns.count))
        // `get_valid_dict`: an empty Check/Int becomes 0 and an empty Float-like 0.0 before writing.
        let zeroWhenEmpty: [Bool] = columns.map { column in
            guard let type = meta.field(column)?.fieldtype else { return column == "docstatus" || column == "idx" }
            return TypeMap.integerTypes.contains(type) || ["Currency", "Float", "Percent"].contains(type)
        }
        for chunk in docs.chunks(ofCount: perStatement) {
            var binds: [MariaDBValue] = []
            binds.reserveCapacity(chunk.count * columns.count)
            for doc in chunk {
                for (i, column) in columns.enumerated() {
                    if column == "name" { binds.append(.optional(doc.name)); continue }
                    let value = doc[column]
                    binds.append(value.isNull && zeroWhenEmpty[i] ? .int(0) : value.mariaDB)
                }
            }
            let sql = "INSERT INTO `\(meta.tableName)` (\(quoted)) VALUES \(Array(repeating: tuple, count: chunk.count).joined(separator: ",")) \(insertOnly ? "" : " ON DUPLICATE KEY UPDATE \(updates)")"
            do {
                try conn.execute(sql, binds)
            } catch let error as MariaDBError {
                // A deadlock or lock wait goes up unchanged: `Site.write` retries the whole transaction.
                if error.isRetryableTransaction || error.isConnectionLost { throw error }
                throw FrappeError(mariaDB: error, doctype: meta.name)
            }
        }
    }
}

extension FrappeError {
    /// The Frappe exception a database error stands for; internals stay out of the message.
    public init(mariaDB error: MariaDBError, doctype: String? = nil) {
        let subject = doctype.map { "\($0): " } ?? ""
        switch error.code {
        case 1062, 1586: self = .duplicate("\(subject)a document with this name or unique value already exists")
        case 1406: self = FrappeError(.characterLengthExceededError, "\(subject)a value is longer than its field allows")
        case 1048: self = .mandatory("\(subject)a mandatory value is missing")
        case 1366, 1292, 1264: self = .validation("\(subject)a value does not fit its field's type")
        case _ where error.isConnectionLost || [1040, 1053, 2000, 2005, 4151].contains(error.code):
            // The server is restarting, unreachable or full: nothing of the transaction committed,
            // and the same call succeeds once it is back (GitHub and the desk retry on 503).
            self = .databaseUnavailable
        default: self = .internalError("Database error \(error.code)")
        }
    }
}

extension FrappeError {
    /// How long a client is asked to wait when the database is away (`Retry-After`).
    public static let databaseRetryAfterSeconds = 5

    /// 503 with `retry_after`: the site's database cannot be reached right now.
    public static var databaseUnavailable: FrappeError {
        FrappeError(.serviceUnavailable, "The site's database is not reachable right now; nothing was changed. Try again in a few seconds.",
                    title: "Service Unavailable", extras: ["retry_after": String(databaseRetryAfterSeconds)])
    }
}

/// One row of a result set; columns are looked up by name (case-sensitive, as selected).
public struct Row: Sendable {
    public let columns: ColumnNames
    public let values: [MariaDBValue]

    public subscript(_ name: String) -> MariaDBValue {
        guard let i = columns.index[name] else { return .null }
        return values[i]
    }

    public subscript(_ index: Int) -> MariaDBValue { values[index] }
}

/// Column names of a result set, shared by all its rows.
public final class ColumnNames: Sendable {
    public let names: [String]
    let index: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        self.index = index
    }
}

/// What a statement that returns no rows did.
public struct ExecResult: Sendable {
    public let affectedRows: UInt64
    public let lastInsertID: UInt64
}

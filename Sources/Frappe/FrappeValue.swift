import Foundation
import MariaDB

/// A document's value as Frappe's Python hands it to a controller: text, a whole number, a
/// float, an exact decimal, a date, a datetime, a time, or nothing.
///
/// It is Frappe's own type, not the database driver's: the store converts to and from
/// ``MariaDBValue`` at the SQL boundary, so nothing outside `Sources/Frappe` sees MariaDB.
/// Decimals travel as exact text (never through `Double`), as `frappe.utils.flt` does not.
public enum FrappeValue: Hashable, Sendable {
    case null
    case int(Int64)
    case double(Double)
    /// An exact decimal in its canonical text form, e.g. `"12.500000000"`.
    case decimal(String)
    case string(String)
    case date(NaiveDate)
    case datetime(NaiveDateTime)
    case time(NaiveTime)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    // Read as the database reads them: one set of rules for both types.

    /// The value as text, the way Frappe would see it in a `tabSingles` row or a log; nil for NULL.
    public var text: String? { mariaDB.text }

    /// Integer view of integer, decimal and numeric-text values (`cint` without the default).
    public var int: Int? { mariaDB.int }

    public var double: Double? { mariaDB.double }

    public var string: String? { text }

    public var datetime: NaiveDateTime? { if case .datetime(let v) = self { return v } else { return nil } }

    /// JSON as Frappe's `json_handler` renders values: numbers stay numbers, decimals become
    /// floats, dates and times become their `str()`.
    public var json: JSONValue {
        switch self {
        case .null: return .null
        case .int(let v): return .number(Double(v))
        case .double(let v): return .number(v)
        case .decimal(let v): return Double(v).map(JSONValue.number) ?? .string(v)
        default: return text.map(JSONValue.string) ?? .null
        }
    }

    public static func int(_ v: Int) -> FrappeValue { .int(Int64(v)) }
    /// `.string` for a non-nil value, `.null` otherwise.
    public static func optional(_ v: String?) -> FrappeValue { v.map { .string($0) } ?? .null }
}

extension FrappeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: the SQL boundary (internal: only the store crosses it)

extension FrappeValue {
    /// What a column handed back, as Frappe's Python would see it (blobs are text in Frappe).
    init(_ value: MariaDBValue) {
        switch value {
        case .null: self = .null
        case .int(let v): self = .int(v)
        case .uint(let v): self = Int64(exactly: v).map(FrappeValue.int) ?? .decimal(String(v))
        case .double(let v): self = .double(v)
        case .decimal(let v): self = .decimal(v)
        case .string(let v): self = .string(v)
        case .bytes(let v): self = .string(String(decoding: v, as: UTF8.self))
        case .date(let v): self = .date(v)
        case .datetime(let v): self = .datetime(v)
        case .time(let v): self = .time(v)
        }
    }

    /// The value bound to a prepared statement.
    var mariaDB: MariaDBValue {
        switch self {
        case .null: return .null
        case .int(let v): return .int(v)
        case .double(let v): return .double(v)
        case .decimal(let v): return .decimal(v)
        case .string(let v): return .string(v)
        case .date(let v): return .date(v)
        case .datetime(let v): return .datetime(v)
        case .time(let v): return .time(v)
        }
    }
}

extension Row {
    /// A column's value as Frappe's type (NULL when the row has no such column).
    func value(_ column: String) -> FrappeValue { FrappeValue(self[column]) }
}

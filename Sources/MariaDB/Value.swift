import Foundation

@_exported import CoreValues


/// A value bound to or read from a prepared statement.
///
/// Decimals travel as exact strings (never through `Double`), so `decimal(21,9)` values
/// round-trip digit for digit.
public enum MariaDBValue: Hashable, Sendable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    /// An exact decimal in its canonical text form, e.g. `"12.500000000"`.
    case decimal(String)
    case string(String)
    case bytes([UInt8])
    case date(NaiveDate)
    case datetime(NaiveDateTime)
    case time(NaiveTime)

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as text, the way Frappe would see it in a `tabSingles` row or a log; nil for NULL.
    public var text: String? {
        switch self {
        case .null: return nil
        case .int(let v): return String(v)
        case .uint(let v): return String(v)
        case .double(let v): return String(v)
        case .decimal(let v): return v
        case .string(let v): return v
        case .bytes(let v): return String(decoding: v, as: UTF8.self)
        case .date(let v): return v.description
        case .datetime(let v): return v.description
        case .time(let v): return v.description
        }
    }

    /// Integer view of integer, decimal and numeric-text values.
    public var int: Int? {
        switch self {
        case .int(let v): return Int(exactly: v)
        case .uint(let v): return Int(exactly: v)
        case .double(let v): return Int(exactly: v.rounded(.towardZero))
        case .decimal(let v), .string(let v):
            if let i = Int(v) { return i }
            return Double(v).flatMap { Int(exactly: $0.rounded(.towardZero)) }
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .uint(let v): return Double(v)
        case .double(let v): return v
        case .decimal(let v), .string(let v): return Double(v)
        default: return nil
        }
    }

    public var string: String? {
        switch self {
        case .string(let v): return v
        case .bytes(let v): return String(decoding: v, as: UTF8.self)
        default: return text
        }
    }
}

extension MariaDBValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension MariaDBValue {
    public static func int(_ v: Int) -> MariaDBValue { .int(Int64(v)) }
    /// `.string` for a non-nil value, `.null` otherwise.
    public static func optional(_ v: String?) -> MariaDBValue { v.map { .string($0) } ?? .null }
}

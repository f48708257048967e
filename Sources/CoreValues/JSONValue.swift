import Foundation

/// Any JSON value: what RPC methods answer with (Frappe's side) and the parts of GitHub payloads
/// whose shape varies by action (`changes` in webhooks, `permissions` maps, GraphQL errors).
///
/// Two families of accessors, because the two sides read JSON differently:
/// - `string`, `int`, `bool` read loosely, as Frappe does with form values (`1`, `"1"`, `true`);
/// - `stringValue`, `intValue`, `boolValue` read strictly, as GitHub's typed payloads need
///   (a number is not a string). Both return nil rather than throw: GitHub documents many parts
///   as "may be empty" (e.g. `issues/edited` arrives with `changes: {}`).
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers print without ".0", as Python's json does for ints.
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? { object?[key] }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    public var isNull: Bool { self == .null }
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

    // MARK: loose (Frappe's form values)

    public var string: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .bool(let b): return b ? "1" : "0"
        default: return nil
        }
    }

    public var int: Int? {
        switch self {
        case .number(let n): return Int(exactly: n.rounded(.towardZero))
        case .string(let s): return Int(s)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .string(let s): return s == "1" || s.lowercased() == "true"
        default: return nil
        }
    }

    /// Foundation objects for `JSONSerialization`.
    public var any: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? Int(n) as Any : n as Any
        case .string(let s): return s
        case .array(let a): return a.map(\.any)
        case .object(let o): return o.mapValues(\.any)
        }
    }

    // MARK: strict (GitHub's payloads)

    public var stringValue: String? { if case .string(let value) = self { return value } else { return nil } }

    public var intValue: Int64? { if case .number(let value) = self { return Int64(exactly: value.rounded()) } else { return nil } }

    public var boolValue: Bool? { if case .bool(let value) = self { return value } else { return nil } }
}

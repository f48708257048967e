import Foundation

/// A Frappe document: its values by fieldname (standard columns included once stored) and its
/// child rows by table fieldname.
public struct Document: Sendable, Equatable {
    public var doctype: String
    public var name: String?
    public var values: [String: FrappeValue]
    public var children: [String: [Document]]

    public init(_ doctype: String, name: String? = nil, _ values: [String: FrappeValue] = [:], children: [String: [Document]] = [:]) {
        self.doctype = doctype
        self.name = name
        self.values = values
        self.children = children
    }

    /// A value by fieldname; `name` reads the document's name (as `doc.get("name")` does).
    public subscript(_ field: String) -> FrappeValue {
        get { field == "name" && values["name"] == nil ? .optional(name) : values[field] ?? .null }
        set { values[field] = newValue }
    }

    /// `doc.as_dict()` as Frappe serialises it (`doctype`, `name`, every column, child lists),
    /// with datetimes printed as Frappe prints them.
    public func asDict(meta: DocTypeMeta? = nil) -> [String: JSONValue] {
        var out: [String: JSONValue] = ["doctype": .string(doctype)]
        out["name"] = name.map(JSONValue.string) ?? .null
        for (key, value) in values where key != "name" { out[key] = value.json }
        for (field, rows) in children { out[field] = .array(rows.map { .object($0.asDict()) }) }
        return out
    }
}

/// Converts incoming values to what a column of the field's type holds, as Frappe's
/// `BaseDocument` casting does (`cint` for Check/Int, exact decimals, parsed dates).
public enum FieldValue {
    public static func coerce(_ value: FrappeValue, for field: DocField) throws -> FrappeValue {
        if case .null = value { return .null }
        switch field.fieldtype {
        case "Check":
            switch value {
            case .string(let s): return .int(["1", "true", "yes", "on"].contains(s.lowercased()) ? 1 : Int64(Schema.cint(s) != 0 ? 1 : 0))
            default: return .int((value.int ?? 0) != 0 ? 1 : 0)
            }
        case "Int", "Long Int":
            if case .string(let s) = value {
                let t = s.trimmingCharacters(in: .whitespaces)
                if t.isEmpty { return .int(0) }
                guard let i = Int64(t) ?? Double(t).flatMap({ Int64(exactly: $0.rounded(.towardZero)) }) else {
                    throw FrappeError(.frappeTypeError, "\(field.displayLabel) must be a whole number, not \"\(s)\"")
                }
                return .int(i)
            }
            guard let i = value.int else { throw FrappeError(.frappeTypeError, "\(field.displayLabel) must be a whole number") }
            return .int(i)
        case let t where TypeMap.numericTypes.contains(t):
            switch value {
            case .decimal: return value
            case .string(let s) where s.trimmingCharacters(in: .whitespaces).isEmpty: return .decimal("0")
            default:
                guard let d = value.double, d.isFinite else {
                    throw FrappeError(.frappeTypeError, "\(field.displayLabel) must be a number")
                }
                return .decimal(value.text ?? String(d))
            }
        case "Date":
            switch value {
            case .date: return value
            case .datetime(let dt): return .date(dt.date)
            case .string(let s):
                if s.isEmpty { return .null }
                if let d = NaiveDate(String(s.prefix(10))) { return .date(d) }
                throw FrappeError.validation("\(field.displayLabel): \"\(s)\" is not a date (YYYY-MM-DD)")
            default: throw FrappeError.validation("\(field.displayLabel) must be a date")
            }
        case "Datetime":
            switch value {
            case .datetime: return value
            case .date(let d): return .datetime(NaiveDateTime(year: d.year, month: d.month, day: d.day))
            case .string(let s):
                if s.isEmpty { return .null }
                if let d = NaiveDateTime(s) { return .datetime(d) }
                throw FrappeError.validation("\(field.displayLabel): \"\(s)\" is not a datetime (YYYY-MM-DD HH:MM:SS)")
            default: throw FrappeError.validation("\(field.displayLabel) must be a datetime")
            }
        case "Time":
            switch value {
            case .time: return value
            case .string(let s):
                if s.isEmpty { return .null }
                if let t = NaiveTime(s) { return .time(t) }
                throw FrappeError.validation("\(field.displayLabel): \"\(s)\" is not a time (HH:MM:SS)")
            default: throw FrappeError.validation("\(field.displayLabel) must be a time")
            }
        default:
            switch value {
            case .string: return value
            default: return .string(value.text ?? "")
            }
        }
    }

    /// Whether two stored values mean the same thing (so a re-sync writes nothing): decimals
    /// compare by value, text by its characters.
    public static func same(_ a: FrappeValue, _ b: FrappeValue, fieldtype: String) -> Bool {
        if a == b { return true }
        switch (a, b) {
        case (.null, .null): return true
        case (.null, .string(let s)), (.string(let s), .null): return s.isEmpty && !TypeMap.integerTypes.contains(fieldtype)
        default: break
        }
        if TypeMap.numericTypes.contains(fieldtype) || TypeMap.integerTypes.contains(fieldtype) {
            return (a.double ?? 0) == (b.double ?? 0)
        }
        return a.text == b.text
    }
}

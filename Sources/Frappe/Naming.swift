import Foundation
import MariaDB

/// Document names as `frappe/model/naming.py` makes them.
public enum Naming {
    static let base32hex = Array("0123456789abcdefghijklmnopqrstuv")

    /// 10 random lowercase base32hex characters (`make_autoname("hash")`, Frappe v15.47+).
    public static func hash() -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in base32hex[Int(rng.next() % 32)] })
    }

    /// The name a new document gets from its DocType's `autoname`.
    public static func newName(for doc: Document, meta: DocTypeMeta, conn: Connection, now: NaiveDateTime) throws -> String {
        if meta.isSingle { return meta.name }
        if let given = doc.name?.trimmingCharacters(in: .whitespaces), !given.isEmpty { return try validate(given, meta: meta) }
        let autoname = (meta.autoname ?? "").trimmingCharacters(in: .whitespaces)
        let name: String
        switch autoname {
        case "", "hash":
            name = hash()
        case "Prompt", "prompt":
            throw FrappeError.mandatory("Error: Value missing for \(meta.name): Name")
        case "autoincrement":
            throw FrappeError.validation("\(meta.name) uses autoincrement naming, which the sidecar does not write")
        case let a where a.hasPrefix("field:"):
            let fieldname = String(a.dropFirst(6)).trimmingCharacters(in: .whitespaces)
            let value = (doc[fieldname].text ?? "").trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else {
                throw FrappeError.mandatory("\(meta.field(fieldname)?.displayLabel ?? fieldname) is required")
            }
            name = value
        case let a where a.hasPrefix("format:"):
            name = try format(String(a.dropFirst(7)), doc: doc, conn: conn, now: now)
        case let a where a.hasPrefix("naming_series:"):
            var series = doc["naming_series"].text ?? meta.field("naming_series")?.selectOptions.first ?? ""
            guard !series.isEmpty else { throw FrappeError.mandatory("Naming Series mandatory") }
            if !series.contains("#") { series += ".#####" }
            name = try expression(series, doc: doc, conn: conn, now: now)
        case let a where a.contains("#"):
            name = try expression(a, doc: doc, conn: conn, now: now)
        default:
            name = hash()
        }
        return try validate(name, meta: meta)
    }

    /// `format:` patterns: only braced tokens are replaced; `{###}` is a counter whose
    /// `tabSeries` key is the text already built before it (Frappe ≥ 15.55).
    static func format(_ pattern: String, doc: Document, conn: Connection, now: NaiveDateTime) throws -> String {
        var out = ""
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { out += rest[open...]; rest = ""; break }
            let token = String(rest[rest.index(after: open)..<close])
            if !token.isEmpty, token.allSatisfy({ $0 == "#" }) {
                out += try nextInSeries(key: out, digits: token.count, conn: conn)
            } else {
                out += dateToken(token, now: now) ?? (doc[token].text ?? "")
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Old-style expressions such as `TASK-.YYYY.-.#####` (`make_autoname`).
    static func expression(_ pattern: String, doc: Document, conn: Connection, now: NaiveDateTime) throws -> String {
        var out = ""
        for part in pattern.split(separator: ".", omittingEmptySubsequences: true).map(String.init) {
            if part.hasPrefix("#") {
                out += try nextInSeries(key: out, digits: part.count, conn: conn)
            } else if let d = dateToken(part, now: now) {
                out += d
            } else if part.hasPrefix("{"), part.hasSuffix("}") {
                out += doc[String(part.dropFirst().dropLast())].text ?? ""
            } else if let value = doc.values[part], !value.isNull {
                out += value.text ?? ""
            } else {
                out += part
            }
        }
        return out
    }

    static func dateToken(_ token: String, now: NaiveDateTime) -> String? {
        switch token {
        case "YY": return String(format: "%02d", now.year % 100)
        case "YYYY": return String(format: "%04d", now.year)
        case "MM": return String(format: "%02d", now.month)
        case "DD": return String(format: "%02d", now.day)
        default: return nil
        }
    }

    /// `getseries`: the row is locked by the upsert until the caller's transaction ends, so
    /// concurrent inserters take consecutive numbers with no gap and no duplicate.
    public static func nextInSeries(key: String, digits: Int, conn: Connection) throws -> String {
        try conn.execute("INSERT INTO `tabSeries` (name, current) VALUES (?, 1) ON DUPLICATE KEY UPDATE current = current + 1", [.string(key)])
        guard let current = try conn.query("SELECT current FROM `tabSeries` WHERE name = ?", [.string(key)]).first?["current"].int else {
            throw FrappeError.internalError("Series \(key) could not be read")
        }
        let number = String(current)
        return String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// `validate_name`: trimmed, no `<`/`>`, not the DocType's own name, fits the column.
    static func validate(_ raw: String, meta: DocTypeMeta) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw FrappeError(.nameError, "Name is required") }
        if name.unicodeScalars.contains(where: { $0.value == 0 }) { throw FrappeError(.nameError, "Name cannot contain a NUL character") }
        if name.contains("<") || name.contains(">") {
            throw FrappeError(.nameError, "Name cannot contain special characters like < or >")
        }
        if name == meta.name, !meta.isSingle { throw FrappeError(.nameError, "Name of \(meta.name) cannot be \(name)") }
        if name.count > 140 { throw FrappeError(.invalidNameError, "Name is too long (\(name.count) characters, at most 140)") }
        return name
    }
}

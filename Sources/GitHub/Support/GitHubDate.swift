import Foundation

/// A timestamp as GitHub sends it, in any of the shapes it actually uses.
///
/// GitHub is not consistent: REST uses ISO-8601 with `Z`, `GET /app/installations/{id}` uses an offset
/// (`2017-07-08T16:18:44-04:00`), `installation/unsuspend` webhooks add milliseconds
/// (`2021-04-28T22:32:21.000-04:00`), and `push` webhooks send `repository.created_at`/`pushed_at` as
/// integer Unix epochs while `updated_at` in the same object is a string. Decoding every timestamp
/// through this type means none of those shapes can fail a sync.
///
/// Encodes as ISO-8601 UTC with `Z` and whole seconds (what REST sends).
public struct GitHubDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var date: Date

    public init(_ date: Date) { self.date = date }

    /// Parses every textual shape listed above; returns nil for anything else.
    public init?(iso8601 string: String) {
        guard let date = ISO8601Parser.parse(string) else { return nil }
        self.date = date
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Int64.self) {
            self.date = Date(timeIntervalSince1970: TimeInterval(seconds))
        } else if let seconds = try? container.decode(Double.self) {
            self.date = Date(timeIntervalSince1970: seconds)
        } else {
            let text = try container.decode(String.self)
            if let parsed = ISO8601Parser.parse(text) {
                self.date = parsed
            } else if let seconds = Int64(text) {
                self.date = Date(timeIntervalSince1970: TimeInterval(seconds))
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "Unrecognised GitHub timestamp: \(text)")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }

    /// ISO-8601 UTC with `Z` and whole seconds, e.g. `2011-04-22T13:33:48Z`.
    public var iso8601: String { ISO8601Parser.format(date) }

    public var description: String { iso8601 }

    public static func < (lhs: GitHubDate, rhs: GitHubDate) -> Bool { lhs.date < rhs.date }
}

/// A small, allocation-light ISO-8601 parser and formatter.
///
/// Hand-written rather than `ISO8601DateFormatter` because the formatter is a class (not `Sendable`)
/// and has to be configured differently for fractional seconds; this handles all shapes in one pass.
enum ISO8601Parser {
    static func parse(_ string: String) -> Date? {
        let bytes = Array(string.utf8)
        var index = 0

        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<digits {
                let byte = bytes[index + offset]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2),
            expect(UInt8(ascii: "-")), let day = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }

        var hour = 0
        var minute = 0
        var second = 0
        var fraction = 0.0
        var offsetSeconds = 0
        if index < bytes.count {
            guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: " ")) || expect(UInt8(ascii: "t")) else { return nil }
            guard let h = number(2), expect(UInt8(ascii: ":")), let m = number(2) else { return nil }
            hour = h
            minute = m
            if expect(UInt8(ascii: ":")) {
                guard let s = number(2) else { return nil }
                second = s
            }
            if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                var scale = 0.1
                var sawDigit = false
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    fraction += Double(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                    sawDigit = true
                }
                guard sawDigit else { return nil }
            }
            if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
                offsetSeconds = 0
            } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let oh = number(2) else { return nil }
                _ = expect(UInt8(ascii: ":"))
                let om = number(2) ?? 0
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
            guard index == bytes.count, hour < 24, minute < 60, second <= 60 else { return nil }
        }

        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: TimeInterval(seconds) + fraction)
    }

    static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var rest = total % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// Howard Hinnant's days-from-civil: days since 1970-01-01 in the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

import Foundation

/// A calendar date as MariaDB's `DATE` holds it: no time zone, no time.
public struct NaiveDate: Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD`, as Frappe prints dates.
    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}

/// A naive date and time with microseconds, as MariaDB's `DATETIME(6)` holds it.
///
/// Frappe stores naive datetimes in the site's time zone; this type deliberately has no zone.
public struct NaiveDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff`, exactly as Frappe's `now()` prints.
    public var description: String {
        String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", year, month, day, hour, minute, second, microsecond)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.f…]` (also with `T`), the forms Frappe and MariaDB print.
    public init?(_ text: String) {
        let normalized = text.replacingOccurrences(of: "T", with: " ")
        let halves = normalized.split(separator: " ", maxSplits: 1)
        guard halves.count == 2, let date = NaiveDate(String(halves[0])),
              let time = NaiveTime(String(halves[1])), !time.isNegative, time.hours < 24 else { return nil }
        self.init(year: date.year, month: date.month, day: date.day,
                  hour: time.hours, minute: time.minutes, second: time.seconds, microsecond: time.microseconds)
    }

    public var date: NaiveDate { NaiveDate(year: year, month: month, day: day) }

    public static func < (a: NaiveDateTime, b: NaiveDateTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second) != (b.year, b.month, b.day, b.hour, b.minute, b.second)
            ? (a.year, a.month, a.day, a.hour, a.minute, a.second) < (b.year, b.month, b.day, b.hour, b.minute, b.second)
            : a.microsecond < b.microsecond
    }
}

/// A duration or time of day, as MariaDB's `TIME(6)` holds it (may be negative or exceed 24 h).
public struct NaiveTime: Hashable, Sendable, CustomStringConvertible {
    public var isNegative: Bool
    public var hours: Int
    public var minutes: Int
    public var seconds: Int
    public var microseconds: Int

    public init(hours: Int, minutes: Int, seconds: Int, microseconds: Int = 0, isNegative: Bool = false) {
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
        self.microseconds = microseconds
        self.isNegative = isNegative
    }

    /// `[-]HH:MM:SS.ffffff`.
    public var description: String {
        String(format: "%@%02d:%02d:%02d.%06d", isNegative ? "-" : "", hours, minutes, seconds, microseconds)
    }

    /// Parses `[-]H:MM[:SS[.f…]]`.
    public init?(_ text: String) {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), (0..<60).contains(m) else { return nil }
        var s = 0, us = 0
        if parts.count == 3 {
            let secParts = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard let sec = Int(secParts[0]), (0..<60).contains(sec) else { return nil }
            s = sec
            if secParts.count == 2 {
                let digits = secParts[1].prefix(6)
                guard !digits.isEmpty, let frac = Int(digits) else { return nil }
                us = frac * Int(pow(10.0, Double(6 - digits.count)))
            }
        }
        self.init(hours: h, minutes: m, seconds: s, microseconds: us, isNegative: negative)
    }
}

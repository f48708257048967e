import Foundation
import MariaDB

/// Time as a site sees it: Frappe stores naive datetimes in System Settings' `time_zone`
/// (falling back to `Asia/Kolkata`, as `frappe.utils.get_system_timezone` does).
public struct SiteClock: Sendable {
    public let timeZone: TimeZone
    public static let frappeFallbackZone = "Asia/Kolkata"

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public init(identifier: String?) {
        timeZone = identifier.flatMap { $0.isEmpty ? nil : TimeZone(identifier: $0) }
            ?? TimeZone(identifier: Self.frappeFallbackZone) ?? TimeZone(secondsFromGMT: 19_800)!
    }

    /// Reads `time_zone` from the System Settings rows in `tabSingles`.
    public static func load(from conn: Connection) throws -> SiteClock {
        let rows = try conn.query("SELECT value FROM `tabSingles` WHERE doctype = 'System Settings' AND field = 'time_zone'")
        return SiteClock(identifier: rows.first?["value"].string)
    }

    /// `frappe.utils.now()`: the current instant in the site zone, with microseconds.
    public func now() -> NaiveDateTime { local(Date()) }

    /// A UTC instant (e.g. GitHub's `updated_at`) as the site's naive local datetime.
    public func local(_ date: Date) -> NaiveDateTime {
        let t = date.timeIntervalSince1970
        let whole = t.rounded(.down)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: whole))
        let micro = min(999_999, max(0, Int(((t - whole) * 1_000_000).rounded(.down))))
        return NaiveDateTime(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1, hour: c.hour ?? 0,
                           minute: c.minute ?? 0, second: c.second ?? 0, microsecond: micro)
    }

    /// The UTC instant a site-local datetime stands for.
    public func instant(_ local: NaiveDateTime) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = DateComponents(year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second)
        return calendar.date(from: c).map { $0.addingTimeInterval(Double(local.microsecond) / 1_000_000) }
    }
}

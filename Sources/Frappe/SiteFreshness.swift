import Foundation
import MariaDB
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a site notices what Frappe changed (ARCHITECTURE §3.5a): at most once per `interval`, a
/// request that uses the site first compares cheap versions (config file stats, one small query)
/// with the last ones seen, and only on a difference reloads config, clock or meta.
public enum SiteFreshness {
    /// How long a site may act on what it read before looking again. Override with
    /// `SIDECAR_FRESHNESS_INTERVAL_MS` (0 checks on every request, a negative value never does).
    public static let interval: Duration? = {
        guard let text = ProcessInfo.processInfo.environment["SIDECAR_FRESHNESS_INTERVAL_MS"], let ms = Int(text) else {
            return .seconds(1)
        }
        return ms < 0 ? nil : .milliseconds(ms)
    }()

    /// One round trip: the System Settings time zone and, for the tables meta is built from, row
    /// count and newest `modified` (a count catches deletions, which leave `modified` alone).
    /// Saving a DocType bumps its `tabDocType.modified`, so `tabDocField` need not be scanned.
    static let versionQuery = """
        SELECT (SELECT value FROM `tabSingles` WHERE doctype = 'System Settings' AND field = 'time_zone' LIMIT 1) AS time_zone,
        (SELECT CONCAT(COUNT(*), '|', IFNULL(MAX(modified), '')) FROM `tabDocType`) AS doctypes,
        (SELECT CONCAT(COUNT(*), '|', IFNULL(MAX(modified), '')) FROM `tabCustom Field`) AS custom_fields,
        (SELECT CONCAT(COUNT(*), '|', IFNULL(MAX(modified), '')) FROM `tabProperty Setter`) AS property_setters
        """

    struct DatabaseVersion: Equatable {
        var timeZone: String?
        var meta: String

        static func read(_ conn: Connection) throws -> DatabaseVersion {
            let row = try conn.query(versionQuery).first
            let meta = ["doctypes", "custom_fields", "property_setters"].map { row?[$0].string ?? "" }.joined(separator: ";")
            return DatabaseVersion(timeZone: row?["time_zone"].string, meta: meta)
        }
    }
}

/// What identifies one state of a config file: inode, size and modification time. Frappe
/// rewrites the file in place and bench tools replace it; both change at least one of these.
struct FileSignature: Equatable {
    var inode: UInt64 = 0
    var size: Int64 = -1
    var seconds: Int = 0
    var nanoseconds: Int = 0

    init(_ url: URL) {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
    }

    /// The site's `site_config.json` and the bench's `common_site_config.json`.
    static func of(_ bench: Bench, site: String) -> [FileSignature] {
        [FileSignature(bench.siteConfigFile(site)), FileSignature(bench.commonConfigFile)]
    }
}

/// The site's Fernet, following `encryption_key` in its config; creates the key when a Password
/// must be encrypted and the site has none yet, as Frappe does.
final class Keyring: Sendable {
    private let fernet: Mutex<Fernet?>
    private let source: (bench: Bench, site: String)?

    init(config: SiteConfig) throws {
        fernet = Mutex(try config.encryptionKey.map { try Fernet(key: $0) })
        source = config.bench.map { ($0, config.site) }
    }

    var current: Fernet? { fernet.withLock { $0 } }

    /// After the config was re-read. An unusable key leaves the site without one (reads say so).
    func update(key: String?) {
        let new = key.flatMap { try? Fernet(key: $0) }
        fernet.withLock { $0 = new }
    }

    /// The Fernet to encrypt with, creating and storing the site's key first if it has none.
    func forEncrypting() throws -> Fernet {
        if let fernet = current { return fernet }
        guard let source else { throw FrappeError.validation("This site has no encryption_key in site_config.json") }
        let key = try EncryptionKeyFile.ensureKey(bench: source.bench, site: source.site)
        guard let made = try? Fernet(key: key) else { throw FrappeError.validation("Encryption key is in invalid format!") }
        fernet.withLock { $0 = made }
        return made
    }
}

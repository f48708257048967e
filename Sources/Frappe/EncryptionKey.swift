import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Creating a site's `encryption_key` the way Frappe v15 does when the first Password is saved
/// (`frappe/utils/password.py:get_encryption_key`): `Fernet.generate_key()`, written into
/// `site_config.json` by `frappe.installer.update_site_config`, which holds the site's file lock
/// (`frappe.utils.synchronization.filelock("site_config")` = an exclusive `flock` on
/// `sites/<site>/locks/site_config.lock`) while it re-reads and rewrites the file as
/// `json.dumps(config, indent=1, sort_keys=True)`.
///
/// Unlike Frappe, the file is re-read under the lock and an existing key is always kept, so two
/// processes (two sidecars, or a sidecar and Frappe) never end up with two different keys.
enum EncryptionKeyFile {
    /// The key in the site's `site_config.json`, created there first if it has none.
    static func ensureKey(bench: Bench, site: String) throws -> String {
        let file = bench.siteConfigFile(site)
        let lockFile = bench.sitesDirectory.appendingPathComponent(site).appendingPathComponent("locks")
            .appendingPathComponent("site_config.lock")
        return try SiteConfigLock.holding(lockFile) {
            guard let data = try? Data(contentsOf: file), let parsed = try? JSONDecoder().decode(JSONValue.self, from: data),
                  case .object(var values) = parsed else {
                throw FrappeError.validation("Site \(site) has an unreadable site_config.json")
            }
            if case .string(let existing)? = values["encryption_key"], !existing.isEmpty { return existing }
            let key = Fernet.generateKey()
            values["encryption_key"] = .string(key)
            try PythonJSON.write(.object(values), to: file)
            return key
        }
    }
}

/// Frappe's `filelock`: py-filelock's `UnixFileLock`, an exclusive `flock` on the lock file
/// (created 0644 if missing), retried until 30 s have passed.
enum SiteConfigLock {
    static func holding<T>(_ lockFile: URL, timeout: Duration = .seconds(30), _ body: () throws -> T) throws -> T {
        try? FileManager.default.createDirectory(at: lockFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(lockFile.path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw FrappeError.validation("Failed to aquire lock: site_config (cannot open \(lockFile.lastPathComponent))") }
        defer { close(fd) }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, clock.now < deadline else {
                throw FrappeError.validation("Failed to aquire lock: site_config. Lock may be held by another process.")
            }
            usleep(50_000)
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}

/// `json.dumps(value, indent=1, sort_keys=True)` as CPython writes it: one space per level,
/// `", "` becomes `","` at line ends, keys sorted by code point, non-ASCII as `\uXXXX`.
/// Whole-number floats print as integers (the parsed form does not tell `1.0` from `1`).
enum PythonJSON {
    static func write(_ value: JSONValue, to file: URL) throws {
        let text = dumps(value)
        let mode = (try? FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) ?? 0o644
        // Written beside the file and renamed over it, so a reader never sees half a file.
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".site_config.\(UUID().uuidString).json")
        do {
            try Data(text.utf8).write(to: temporary)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
            guard rename(temporary.path, file.path) == 0 else { throw FrappeError.validation("Could not write site_config.json") }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    static func dumps(_ value: JSONValue, level: Int = 0) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d):
            if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .string(let s): return quote(s)
        case .array(let items):
            guard !items.isEmpty else { return "[]" }
            let pad = String(repeating: " ", count: level + 1)
            return "[\n" + items.map { pad + dumps($0, level: level + 1) }.joined(separator: ",\n")
                + "\n" + String(repeating: " ", count: level) + "]"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let pad = String(repeating: " ", count: level + 1)
            let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            return "{\n" + keys.map { pad + quote($0) + ": " + dumps(members[$0] ?? .null, level: level + 1) }.joined(separator: ",\n")
                + "\n" + String(repeating: " ", count: level) + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }
}

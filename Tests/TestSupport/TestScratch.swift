import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where tests put the folders they make (benches with their site folders, nginx prefixes): one
/// folder per test process in the temporary directory, removed when the process exits, whether the
/// tests passed or failed. Benches live until the end because suites share them.
///
/// `scripts/services.sh` points TMPDIR into its own folder and removes that when it stops, and ends
/// the processes recorded with ``recordChild(_:)``, so even a test process that crashed (and ran no
/// exit handler) leaves nothing behind.
public enum TestScratch {
    /// This process's folder, made on first use; its removal is registered at the same time.
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("github-sidecar-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { TestScratch.removeRoot() }
        return url
    }()

    /// A new folder under ``root``, named `<prefix>-<random>`.
    public static func folder(_ prefix: String) -> URL {
        let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Tells `scripts/services.sh` about a child process, which it ends when it stops if the process
    /// is still running then (its command line names a folder in the services' folder).
    public static func recordChild(_ pid: Int32) {
        guard let services = ProcessInfo.processInfo.environment["SIDECAR_SERVICES_DIR"] else { return }
        let children = URL(fileURLWithPath: services).appendingPathComponent("children")
        try? FileManager.default.createDirectory(at: children, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: children.appendingPathComponent(String(pid)).path, contents: nil)
    }

    private static func removeRoot() {
        try? FileManager.default.removeItem(at: root)
    }
}

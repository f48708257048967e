import Foundation
import Testing

/// The dependency directions of ARCHITECTURE §2, read from the sources themselves: a module may
/// import only the modules of ours listed for it (third-party packages are not restricted here).
/// Only `MariaDB` and `Frappe` ever touch the database driver.
@Suite("Module boundaries")
struct ModuleBoundaryTests {
    /// Our own modules, and which of them each may import.
    static let allowed: [String: Set<String>] = [
        "CoreValues": [],
        "CMariaDB": [], "CHiredis": [],
        "MariaDB": ["CMariaDB", "CoreValues"],
        "Frappe": ["MariaDB", "CHiredis", "CoreValues"],
        "GitHub": ["CoreValues"],
        "Integration": ["Frappe", "GitHub", "CoreValues"],
        "Server": ["Integration", "Frappe", "CoreValues"],
        "FakeGitHub": ["GitHub", "CoreValues"],
        "github-sidecar": ["Server", "Integration", "Frappe", "CoreValues"],
        "fake-github": ["FakeGitHub"],
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// `import X` lines (with `@_exported`/`@testable` and access modifiers) of every Swift file
    /// under `Sources/<module>`.
    static func imports(of module: String) throws -> [(file: String, module: String)] {
        let folder = sources.appendingPathComponent(module)
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        var found: [(String, String)] = []
        for case let url as URL in files where url.pathExtension == "swift" {
            for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                      words[..<i].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "package", "private"].contains($0) }) else { continue }
                found.append((url.lastPathComponent, words[i + 1].split(separator: ".").first.map(String.init) ?? words[i + 1]))
            }
        }
        return found
    }

    @Test("every module of Sources is in the table, so a new one cannot slip past these rules")
    func everyModuleListed() throws {
        let modules = try FileManager.default.contentsOfDirectory(atPath: Self.sources.path).filter { !$0.hasPrefix(".") }
        #expect(Set(modules).subtracting(Self.allowed.keys).isEmpty, "unlisted: \(Set(modules).subtracting(Self.allowed.keys).sorted())")
    }

    @Test("each module imports only the modules of ours it may (ARCHITECTURE §2)",
          arguments: ["CoreValues", "MariaDB", "Frappe", "GitHub", "Integration", "Server", "FakeGitHub", "github-sidecar", "fake-github"])
    func directions(module: String) throws {
        let ours = Set(Self.allowed.keys)
        let permitted = Self.allowed[module] ?? []
        for (file, imported) in try Self.imports(of: module) where ours.contains(imported) {
            #expect(permitted.contains(imported), "\(module)/\(file) imports \(imported)")
        }
    }

    @Test("nothing outside Sources/MariaDB and Sources/Frappe imports MariaDB")
    func onlyTheStoreSeesMariaDB() throws {
        for module in Self.allowed.keys where !["MariaDB", "Frappe"].contains(module) {
            for (file, imported) in try Self.imports(of: module) where imported == "MariaDB" || imported == "CMariaDB" {
                Issue.record("\(module)/\(file) imports \(imported)")
            }
        }
    }
}

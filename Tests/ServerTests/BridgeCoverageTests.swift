import Foundation
import Frappe
import Integration
import TestSupport
import Testing

/// No desk button may reach a method the sidecar does not serve: every whitelisted proxy of
/// `frappe_bridge` and every method the desk JavaScript calls, read from their sources (not from
/// the Swift catalogue), is served by the running sidecar with the same argument names.
@Suite("Bridge and desk reach only what the sidecar serves")
struct BridgeCoverageTests {
    static let app = Paths.packageRoot.appendingPathComponent("frappe_bridge/erpnext_github_integration")

    struct Proxy {
        var desk: String          // `module.fn`, what the desk calls
        var parameters: [String]  // the Python function's parameters
        var target: String        // `module.fn` it asks the sidecar for
        var sent: [String]        // the keyword arguments it sends
    }

    /// `@frappe.whitelist(...)` functions and the `sidecar.call(...)` in each body.
    static func proxies() throws -> [Proxy] {
        var found: [Proxy] = []
        for file in ["api", "github_api", "github_app", "setup", "webhooks"] {
            let url = app.appendingPathComponent("\(file).py")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let pattern = try NSRegularExpression(pattern: #"@frappe\.whitelist\([^)]*\)\s*\ndef (\w+)\(([^)]*)\):(.*?)(?=\n@|\ndef |\z)"#,
                                                  options: [.dotMatchesLineSeparators])
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let part = { (i: Int) in Range(match.range(at: i), in: text).map { String(text[$0]) } ?? "" }
                let parameters = part(2).split(separator: ",").compactMap { p in
                    p.split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                }.filter { !$0.isEmpty && !$0.hasPrefix("*") }
                let body = part(3)
                guard let call = body.range(of: #"sidecar\.call\(\s*"([\w.]+)"([^)]*)\)"#, options: .regularExpression) else { continue }
                let callText = String(body[call])
                let target = callText.split(separator: "\"")[1]
                let sent = matches(#"(\w+)\s*=\s*\w"#, in: String(callText.dropFirst(callText.distance(from: callText.startIndex,
                                                                                                           to: callText.firstIndex(of: ",") ?? callText.endIndex))))
                found.append(Proxy(desk: "\(file).\(part(1))", parameters: parameters, target: String(target), sent: sent))
            }
        }
        return found
    }

    /// `….call("module.fn", { key: … })` in the desk JavaScript: the method and its argument keys.
    static func deskCalls() throws -> [(method: String, keys: [String], file: String)] {
        let folder = app.appendingPathComponent("public/js")
        var calls: [(String, [String], String)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".js") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let pattern = try NSRegularExpression(pattern: #"\.call\(\s*"([\w.]+)"\s*,\s*\{([^}]*)\}"#, options: [.dotMatchesLineSeparators])
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let method = Range(match.range(at: 1), in: text), let args = Range(match.range(at: 2), in: text) else { continue }
                calls.append((String(text[method]), matches(#"(?:^|[{,])\s*([A-Za-z_]\w*)\s*:"#, in: String(text[args])), name))
            }
        }
        return calls
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test("every proxy asks for a method the sidecar serves, sending only arguments it declares and every one it requires")
    func proxiesMatch() throws {
        let served = Dictionary(Catalogue.methods().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let proxies = try Self.proxies()
        #expect(proxies.count >= 30, "read \(proxies.count) proxies")
        for proxy in proxies {
            guard let method = served[proxy.target] else {
                Issue.record("\(proxy.desk) asks the sidecar for \(proxy.target), which it does not serve")
                continue
            }
            let declared = Set(method.arguments.map(\.name))
            #expect(Set(proxy.sent).isSubset(of: declared), "\(proxy.desk) sends \(Set(proxy.sent).subtracting(declared).sorted())")
            let required = method.arguments.filter(\.isRequired).map(\.name)
            #expect(Set(required).isSubset(of: Set(proxy.sent)), "\(proxy.desk) never sends \(Set(required).subtracting(proxy.sent).sorted())")
        }
    }

    @Test("every method the desk JavaScript calls is a whitelisted proxy taking those arguments")
    func deskCallsMatch() throws {
        let proxies = Dictionary(try Self.proxies().map { ($0.desk, $0) }, uniquingKeysWith: { a, _ in a })
        let calls = try Self.deskCalls()
        #expect(calls.count >= 15, "read \(calls.count) desk calls")
        for call in calls {
            guard let proxy = proxies[call.method] else {
                Issue.record("\(call.file) calls \(call.method), which the bridge does not whitelist")
                continue
            }
            #expect(Set(call.keys).isSubset(of: Set(proxy.parameters)), "\(call.file): \(call.method) has no \(Set(call.keys).subtracting(proxy.parameters).sorted())")
        }
    }

    @Test("the running sidecar answers every proxied method (Guest is refused, never \"Failed to get method\")")
    func runningSidecarServesEach() async throws {
        let s = try await DeskHarness.shared.start()
        for proxy in try Self.proxies() {
            let reply = try await s.call(proxy.target, as: nil, json: [:])
            #expect(reply.serverMessage?.contains("Failed to get method") != true, "\(proxy.target)")
            #expect(reply.status == 403 || (reply.status < 400 && proxy.target == "webhooks.github_webhook"), "\(proxy.target): \(reply.status)")
        }
    }
}

/// The README's catalogue is the method table: the same methods, each with the same arguments.
@Suite("README catalogue")
struct ReadmeCatalogueTests {
    @Test("the README's RPC catalogue lists exactly the served methods, each with its declared arguments")
    func sameAsCode() throws {
        let readme = try String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let start = readme.range(of: "## RPC catalogue") else { Issue.record("no RPC catalogue"); return }
        var listed: [String: [String]] = [:]
        for line in readme[start.upperBound...].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count > 3 else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard name.range(of: #"^[a-z_]+\.[a-z_]+$"#, options: .regularExpression) != nil else { continue }   // routes, not methods
            listed[name] = BridgeCoverageTests.matches(#"`(\w+)`"#, in: cells[2])
        }
        for method in Catalogue.methods() {
            guard let arguments = listed[method.name] else { Issue.record("README does not list \(method.name)"); continue }
            if method.takesRawBody { continue }
            #expect(arguments == method.arguments.map(\.name), "\(method.name): README \(arguments), code \(method.arguments.map(\.name))")
        }
        let served = Set(Catalogue.methods().map(\.name))
        #expect(Set(listed.keys).subtracting(served).isEmpty, "README lists methods nobody serves: \(Set(listed.keys).subtracting(served).sorted())")
    }
}

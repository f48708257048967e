import Foundation
import Frappe
import Integration
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Real processes for end-to-end tests: the built `github-sidecar` binary and Debian's nginx with
/// `docker/nginx/github-sidecar.conf` included in a server block, both on free loopback ports.
enum EndToEnd {
    /// The `github-sidecar` binary next to this test bundle (same build directory).
    static var sidecarBinary: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("github-sidecar")
    }

    /// A port nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}


/// A running `github-sidecar serve`.
final class SidecarProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    /// What the process logs, in its bench folder (removed with the bench).
    let log: URL

    init(bench: URL, port: Int, workers: Int = 4, extra: [String] = [], environment: [String: String] = [:]) throws {
        self.port = port
        log = bench.appendingPathComponent("github-sidecar-\(port).log")
        process.executableURL = EndToEnd.sidecarBinary
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        process.arguments = ["serve", "--bench", bench.path, "--listen", "127.0.0.1:\(port)", "--webhook-workers", String(workers)] + extra
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        ChildProcesses.register(process.processIdentifier)
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func waitUntilListening() async throws {
        for _ in 0..<400 {
            if (try? await GitHubProbe.status("http://127.0.0.1:\(port)/healthz")) == 200 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError("github-sidecar did not start on port \(port)")
    }

    /// SIGKILL: no shutdown, no flush, as a crash or the OOM killer would.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// Debian's nginx, in the foreground, single process, with a temporary prefix.
final class NginxProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let prefix: URL

    init(sidecarPort: Int) throws {
        port = try EndToEnd.freePort()
        prefix = TestScratch.folder("nginx")
        try FileManager.default.createDirectory(at: prefix, withIntermediateDirectories: true)
        let include = try String(contentsOf: Paths.packageRoot.appendingPathComponent("docker/nginx/github-sidecar.conf"), encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:8790", with: "127.0.0.1:\(sidecarPort)")
        try include.write(to: prefix.appendingPathComponent("github-sidecar.conf"), atomically: true, encoding: .utf8)
        let p = prefix.path
        let conf = """
            daemon off;
            master_process off;
            error_log \(p)/error.log warn;
            pid \(p)/nginx.pid;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(p)/body;
                proxy_temp_path \(p)/proxy;
                fastcgi_temp_path \(p)/fastcgi;
                uwsgi_temp_path \(p)/uwsgi;
                scgi_temp_path \(p)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    server_name _;
                    client_max_body_size 50m;
                    include \(p)/github-sidecar.conf;
                    location / { return 404; }
                }
            }
            """
        try conf.write(to: prefix.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", p, "-c", "\(p)/nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        ChildProcesses.register(process.processIdentifier)
    }

    func waitUntilListening() async throws {
        for _ in 0..<200 {
            if (try? await GitHubProbe.status("http://127.0.0.1:\(port)/")) == 404 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSetupError("nginx did not start on port \(port)")
    }

    func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

import AsyncHTTPClient

enum GitHubProbe {
    static func status(_ url: String) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}

/// The binary behind nginx over a site of its own: what GitHub reaches in production.
actor EndToEndHarness {
    static let shared = EndToEndHarness()
    private var starting: Task<(WebhookHarness.Running, SidecarProcess, NginxProcess), Error>?

    func start() async throws -> WebhookHarness.Running {
        if starting == nil {
            starting = Task {
                let made = try await TestSite.dedicated("webhooks-e2e")
                _ = try await Install.run(site: made.site, user: "Administrator")
                try await made.site.write(user: "Administrator") { try $0.setSingle("GitHub Settings", ["webhook_secret": .string(WebhookHarness.secret)]) }
                // A bench of its own holding only this site, so the binary's workers touch nothing else.
                let bench = TestScratch.folder("bench-e2e")
                let sites = bench.appendingPathComponent("sites")
                try FileManager.default.createDirectory(at: sites, withIntermediateDirectories: true)
                let siteName = made.result.config.site
                try FileManager.default.createSymbolicLink(at: sites.appendingPathComponent(siteName),
                                                           withDestinationURL: made.bench.appendingPathComponent("sites").appendingPathComponent(siteName))
                for file in ["common_site_config.json"] {
                    let source = made.bench.appendingPathComponent("sites").appendingPathComponent(file)
                    if FileManager.default.fileExists(atPath: source.path) {
                        try FileManager.default.copyItem(at: source, to: sites.appendingPathComponent(file))
                    }
                }
                let sidecar = try SidecarProcess(bench: bench, port: try EndToEnd.freePort())
                try await sidecar.waitUntilListening()
                let nginx = try NginxProcess(sidecarPort: sidecar.port)
                try await nginx.waitUntilListening()
                let running = WebhookHarness.Running(baseURL: "http://127.0.0.1:\(nginx.port)", site: made.site, siteName: siteName,
                                                     workers: nil, adminToken: "\(made.result.apiKey):\(made.result.apiSecret)", siteAsHost: true)
                return (running, sidecar, nginx)
            }
        }
        guard let starting else { throw TestSetupError("unreachable") }
        return try await starting.value.0
    }
}

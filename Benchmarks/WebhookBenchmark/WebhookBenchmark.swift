// Webhook ingest benchmark (ARCHITECTURE §7): signed `issues`/`pull_request` deliveries posted on
// loopback to the real `github-sidecar serve` binary (a child process, release build) at a fixed
// rate, open loop. Reports ack latency (POST → 202), apply latency (received_at → processed_at),
// queue depth over time, the sidecar's CPU and RSS, and the highest rate whose ack p99 stays
// within 25 ms. Runs 500, 1,000 and 2,000 deliveries/s for 60 s each (issue 13's goal: 2,000/s
// with ack p99 ≤ 25 ms and applied p99 ≤ 1 s, none lost, none doubled). Run with `make bench`;
// WEBHOOK_BENCH_SECONDS and WEBHOOK_BENCH_RATES (e.g. `500,1000`) shorten it.
import AsyncHTTPClient
import Foundation
import Frappe
import GitHub
import Integration
import MariaDB
import NIOCore
import NIOFoundationCompat
import Synchronization

@main
struct WebhookBenchmark {
    static func main() async throws {
        guard let socket = ProcessInfo.processInfo.environment["SIDECAR_TEST_MARIADB_SOCKET"] else {
            print("SIDECAR_TEST_MARIADB_SOCKET is not set: run `make bench`"); exit(2)
        }
        let env = ProcessInfo.processInfo.environment
        let seconds = env["WEBHOOK_BENCH_SECONDS"].flatMap(Int.init) ?? 60
        // Issue 13's figures: 500, 1,000 and 2,000 deliveries/s, each for the full duration.
        let rates = (env["WEBHOOK_BENCH_RATES"] ?? "500,1000,2000").split(separator: ",").compactMap { Int($0) }
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)))
        let bench = try await Bench.make(socket: socket, root: root, bin: bin, http: http)
        var rows: [String] = []
        var highest: Int?
        var main: Bench.Result?
        do {
            for rate in rates {
                let measured = try await bench.run(rate: rate, seconds: seconds, sampleDepth: main == nil)
                if main == nil { main = measured }
                rows.append(measured.row)
                if measured.ackP99 <= 0.025, measured.achieved >= 0.95 * Double(rate), measured.lost == 0 { highest = rate }
            }
        } catch {
            print("benchmark stopped: \(error)")
        }
        bench.stop()
        try? await http.shutdown()
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        print("Webhook benchmark: github-sidecar serve (release) on loopback, 4 webhook workers, open-loop load")
        print("Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu); date \(ISO8601DateFormatter().string(from: Date()))")
        print("| rate (target) | duration | posted | achieved/s | ack p50 | ack p99 | applied p50 | applied p99 | not Applied | doubled rows | max queue | sidecar CPU | sidecar RSS (peak) |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        rows.forEach { print($0) }
        print("Queue depth during the \(seconds) s run at \(rates.first ?? 0)/s, sampled each second: \((main?.depths ?? []).map(String.init).joined(separator: " "))")
        print("Highest rate with ack p99 ≤ 25 ms, nothing lost, ≥ 95 % of the target achieved: " + (highest.map { "\($0)/s" } ?? "none"))
    }
}

final class Bench: Sendable {
    let site: Site
    let sidecar: Process
    let baseURL: String
    let siteName: String
    let secret: String
    let repository: String
    let repositoryID: Int64
    let http: HTTPClient
    let issueTemplate: Frappe.JSONValue
    let pullTemplate: Frappe.JSONValue
    private let nextNumber = Atomic<Int>(0)

    private init(site: Site, sidecar: Process, baseURL: String, siteName: String, secret: String, repository: String, repositoryID: Int64,
                 http: HTTPClient, issueTemplate: Frappe.JSONValue, pullTemplate: Frappe.JSONValue) {
        self.site = site; self.sidecar = sidecar; self.baseURL = baseURL; self.siteName = siteName; self.secret = secret
        self.repository = repository; self.repositoryID = repositoryID; self.http = http
        self.issueTemplate = issueTemplate; self.pullTemplate = pullTemplate
    }

    static func make(socket: String, root: URL, bin: URL, http: HTTPClient) async throws -> Bench {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-bench-\(UUID().uuidString.prefix(6))")
        let made = try await DevSite.create(DevSite.Request(
            bench: work, site: "webhookbench.localhost", endpoint: .unixSocket(path: socket), rootUser: "root", rootPassword: "",
            frappeFixtures: root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/frappe"),
            appFolder: root.appendingPathComponent("frappe_bridge/erpnext_github_integration")))
        let site = try await Site(config: made.config, poolSize: 4)
        _ = try await Install.run(site: site, user: "Administrator")
        let secret = UUID().uuidString + UUID().uuidString   // never printed
        let repository = "bench-org/webhooks"
        let repositoryID: Int64 = 777_000_001
        try await site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["webhook_secret": .string(secret)])
            try w.insert(Document("Repository", ["full_name": .string(repository), "github_id": .string(String(repositoryID)), "repo_owner": "bench-org"]))
        }
        let fixtures = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/github/webhooks")
        let issue = try Frappe.JSONValue.decode(Data(contentsOf: fixtures.appendingPathComponent("issues/opened.json")))
        let pull = try Frappe.JSONValue.decode(Data(contentsOf: fixtures.appendingPathComponent("pull_request/opened.json")))

        let port = try freePort()
        let process = Process()
        process.executableURL = bin.appendingPathComponent("github-sidecar")
        process.arguments = ["serve", "--bench", work.path, "--listen", "127.0.0.1:\(port)", "--webhook-workers", "4"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while !seen.contains("listening on"), Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { try await Task.sleep(for: .milliseconds(50)) } else { seen += String(decoding: chunk, as: UTF8.self) }
        }
        guard seen.contains("listening on") else { process.terminate(); throw BenchError("github-sidecar did not start") }
        return Bench(site: site, sidecar: process, baseURL: "http://127.0.0.1:\(port)", siteName: made.config.site, secret: secret,
                     repository: repository, repositoryID: repositoryID, http: http,
                     issueTemplate: moved(issue, repository, repositoryID), pullTemplate: moved(pull, repository, repositoryID))
    }

    func stop() {
        guard sidecar.isRunning else { return }
        sidecar.terminate()
        sidecar.waitUntilExit()
    }

    struct Result {
        var row: String
        var ackP99: Double
        var achieved: Double
        var lost: Int
        var depths: [Int]
    }

    /// Posts `rate` deliveries per second for `seconds`, open loop (each at its scheduled time,
    /// whether or not earlier ones were answered), waits for the queue to drain, then measures.
    func run(rate: Int, seconds: Int, sampleDepth: Bool) async throws -> Result {
        let total = rate * seconds
        let first = nextNumber.add(total, ordering: .relaxed).oldValue + 1
        // Bodies are made as they are posted, from each template encoded once with placeholder
        // numbers (joining a few byte ranges per body): building 120,000 whole JSON documents
        // up front held a core for a quarter of an hour.
        let issueBody = try BodyTemplate(issueTemplate, fields: [["issue", "number"], ["issue", "id"]])
        let pullBody = try BodyTemplate(pullTemplate, fields: [["number"], ["pull_request", "number"], ["pull_request", "id"]])
        func delivery(_ n: Int) -> (id: String, event: String, body: Data, pull: Bool) {
            let pull = n % 4 == 0
            let body = pull ? pullBody.body([n, n, 500_000_000 + n]) : issueBody.body([n, 400_000_000 + n])
            return ("bench-\(n)-\(UUID().uuidString.prefix(8))", pull ? "pull_request" : "issues", body, pull)
        }
        let numbers = Array(first..<(first + total))
        let postedIDs = Mutex([String](repeating: "", count: total))
        let cpuBefore = cpuSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        let sampler = Task { [site] () -> [Int] in
            var depths: [Int] = []
            while !Task.isCancelled {
                depths.append((try? await site.read { try $0.count("GitHub Webhook Delivery", where: ["status": .equals("Queued")]) }) ?? -1)
                try? await Task.sleep(for: .seconds(1))
            }
            return depths
        }
        let acks: [(Double, Int)] = await withTaskGroup(of: (Double, Int).self) { group in
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            for (i, n) in numbers.enumerated() {
                let due = start + interval * i
                if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                let d = delivery(n)
                postedIDs.withLock { $0[i] = d.id }
                group.addTask { [self] in
                    let sent = clock.now
                    let status = (try? await post(id: d.id, event: d.event, body: d.body)) ?? 0
                    let took = clock.now - sent
                    return (Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18, status)
                }
            }
            var out: [(Double, Int)] = []
            for await r in group { out.append(r) }
            return out
        }
        let postedIn = clock.now - start
        let postedSeconds = Double(postedIn.components.seconds) + Double(postedIn.components.attoseconds) / 1e18
        // Drain (bounded: 5 minutes).
        for _ in 0..<3_000 {
            if try await site.read({ try $0.count("GitHub Webhook Delivery", where: ["status": .equals("Queued")]) }) == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        sampler.cancel()
        let depths = await sampler.value
        let cpu = cpuSeconds() - cpuBefore
        let elapsed = clock.now - start
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        let ids = postedIDs.withLock { $0 }.map { MariaDBValue.string($0) }
        let repo = repository
        // The benchmark checks the outcome with SQL of its own, on a connection of its own.
        let database = site.config.database
        let (applied, notApplied, doubled) = try await site.read { r -> ([Double], Int, Int) in
            let conn = try Connection(configuration: database)
            var latencies: [Double] = []
            var notApplied = 0
            for chunk in stride(from: 0, to: ids.count, by: 1_000).map({ Array(ids[$0..<min($0 + 1_000, ids.count)]) }) {
                let rows = try conn.query("""
                    SELECT status, TIMESTAMPDIFF(MICROSECOND, received_at, processed_at) AS us FROM `tabGitHub Webhook Delivery`
                    WHERE name IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                    """, chunk)
                notApplied += chunk.count - rows.count
                for row in rows {
                    if row["status"].string == "Applied", let us = row["us"].int { latencies.append(Double(us) / 1e6) } else { notApplied += 1 }
                }
            }
            let issues = try r.count("Repository Issue", where: ["repository": .equals(.string(repo))])
            let pulls = try r.count("Repository Pull Request", where: ["repository": .equals(.string(repo))])
            let assignees = try conn.query("SELECT COUNT(*) AS n FROM `tabRepository Issue Assignee` WHERE parent LIKE ?", [.string(repo + "-#%")]).first?["n"].int ?? 0
            // Rows beyond one per number so far (cumulative over runs: the checks compare totals).
            let numbersSoFar = (first + total - 1)
            let expectedPulls = numbersSoFar / 4
            let doubled = max(0, issues - (numbersSoFar - expectedPulls)) + max(0, pulls - expectedPulls) + max(0, assignees - (numbersSoFar - expectedPulls))
            return (latencies, notApplied, doubled)
        }
        let ackTimes = acks.filter { $0.1 == 202 }.map(\.0).sorted()
        let lost = acks.filter { $0.1 != 202 }.count + notApplied
        let sortedApplied = applied.sorted()
        let row = "| \(rate)/s | \(seconds) s | \(total) | \(String(format: "%.0f", Double(ackTimes.count) / postedSeconds)) | "
            + "\(ms(percentile(ackTimes, 0.50))) | \(ms(percentile(ackTimes, 0.99))) | \(ms(percentile(sortedApplied, 0.50))) | "
            + "\(ms(percentile(sortedApplied, 0.99))) | \(lost) | \(doubled) | \(depths.max() ?? 0) | "
            + "\(String(format: "%.0f %%", 100 * cpu / elapsedSeconds)) of one core | \(rss()) |"
        return Result(row: row, ackP99: percentile(ackTimes, 0.99), achieved: Double(ackTimes.count) / postedSeconds, lost: lost,
                      depths: sampleDepth ? depths : [])
    }

    func post(id: String, event: String, body: Data) async throws -> Int {
        var request = HTTPClientRequest(url: baseURL + "/api/method/erpnext_github_integration.webhooks.github_webhook")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-GitHub-Event", value: event)
        request.headers.add(name: "X-GitHub-Delivery", value: id)
        request.headers.add(name: "X-Frappe-Site-Name", value: siteName)
        request.headers.add(name: "X-Hub-Signature-256", value: WebhookVerifier.signature(for: body, secret: secret))
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await http.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    /// utime + stime of the sidecar, from /proc/PID/stat.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(sidecar.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func rss() -> String {
        guard let status = try? String(contentsOfFile: "/proc/\(sidecar.processIdentifier)/status", encoding: .utf8) else { return "n/a" }
        func kb(_ key: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(key) }.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
        }
        return "\((kb("VmRSS:") ?? 0) / 1024) MiB (\((kb("VmHWM:") ?? 0) / 1024) MiB)"
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func ms(_ seconds: Double) -> String { seconds.isNaN ? "n/a" : String(format: "%.1f ms", seconds * 1000) }

func moved(_ payload: Frappe.JSONValue, _ fullName: String, _ id: Int64) -> Frappe.JSONValue {
    set(set(payload, ["repository", "id"], .number(Double(id))), ["repository", "full_name"], .string(fullName))
}

func set(_ value: Frappe.JSONValue, _ path: ArraySlice<String>, _ new: Frappe.JSONValue) -> Frappe.JSONValue {
    guard let key = path.first, case .object(var o) = value else { return value }
    o[key] = path.count == 1 ? new : set(o[key] ?? .object([:]), path.dropFirst(), new)
    return .object(o)
}

func set(_ value: Frappe.JSONValue, _ path: [String], _ new: Frappe.JSONValue) -> Frappe.JSONValue { set(value, path[...], new) }

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw BenchError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A payload encoded once, with the number fields at `fields` replaced by placeholders; a body
/// is the encoded bytes between them joined with the numbers given (in `fields` order).
struct BodyTemplate: Sendable {
    private var pieces: [Data] = []
    /// For the gap after each piece but the last: which of the numbers goes there.
    private var order: [Int] = []

    init(_ template: Frappe.JSONValue, fields: [[String]]) throws {
        var value = template
        let markers = fields.indices.map { String(987_650_000_000 + $0) }
        for (field, marker) in zip(fields, markers) { value = set(value, field, .number(Double(marker) ?? 0)) }
        let encoded = try JSONEncoder().encode(value)
        var found: [(range: Range<Data.Index>, field: Int)] = []
        for (field, marker) in markers.enumerated() {
            guard let range = encoded.range(of: Data(marker.utf8)) else { throw BenchError("placeholder of \(fields[field]) not in the encoded template") }
            found.append((range, field))
        }
        var cursor = encoded.startIndex
        for (range, field) in found.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            pieces.append(encoded.subdata(in: cursor..<range.lowerBound))
            order.append(field)
            cursor = range.upperBound
        }
        pieces.append(encoded.subdata(in: cursor..<encoded.endIndex))
    }

    func body(_ numbers: [Int]) -> Data {
        var out = Data(capacity: pieces.reduce(0) { $0 + $1.count } + 16 * numbers.count)
        for (index, piece) in pieces.enumerated() {
            out.append(piece)
            if index < order.count { out.append(contentsOf: Array(String(numbers[order[index]]).utf8)) }
        }
        return out
    }
}

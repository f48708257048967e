import Foundation
@testable import Frappe
import Integration
import MariaDB
import TestSupport
import Testing

/// 10,000 validly signed deliveries made from the recorded payloads by random damage: fields
/// deleted, values of the wrong type, huge strings, timestamps of the wrong shape. Seeded, so a
/// failure reproduces: rerun with the seed the failure message names.
@Suite("Webhook fuzz: mutated payloads never break the receiver or leave partial rows")
struct WebhookFuzzTests {
    static let seed: UInt64 = 0x5EED_2026_0005
    static let count = 10_000

    @Test("10,000 mutated, signed payloads: no 5xx, every delivery finished with a reason, no partial writes")
    func mutatedPayloads() async throws {
        let h = try await WebhookHarness.shared.start("webhooks-fuzz")
        let repo = TestRepository.make()
        try await repo.track(on: h.site)
        var fuzzer = try PayloadFuzzer(seed: Self.seed, repository: repo)
        let deliveries = (0..<Self.count).map { fuzzer.next(index: $0) }

        let clock = ContinuousClock()
        let started = clock.now
        let replies = await WebhookBatch.post(deliveries, to: h.baseURL, site: h.siteName, window: 32) { _ in }
        let posted = clock.now
        let serverErrors = replies.filter { $0.value >= 500 }
        #expect(serverErrors.isEmpty, "seed \(Self.seed): \(serverErrors.count) deliveries answered 5xx, e.g. \(serverErrors.keys.prefix(3))")
        #expect(replies.count == deliveries.count, "seed \(Self.seed): every POST answered (\(replies.count) of \(deliveries.count))")
        let accepted = Set(replies.filter { $0.value == 202 }.map(\.key))
        #expect(accepted.count == deliveries.count, "seed \(Self.seed): every signed delivery stored (\(accepted.count) answered 202)")
        try await WebhookSite.waitUntilDrained(h.site, timeout: .seconds(120))
        print("webhook fuzz, seed \(Self.seed): posted \(deliveries.count) in \(posted - started), drained after \(clock.now - started)")

        let fullName = repo.fullName
        try await h.site.read { r in
            let stored = try r.list("GitHub Webhook Delivery", fields: ["name", "event", "status", "last_error"])
            #expect(Set(stored.compactMap { $0["name"].string }).isSuperset(of: accepted), "seed \(Self.seed): every 202 is stored")
            let unfinished = stored.filter { !["Applied", "Failed", "Skipped"].contains($0["status"].string ?? "") }
            #expect(unfinished.isEmpty, "seed \(Self.seed): every delivery ends Applied, Failed or Skipped")
            let unexplained = stored.filter { ["Failed", "Skipped"].contains($0["status"].string ?? "") && ($0["last_error"].string ?? "").isEmpty }
            #expect(unexplained.isEmpty, "seed \(Self.seed): Failed/Skipped without a reason: \(unexplained.prefix(3).compactMap { $0["name"].string })")
            let byStatus = Dictionary(grouping: stored, by: { $0["status"].string ?? "" }).mapValues(\.count)
            #expect((byStatus["Applied"] ?? 0) > 0 && (byStatus["Failed"] ?? 0) > 0, "the mutations exercise both outcomes: \(byStatus)")

            // No partial writes: every mirrored row is whole and named from its own fields, and
            // every child row has its parent.
            let appliedIssues = stored.filter { $0["status"].string == "Applied" && $0["event"].string == "issues" }.count
            let appliedPulls = stored.filter { $0["status"].string == "Applied" && $0["event"].string != "issues" }.count
            let issues = try r.conn.query("""
                SELECT name, repository, issue_number FROM `tabRepository Issue` WHERE repository = ?
                """, [.string(fullName)])
            #expect(issues.count <= appliedIssues, "no issue row without an applied delivery")
            let brokenIssues = issues.filter { row in
                guard let n = row["issue_number"].int, n > 0 else { return true }
                return row["name"].string != "\(fullName)-#\(n)" || row["repository"].string != fullName
            }
            #expect(brokenIssues.isEmpty, "seed \(Self.seed): issue rows missing required fields: \(brokenIssues.prefix(3).compactMap { $0["name"].string })")
            let pulls = try r.conn.query("""
                SELECT name, pr_number FROM `tabRepository Pull Request` WHERE repository = ?
                """, [.string(fullName)])
            #expect(pulls.count <= appliedPulls, "no pull request row without an applied delivery")
            let brokenPulls = pulls.filter { row in
                guard let n = row["pr_number"].int, n > 0 else { return true }
                return row["name"].string != "\(fullName)-#\(n)"
            }
            #expect(brokenPulls.isEmpty, "seed \(Self.seed): pull request rows missing required fields: \(brokenPulls.prefix(3).compactMap { $0["name"].string })")
            let orphans = try r.conn.query("""
                SELECT (SELECT COUNT(*) FROM `tabRepository Issue Assignee` c WHERE c.parenttype = 'Repository Issue'
                          AND NOT EXISTS (SELECT 1 FROM `tabRepository Issue` p WHERE p.name = c.parent)) AS assignees,
                       (SELECT COUNT(*) FROM `tabRepository PR Reviewer` c WHERE c.parenttype = 'Repository Pull Request'
                          AND NOT EXISTS (SELECT 1 FROM `tabRepository Pull Request` p WHERE p.name = c.parent)) AS reviewers
                """, [])
            #expect(orphans.first?["assignees"].int == 0 && orphans.first?["reviewers"].int == 0, "no child row without its parent")
        }
    }
}

/// SplitMix64: tiny, fast and the same on every platform, so a seed names one run exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Makes damaged deliveries from the recorded `issues`, `pull_request` and `pull_request_review`
/// payloads. Paths are listed once per payload, so each mutation is a walk down one path.
struct PayloadFuzzer {
    enum Step: Hashable { case key(String), index(Int) }
    struct Base { let event: String; let value: JSONValue; let paths: [[Step]]; let timestamps: [[Step]] }

    var rng: SeededGenerator
    let bases: [Base]
    static let hugeString = String(repeating: "ünïcødé 🚀 \u{0} <script>'\"; DROP TABLE x; -- ", count: 1_500)
    static let badTimestamps: [JSONValue] = [
        .string("yesterday"), .string(""), .string("2024-02-30T25:61:61Z"), .string("2024-06-01"), .string("0000-00-00 00:00:00"),
        .string("2024-06-01T12:00:00+05:30"), .string("2024-06-01T12:00:00.123456789Z"), .string("99999-01-01T00:00:00Z"),
        .number(1_717_243_200), .number(-1), .number(1e300), .bool(true), .array([]), .object(["date": .string("2024-06-01")]), .null,
    ]

    init(seed: UInt64, repository repo: TestRepository) throws {
        rng = SeededGenerator(seed: seed)
        let folder = Paths.sharedFixture("github/webhooks")
        var bases: [Base] = []
        for event in ["issues", "pull_request", "pull_request_review"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(event).path).filter { $0.hasSuffix(".json") }.sorted()
            for file in files {
                var value = try JSONValue.decode(Data(contentsOf: folder.appendingPathComponent(event).appendingPathComponent(file)))
                value = Self.setting(value, [.key("repository"), .key("id")][...]) { _ in .number(Double(repo.id)) }
                value = Self.setting(value, [.key("repository"), .key("full_name")][...]) { _ in .string(repo.fullName) }
                var paths: [[Step]] = []
                Self.collect(value, prefix: [], into: &paths)
                let timestamps = paths.filter { if case .key(let k)? = $0.last { return k.hasSuffix("_at") || k == "timestamp" } else { return false } }
                bases.append(Base(event: event, value: value, paths: paths, timestamps: timestamps))
            }
        }
        self.bases = bases
    }

    mutating func next(index: Int) -> WebhookDelivery {
        let base = bases[Int(rng.next() % UInt64(bases.count))]
        var value = base.value
        // A number of its own, so deliveries rarely wait on each other's row locks.
        let number = JSONValue.number(Double(index + 1))
        for path in [[Step.key("issue"), .key("number")], [.key("number")], [.key("pull_request"), .key("number")]] where Self.has(value, path) {
            value = Self.setting(value, path[...]) { _ in number }
        }
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            let roll = rng.next() % 100
            if roll < 20, !base.timestamps.isEmpty {
                let path = base.timestamps[Int(rng.next() % UInt64(base.timestamps.count))]
                let bad = Self.badTimestamps[Int(rng.next() % UInt64(Self.badTimestamps.count))]
                value = Self.setting(value, path[...]) { _ in bad }
                continue
            }
            let path = base.paths[Int(rng.next() % UInt64(base.paths.count))]
            let pick = rng.next()
            switch roll {
            case ..<50: value = Self.setting(value, path[...]) { _ in nil }                        // delete
            case ..<98: value = Self.setting(value, path[...]) { $0.map { Self.swapped($0, pick) } }
            default: value = Self.setting(value, path[...]) { _ in .string(Self.hugeString) }   // ~70 KB
            }
        }
        let body = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        return WebhookDelivery(id: "fuzz-\(index)-\(UUID().uuidString.prefix(8))", event: base.event, number: index + 1, body: body)
    }

    /// A value of another JSON type than `value`.
    static func swapped(_ value: JSONValue, _ pick: UInt64) -> JSONValue {
        let choices: [JSONValue]
        switch value {
        case .string: choices = [.number(42), .number(-3.5), .bool(false), .null, .array([.string("x")]), .object([:])]
        case .number: choices = [.string("12"), .string("not a number"), .bool(true), .null, .number(1e308), .number(-9_007_199_254_740_992)]
        case .bool: choices = [.string("true"), .number(1), .null]
        case .null: choices = [.string(""), .number(0), .object([:]), .array([])]
        case .array: choices = [.object([:]), .string("[]"), .null, .array([.null, .number(1)])]
        case .object: choices = [.array([]), .string("{}"), .number(7), .null, .object(["unexpected": .bool(true)])]
        }
        return choices[Int(pick % UInt64(choices.count))]
    }

    static func collect(_ value: JSONValue, prefix: [Step], into paths: inout [[Step]]) {
        switch value {
        case .object(let o):
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                paths.append(prefix + [.key(k)])
                collect(v, prefix: prefix + [.key(k)], into: &paths)
            }
        case .array(let a):
            for (i, v) in a.enumerated() {
                paths.append(prefix + [.index(i)])
                collect(v, prefix: prefix + [.index(i)], into: &paths)
            }
        default: break
        }
    }

    static func has(_ value: JSONValue, _ path: [Step]) -> Bool {
        var current = value
        for step in path {
            switch (step, current) {
            case (.key(let k), .object(let o)): guard let next = o[k] else { return false }; current = next
            case (.index(let i), .array(let a)): guard a.indices.contains(i) else { return false }; current = a[i]
            default: return false
            }
        }
        return true
    }

    /// `value` with the node at `path` replaced by `change(old)` (nil removes it). A path that no
    /// longer exists (an earlier mutation removed or retyped it) leaves the value as it is.
    static func setting(_ value: JSONValue, _ path: ArraySlice<Step>, _ change: (JSONValue?) -> JSONValue?) -> JSONValue {
        guard let step = path.first else { return change(value) ?? .null }
        let rest = path.dropFirst()
        switch (step, value) {
        case (.key(let k), .object(var o)):
            if rest.isEmpty { o[k] = change(o[k]) } else if let child = o[k] { o[k] = setting(child, rest, change) }
            return .object(o)
        case (.index(let i), .array(var a)) where a.indices.contains(i):
            if rest.isEmpty {
                if let new = change(a[i]) { a[i] = new } else { a.remove(at: i) }
            } else {
                a[i] = setting(a[i], rest, change)
            }
            return .array(a)
        default:
            return value
        }
    }
}

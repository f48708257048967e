import Foundation
import GitHub
import FakeGitHub
import _CryptoExtras

/// Paths to the shared recorded GitHub data: `<package root>/../shared/fixtures/github`, or under
/// `SIDECAR_SHARED_DIR` when `scripts/run-tests.sh` found the shared folder elsewhere.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared = ProcessInfo.processInfo.environment["SIDECAR_SHARED_DIR"].map { URL(fileURLWithPath: $0) }
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let github = shared.appendingPathComponent("fixtures/github")
    static let webhooks = github.appendingPathComponent("webhooks")
    static let rest = github.appendingPathComponent("rest")

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: github.appendingPathComponent(relative))
    }

    /// Every `.json` under a folder, sorted, as (relative path, bytes).
    static func jsonFiles(under folder: URL) throws -> [(String, Data)] {
        let paths = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return try paths.filter { $0.hasSuffix(".json") }.sorted().map { path in
            (path, try Data(contentsOf: folder.appendingPathComponent(path)))
        }
    }
}

/// A shared, manually advanced clock for the client and the fake, so waiting "until the reset" is
/// instantaneous and observable.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleeps: [Duration] = []

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Everything the client asked to sleep, in order.
    var recordedSleeps: [Duration] {
        lock.lock()
        defer { lock.unlock() }
        return sleeps
    }

    private func record(_ duration: Duration) {
        lock.lock()
        sleeps.append(duration)
        lock.unlock()
        advance(by: duration)
    }

    func advance(by duration: Duration) {
        lock.lock()
        current = current.addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        lock.unlock()
    }

    /// A sleep that returns at once but moves the clock forward by the requested time.
    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in record(duration) }
    }

    var nowFunction: @Sendable () -> Date { { [self] in now } }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Starts a FakeGitHub for the duration of `body`.
func withFakeGitHub<T>(
    seed: FakeSeed = TestData.seed(), options: FakeGitHubOptions = FakeGitHubOptions(),
    _ body: (FakeGitHubServer) async throws -> T
) async throws -> T {
    let server = try await FakeGitHubServer.start(seed: seed, options: options)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

enum TestData {
    static let token = "ghp_test_token_for_alice_0123456789abcdef"
    static let otherToken = "github_pat_11ABCDEFG_a_much_longer_fine_grained_token_for_bob_0123456789_xyz"

    /// acme/widgets with `issues` issues and `pulls` PRs (sharing numbers), `branches` branches,
    /// collaborators alice (admin) and bob (push).
    static func seed(issues: Int = 10, pulls: Int = 4, branches: Int = 3) -> FakeSeed {
        var generator = FakeSeedGenerator(organization: "acme", repositories: 1, issues: issues, pullRequests: pulls,
                                          branches: branches, collaborators: 3, teams: 1, seed: 7)
        generator.tokens = []
        var seed = generator.generate()
        seed.repositories[0].name = "widgets"
        seed.users.append(FakeUser(id: 1, login: "alice"))
        seed.users.append(FakeUser(id: 2, login: "bob"))
        seed.repositories[0].collaborators += [FakeCollaborator(login: "alice", permission: "admin"), FakeCollaborator(login: "bob", permission: "push")]
        seed.tokens = [FakeToken(token: token, login: "alice"), FakeToken(token: otherToken, login: "bob")]
        return seed
    }

    static func configuration(_ server: FakeGitHubServer, clock: TestClock? = nil, perPage: Int = 100,
                              mutationSpacing: Duration = .milliseconds(1), timeout: Duration = .seconds(10)) -> GitHubConfiguration {
        let realSleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        let realNow: @Sendable () -> Date = { Date() }
        return GitHubConfiguration(
            baseURL: server.baseURL, perPage: perPage, requestTimeout: timeout, mutationSpacing: mutationSpacing,
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)),
            sleep: clock?.sleep ?? realSleep, now: clock?.nowFunction ?? realNow)
    }

    static func client(_ server: FakeGitHubServer, clock: TestClock? = nil, token: String = TestData.token, perPage: Int = 100,
                       policy: RateLimitPolicy = .waitForReset, mutationSpacing: Duration = .milliseconds(1),
                       timeout: Duration = .seconds(10)) -> GitHubClient {
        GitHubClient(configuration: configuration(server, clock: clock, perPage: perPage, mutationSpacing: mutationSpacing, timeout: timeout),
                     auth: .token(GitHubToken(token)), rateLimitPolicy: policy)
    }
}

/// An RSA key pair for App tests, made in-process (no key material in the repository).
enum TestKeys {
    static let privateKey: _RSA.Signing.PrivateKey = {
        // 2048 bits: GitHub's minimum and swift-crypto's minimum for the safe API.
        (try? _RSA.Signing.PrivateKey(keySize: .bits2048)) ?? { fatalError("RSA key generation failed") }()
    }()
}

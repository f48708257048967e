import FakeGitHub
import Foundation
import GitHub
import Testing

@Suite("fake-github executable")
struct FakeGitHubCLITests {
    /// The built `fake-github` next to the test bundle (SwiftPM puts products in one folder).
    static func binary() -> URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("fake-github")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test("The generator is deterministic and round-trips through JSON")
    func generatorIsDeterministic() throws {
        let generator = FakeSeedGenerator(issues: 300, pullRequests: 80, branches: 20, collaborators: 7)
        let a = try FakeSeed.encoder().encode(generator.generate())
        let b = try FakeSeed.encoder().encode(generator.generate())
        #expect(a == b)
        let seed = try FakeSeed.decoder().decode(FakeSeed.self, from: a)
        let repo = try #require(seed.repositories.first)
        #expect(repo.issues.count == 380)
        #expect(repo.issues.filter { $0.pull != nil }.count == 80)
        #expect(Set(repo.issues.map(\.number)) == Set(1...380), "issues and PRs share one number sequence")
        #expect(repo.branches.count == 20)
    }

    @Test("`fake-github --seed FILE --port 0` serves the seed over HTTP and prints its URL")
    func standalone() async throws {
        guard let binary = Self.binary() else {
            Issue.record("fake-github was not built next to the tests (run `swift build --product fake-github` first)")
            return
        }
        let seedFile = FileManager.default.temporaryDirectory.appendingPathComponent("fake-github-seed-\(UUID().uuidString).json")
        try FakeSeed.encoder().encode(TestData.seed(issues: 120, pulls: 30)).write(to: seedFile)
        defer { try? FileManager.default.removeItem(at: seedFile) }

        let process = Process()
        process.executableURL = binary
        process.arguments = ["--seed", seedFile.path, "--port", "0", "--prefix", "/api/v3"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let baseURL = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(baseURL.hasPrefix("http://127.0.0.1:") && baseURL.hasSuffix("/api/v3"))

        let client = GitHubClient(configuration: GitHubConfiguration(baseURL: baseURL), auth: .token(GitHubToken(TestData.token)))
        let issues = try await client.issues(owner: "acme", repo: "widgets").collect()
        #expect(issues.count == 150)
        let again = try await client.repositoryIfChanged(owner: "acme", repo: "widgets", mode: .storeOnReceipt)
        #expect(again.value != nil)
        #expect(try await client.repositoryIfChanged(owner: "acme", repo: "widgets", mode: .storeOnReceipt).isNotModified)
    }
}

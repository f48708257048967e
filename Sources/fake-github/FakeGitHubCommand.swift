import ArgumentParser
import FakeGitHub
import Foundation

/// `fake-github [serve] --seed FILE --port P …` runs FakeGitHub standalone;
/// `fake-github generate …` prints a deterministic seed.
@main
struct FakeGitHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-github",
        abstract: "An in-memory GitHub (REST, GraphQL, webhooks) on loopback HTTP.",
        subcommands: [Serve.self, Generate.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve a seeded FakeGitHub; prints its base URL on one line.")

    @Option(help: "Seed JSON (see `fake-github generate`). Empty state when omitted.") var seed: String?
    @Option(help: "Port to bind on 127.0.0.1 (0 = any free port).") var port: Int = 0
    @Option(help: "Host to bind.") var host: String = "127.0.0.1"
    @Option(name: .customLong("latency-ms"), help: "Latency added to every request, in milliseconds.") var latencyMS: Int = 0
    @Option(name: .customLong("webhook-url"), help: "POST webhooks for every mutation here.") var webhookURL: String?
    @Option(name: .customLong("webhook-secret"), help: "Sign webhooks with this secret.") var webhookSecret: String?
    @Option(help: "GHES path prefix, e.g. /api/v3.") var prefix: String = ""
    @Option(name: .customLong("rate-limit"), help: "Primary budget per credential per hour.") var rateLimit: Int = 5000
    @Option(name: .customLong("per-page"), help: "Default page size.") var perPage: Int = 30
    @Flag(name: .customLong("dates-to-now"), help: "Shift the seed's dates so its newest is now (recorded samples look current).") var datesToNow = false

    func run() async throws {
        var seedData = try seed.map(FakeSeed.load(path:)) ?? FakeSeed()
        if datesToNow { seedData = SeedDates.shifted(seedData, newestAt: Date().addingTimeInterval(-3600)) }
        let options = FakeGitHubOptions(
            pathPrefix: prefix, latency: .milliseconds(latencyMS), rateLimit: rateLimit, graphQLRateLimit: rateLimit,
            webhookURL: webhookURL, webhookSecret: webhookSecret, defaultPerPage: perPage)
        let server = try await FakeGitHubServer.start(seed: seedData, options: options, host: host, port: port)
        FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
        await server.stop()
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a deterministic seed for a sample organisation.")

    @Option var org: String = "acme"
    @Option var repos: Int = 1
    @Option var issues: Int = 100
    @Option var prs: Int = 20
    @Option var branches: Int = 10
    @Option var collaborators: Int = 5
    @Option var teams: Int = 2
    @Option(name: .customLong("random-seed"), help: "RNG seed; same seed, same output.") var randomSeed: UInt64 = 42
    @Option(name: .customLong("token"), help: "A token the fake accepts (repeatable).") var tokens: [String] = []
    @Flag(help: "Pretty-print.") var pretty = false

    func run() throws {
        let seed = FakeSeedGenerator(
            organization: org, repositories: repos, issues: issues, pullRequests: prs, branches: branches,
            collaborators: collaborators, teams: teams, seed: randomSeed, tokens: tokens
        ).generate()
        var data = try FakeSeed.encoder(pretty: pretty).encode(seed)
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }
}

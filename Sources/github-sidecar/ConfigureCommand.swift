import ArgumentParser
import Foundation
import Frappe

/// Saves GitHub Settings from the command line (what an admin would type into the desk form),
/// through the document store: the token and secret go to `__Auth`, never to a column or a log.
struct ConfigureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "configure", abstract: "Save GitHub Settings for a site.")

    @Option(help: "The bench directory.") var bench: String
    @Option(help: "The site name.") var site: String
    @Option(help: "Read the personal access token from this environment variable.") var tokenEnv: String?
    @Option(name: .customLong("api-base-url"), help: "https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise.") var apiBaseURL: String?
    @Option(help: "Read the webhook secret from this environment variable.") var webhookSecretEnv: String?
    @Option(help: "Default organisation.") var organization: String?

    func run() async throws {
        var values: [String: FrappeValue] = ["enabled": .int(1)]
        if let name = tokenEnv {
            guard let token = ProcessInfo.processInfo.environment[name], !token.isEmpty else { throw ValidationError("$\(name) is empty") }
            values["personal_access_token"] = .string(token)
            values["auth_type"] = "Personal Access Token"
        }
        if let name = webhookSecretEnv {
            guard let secret = ProcessInfo.processInfo.environment[name], !secret.isEmpty else { throw ValidationError("$\(name) is empty") }
            values["webhook_secret"] = .string(secret)
        }
        if let apiBaseURL { values["api_base_url"] = .string(apiBaseURL) }
        if let organization { values["default_organization"] = .string(organization) }
        let config = try Bench(path: URL(fileURLWithPath: bench)).config(for: site)
        let frappeSite = try await Site(config: config, poolSize: 1)
        let saved = values
        try await frappeSite.write(user: "Administrator") { try $0.setSingle("GitHub Settings", saved) }
        try await frappeSite.close()
        print("GitHub Settings saved: \(values.keys.sorted().joined(separator: ", "))")
    }
}

import ArgumentParser
import Foundation
import Frappe
import Integration
import Logging
import Metrics
import Prometheus
import Server
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the RPC methods for every site of a bench.")

    @Option(help: "The bench directory.") var bench: String
    @Option(help: "Address to listen on (loopback; nginx and the bridge reach it there).") var listen: String = "127.0.0.1:8790"
    @Option(name: .customLong("frappe-url"), help: "Frappe's URL, to validate desk `sid` cookies (optional).") var frappeURL: String?
    @Option(name: .customLong("pool-size"), help: "Database connections per site for requests (webhook workers get one each on top).") var poolSize: Int = 4
    @Option(name: .customLong("webhook-workers"), help: "Webhook workers per site in this process (0: receive only).") var webhookWorkers: Int = 4
    @Option(name: .customLong("job-workers"), help: "Queued syncs run at once per site in this process (0: run none here).") var jobWorkers: Int = 3
    @Option(name: .customLong("sync-wait"), help: "Seconds sync_repo waits for its job before answering that it is queued.") var syncWait: Int = 20
    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may send nothing before it is closed.") var idleTimeout: Int = 30
    @Option(name: .customLong("read-timeout"), help: "Seconds a request's body may take to arrive in full.") var readTimeout: Int = 60

    func run() async throws {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen takes HOST:PORT") }
        var logger = Logger(label: "github-sidecar")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let sites = SiteDirectory(bench: Bench(path: URL(fileURLWithPath: bench)), poolSize: poolSize + max(0, webhookWorkers) + 2 * max(0, jobWorkers), logger: logger)
        // The bench's GitHub App (template sync), when GITHUB_APP_* is set.
        let githubApp = try GitHubAppService.fromProcessEnvironment(sites: sites, logger: logger)
        // A job holds one connection for its repository's lock and uses another for its writes.
        let context = IntegrationContext(app: githubApp, jobConcurrency: max(0, jobWorkers), syncWait: .seconds(max(0, syncWait)))
        let server = SidecarServer(
            configuration: .init(host: String(parts[0]), port: port, frappeURL: frappeURL,
                                 idleTimeout: .seconds(max(1, idleTimeout)), readTimeout: .seconds(max(1, readTimeout))), sites: sites,
            methods: Catalogue.methods(context), registry: registry,
            sessions: frappeURL.map { FrappeSessionValidator(frappeURL: $0) }, githubApp: githubApp, logger: logger)
        let app = server.application { bound in
            // One line on stdout, flushed at once, so scripts and tests can wait for it.
            FileHandle.standardOutput.write(Data("github-sidecar listening on http://\(parts[0]):\(bound)\n".utf8))
        }
        // SIGTERM/SIGINT: stop accepting, finish in-flight requests (and their transactions), exit.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        if webhookWorkers > 0 {
            let workers = WebhookWorkers(sites: sites, doorbell: .process, configuration: .init(workersPerSite: webhookWorkers), logger: logger)
            services.append(.init(service: WebhookWorkerService(workers: workers)))
        }
        if jobWorkers > 0 {
            services.append(.init(service: JobRunnerService(runner: context.jobs, sites: sites)))
        }
        if let githubApp {
            _ = try await githubApp.landlord()   // tables created on start; a bad URL fails here, not on the first delivery
            let seconds = ProcessInfo.processInfo.environment["GITHUB_APP_HEAD_CHECK_SECONDS"].flatMap(Int.init) ?? 600
            services.append(.init(service: GitHubAppWorkerService(workers: GitHubAppWorkers(service: githubApp, headCheck: .seconds(max(5, seconds))))))
        }
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        await sites.closeAll()
    }
}

struct InstallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "install", abstract: "Install role, custom fields, permissions and default settings on a site.")

    @Option(help: "The bench directory.") var bench: String
    @Option(help: "The site name.") var site: String

    func run() async throws {
        let config = try Bench(path: URL(fileURLWithPath: bench)).config(for: site)
        let frappeSite = try await Site(config: config, poolSize: 1)
        let summary = try await Install.run(site: frappeSite, user: "Administrator")
        try await frappeSite.close()
        print("role GitHub Admin: \(summary.createdRole ? "created" : "already there")")
        print("custom fields created: \(summary.createdFields.isEmpty ? "none" : summary.createdFields.joined(separator: ", "))")
        print("columns added: \(summary.addedColumns.isEmpty ? "none" : summary.addedColumns.joined(separator: ", "))")
        print("permission rows added: \(summary.permissionRows)")
        print("settings filled with defaults: \(summary.settingsFilled.isEmpty ? "none" : summary.settingsFilled.joined(separator: ", "))")
    }
}

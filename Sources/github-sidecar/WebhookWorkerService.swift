import Frappe
import Integration
import ServiceLifecycle

/// The webhook workers as a lifecycle service: on SIGTERM/SIGINT each worker finishes the
/// delivery in hand (its transaction commits or rolls back whole) and stops; what is still
/// queued stays queued for the next start.
struct WebhookWorkerService: Service {
    let workers: WebhookWorkers

    func run() async throws {
        await withGracefulShutdownHandler {
            await workers.run()
        } onGracefulShutdown: {
            workers.stop()
        }
    }
}

/// The GitHub App's delivery workers and head check, stopped the same way.
struct GitHubAppWorkerService: Service {
    let workers: GitHubAppWorkers

    func run() async throws {
        await withGracefulShutdownHandler {
            await workers.run()
        } onGracefulShutdown: {
            workers.stop()
        }
    }
}

/// Queued syncs: every site's due jobs run, and interrupted ones are queued again, until
/// SIGTERM/SIGINT; a sync cut short then is queued again for the next start.
struct JobRunnerService: Service {
    let runner: JobRunner
    let sites: SiteDirectory

    func run() async throws {
        await withGracefulShutdownHandler {
            await runner.poll(sites)
        } onGracefulShutdown: {
            Task { await runner.stop() }
        }
        await runner.stop()
    }
}

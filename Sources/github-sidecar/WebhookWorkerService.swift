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

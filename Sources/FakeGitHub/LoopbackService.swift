import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a Hummingbird application on loopback inside its own `ServiceGroup`, hands back the bound
/// port, and stops it gracefully (in-flight requests finish; cancellation only as a fallback), so
/// stopping a fake in a test neither hangs nor logs spurious errors.
final class LoopbackService: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let runTask: Task<Void, any Error>

    private init(port: Int, group: ServiceGroup, runTask: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.runTask = runTask
    }

    static func start<Responder: HTTPResponderBuilder>(
        router: Responder, host: String, port: Int, serverName: String?, logger: Logger
    ) async throws -> LoopbackService where Responder.Responder.Context: RequestContext, Responder.Responder.Context.Source == ApplicationRequestContextSource {
        let ports = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                ports.continuation.yield(channel.localAddress?.port ?? 0)
                ports.continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(services: [app], logger: logger)
        let runTask = Task {
            defer { ports.continuation.finish() }
            try await group.run()
        }
        var bound: Int?
        for await value in ports.stream { bound = value }
        guard let bound, bound > 0 else {
            // The server never came up: surface run()'s error (e.g. port in use).
            try await runTask.value
            throw FakeGitHubError.serverStopped
        }
        return LoopbackService(port: bound, group: group, runTask: runTask)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        let runTask = self.runTask
        let watchdog = Task {
            try await Task.sleep(for: .seconds(3))
            runTask.cancel()
        }
        _ = try? await runTask.value
        watchdog.cancel()
    }
}

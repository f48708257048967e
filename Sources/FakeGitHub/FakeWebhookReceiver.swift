import Foundation
import GitHub
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A loopback endpoint that records webhook deliveries (headers and raw body), for tests and the
/// demo to check what FakeGitHub (or anything else) sent. Answers 202 to everything, or the status
/// set with ``respond(with:)``.
public final class FakeWebhookReceiver: Sendable {
    public struct Received: Sendable {
        public var path: String
        public var headers: [(String, String)]
        public var body: Data

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    private actor Store {
        var received: [Received] = []
        var status = 202
        func append(_ item: Received) { received.append(item) }
        func set(_ status: Int) { self.status = status }
    }

    private let store: Store
    private let service: LoopbackService

    public var port: Int { service.port }

    /// `http://127.0.0.1:PORT/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    private init(service: LoopbackService, store: Store) {
        self.service = service
        self.store = store
    }

    public static func start() async throws -> FakeWebhookReceiver {
        let store = Store()
        let router = Router(context: BasicRequestContext.self)
        router.post("**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
            var headers: [(String, String)] = []
            for field in request.headers { headers.append((field.name.rawName, field.value)) }
            await store.append(Received(path: request.uri.path, headers: headers, body: Data(buffer: body)))
            return Response(status: HTTPResponse.Status(code: await store.status))
        }
        var logger = Logger(label: "fake-webhook-receiver")
        logger.logLevel = .warning
        let service = try await LoopbackService.start(router: router, host: "127.0.0.1", port: 0, serverName: nil, logger: logger)
        return FakeWebhookReceiver(service: service, store: store)
    }

    /// Everything received so far.
    public func received() async -> [Received] { await store.received }

    /// Waits until at least `count` deliveries arrived (polling; gives up after `timeout`).
    public func waitFor(count: Int, timeout: Duration = .seconds(10)) async -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let items = await store.received
            if items.count >= count { return items }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return await store.received
    }

    public func respond(with status: Int) async { await store.set(status) }

    public func stop() async {
        await service.stop()
    }
}

import AsyncHTTPClient
import Foundation
import GitHub
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// FakeGitHub on real HTTP (Hummingbird), for tests, the demo and benchmarks.
///
/// ```swift
/// let server = try await FakeGitHubServer.start(seed: seed, options: .init(latency: .milliseconds(20)))
/// let client = GitHubClient(configuration: .init(baseURL: server.baseURL), auth: .token(token))
/// …
/// let log = await server.state.requestLog()
/// await server.stop()
/// ```
///
/// Port 0 binds a free port; ``baseURL`` tells which. Requests are handled in unstructured tasks so
/// that a client giving up (timeout) does not cancel the work, just as GitHub completes a request
/// whose client went away.
public final class FakeGitHubServer: Sendable {
    public let state: FakeGitHubState
    private let service: LoopbackService

    /// The bound port.
    public var port: Int { service.port }

    /// REST base URL including any GHES prefix, e.g. `http://127.0.0.1:54321` or `…/api/v3`.
    public var baseURL: String { "http://127.0.0.1:\(port)" + state.options.pathPrefix }

    private init(state: FakeGitHubState, service: LoopbackService) {
        self.state = state
        self.service = service
    }

    public static func start(
        seed: FakeSeed = FakeSeed(), options: FakeGitHubOptions = FakeGitHubOptions(), host: String = "127.0.0.1", port: Int = 0,
        logger: Logger = Logger(label: "fake-github")
    ) async throws -> FakeGitHubServer {
        try await start(state: FakeGitHubState(seed: seed, options: options), host: host, port: port, logger: logger)
    }

    public static func start(
        state: FakeGitHubState, host: String = "127.0.0.1", port: Int = 0, logger: Logger = Logger(label: "fake-github")
    ) async throws -> FakeGitHubServer {
        let router = Router(context: BasicRequestContext.self)
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            let body = try await request.body.collect(upTo: 32 * 1024 * 1024)
            var headers: [(String, String)] = []
            for field in request.headers { headers.append((field.name.rawName, field.value)) }
            let fakeRequest = FakeHTTPRequest(
                method: request.method.rawValue, target: request.uri.description, headers: headers, body: Data(buffer: body))
            let response = await Task { await FakeGitHubServer.process(fakeRequest, state: state) }.value
            var fields = HTTPFields()
            for (name, value) in response.headers {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            return Response(
                status: HTTPResponse.Status(code: response.status), headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(data: response.body)))
        }
        for method in [HTTPRequest.Method.get, .post, .patch, .put, .delete] {
            router.on("**", method: method, use: handler)
        }

        var serverLogger = logger
        serverLogger.logLevel = .warning
        let service = try await LoopbackService.start(router: router, host: host, port: port, serverName: "GitHub.com", logger: serverLogger)
        await state.setPublicBaseURL("http://\(host):\(service.port)")
        return FakeGitHubServer(state: state, service: service)
    }

    /// Stops the server gracefully.
    public func stop() async {
        // Graceful shutdown waits for in-flight requests; a withheld answer would hold it up.
        await state.stopWithholding()
        await service.stop()
    }

    /// The pipeline: log → latency → fault → respond → log → webhooks.
    static func process(_ request: FakeHTTPRequest, state: FakeGitHubState) async -> FakeHTTPResponse {
        if request.path.contains("/_fake/") {
            // Control endpoints are not GitHub: no log entry, latency, faults or budget.
            if let answer = await appControl(request, state: state) { return answer }
            return await state.respond(to: request, fault: nil).response
        }
        let id = await state.logArrival(request)
        let latency = state.options.latency
        if latency > .zero { try? await Task.sleep(for: latency) }
        let prefix = state.options.pathPrefix
        let path = request.path.hasPrefix(prefix) ? String(request.path.dropFirst(prefix.count)) : request.path
        // `&…&` around the query, so a fault can name one parameter exactly (`&page=2&`).
        let query = request.target.split(separator: "?", maxSplits: 1).dropFirst().first.map { "&" + $0 + "&" } ?? ""
        let fault = await state.takeFault(method: request.method, path: path, query: query)
        if case .delay(let extra)? = fault { try? await Task.sleep(for: extra) }
        let outcome = await state.respond(to: request, fault: fault)
        await state.logCompletion(id: id, status: outcome.response.status, identity: outcome.identity, charged: outcome.charged)
        if !outcome.webhooks.isEmpty {
            let webhooks = outcome.webhooks
            Task { await WebhookSender.send(webhooks, state: state) }
        }
        if case .applyThenHang(let limit)? = fault { await state.withholdAnswer(id: id, upTo: limit) }
        return outcome.response
    }

    /// Applies a push to the default branch (see ``FakeGitHubState``) and sends its webhooks.
    public func commitFiles(_ fullName: String, changes: [String: String?], message: String = "Update files", author: String = "octocat") async {
        let webhooks = await state.commitFiles(fullName, changes: changes, message: message, author: author)
        await WebhookSender.send(webhooks, state: state)
    }
}

/// Posts webhooks the way GitHub does: JSON body, `X-GitHub-Event`, `X-GitHub-Delivery`,
/// `X-Hub-Signature-256` when the hook has a secret, `User-Agent: GitHub-Hookshot/…`.
enum WebhookSender {
    static func send(_ webhooks: [OutgoingWebhook], state: FakeGitHubState) async {
        for webhook in webhooks {
            var request = HTTPClientRequest(url: webhook.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "GitHub-Hookshot/fake")
            request.headers.add(name: "X-GitHub-Event", value: webhook.event)
            request.headers.add(name: "X-GitHub-Delivery", value: webhook.deliveryID)
            request.headers.add(name: "X-GitHub-Hook-ID", value: "1")
            if let secret = webhook.secret {
                request.headers.add(name: "X-Hub-Signature-256", value: WebhookVerifier.signature(for: webhook.body, secret: secret))
            }
            request.body = .bytes(ByteBuffer(data: webhook.body))
            var record = FakeWebhookDelivery(
                deliveryID: webhook.deliveryID, event: webhook.event, action: webhook.action, url: webhook.url)
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1024 * 1024)
                record.responseStatus = Int(response.status.code)
            } catch {
                record.error = "\(error)"
            }
            await state.recordDelivery(record)
        }
    }
}

public enum FakeGitHubError: Error, Sendable {
    case serverStopped
}

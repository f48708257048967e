import AsyncHTTPClient
import Foundation
import Frappe
import GitHub
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// What an outside probe found at the door (issue 12), each pinned through the running binary.
@Suite("Hardening at the door (issue 12)", .serialized)
struct HardeningTests {
    static let statsPath = "/api/method/erpnext_github_integration.github_api.get_sync_statistics"
    static let webhookPath = "/api/method/erpnext_github_integration.webhooks.github_webhook"

    func bridgeHeaders(_ h: HardeningHarness.Running, site: String? = nil, body: Data, timestamp: Int? = nil, nonce: String = BridgeCall.nonce(),
                       signedSite: String? = nil) -> [(String, String)] {
        BridgeCall.headers(secret: h.secret, site: site ?? h.siteA, user: "Administrator", method: "POST", path: Self.statsPath, body: body,
                           timestamp: timestamp, nonce: nonce, signedSite: signedSite)
    }

    /// A signed `ping` delivery for site A, answered within GitHub's 10 s (what GitHub allows an
    /// acknowledgement: a later one counts as a failed delivery).
    func webhook(_ h: HardeningHarness.Running, base: String? = nil, delivery: String = UUID().uuidString) async throws -> HTTPReply {
        let body = Data(#"{"zen":"Keep it logically awesome.","hook_id":1}"#.utf8)
        return try await HTTP.send(.POST, (base ?? h.sidecar.baseURL) + Self.webhookPath, headers: [
            ("X-Frappe-Site-Name", h.siteA), ("Content-Type", "application/json"), ("X-GitHub-Event", "ping"),
            ("X-GitHub-Delivery", delivery), ("X-Hub-Signature-256", WebhookVerifier.signature(for: body, secret: h.webhookSecret)),
        ], body: body, timeout: .seconds(10))
    }

    func desk(_ h: HardeningHarness.Running, _ method: String = "github_api.get_sync_statistics", base: String? = nil) async throws -> HTTPReply {
        try await HTTP.send(.GET, (base ?? h.sidecar.baseURL) + "/api/method/erpnext_github_integration.\(method)",
                            headers: [("X-Frappe-Site-Name", h.siteA), ("Authorization", h.tokenA)], timeout: .seconds(30))
    }

    func replaced(_ headers: [(String, String)], _ name: String, _ value: String?) -> [(String, String)] {
        var out = headers.filter { $0.0.lowercased() != name.lowercased() }
        if let value { out.append((name, value)) }
        return out
    }

    func signature(_ headers: [(String, String)]) -> String { headers.first { $0.0 == "X-Sidecar-Signature" }?.1 ?? "" }

    // MARK: 1–3 the bridge's signature

    @Test("1. a replayed bridge call is refused in any hex case, by another sidecar of the bench, and after a restart")
    func replays() async throws {
        let h = try await HardeningHarness.shared.start()
        let body = Data(#"{"probe":1}"#.utf8)
        let headers = bridgeHeaders(h, body: body)
        let url = h.sidecar.baseURL + Self.statsPath
        let first = try await HTTP.send(.POST, url, headers: headers, body: body)
        #expect(first.status == 200, "\(first.serverMessage ?? "")")

        let hex = String(signature(headers).dropFirst("sha256=".count))
        let mixed = String(hex.enumerated().map { $0.offset % 2 == 0 ? Character($0.element.uppercased()) : $0.element })
        for variant in ["sha256=" + hex.uppercased(), "sha256=" + mixed, "SHA256=" + hex] {
            let replay = try await HTTP.send(.POST, url, headers: replaced(headers, "X-Sidecar-Signature", variant), body: body)
            #expect(replay.status == 401 && replay.serverMessage == "This signed call was already used", "\(variant.prefix(12))…")
        }

        let other = try await h.startSidecar()
        defer { other.kill() }
        let elsewhere = try await HTTP.send(.POST, other.baseURL + Self.statsPath, headers: headers, body: body)
        #expect(elsewhere.status == 401 && elsewhere.serverMessage == "This signed call was already used", "another sidecar of the bench")
        other.kill()
        let restarted = try await h.startSidecar()
        defer { restarted.kill() }
        let afterRestart = try await HTTP.send(.POST, restarted.baseURL + Self.statsPath, headers: headers, body: body)
        #expect(afterRestart.status == 401 && afterRestart.serverMessage == "This signed call was already used", "after a restart")

        let missing = try await HTTP.send(.POST, url, headers: replaced(bridgeHeaders(h, body: body), "X-Sidecar-Nonce", nil), body: body)
        #expect(missing.status == 401 && missing.excType == "AuthenticationError", "a call without a nonce is refused")
    }

    @Test("1. a site with no redis_cache remembers nonces in the sidecar's memory")
    func replaysWithoutRedis() async throws {
        let h = try await HardeningHarness.shared.start()
        let body = Data(#"{"probe":2}"#.utf8)
        let headers = bridgeHeaders(h, site: h.siteB, body: body)
        #expect(try await HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: headers, body: body).status == 200)
        let replay = try await HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: headers, body: body)
        #expect(replay.status == 401 && replay.serverMessage == "This signed call was already used")
    }

    @Test("2. a call signed for one site of the bench is refused for another, by header or by Host")
    func siteIsSigned() async throws {
        let h = try await HardeningHarness.shared.start()
        let body = Data(#"{"probe":3}"#.utf8)
        let forA = bridgeHeaders(h, site: h.siteB, body: body, signedSite: h.siteA)
        let byHeader = try await HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: forA, body: body)
        #expect(byHeader.status == 401 && byHeader.serverMessage == "Invalid bridge signature")

        let raw = try RawConnection(port: h.sidecar.port)
        let lines = forA.filter { $0.0 != "X-Frappe-Site-Name" }.map { "\($0.0): \($0.1)\r\n" }.joined()
        raw.send("POST \(Self.statsPath) HTTP/1.1\r\nHost: \(h.siteB)\r\n\(lines)Content-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        raw.send(Array(body))
        let byHost = try await raw.readResponse()
        #expect(byHost.status == 401 && byHost.excType == "AuthenticationError")

        let rightSite = bridgeHeaders(h, site: h.siteB, body: body)
        #expect(try await HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: rightSite, body: body).status == 200)
    }

    @Test("3. the same call twice in the same second from two workers, each with its nonce, is served twice")
    func doubleClick() async throws {
        let h = try await HardeningHarness.shared.start()
        let body = Data(#"{"probe":4}"#.utf8)
        let now = Int(Date().timeIntervalSince1970)
        let one = bridgeHeaders(h, body: body, timestamp: now), two = bridgeHeaders(h, body: body, timestamp: now)
        async let first = HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: one, body: body)
        async let second = HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: two, body: body)
        let replies = try await [first, second]
        #expect(replies.map(\.status) == [200, 200], "\(replies.map { $0.serverMessage ?? "" })")
    }

    // MARK: 4 desk sessions

    @Test("4. a sid Frappe cannot be asked about is a fast 503; a cookie that is no session id is Guest, never forwarded")
    func sessions() async throws {
        let h = try await HardeningHarness.shared.start()
        let url = h.sidecar.baseURL + Self.statsPath
        // Frappe hangs: the sidecar does not wait for it past its own bound, and says why.
        let hanging = try await HTTP.send(.GET, url, headers: [("X-Frappe-Site-Name", h.siteA), ("Cookie", "sid=0123456789abcdef0123456789abcdef")])
        #expect(hanging.status == 503 && hanging.excType == "SessionStopped", "\(hanging.status) \(hanging.serverMessage ?? "")")
        #expect(hanging.contentType == "application/json" && hanging.retryAfter != nil)
        #expect(hanging.serverMessage?.contains("session could not be checked") == true)

        // Not a session id: Guest at once (a hanging Frappe would have made this a 503), so 403.
        for cookie in ["sid=abc%0D%0AX-Injected:%201", "sid=\"quoted\"", "sid=" + String(repeating: "a", count: 300)] {
            let reply = try await HTTP.send(.GET, url, headers: [("X-Frappe-Site-Name", h.siteA), ("Cookie", cookie)])
            #expect(reply.status == 403 && reply.excType == "PermissionError", "\(cookie.prefix(24)): \(reply.status)")
        }
        // A raw CR inside the cookie never reaches a handler: a Frappe-shaped refusal.
        let raw = try RawConnection(port: h.sidecar.port)
        raw.send("GET \(Self.statsPath) HTTP/1.1\r\nHost: \(h.siteA)\r\nCookie: sid=abc\rX-Injected: 1\r\nConnection: close\r\n\r\n")
        let crlf = try await raw.readResponse()
        #expect(crlf.status == 400 || crlf.status == 403)
        #expect(crlf.contentType == "application/json" && crlf.excType != nil)

        // Frappe down (nothing listens): 503 as well.
        let down = try await h.startSidecar(extra: ["--frappe-url", "http://127.0.0.1:\(try Loopback.freePort())"])
        defer { down.kill() }
        let refused = try await HTTP.send(.GET, down.baseURL + Self.statsPath,
                                          headers: [("X-Frappe-Site-Name", h.siteA), ("Cookie", "sid=0123456789abcdef0123456789abcdef")])
        #expect(refused.status == 503 && refused.excType == "SessionStopped")
    }

    // MARK: 5 Redis frozen

    @Test("5. with the site's Redis frozen, acknowledgements and desk writes do not wait for it; failures are counted and logged once")
    func frozenRedis() async throws {
        let h = try await HardeningHarness.shared.start()
        let earlier = UUID().uuidString
        #expect(try await webhook(h, delivery: earlier).status == 202)
        h.redis.freeze()
        defer { h.redis.thaw() }
        // Thirty deliveries at once, each answered within GitHub's 10 s.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<30 { group.addTask { try await webhook(h).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 202, count: 30))
        // A desk write (queue a stored delivery again) commits and answers too.
        let replay = try await HTTP.send(.POST, h.sidecar.baseURL + "/api/method/erpnext_github_integration.webhooks.replay_delivery",
                                         headers: [("X-Frappe-Site-Name", h.siteA), ("Authorization", h.tokenA), ("Content-Type", "application/json")],
                                         body: Data(#"{"delivery":"\#(earlier)"}"#.utf8), timeout: .seconds(10))
        #expect(replay.status == 200 && replay.json?["message"]?["delivery"]?.string == earlier, "\(replay.status) \(replay.serverMessage ?? "")")
        // A bridge call cannot be checked against replays: refused, 503, in bounded time.
        let body = Data(#"{"probe":5}"#.utf8)
        let bridge = try await HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: bridgeHeaders(h, body: body), body: body,
                                         timeout: .seconds(10))
        #expect(bridge.status == 503 && bridge.retryAfter != nil, "\(bridge.status) \(bridge.serverMessage ?? "")")

        try await waitUntil("failed Redis attempts are counted in /metrics", deadline: .seconds(60)) {
            let metrics = String(decoding: try await HTTP.send(.GET, h.sidecar.baseURL + "/metrics").body, as: UTF8.self)
            return Self.counter(metrics, "sidecar_frappe_redis_failures_total", site: h.siteA) >= 2
        }
        let outages = h.sidecar.logText.components(separatedBy: "Frappe's Redis for \(h.siteA) does not answer").count - 1
        #expect(outages == 1, "one log line per outage, not one per failure")

        h.redis.thaw()
        try await waitUntil("the queued refreshes reach Redis once it answers", deadline: .seconds(60)) {
            h.sidecar.logText.contains("Frappe's Redis for \(h.siteA) answers again")
        }
        try await waitUntil("bridge calls are served again", deadline: .seconds(60)) {
            let body = Data(#"{"probe":6}"#.utf8)
            return try await HTTP.send(.POST, h.sidecar.baseURL + Self.statsPath, headers: bridgeHeaders(h, body: body), body: body).status == 200
        }
    }

    static func counter(_ metrics: String, _ name: String, site: String) -> Double {
        metrics.split(separator: "\n").filter { $0.hasPrefix(name) && $0.contains("site=\"\(site)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }

    // MARK: 6 database away

    @Test("6. with the database away, webhooks and desk calls answer 503 with Retry-After, and it recovers by itself")
    func databaseAway() async throws {
        let h = try await HardeningHarness.shared.start()
        #expect(try await webhook(h).status == 202)
        h.relay.cut()
        defer { try? h.relay.restore() }
        let delivery = try await webhook(h)
        #expect(delivery.status == 503 && delivery.excType == "SessionStopped", "\(delivery.status) \(delivery.serverMessage ?? "")")
        #expect(delivery.retryAfter == "5" && delivery.contentType == "application/json")
        #expect(delivery.serverMessage?.contains("database is not reachable") == true)
        let stats = try await desk(h)
        #expect(stats.status == 503 && stats.retryAfter != nil, "\(stats.status) \(stats.serverMessage ?? "")")

        try h.relay.restore()
        try await waitUntil("webhooks are acknowledged again", deadline: .seconds(60)) { try await webhook(h).status == 202 }
        #expect(try await desk(h).status == 200)
    }

    // MARK: 7 oversized and slow requests

    @Test("7. a declared Content-Length over the limit is refused up front with a 413, and the body is not read")
    func oversized() async throws {
        let h = try await HardeningHarness.shared.start()
        // Default timeouts (30 s idle, 60 s read): only the refusal itself may end this connection.
        let sidecar = try await h.startSidecar()
        defer { sidecar.kill() }
        let raw = try RawConnection(port: sidecar.port)
        raw.send("POST \(Self.webhookPath) HTTP/1.1\r\nHost: \(h.siteA)\r\nX-Frappe-Site-Name: \(h.siteA)\r\nContent-Type: application/json\r\n"
                 + "X-GitHub-Event: ping\r\nX-GitHub-Delivery: big\r\nContent-Length: 1000000000000\r\n\r\n{\"zen\":")
        let reply = try await raw.readResponse()
        #expect(reply.status == 413 && reply.excType == "RequestEntityTooLarge" && reply.contentType == "application/json")
        // A client that goes on uploading is cut off instead of being read for a terabyte.
        let chunk = [UInt8](repeating: 0x20, count: 65_536)
        #expect(try await raw.trickle(chunk, every: .milliseconds(5), deadline: .seconds(20)), "the connection is closed after the 413")
    }

    @Test("7. idle connections, slow headers and slow bodies are timed out")
    func slowClients() async throws {
        let h = try await HardeningHarness.shared.start()
        // Short timeouts on a sidecar of its own (pooled client connections to the shared one
        // would race an idle timeout this short).
        let sidecar = try await h.startSidecar(extra: ["--idle-timeout", "2", "--read-timeout", "4"])
        defer { sidecar.kill() }
        let idle = try RawConnection(port: sidecar.port)
        #expect(try await idle.waitForClose(deadline: .seconds(60)), "an idle connection is closed")

        let slowHead = try RawConnection(port: sidecar.port)
        slowHead.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        #expect(try await slowHead.trickle(Array("X-Slow: 1\r\n".utf8), every: .milliseconds(300), deadline: .seconds(60)),
                "headers sent a line at a time are cut off")

        let slowBody = try RawConnection(port: sidecar.port)
        slowBody.send("POST \(Self.webhookPath) HTTP/1.1\r\nHost: \(h.siteA)\r\nX-Frappe-Site-Name: \(h.siteA)\r\nContent-Type: application/json\r\n"
                      + "Content-Length: 100000\r\n\r\n")
        #expect(try await slowBody.trickle(Array(" ".utf8), every: .milliseconds(300), deadline: .seconds(60)),
                "a body sent a byte at a time is cut off")
        #expect(try await HTTP.send(.GET, sidecar.baseURL + "/healthz").status == 200)
    }

    // MARK: 8 every answer in Frappe's shape

    @Test("8. unknown routes, bytes not allowed in a URL, huge headers and broken requests get Frappe-shaped JSON")
    func everyAnswerIsJSON() async throws {
        let h = try await HardeningHarness.shared.start()
        let requests: [(String, [UInt8], Int)] = [
            ("unknown route", Array("GET /no/such/route HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), 404),
            ("unknown route under /api", Array("POST /api/resource/User HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8), 404),
            ("control byte in the query", Array("GET \(Self.statsPath)?a=\u{01}b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), 400),
            ("byte 0xFF in the query", Array("GET \(Self.statsPath)?a=".utf8) + [0xFF, 0xFE] + Array(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), 400),
            ("a 100 KB Authorization header",
             Array("GET \(Self.statsPath) HTTP/1.1\r\nHost: x\r\nAuthorization: token \(String(repeating: "k", count: 100_000))\r\nConnection: close\r\n\r\n".utf8), 400),
            ("a 100 KB argument", Array("GET \(Self.statsPath)?repository=\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), 400),
            ("not HTTP", Array("HELLO\r\n\r\n".utf8), 400),
        ]
        for (what, bytes, status) in requests {
            let raw = try RawConnection(port: h.sidecar.port)
            raw.send(bytes)
            let reply = try await raw.readResponse()
            #expect(reply.status == status, "\(what): \(reply.status.map(String.init) ?? "no answer")")
            #expect(reply.contentType == "application/json", "\(what)")
            #expect(reply.excType != nil && reply.json?["_server_messages"] != nil, "\(what): \(String(decoding: reply.body, as: UTF8.self))")
        }
    }

    // MARK: 9 GitHub answers not understood

    @Test("9. GitHub answering garbage or the wrong shape is told in user terms; the detail is logged once")
    func githubGarbage() async throws {
        let h = try await HardeningHarness.shared.start()
        for (contentType, body) in [("application/json", #"{"unexpected": true}"#), ("text/html", "<html><body>502 Bad Gateway</body></html>")] {
            h.github.answer(contentType: contentType, body: body)
            let before = h.sidecar.logText.components(separatedBy: "GitHub's answer to ").count
            let reply = try await desk(h, "github_api.test_connection")
            let message = reply.serverMessage ?? ""
            #expect(reply.status == 417 && reply.excType == "ValidationError", "\(reply.status) \(message)")
            #expect(message.contains("GitHub's answer to /user was not understood") && message.contains("sidecar log"), "\(message)")
            for detail in ["keyNotFound", "dataCorrupted", "DecodingError", "CodingKeys", "GitHubUser", "unexpected response"] {
                #expect(!message.contains(detail), "\(detail) stays in the log")
            }
            try await waitUntil("the detail is in the log", deadline: .seconds(30)) {
                h.sidecar.logText.components(separatedBy: "GitHub's answer to ").count > before
            }
            #expect(h.sidecar.logText.components(separatedBy: "GitHub's answer to ").count == before + 1, "logged once")
        }
    }
}

extension HTTPReply {
    var retryAfter: String? { headers["retry-after"] }
}

import Foundation

/// A request as FakeGitHub's core sees it, independent of the HTTP server in front of it.
public struct FakeHTTPRequest: Sendable {
    public var method: String
    /// Path and query as received.
    public var target: String
    public var headers: [(String, String)]
    public var body: Data

    public init(method: String, target: String, headers: [(String, String)] = [], body: Data = Data()) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.0.lowercased() == lower }?.1
    }

    var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }

    /// Decoded query items (last one wins).
    var query: [String: String] {
        guard let components = URLComponents(string: "http://x" + target) else { return [:] }
        var result: [String: String] = [:]
        for item in components.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }

    var queryItems: [URLQueryItem] {
        URLComponents(string: "http://x" + target)?.queryItems ?? []
    }
}

public struct FakeHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ body: Data, headers: [(String, String)] = []) -> FakeHTTPResponse {
        FakeHTTPResponse(status: status, headers: [("Content-Type", "application/json; charset=utf-8")] + headers, body: body)
    }

    /// GitHub's error shape: `{message, documentation_url}` (+ `errors` for 422).
    static func error(_ status: Int, _ message: String, errors: [[String: String]]? = nil, headers: [(String, String)] = []) -> FakeHTTPResponse {
        var object: [String: Any] = ["message": message, "documentation_url": "https://docs.github.com/rest"]
        if let errors { object["errors"] = errors }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return json(status, data, headers: headers)
    }

    static let noContent = FakeHTTPResponse(status: 204)
}

/// A webhook to send once the response is out.
struct OutgoingWebhook: Sendable {
    var url: String
    var secret: String?
    var event: String
    var action: String?
    var deliveryID: String
    var body: Data
}

import Foundation
import Frappe
import HTTPTypes
import Hummingbird
import Integration
import NIOCore

/// `POST /github/webhooks` (the App's deliveries) and `GET /github/callback` (its Setup URL).
/// Both are guest routes: the first authenticates by `X-Hub-Signature-256`, the second by its
/// sealed `state`. The site of a callback is the one the request came to (Host, via nginx).
extension SidecarServer {
    func addGitHubAppRoutes(to router: Router<SidecarRequestContext>) {
        let app = githubApp
        let bench = sites.bench
        let maxBody = configuration.maxBodyBytes
        router.post("/github/webhooks") { request, _ -> Response in
            guard let app else { return Self.answer(404, "application/json", #"{"message":"The GitHub App is not configured on this bench"}"#) }
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            guard let body = try? await request.body.collect(upTo: maxBody) else {
                return Self.answer(413, "application/json", #"{"message":"Delivery too large"}"#)
            }
            let answer = await app.receive(headers: headers, body: Data(buffer: body))
            return Self.answer(answer.status, answer.contentType, answer.body, answer.headers)
        }
        router.get("/github/callback") { request, _ -> Response in
            guard let app else { return Self.answer(404, "text/plain", "The GitHub App is not configured on this bench") }
            var query: [String: String] = [:]
            for item in URLComponents(string: "http://x/?" + (request.uri.query ?? ""))?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            let host = request.head.authority ?? request.headers.first { $0.name.canonicalName == "host" }?.value
            let site: String
            do {
                let header = request.headers.first { $0.name.canonicalName == "x-frappe-site-name" }?.value
                site = try bench.resolveSite(siteHeader: header, host: host)
            } catch {
                return Self.answer(400, "text/plain", "No site: the callback must reach the sidecar through the site's host name")
            }
            let answer = await app.callback(query: query, site: site)
            return Self.answer(answer.status, answer.contentType, answer.body, answer.headers)
        }
    }

    static func answer(_ status: Int, _ contentType: String, _ body: String, _ headers: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        for (name, value) in headers { if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) } }
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

import AsyncHTTPClient
import Foundation
import Frappe
import NIOCore
import NIOFoundationCompat

/// Asks the site's Frappe who owns a `sid` cookie (`frappe.auth.get_logged_user`), as
/// ARCHITECTURE §3.2 asks; answers are cached for a minute per cookie.
public actor FrappeSessionValidator: SessionValidator {
    private let frappeURL: String
    private var cache: [String: (user: String?, until: Date)] = [:]

    public init(frappeURL: String) { self.frappeURL = frappeURL }

    public func user(forSessionCookie sid: String, site: String) async throws -> String? {
        let key = "\(site)|\(sid)"
        if let hit = cache[key], hit.until > Date() { return hit.user }
        var request = HTTPClientRequest(url: "\(frappeURL)/api/method/frappe.auth.get_logged_user")
        request.headers.add(name: "Cookie", value: "sid=\(sid)")
        request.headers.add(name: "Host", value: site)
        request.headers.add(name: "X-Frappe-Site-Name", value: site)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 * 1024)
        var user: String?
        if response.status == .ok, case .object(let object) = try JSONValue.decode(Data(buffer: body)) {
            user = object["message"]?.string
        }
        if cache.count > 5_000 { cache.removeAll() }
        cache[key] = (user == "Guest" ? nil : user, Date().addingTimeInterval(60))
        return user == "Guest" ? nil : user
    }
}

import AsyncHTTPClient
import Foundation
import Frappe
import NIOCore
import NIOFoundationCompat

/// Asks the site's Frappe who owns a `sid` cookie (`frappe.auth.get_logged_user`), as
/// ARCHITECTURE §3.2 asks; answers are cached for a minute per cookie.
///
/// Fast and closed: a cookie that cannot be a Frappe session id is Guest without asking (and is
/// never put in a header); Frappe's refusal (401/403) is Guest; when Frappe cannot be asked (down,
/// hanging past `timeout`, answering 5xx or garbage) the call is refused with a 503, never let
/// through and never a 500. Only real answers are cached.
public actor FrappeSessionValidator: SessionValidator {
    private let frappeURL: String
    private let timeout: TimeAmount
    private var cache: [String: (user: String?, until: Date)] = [:]

    public init(frappeURL: String, timeout: TimeAmount = .seconds(2)) {
        self.frappeURL = frappeURL
        self.timeout = timeout
    }

    /// Frappe's session ids are `frappe.generate_hash()` hex strings; allow any plain token of
    /// letters, digits, `-`, `_` and `.`, so nothing else (CR, LF, `;`, spaces) ever reaches a header.
    public static func isPlausibleSessionID(_ sid: String) -> Bool {
        !sid.isEmpty && sid.utf8.count <= 256
            && sid.utf8.allSatisfy { c in (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c) || c == 45 || c == 95 || c == 46 }
    }

    public func user(forSessionCookie sid: String, site: String) async throws -> String? {
        guard Self.isPlausibleSessionID(sid), SiteConfig.isValidSiteName(site) else { return nil }
        let key = "\(site)|\(sid)"
        if let hit = cache[key], hit.until > Date() { return hit.user }
        let user = try await ask(sid: sid, site: site)
        if cache.count > 5_000 { cache.removeAll() }
        cache[key] = (user, Date().addingTimeInterval(60))
        return user
    }

    /// The logged-in user, nil for Guest or a session Frappe does not know; throws a 503 when
    /// Frappe gave no answer that says either.
    private func ask(sid: String, site: String) async throws -> String? {
        var request = HTTPClientRequest(url: "\(frappeURL)/api/method/frappe.auth.get_logged_user")
        request.headers.add(name: "Cookie", value: "sid=\(sid)")
        request.headers.add(name: "Host", value: site)
        request.headers.add(name: "X-Frappe-Site-Name", value: site)
        request.headers.add(name: "Accept", value: "application/json")
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            status = response.status.code
            body = try await response.body.collect(upTo: 64 * 1024)
        } catch {
            throw Self.unavailable("Frappe did not answer in time")
        }
        switch status {
        case 200:
            guard case .object(let object) = try? JSONValue.decode(Data(buffer: body)), let user = object["message"]?.string else {
                throw Self.unavailable("Frappe's answer was not understood")
            }
            return user == "Guest" || user.isEmpty ? nil : user
        case 401, 403:
            return nil
        default:
            throw Self.unavailable("Frappe answered HTTP \(status)")
        }
    }

    static func unavailable(_ why: String) -> FrappeError {
        FrappeError(.serviceUnavailable, "Your desk session could not be checked: \(why). Try again shortly.",
                    title: "Service Unavailable", extras: ["retry_after": "5"])
    }
}

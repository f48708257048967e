import Foundation
import Frappe
import Hummingbird

/// Decides who is calling (ARCHITECTURE §3.2) and puts the caller in the context; a request
/// that authenticates as nobody goes on as Guest, and the method decides whether Guest may call it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = SidecarRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let site = try context.requireSite()
        let pathWithQuery = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
        context.caller = try await authenticator.authenticate(
            AuthRequest(method: request.method.rawValue, pathWithQuery: pathWithQuery, headers: context.headers, body: context.body,
                        sessionCookie: request.cookies["sid"]?.value), site: site)
        return try await next(request, context)
    }
}

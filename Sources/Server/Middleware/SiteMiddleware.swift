import Foundation
import Frappe
import Hummingbird

/// Resolves the site a call is for (`X-Frappe-Site-Name`, else `Host`, as Frappe's nginx
/// routing does) and reads the body once, refusing one over the limit before reading it.
struct SiteMiddleware: RouterMiddleware {
    typealias Context = SidecarRequestContext
    let sites: SiteDirectory
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        for field in request.headers { context.headers[field.name.canonicalName] = field.value }
        let name = try sites.bench.resolveSite(siteHeader: context.headers["x-frappe-site-name"],
                                               host: request.head.authority ?? context.headers["host"])
        context.site = try await sites.site(name)
        let tooLarge = FrappeError(.requestEntityTooLarge, "Request body is larger than \(maxBodyBytes / 1_048_576) MB")
        if let declared = context.headers["content-length"].flatMap(Int.init), declared > maxBodyBytes { throw tooLarge }
        do {
            context.body = Data(buffer: try await request.body.collect(upTo: maxBodyBytes))
        } catch {
            throw tooLarge
        }
        return try await next(request, context)
    }
}

import Foundation
import Frappe
import Hummingbird

/// What the middleware learn of a request and hand down to the method: the site it is for, its
/// raw body (the bridge signs it byte for byte, so it is read once, here), and who is calling.
public struct SidecarRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var site: Site?
    public var body = Data()
    /// Header fields by lower-cased name (the last one wins, as Frappe's WSGI environ has it).
    public var headers: [String: String] = [:]
    public var caller: Caller = .guest

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The site, once ``SiteMiddleware`` resolved it; routes behind it can rely on it.
    func requireSite() throws -> Site {
        guard let site else { throw FrappeError.notFound("No site given: send X-Frappe-Site-Name or Host") }
        return site
    }
}

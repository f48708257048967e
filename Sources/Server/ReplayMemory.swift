import Foundation
import Frappe
import Logging

/// Remembers the nonces of bridge-signed calls for twice the signature window, so a captured call
/// is refused when it is sent again (ARCHITECTURE §3.2).
///
/// Where: the site's Redis (`redis_cache` in its config), which every sidecar of the bench and a
/// restarted one share. A site with no `redis_cache` (a dev site, a test bench) falls back to
/// this process's memory, which protects a single sidecar until it restarts; that is said once in
/// the log. When the site's Redis is configured but does not answer within a second, the call is
/// refused with 503: a replay check that cannot be made is not passed.
actor ReplayMemory {
    enum Store {
        case redis(RedisNonceStore)
        case process
    }

    private var stores: [String: Store] = [:]
    private var seen: [String: Int] = [:]
    /// Sites whose Redis failed the last check (so an outage is logged once).
    private var failing: Set<String> = []
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// How long a nonce is kept: a timestamp is accepted up to `maxSkewSeconds` either side of now.
    static let ttlSeconds = BridgeSignature.maxSkewSeconds * 2

    /// False when `nonce` (already normalised) was used before for this site.
    func admit(nonce: String, site: Site, now: Int) async throws -> Bool {
        switch store(for: site) {
        case .redis(let redis):
            do {
                let fresh = try await redis.admit(nonce, ttlSeconds: Self.ttlSeconds)
                if failing.remove(site.name) != nil { logger.notice("replay checks for \(site.name): the site's Redis answers again") }
                return fresh
            } catch {
                // Once per outage, not once per refused call.
                if failing.insert(site.name).inserted { logger.error("replay checks for \(site.name) fail: the site's Redis does not answer (\(error))") }
                throw FrappeError(.serviceUnavailable, "The sidecar cannot check this signed call against replays: the site's Redis (redis_cache) is not answering. Try again shortly.",
                                  title: "Service Unavailable", extras: ["retry_after": "5"])
            }
        case .process:
            let key = "\(site.name)|\(nonce)"
            if seen.count > 10_000 || seen.count % 512 == 0 {
                seen = seen.filter { now - $0.value <= Self.ttlSeconds }
            }
            guard seen[key] == nil else { return false }
            seen[key] = now
            return true
        }
    }

    private func store(for site: Site) -> Store {
        if let store = stores[site.name] { return store }
        let store: Store
        if let url = site.config.redisCache, !url.isEmpty {
            store = .redis(RedisNonceStore(url: url, dbName: site.config.dbName))
        } else {
            logger.warning("site \(site.name) has no redis_cache: bridge replays are remembered by this process only (run one sidecar for it)")
            store = .process
        }
        stores[site.name] = store
        return store
    }
}

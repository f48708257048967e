import Foundation
import Logging

/// The sites of one bench, opened on first use and kept open (one pool per site).
public actor SiteDirectory {
    public nonisolated let bench: Bench
    private var open: [String: Site] = [:]
    private var opening: [String: Task<Site, Error>] = [:]
    private let poolSize: Int
    private let logger: Logger

    public init(bench: Bench, poolSize: Int = 4, logger: Logger = Logger(label: "frappe.sites")) {
        self.bench = bench
        self.poolSize = poolSize
        self.logger = logger
    }

    /// The named site; an unknown or unconfigured site is a DoesNotExistError (404), as Frappe answers.
    public func site(_ name: String) async throws -> Site {
        if let site = open[name] { return site }
        if let task = opening[name] { return try await task.value }
        let config = try bench.config(for: name)
        let poolSize = self.poolSize, logger = self.logger
        let task = Task { try await Site(config: config, poolSize: poolSize, logger: logger) }
        opening[name] = task
        defer { opening[name] = nil }
        let site = try await task.value
        open[name] = site
        return site
    }

    public var openSites: [Site] { Array(open.values) }

    public func closeAll() async {
        for site in open.values { try? await site.close() }
        open.removeAll()
    }
}

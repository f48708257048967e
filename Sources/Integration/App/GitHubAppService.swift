import Foundation
import Frappe
import GitHub
import Logging

/// The GitHub App, bench-wide: connect (install link, callback), configure, sync, plan,
/// disconnect, and the App's deliveries (stored in the landlord and applied by workers).
///
/// One per process; the landlord is opened on first use, so a sidecar without the App configured
/// (no `GITHUB_APP_ID`) never needs it.
public final class GitHubAppService: Sendable {
    /// Sync Now: at most once per this many seconds per site (the seed's 5 minutes).
    public let manualSyncInterval: TimeInterval
    /// How long a worker holds a claimed delivery before another may take it again.
    static let lease: TimeInterval = 300

    public let environment: GitHubAppEnvironment
    public let sites: SiteDirectory
    let app: GitHubClient
    let doorbell = Doorbell()
    let logger: Logger
    private let landlordTask: Task<LandlordStore, Error>

    public init(environment: GitHubAppEnvironment, sites: SiteDirectory, manualSyncInterval: TimeInterval = 300,
                logger: Logger = Logger(label: "github-app")) throws {
        self.environment = environment
        self.manualSyncInterval = manualSyncInterval
        self.sites = sites
        self.logger = logger
        app = GitHubClient(configuration: GitHubConfiguration(baseURL: environment.apiURL), auth: .app(try environment.credentials()),
                           logger: logger)
        let url = environment.landlord
        landlordTask = Task { try await LandlordStore.open(url) }
    }

    /// From the process environment; nil when the App is not configured.
    public static func fromProcessEnvironment(sites: SiteDirectory, logger: Logger = Logger(label: "github-app")) throws -> GitHubAppService? {
        guard let environment = try GitHubAppEnvironment.from(ProcessInfo.processInfo.environment) else { return nil }
        return try GitHubAppService(environment: environment, sites: sites, logger: logger)
    }

    public func landlord() async throws -> LandlordStore {
        do {
            return try await landlordTask.value
        } catch let error as LandlordError {
            throw FrappeError(.serviceUnavailable, error.description)
        }
    }

    /// GitHub acting as one installation, counting into `counter`.
    func installationClient(_ id: Int64) throws -> GitHubClient { try app.installation(id) }

    // MARK: Connect

    /// `github_app.get_install_url`: the App's install page with a fresh state for this site and user.
    func installURL(site: String, user: String) async throws -> String {
        let state = ConnectState.make(site: site, user: user)
        try await landlord().storeState(nonce: state.nonce, site: site, user: user, expiresAt: state.expiresAt)
        let sealed = try state.seal(key: environment.stateKey)
        let separator = environment.appURL.contains("?") ? "&" : "?"
        return environment.appURL + separator + "state=" + sealed
    }

    // MARK: Configure

    func configure(site: Site, user: String, repository: String, branch: String) async throws -> JSONValue {
        let record = try await linked(site.name)
        let parts = repository.split(separator: "/").map(String.init)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) } }) else {
            throw FrappeError.validation("Repository must be owner/repo, e.g. acme/erp-templates")
        }
        guard !branch.isEmpty, !branch.contains(".."), !branch.hasPrefix("/"), !branch.contains(" ") else {
            throw FrappeError.validation("\(branch) is not a branch name")
        }
        let github = try installationClient(record.installationID).with(rateLimitPolicy: .failFast)
        let visible: GitHubInstallationRepositories
        do {
            visible = try await github.installationRepositories()
        } catch {
            throw FrappeError(github: error)
        }
        // The first 100 are listed; past that, the branch read below is the test of visibility.
        let match = visible.repositories.first(where: { ($0.fullName ?? "").lowercased() == repository.lowercased() })
        guard match != nil || visible.totalCount > visible.repositories.count else {
            throw FrappeError.validation("The GitHub App installation on \(record.accountLogin ?? "this account") cannot see \(repository); add it to the installation on GitHub first")
        }
        do {
            _ = try await github.branchHead(owner: parts[0], repo: parts[1], branch: branch)
        } catch GitHubError.notFound {
            throw FrappeError.validation(match == nil ? "The GitHub App installation cannot see \(repository), or it has no branch \(branch)"
                                                      : "\(repository) has no branch \(branch)")
        } catch {
            throw FrappeError(github: error)
        }
        let fullName = match?.fullName ?? repository
        try await landlord().configure(installationID: record.installationID, repository: fullName, branch: branch)
        try await prepareSite(site)
        let job = try await enqueueSync(installationID: record.installationID, site: site.name, ref: nil, trigger: .configure, user: user)
        try await mirror(site.name)
        return .object(["repository": .string(fullName), "branch": .string(branch), "queued": .string(job)])
    }

    /// The marker field on every allowed DocType the site has.
    func prepareSite(_ site: Site) async throws {
        let allowed = try await site.read { try TemplateSync.allowList($0) }
        try await site.ensureCustomFields(allowed.map {
            CustomFieldSpec(doctype: $0, fieldname: TemplateSync.sourceField, label: "GitHub Sync Source", fieldtype: "Data",
                            readOnly: true, searchIndex: true)
        }, user: "Administrator")
    }

    // MARK: Sync

    /// Sync Now (once per 5 minutes per site) or a roll-back to `ref`, queued as a job of the
    /// site (the GitHub Sync Run list shows it Queued, Running, then Succeeded or Failed).
    func queueSyncNow(site: Site, user: String, ref: String?) async throws -> SyncJobs.Queued {
        let record = try await linked(site.name)
        try requireSyncable(record)
        guard let repository = record.repository, let branch = record.defaultBranch else {
            throw FrappeError.validation("Choose a repository and branch first (github_app.configure)")
        }
        try Self.check(ref: ref, branch: branch)
        guard try await site.read({ try SyncJobs.hasJobTypes($0) }) else {
            throw FrappeError.validation("GitHub Sync Run has no Job Type field yet: run bench migrate (or github-sidecar install) first")
        }
        if let wait = try await landlord().claimManualSync(installationID: record.installationID, interval: manualSyncInterval) {
            let seconds = Int(wait)
            throw FrappeError(.tooManyRequestsError, "Sync Now runs at most once every \(Int(manualSyncInterval / 60)) minutes; try again in \(seconds) s",
                              extras: ["retry_after": String(seconds)])
        }
        let arguments: JSONValue = .object(ref.map { ["ref": .string($0)] } ?? [:])
        let trigger: TemplateSync.Trigger = ref == nil ? .syncNow : .rollback
        return try await ActionJobs.enqueue(.templateSync, target: repository, arguments: arguments, trigger: trigger.rawValue, user: user, site: site)
    }

    /// Runs the site's template-sync job `run`; the sync closes the row when it applies the files.
    func runTemplateJob(_ run: String, site: Site, ref: String?, user: String) async throws {
        let record = try await linked(site.name)
        try requireSyncable(record)
        _ = try await sync(record, site: site, ref: ref, trigger: ref == nil ? .syncNow : .rollback, user: user, dryRun: false, job: run)
    }

    /// A roll-back names a commit, or the branch itself.
    static func check(ref: String?, branch: String) throws {
        if let ref, !TemplateSync.isSHA(ref), ref != branch {
            throw FrappeError.validation("ref must be a commit SHA (40 hex characters) or the configured branch")
        }
    }

    /// Another sync of this installation holds its lock (in this or another process).
    struct SyncBusy: Error {}

    /// A desk request is told plainly; a worker retries (see ``processNext()``).
    func desk<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch is SyncBusy {
            throw FrappeError.validation("A template sync for this site is already running; try again when it has finished")
        }
    }

    func plan(site: Site, user: String, ref: String?) async throws -> JSONValue {
        let record = try await linked(site.name)
        try requireSyncable(record)
        return try await desk { try await sync(record, site: site, ref: ref, trigger: ref == nil ? .syncNow : .rollback, user: user, dryRun: true).json }
    }

    func requireSyncable(_ record: AppInstallationRecord) throws {
        if record.suspendedAt != nil { throw FrappeError.validation("The GitHub App installation is suspended on GitHub; syncs are paused") }
        if record.repositoryRemovedAt != nil {
            throw FrappeError.validation(record.statusMessage ?? "The App can no longer see \(record.repository ?? "the repository")")
        }
        guard record.repository != nil, record.defaultBranch != nil else {
            throw FrappeError.validation("Choose a repository and branch first (github_app.configure)")
        }
    }

    /// One sync of the installation's repository into `site`, one at a time per installation.
    func sync(_ record: AppInstallationRecord, site: Site, ref: String?, trigger: TemplateSync.Trigger, user: String, dryRun: Bool,
              job: String? = nil) async throws -> TemplateSync.Result {
        guard let repository = record.repository, let branch = record.defaultBranch else {
            throw FrappeError.validation("Choose a repository and branch first (github_app.configure)")
        }
        let parts = repository.split(separator: "/").map(String.init)
        guard parts.count == 2 else { throw FrappeError.validation("Repository must be owner/repo") }
        try Self.check(ref: ref, branch: branch)
        if !dryRun { try await prepareSite(site) }
        let sync = TemplateSync(site: site, github: try installationClient(record.installationID), owner: parts[0], repo: parts[1], user: user)
        let store = try await landlord()
        let outcome: TemplateSync.Result?
        do {
            outcome = try await store.withLock("ghapp-sync-\(record.installationID)") {
                let counter = RequestCounter()
                var result = try await sync.run(ref: ref ?? branch, trigger: trigger, dryRun: dryRun, counter: counter, job: job)
                if !dryRun {
                    // A roll-back holds until the branch moves: remember the head it left behind.
                    var rollbackHead: String?
                    if let ref, ref != branch {
                        rollbackHead = try await sync.github.counting(into: counter).branchHead(owner: parts[0], repo: parts[1], branch: branch).object.sha
                        if rollbackHead == result.commit { rollbackHead = nil }
                        result.githubCalls = counter.snapshot.requests
                    }
                    let errors = TemplateSync.Result.errorsJSON(result.errors).pythonJSON()
                    try await store.recordSync(installationID: record.installationID, hash: result.commit, errors: errors,
                                               message: result.errors.isEmpty ? nil : "\(result.errors.count) file(s) could not be applied",
                                               rollbackHead: rollbackHead)
                }
                return result
            }
        } catch let error as LandlordError {
            throw FrappeError(.serviceUnavailable, error.description)
        } catch let error as FrappeError {
            throw error
        } catch {
            throw FrappeError(github: error)
        }
        guard let outcome else { throw SyncBusy() }
        if !dryRun { try? await mirror(site.name) }
        return outcome
    }

    /// Queues a sync for the workers (a job row next to the App's deliveries).
    func enqueueSync(installationID: Int64, site: String, ref: String?, trigger: TemplateSync.Trigger, user: String) async throws -> String {
        let id = "sync-" + UUID().uuidString.lowercased()
        var payload: [String: JSONValue] = ["installation_id": .number(Double(installationID)), "site": .string(site),
                                            "trigger": .string(trigger.rawValue), "user": .string(user)]
        if let ref { payload["ref"] = .string(ref) }
        _ = try await landlord().enqueue(deliveryID: id, event: "sidecar.sync", action: trigger.rawValue, installationID: installationID,
                                         payload: JSONValue.object(payload).pythonJSON())
        doorbell.ring("app")
        return id
    }

    // MARK: Disconnect

    func disconnect(site: Site, user: String) async throws -> JSONValue {
        let record = try await linked(site.name)
        let released = try await release(site: site, repository: record.repository)
        try await landlord().softDelete(installationID: record.installationID)
        try? await mirror(site.name)
        return .object(["disconnected": .bool(true), "installation_id": .number(Double(record.installationID)),
                        "documents_released": .number(Double(released))])
    }

    /// Clears `github_sync_source` on every document synced from `repository` (they become
    /// editable; nothing is deleted) and forgets the applied files, so a later sync starts afresh.
    func release(site: Site, repository: String?) async throws -> Int {
        guard let repository else { return 0 }
        let prefix = repository + ":"
        return try await site.write(user: "Administrator") { w in
            var count = 0
            for doctype in try TemplateSync.allowList(w) {
                guard let meta = try? w.meta(doctype), meta.field(TemplateSync.sourceField) != nil else { continue }
                for row in try w.list(doctype, where: [TemplateSync.sourceField: .isSet], fields: ["name", TemplateSync.sourceField]) {
                    guard let name = row["name"].string, row[TemplateSync.sourceField].string?.hasPrefix(prefix) == true else { continue }
                    var doc = Document(doctype, name: name)
                    doc[TemplateSync.sourceField] = .null
                    try w.update(doc)
                    count += 1
                }
            }
            for row in try w.list("GitHub Template", where: ["status": .isIn([.string("Synced"), .string("Error")])], fields: ["name", "sync_source"]) {
                guard let name = row["name"].string, row["sync_source"].string?.hasPrefix(prefix) == true else { continue }
                var doc = Document("GitHub Template", name: name)
                doc["status"] = .string("Deleted")
                doc["error"] = .string("Released: the site was disconnected from GitHub")
                try w.update(doc)
            }
            return count
        }
    }

    // MARK: Status

    func status(site: Site) async throws -> JSONValue {
        guard let record = try await landlord().installation(site: site.name) else {
            return .object(["connected": .bool(false), "install_configured": .bool(true)])
        }
        let clock = site.clock
        func time(_ date: Date?) -> JSONValue { date.map { .string(clock.local($0).description) } ?? .null }
        let errors = record.lastSyncErrors.flatMap { try? JSONValue.decode(Data($0.utf8)) } ?? .array([])
        let runs = try await site.read { r -> [JSONValue] in
            guard let repository = record.repository, (try? r.meta("GitHub Sync Run"))?.field("template_repository") != nil else { return [] }
            let rows = try r.list("GitHub Sync Run", where: ["template_repository": .equals(.string(repository))],
                                  fields: ["name", "trigger", "status", "commit_sha", "github_calls", "rows_inserted", "rows_updated",
                                           "rows_deleted", "rows_failed", "finished_at"], orderBy: "creation")
            return rows.suffix(10).reversed().map { row in
                .object(["name": row["name"].json, "trigger": row["trigger"].json, "status": row["status"].json, "commit": row["commit_sha"].json,
                         "github_calls": row["github_calls"].json, "created": row["rows_inserted"].json, "updated": row["rows_updated"].json,
                         "deleted": row["rows_deleted"].json, "failed": row["rows_failed"].json, "finished_at": row["finished_at"].json])
            }
        }
        return .object([
            "connected": .bool(true), "installation_id": .number(Double(record.installationID)),
            "account": record.accountLogin.map(JSONValue.string) ?? .null, "account_type": record.accountType.map(JSONValue.string) ?? .null,
            "repository": record.repository.map(JSONValue.string) ?? .null, "branch": record.defaultBranch.map(JSONValue.string) ?? .null,
            "last_sync_at": time(record.lastSyncAt), "last_sync_hash": record.lastSyncHash.map(JSONValue.string) ?? .null,
            "last_sync_errors": errors, "suspended": .bool(record.suspendedAt != nil),
            "repository_removed": .bool(record.repositoryRemovedAt != nil),
            "status": record.statusMessage.map(JSONValue.string) ?? .null, "runs": .array(runs),
        ])
    }

    /// The site's read-only `GitHub App Installation` (Single), when the bridge has it.
    func mirror(_ siteName: String) async throws {
        let site = try await sites.site(siteName)
        let record = try await landlord().installation(site: siteName)
        try await site.write(user: "Administrator") { w in
            guard (try? w.meta("GitHub App Installation")) != nil else { return }
            var doc = Document("GitHub App Installation", name: "GitHub App Installation")
            doc["installation_id"] = record.map { .string(String($0.installationID)) } ?? .null
            doc["account_login"] = record?.accountLogin.map { .string($0) } ?? .null
            doc["repository"] = record?.repository.map { .string($0) } ?? .null
            doc["branch"] = record?.defaultBranch.map { .string($0) } ?? .null
            doc["last_sync_at"] = record?.lastSyncAt.map { .datetime(w.clock.local($0)) } ?? .null
            doc["last_sync_hash"] = record?.lastSyncHash.map { .string($0) } ?? .null
            doc["last_sync_errors"] = record?.lastSyncErrors.map { .string($0) } ?? .null
            doc["status"] = .string(record == nil ? "Not connected" : (record?.statusMessage ?? (record?.suspendedAt != nil ? "Suspended" : "Connected")))
            try w.update(doc)
        }
    }

    func linked(_ site: String) async throws -> AppInstallationRecord {
        guard let record = try await landlord().installation(site: site) else {
            throw FrappeError.validation("This site is not connected to the GitHub App; click Connect in GitHub Settings first")
        }
        return record
    }
}

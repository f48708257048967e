import Foundation
import Frappe
import GitHub

/// `POST /github/webhooks`: the App's deliveries, verified with `GITHUB_WEBHOOK_SECRET`, stored in
/// the landlord keyed by `X-GitHub-Delivery` (a redelivery answers 200 and does nothing), answered
/// 202 at once, and applied by workers: the same durable-queue rules as repository webhooks.
extension GitHubAppService {
    /// A plain HTTP answer for the `/github/*` routes (they are not Frappe RPC).
    public struct HTTPAnswer: Sendable {
        public var status: Int
        public var contentType: String
        public var body: String
        public var headers: [(String, String)]

        static func json(_ status: Int, _ value: JSONValue) -> HTTPAnswer {
            HTTPAnswer(status: status, contentType: "application/json", body: value.pythonJSON(), headers: [])
        }
    }

    public func receive(headers: [String: String], body: Data) async -> HTTPAnswer {
        guard environment.verifier.isValid(body: body, signatureHeader: headers["x-hub-signature-256"]) else {
            return .json(401, .object(["message": .string("Webhook delivery refused: missing or invalid X-Hub-Signature-256")]))
        }
        guard let event = headers["x-github-event"], !event.isEmpty, event.count <= 100,
              let id = headers["x-github-delivery"], !id.isEmpty, id.count <= 100 else {
            return .json(400, .object(["message": .string("A GitHub delivery needs X-GitHub-Event and X-GitHub-Delivery headers")]))
        }
        let json = String(decoding: body, as: UTF8.self)
        let object = (try? JSONValue.decode(body))?.object
        let installation = object?["installation"]?["id"]?.int.map(Int64.init)
        do {
            let stored = try await landlord().enqueue(deliveryID: id, event: event, action: object?["action"]?.string,
                                                      installationID: installation, payload: json)
            if stored { doorbell.ring("app") }
            return .json(stored ? 202 : 200, .object(["delivery": .string(id), "status": .string(stored ? "Queued" : "Duplicate")]))
        } catch {
            logger.error("App delivery \(id) could not be stored: \(error)")
            return .json(503, .object(["message": .string("The delivery could not be stored; GitHub may redeliver it")]))
        }
    }

    // MARK: Applying

    enum Outcome { case applied(String?), skipped(String) }

    /// Claims and applies one due delivery. False when none is due.
    public func processNext() async throws -> Bool {
        let store = try await landlord()
        guard let delivery = try await store.claimNext(lease: Self.lease) else { return false }
        do {
            switch try await apply(delivery) {
            case .applied(let note): try await store.finish(deliveryID: delivery.deliveryID, status: "Applied", note: note)
            case .skipped(let reason): try await store.finish(deliveryID: delivery.deliveryID, status: "Skipped", note: reason)
            }
        } catch is SyncBusy {
            // Another sync of the installation is running: this one waits its turn, however long that takes.
            try await store.retry(deliveryID: delivery.deliveryID, at: Date().addingTimeInterval(5), note: "waiting for the running sync")
        } catch {
            let reason = (error as? FrappeError)?.message ?? "\(error)"
            var permanent = (error as? FrappeError).map { ![.tooManyRequestsError, .serviceUnavailable, .internalError].contains($0.type) } ?? false
            if case GitHubError.decoding? = error as? GitHubError { permanent = true }   // the payload will never have its event's shape
            if permanent || delivery.attempts >= 5 {
                try await store.finish(deliveryID: delivery.deliveryID, status: "Failed", note: reason)
            } else {
                let delay = min(600, 2 * pow(2, Double(delivery.attempts - 1)))
                try await store.retry(deliveryID: delivery.deliveryID, at: Date().addingTimeInterval(delay),
                                      note: "attempt \(delivery.attempts) failed: \(reason)")
            }
        }
        return true
    }

    func apply(_ delivery: AppDeliveryRecord) async throws -> Outcome {
        let body = Data(delivery.payload.utf8)
        let store = try await landlord()
        if delivery.event == "sidecar.sync" {
            let payload = (try? JSONValue.decode(body))?.object ?? [:]
            guard let id = payload["installation_id"]?.int.map(Int64.init), let record = try await store.installation(id: id),
                  let siteName = record.site else { return .skipped("The installation is no longer linked to a site") }
            guard record.canSync else { return .skipped(record.statusMessage ?? "Syncs are paused for this installation") }
            let trigger = TemplateSync.Trigger(rawValue: payload["trigger"]?.string ?? "") ?? .periodic
            let result = try await sync(record, site: try await sites.site(siteName), ref: payload["ref"]?.string, trigger: trigger,
                                        user: payload["user"]?.string ?? "Administrator", dryRun: false)
            return .applied("\(trigger.rawValue) sync of \(result.commit.prefix(12)): \(result.created.count) created, "
                            + "\(result.updated.count) updated, \(result.deleted.count) deleted, \(result.errors.count) failed")
        }
        switch try WebhookPayload(event: delivery.event, body: body) {
        case .installation(let event):
            return try await installation(event)
        case .installationRepositories(let event):
            return try await installationRepositories(event)
        case .push(let event):
            return try await push(event)
        case .ping:
            return .applied("ping")
        default:
            return .skipped("The App does not act on \(delivery.event) deliveries")
        }
    }

    func installation(_ event: InstallationEvent) async throws -> Outcome {
        let store = try await landlord()
        let id = event.installation.id
        try await store.upsertInstallation(id: id, appID: event.installation.appID, accountLogin: event.installation.account?.login,
                                           accountType: event.installation.account?.type ?? event.installation.targetType,
                                           accountID: event.installation.account?.id, announced: true)
        switch event.action {
        case "created", "new_permissions_accepted":
            return .applied("installation \(id) on \(event.installation.account?.login ?? "?") recorded")
        case "deleted":
            let record = try await store.installation(id: id)
            if let siteName = record?.site {
                _ = try await release(site: try await sites.site(siteName), repository: record?.repository)
            }
            try await store.softDelete(installationID: id)
            if let siteName = record?.site { try? await mirror(siteName) }
            return .applied("installation \(id) deleted on GitHub: site \(record?.site ?? "none") disconnected")
        case "suspend":
            let record = try await store.installation(id: id)
            try await store.setSuspended(installationID: id, at: Date())
            try await store.setStatus(installationID: id, message: "The installation is suspended on GitHub; syncs are paused and documents are editable")
            if let siteName = record?.site {
                _ = try await release(site: try await sites.site(siteName), repository: record?.repository)
                try? await mirror(siteName)
            }
            return .applied("installation \(id) suspended")
        case "unsuspend":
            try await store.setSuspended(installationID: id, at: nil)
            try await store.setStatus(installationID: id, message: nil)
            if let record = try await store.installation(id: id), let siteName = record.site, record.canSync {
                _ = try await enqueueSync(installationID: id, site: siteName, ref: nil, trigger: .periodic, user: "Administrator")
                try? await mirror(siteName)
            }
            return .applied("installation \(id) unsuspended")
        default:
            return .skipped("installation.\(event.action) needs nothing")
        }
    }

    func installationRepositories(_ event: InstallationRepositoriesEvent) async throws -> Outcome {
        let store = try await landlord()
        guard let record = try await store.installation(id: event.installation.id), let configured = record.repository else {
            return .skipped("No repository is configured for installation \(event.installation.id)")
        }
        let lowered = configured.lowercased()
        if event.repositoriesRemoved.contains(where: { ($0.fullName ?? "").lowercased() == lowered }) {
            try await store.markRepositoryRemoved(installationID: record.installationID,
                                                  message: "\(configured) was removed from the GitHub App installation; syncs are stopped until it is added back")
            if let site = record.site { try? await mirror(site) }
            return .applied("\(configured) removed from the installation: syncs stopped")
        }
        if event.repositoriesAdded.contains(where: { ($0.fullName ?? "").lowercased() == lowered }) {
            try await store.configure(installationID: record.installationID, repository: configured, branch: record.defaultBranch ?? "main")
            if let site = record.site { try? await mirror(site) }
            return .applied("\(configured) added back to the installation")
        }
        return .skipped("The configured repository \(configured) is not affected")
    }

    func push(_ event: PushEvent) async throws -> Outcome {
        guard let id = event.installation?.id else { return .skipped("The push names no installation") }
        let store = try await landlord()
        guard let record = try await store.installation(id: id), let siteName = record.site else {
            return .skipped("Installation \(id) is not linked to a site")
        }
        guard let repository = record.repository, let branch = record.defaultBranch else {
            return .skipped("No repository is configured for installation \(id)")
        }
        guard (event.repository.fullName ?? "").lowercased() == repository.lowercased() else {
            return .skipped("\(event.repository.fullName ?? "?") is not the configured repository \(repository)")
        }
        guard event.ref == "refs/heads/\(branch)" else { return .skipped("\(event.ref) is not refs/heads/\(branch)") }
        guard event.deleted != true, TemplateSync.isSHA(event.after), event.after != String(repeating: "0", count: 40) else {
            return .skipped("The branch was deleted; nothing to sync")
        }
        guard record.canSync else { return .skipped(record.statusMessage ?? "Syncs are paused for this installation") }
        guard event.after != record.lastSyncHash else { return .skipped("\(event.after.prefix(12)) is already synced") }
        // The branch head, not `after`: deliveries can be applied out of order (a retried one after a
        // newer one), and syncing an older `after` would undo a newer push. One more call (the ref).
        let result = try await sync(record, site: try await sites.site(siteName), ref: nil, trigger: .push, user: "Administrator", dryRun: false)
        return .applied("push \(event.after.prefix(12)): \(result.created.count) created, \(result.updated.count) updated, "
                        + "\(result.deleted.count) deleted, \(result.errors.count) failed, \(result.githubCalls) GitHub calls")
    }

    // MARK: Periodic head check

    /// Pushes can arrive without a webhook: compares each linked branch head with the last
    /// synced commit and queues a sync where they differ. Returns the jobs queued.
    @discardableResult
    public func checkHeads() async throws -> [String] {
        var queued: [String] = []
        for record in try await landlord().linkedInstallations() where record.canSync {
            guard let repository = record.repository, let branch = record.defaultBranch, let site = record.site else { continue }
            let parts = repository.split(separator: "/").map(String.init)
            guard parts.count == 2 else { continue }
            do {
                let head = try await installationClient(record.installationID).with(rateLimitPolicy: .failFast)
                    .branchHead(owner: parts[0], repo: parts[1], branch: branch)
                if head.object.sha != record.lastSyncHash, head.object.sha != record.rollbackHead {
                    // The job syncs whatever the head is when it runs (see `push`).
                    queued.append(try await enqueueSync(installationID: record.installationID, site: site, ref: nil,
                                                        trigger: .periodic, user: "Administrator"))
                }
            } catch {
                logger.warning("head check of \(repository) for installation \(record.installationID) failed: \(error)")
            }
        }
        return queued
    }
}

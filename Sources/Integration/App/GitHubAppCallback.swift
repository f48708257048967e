import Foundation
import Frappe
import GitHub
import Synchronization

/// `GET /github/callback`, the App's Setup URL. GitHub's own warning: anyone can call it with a
/// spoofed `installation_id`, so the link is made only when
/// 1. `state` opens with our key, has not expired, names the site the request came to, and was
///    never used before (the landlord consumes its nonce once), and
/// 2. GitHub itself (App JWT, `GET /app/installations/{id}`) knows the installation for our App,
///    and it is not linked to another site.
/// Anything else answers a page saying why and links nothing.
extension GitHubAppService {
    public func callback(query: [String: String], site requestSite: String) async -> HTTPAnswer {
        if query["setup_action"] == "request" {
            return page(200, "Installation requested",
                        "An owner of the GitHub account must approve the installation. Once they have, open GitHub Settings on your site and click Connect again.")
        }
        guard let stateText = query["state"], !stateText.isEmpty else {
            return page(400, "Not linked",
                        "GitHub sent no state, so this installation cannot be tied to a site (an installation approved on GitHub, or a link not started from the desk). Open GitHub Settings on your site and click Connect.")
        }
        let state: ConnectState
        do {
            state = try ConnectState.open(stateText, key: environment.stateKey)
        } catch ConnectState.Refusal.expired {
            return page(400, "Link expired", "This connect link has expired (they last an hour). Click Connect again in GitHub Settings.")
        } catch {
            return page(400, "Not linked", "The state of this link is not one this sidecar issued.")
        }
        guard state.site == requestSite else {
            return page(400, "Not linked", "This connect link was issued for another site.")
        }
        guard let idText = query["installation_id"], let installationID = Int64(idText), installationID > 0 else {
            return page(400, "Not linked", "GitHub sent no installation id.")
        }
        do {
            let store = try await landlord()
            switch try await store.consumeState(nonce: state.nonce) {
            case .fresh: break
            case .alreadyUsed: return page(400, "Not linked", "This connect link was already used. Click Connect again in GitHub Settings.")
            case .expired: return page(400, "Link expired", "This connect link has expired. Click Connect again in GitHub Settings.")
            case .unknown: return page(400, "Not linked", "The state of this link is not one this sidecar issued.")
            }
            let installation: GitHubInstallation
            do {
                installation = try await app.with(rateLimitPolicy: .failFast).appInstallation(id: installationID)
            } catch GitHubError.notFound {
                return page(400, "Not linked", "GitHub does not know installation \(installationID) of this App.")
            }
            guard installation.appID == nil || installation.appID == environment.appID else {
                return page(400, "Not linked", "Installation \(installationID) belongs to another GitHub App.")
            }
            // Proof that whoever holds this state made the installation: GitHub created it after the
            // state was issued (the installing user came from our link), or this site had it before.
            // Without it, a state for one's own site could be paired with someone else's installation id.
            // With user authorization during installation, GitHub adds a `code`: the user's token then
            // says directly whether they may access the installation (`GET /user/installations`).
            let issued = state.expiresAt.addingTimeInterval(-ConnectState.lifetime)
            let known = try await store.installation(id: installationID)
            if let code = query["code"], !code.isEmpty, let clientID = environment.clientID, let clientSecret = environment.clientSecret {
                let mayAccess: Bool
                do {
                    let token = try await app.exchangeOAuthCode(webURL: GitHubClient.webURL(forAPI: environment.apiURL), clientID: clientID,
                                                                clientSecret: clientSecret, code: code)
                    mayAccess = try await app.with(auth: .token(token)).with(rateLimitPolicy: .failFast).userInstallations()
                        .installations.contains { $0.id == installationID }
                } catch GitHubError.unauthorized {
                    return page(400, "Not linked", "GitHub did not accept the authorization code (it is used once and expires quickly). Click Connect again.")
                }
                guard mayAccess else {
                    return page(400, "Not linked", "Your GitHub account has no access to installation \(installationID).")
                }
            } else {
                let createdAfterState = (installation.createdAt?.date).map { $0 >= issued.addingTimeInterval(-Self.clockSlack) }
                    ?? (known?.announcedAt.map { $0 >= issued.addingTimeInterval(-Self.clockSlack) } ?? false)
                guard createdAfterState || known?.site == state.site || known?.lastSite == state.site else {
                return page(400, "Not linked",
                                "Installation \(installationID) existed before this connect link was made, so it cannot be shown to belong to you. Turn on \"Request user authorization (OAuth) during installation\" for the App (with GITHUB_APP_CLIENT_ID and GITHUB_APP_CLIENT_SECRET), or uninstall it on GitHub and install it from the Connect link.")
                }
            }
            try await store.upsertInstallation(id: installationID, appID: installation.appID, accountLogin: installation.account?.login,
                                               accountType: installation.account?.type ?? installation.targetType,
                                               accountID: installation.account?.id, announced: false)
            do {
                try await store.link(installationID: installationID, site: state.site, user: state.user)
            } catch let error as LandlordError {
                return page(409, "Not linked", error.description)
            }
            try? await mirror(state.site)
            var answer = page(302, "Connected", "Installation \(installationID) on \(installation.account?.login ?? "GitHub") is now linked to this site.")
            answer.headers.append(("Location", "/app/github-settings"))
            return answer
        } catch {
            logger.error("App callback failed: \(String(describing: type(of: error)))")
            return page(503, "Try again", "The sidecar could not complete the link right now; nothing was linked. Try Connect again.")
        }
    }

    /// Clock difference tolerated between GitHub's `created_at` and ours.
    static let clockSlack: TimeInterval = 5

    func page(_ status: Int, _ title: String, _ message: String) -> HTTPAnswer {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let html = """
            <!doctype html><html><head><meta charset="utf-8"><title>\(escape(title))</title></head>
            <body><h1>\(escape(title))</h1><p>\(escape(message))</p><p><a href="/app/github-settings">GitHub Settings</a></p></body></html>
            """
        return HTTPAnswer(status: status, contentType: "text/html; charset=utf-8", body: html, headers: [])
    }
}

/// Workers for the App's deliveries and sync jobs, plus the periodic head check.
public final class GitHubAppWorkers: Sendable {
    let service: GitHubAppService
    let workers: Int
    let idlePoll: Duration
    let headCheck: Duration
    private let stopped = Mutex(false)

    public init(service: GitHubAppService, workers: Int = 2, idlePoll: Duration = .milliseconds(500), headCheck: Duration = .seconds(600)) {
        self.service = service
        self.workers = max(1, workers)
        self.idlePoll = idlePoll
        self.headCheck = headCheck
    }

    public func stop() { stopped.withLock { $0 = true } }
    var isStopped: Bool { stopped.withLock { $0 } }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers { group.addTask { await self.work() } }
            group.addTask { await self.checkHeads() }
        }
    }

    private func work() async {
        var failures = 0
        while !isStopped && !Task.isCancelled {
            do {
                if try await service.processNext() { failures = 0; continue }
                try await service.doorbell.wait("app", timeout: idlePoll)
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                if failures == 1 || failures % 20 == 0 { service.logger.warning("App delivery worker: \(error)") }
                try? await Task.sleep(for: .milliseconds(min(30_000, 250 * (1 << min(failures, 7)))))
            }
        }
    }

    private func checkHeads() async {
        let clock = ContinuousClock()
        var next = clock.now + headCheck
        while !isStopped && !Task.isCancelled {
            if clock.now >= next {
                _ = try? await service.checkHeads()
                next = clock.now + headCheck
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}

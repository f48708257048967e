import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Frappe
import Integration
import Server
import TestSupport
import Testing

@Suite("RPC answers in Frappe's shape", .serialized)
struct RPCShapeTests {
    func method(_ s: ServerHarness.Running, _ name: String) -> String { "\(s.baseURL)/api/method/erpnext_github_integration.\(name)" }
    func token(_ s: ServerHarness.Running, _ user: String) -> (String, String) {
        ("Authorization", "token \(s.users[user]?.key ?? ""):\(s.users[user]?.secret ?? "")")
    }

    @Test("an unknown method is a 417 ValidationError, like the recorded Frappe answer")
    func unknownMethod() async throws {
        let s = try await ServerHarness.shared.start()
        let reply = try await HTTP.send(.GET, method(s, "no_such_module.no_such_method"),
                                        headers: [("X-Frappe-Site-Name", s.siteName), token(s, "Administrator")])
        let recorded = try String(contentsOf: Paths.sharedFixture("frappe/http/method-not-found.txt"), encoding: .utf8)
        #expect(recorded.hasPrefix("HTTP/1.1 \(reply.status) "))
        #expect(reply.contentType == "application/json", "exactly, without charset")
        #expect(reply.excType == "ValidationError")
        #expect(reply.serverMessage?.hasPrefix("Failed to get method for command erpnext_github_integration.no_such_module.no_such_method") == true)
        #expect(reply.json?["exc"] == nil && reply.json?["exception"] == nil, "no traceback reaches a client")
    }

    @Test("success is {\"message\": …}; form bodies with JSON-string args and unknown args work as the desk sends them")
    func successShape() async throws {
        let s = try await ServerHarness.shared.start()
        let form = "repo_full_name=no%2Fsuch&unknown_arg=%5B1%2C2%5D&_=12345"
        let reply = try await HTTP.send(.POST, method(s, "github_api.can_user_sync_repo"),
                                        headers: [("X-Frappe-Site-Name", s.siteName), token(s, "ghadmin@example.com"),
                                                  ("Content-Type", "application/x-www-form-urlencoded")], body: Data(form.utf8))
        #expect(reply.status == 200)
        #expect(reply.contentType == "application/json")
        #expect(reply.json == .object(["message": .bool(true)]))
        let stats = try await HTTP.send(.GET, method(s, "github_api.get_sync_statistics"), headers: [("X-Frappe-Site-Name", s.siteName), token(s, "sysman@example.com")])
        #expect(stats.status == 200)
        #expect(stats.json?["message"]?["repositories"] != nil)
    }

    @Test("a missing record is a 404 DoesNotExistError; an unknown site is a 404")
    func notFound() async throws {
        let s = try await ServerHarness.shared.start()
        let reply = try await HTTP.send(.GET, method(s, "api.get_repository_statistics") + "?repo_full_name=octo/missing",
                                        headers: [("X-Frappe-Site-Name", s.siteName), token(s, "Administrator")])
        #expect(reply.status == 404 && reply.excType == "DoesNotExistError")
        #expect(reply.serverMessage == "Repository octo/missing not found")
        let site = try await HTTP.send(.GET, method(s, "github_api.get_sync_statistics"), headers: [("X-Frappe-Site-Name", "nope.localhost")])
        #expect(site.status == 404)
    }

    @Test("a method called with a verb it does not take is a 403")
    func wrongVerb() async throws {
        let s = try await ServerHarness.shared.start()
        let reply = try await HTTP.send(.GET, method(s, "setup.install"), headers: [("X-Frappe-Site-Name", s.siteName), token(s, "Administrator")])
        #expect(reply.status == 403 && reply.excType == "PermissionError")
        #expect(reply.json?["exc_cause"]?.string == "wrong-verb")
        #expect(reply.serverMessage?.contains("POST") == true, "the answer names the verb to use: \(reply.serverMessage ?? "")")
    }

    @Test("/healthz, /readyz and /metrics answer")
    func probes() async throws {
        let s = try await ServerHarness.shared.start()
        #expect(try await HTTP.send(.GET, "\(s.baseURL)/healthz").status == 200)
        let ready = try await HTTP.send(.GET, "\(s.baseURL)/readyz")
        #expect(ready.status == 200 && ready.json?["status"]?.string == "ready")
        _ = try await HTTP.send(.GET, method(s, "github_api.get_sync_statistics"), headers: [("X-Frappe-Site-Name", s.siteName), token(s, "Administrator")])
        let metrics = String(decoding: try await HTTP.send(.GET, "\(s.baseURL)/metrics").body, as: UTF8.self)
        #expect(metrics.contains("sidecar_rpc_requests_total"))
    }
}

@Suite("Who is calling", .serialized)
struct AuthTests {
    func url(_ s: ServerHarness.Running, _ name: String = "github_api.get_sync_statistics") -> String {
        "\(s.baseURL)/api/method/erpnext_github_integration.\(name)"
    }

    func signed(_ s: ServerHarness.Running, user: String, body: Data = Data(), secret: String? = nil, timestamp: Int? = nil,
                path: String = "/api/method/erpnext_github_integration.github_api.get_sync_statistics", method: String = "POST") -> [(String, String)] {
        BridgeCall.headers(secret: secret ?? s.secret, site: s.siteName, user: user, method: method, path: path, body: body, timestamp: timestamp)
    }

    @Test("a bridge-signed call acts as the signed user; the same signature twice is refused")
    func bridgeCalls() async throws {
        let s = try await ServerHarness.shared.start()
        let body = Data(#"{"unused":1}"#.utf8)
        let headers = signed(s, user: "sysman@example.com", body: body)
        #expect(try await HTTP.send(.POST, url(s), headers: headers, body: body).status == 200)
        let replay = try await HTTP.send(.POST, url(s), headers: headers, body: body)
        #expect(replay.status == 401 && replay.excType == "AuthenticationError")
    }

    @Test("a bad, expired, tampered or wrong-secret signature is a 401 AuthenticationError")
    func badSignatures() async throws {
        let s = try await ServerHarness.shared.start()
        let body = Data(#"{"a":1}"#.utf8)
        let wrongSecret = try await HTTP.send(.POST, url(s), headers: signed(s, user: "Administrator", body: body, secret: "not-the-site-secret"), body: body)
        #expect(wrongSecret.status == 401 && wrongSecret.excType == "AuthenticationError")
        let old = try await HTTP.send(.POST, url(s), headers: signed(s, user: "Administrator", body: body, timestamp: Int(Date().timeIntervalSince1970) - 301), body: body)
        #expect(old.status == 401)
        let tampered = try await HTTP.send(.POST, url(s), headers: signed(s, user: "Administrator", body: body), body: Data(#"{"a":2}"#.utf8))
        #expect(tampered.status == 401)
        var otherUser = signed(s, user: "plain@example.com", body: body)
        otherUser[1] = ("X-Sidecar-User", "Administrator")
        #expect(try await HTTP.send(.POST, url(s), headers: otherUser, body: body).status == 401, "the user is part of what is signed")
        var garbage = signed(s, user: "Administrator", body: body)
        garbage[3] = ("X-Sidecar-Signature", "sha256=zz")
        #expect(try await HTTP.send(.POST, url(s), headers: garbage, body: body).status == 401)
        #expect(!String(decoding: wrongSecret.body, as: UTF8.self).contains(s.secret), "the secret never appears in a reply")
    }

    @Test("API keys work as token and Basic; a wrong secret or a disabled user is a 401")
    func apiKeys() async throws {
        let s = try await ServerHarness.shared.start()
        let (key, secret) = try #require(s.users["sysman@example.com"])
        #expect(try await HTTP.send(.GET, url(s), headers: [("X-Frappe-Site-Name", s.siteName), ("Authorization", "token \(key):\(secret)")]).status == 200)
        let basic = Data("\(key):\(secret)".utf8).base64EncodedString()
        #expect(try await HTTP.send(.GET, url(s), headers: [("X-Frappe-Site-Name", s.siteName), ("Authorization", "Basic \(basic)")]).status == 200)
        let wrong = try await HTTP.send(.GET, url(s), headers: [("X-Frappe-Site-Name", s.siteName), ("Authorization", "token \(key):wrong")])
        #expect(wrong.status == 401 && wrong.excType == "AuthenticationError")
        let (dKey, dSecret) = try #require(s.users["disabled@example.com"])
        #expect(try await HTTP.send(.GET, url(s), headers: [("X-Frappe-Site-Name", s.siteName), ("Authorization", "token \(dKey):\(dSecret)")]).status == 401)
    }
}

@Suite("Permissions per method", .serialized)
struct PermissionTests {
    func call(_ s: ServerHarness.Running, _ name: String, as user: String?, verb: HTTPMethod = .POST, args: String = "{}") async throws -> HTTPReply {
        var headers = [("X-Frappe-Site-Name", s.siteName), ("Content-Type", "application/json")]
        if let user, let creds = s.users[user] { headers.append(("Authorization", "token \(creds.key):\(creds.secret)")) }
        return try await HTTP.send(verb, "\(s.baseURL)/api/method/erpnext_github_integration.\(name)", headers: headers, body: Data(args.utf8))
    }

    /// Every method the sidecar answers, with arguments that pass validation, and whether only
    /// GitHub Admin / System Manager may call it.
    static let methods: [(name: String, args: String, adminOnly: Bool)] = [
        ("setup.install", "{}", true),
        ("github_api.test_connection", "{}", true),
        ("github_api.fetch_all_repositories", #"{"organization":"octo"}"#, true),
        ("github_api.list_repositories", "{}", true),
        ("github_api.list_teams", #"{"org_name":"octo"}"#, true),
        ("github_api.sync_all_repositories", "{}", true),
        ("github_api.list_branches", #"{"repo_full_name":"octo/none"}"#, false),
        ("github_api.list_repo_members", #"{"repo_full_name":"octo/none"}"#, false),
        ("github_api.sync_repo", #"{"repository":"octo/none"}"#, false),
        ("github_api.sync_repo_members", #"{"repo_full_name":"octo/none"}"#, false),
        ("github_api.get_sync_statistics", "{}", false),
        ("github_api.get_repository_activity", #"{"repository":"octo/none"}"#, false),
        ("github_api.can_user_sync_repo", #"{"repo_full_name":"octo/none"}"#, false),
        ("api.get_user_repositories", "{}", false),
        ("api.get_repository_statistics", #"{"repo_full_name":"octo/none"}"#, false),
        // The GitHub App (not configured on this harness: admins get a clear 417, never a 403).
        ("github_app.get_install_url", "{}", true),
        ("github_app.configure", #"{"repository":"octo/templates","branch":"main"}"#, true),
        ("github_app.sync_now", "{}", true),
        ("github_app.plan", "{}", true),
        ("github_app.disconnect", "{}", true),
        ("github_app.get_status", "{}", true),
    ]

    @Test("the table covers every method the sidecar answers")
    func tableCoversCatalogue() {
        let served = Set(Catalogue.methods().filter { !$0.allowGuest }.map(\.name))
        #expect(Set(Self.methods.map(\.name)).isSuperset(of: served.subtracting(Self.methodsCoveredElsewhere)))
    }

    /// Methods with suites of their own (webhooks, App, the desk actions' permission table).
    static let methodsCoveredElsewhere: Set<String> = ["webhooks.replay_delivery", "github_api.create_repository_webhook",
                                                       "github_api.list_repository_webhooks", "setup.uninstall",
                                                       "github_api.get_github_username_by_email", "github_api.create_issue",
                                                       "github_api.bulk_create_issues", "github_api.assign_issue",
                                                       "github_api.create_pull_request", "github_api.add_pr_reviewer",
                                                       "github_api.manage_repo_access", "github_api.start_sync_all_repositories",
                                                       "api.create_task_from_github_issue", "api.create_project_from_repository",
                                                       "api.bulk_import_github_data", "api.link_github_user_to_erp",
                                                       "api.sync_user_github_profile"]

    @Test("Guest is refused every method with a 403 PermissionError", arguments: methods.map(\.name))
    func guest(name: String) async throws {
        let s = try await ServerHarness.shared.start()
        let reply = try await call(s, name, as: nil)
        #expect(reply.status == 403 && reply.excType == "PermissionError")
    }

    @Test("admin methods: a plain user gets 403; GitHub Admin and System Manager get past the permission check",
          arguments: methods.filter(\.adminOnly).map(\.name))
    func adminMethods(name: String) async throws {
        let s = try await ServerHarness.shared.start()
        let args = try #require(Self.methods.first { $0.name == name }?.args)
        let plain = try await call(s, name, as: "plain@example.com", args: args)
        #expect(plain.status == 403 && plain.excType == "PermissionError", "\(name) as a plain user")
        #expect(plain.serverMessage?.contains("GitHub Admin") == true)
        for user in ["ghadmin@example.com", "sysman@example.com"] {
            let reply = try await call(s, name, as: user, args: args)
            #expect(reply.status != 403 && reply.status != 401, "\(name) as \(user): \(reply.status) \(reply.serverMessage ?? "")")
        }
    }

    @Test("repository actions: a plain user who is in no linked Project gets 403",
          arguments: ["github_api.sync_repo", "github_api.sync_repo_members"])
    func repositoryActions(name: String) async throws {
        let s = try await ServerHarness.shared.start()
        let args = try #require(Self.methods.first { $0.name == name }?.args)
        let plain = try await call(s, name, as: "plain@example.com", args: args)
        #expect(plain.status == 403 && plain.excType == "PermissionError")
        #expect(try await call(s, name, as: "ghadmin@example.com", args: args).status != 403)
    }

    @Test("reading methods need read permission on Repository")
    func readMethods() async throws {
        let s = try await ServerHarness.shared.start()
        let plain = try await call(s, "github_api.get_sync_statistics", as: "plain@example.com")
        #expect(plain.status == 403 && plain.excType == "PermissionError")
        #expect(try await call(s, "github_api.get_sync_statistics", as: "ghadmin@example.com").status == 200)
        let cannot = try await call(s, "github_api.can_user_sync_repo", as: "plain@example.com", args: #"{"repo_full_name":"octo/none"}"#)
        #expect(cannot.json?["message"] == .bool(false))
    }
}

@Suite("setup.install", .serialized)
struct InstallTests {
    @Test("install is idempotent, adds the custom columns, and keeps every role's standard access")
    func idempotentInstall() async throws {
        let s = try await ServerHarness.shared.start()
        let again = try await Install.run(site: s.site, user: "Administrator")
        #expect(again.createdFields.isEmpty && again.addedColumns.isEmpty && again.permissionRows == 0 && !again.createdRole)
        let root = try await TestSite.rootConnection()
        let columns = try root.query("SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'tabTask'")
            .compactMap { $0["c"].string }
        #expect(columns.contains("github_repo") && columns.contains("github_issue_number"))
        let standard = Set(try root.query("SELECT role FROM tabDocPerm WHERE parent = 'Repository'").compactMap { $0["role"].string })
        let custom = Set(try root.query("SELECT role FROM `tabCustom DocPerm` WHERE parent = 'Repository'").compactMap { $0["role"].string })
        #expect(standard.isSubset(of: custom), "standard permissions were copied before adding GitHub Admin")
        #expect(custom.contains("GitHub Admin"))
    }

    @Test("install never overwrites settings an admin saved")
    func keepsSettings() async throws {
        let s = try await ServerHarness.shared.start()
        try await s.site.write(user: "Administrator") { w in
            try w.setSingle("GitHub Settings", ["default_visibility": "Public", "enabled": .int(1)])
        }
        _ = try await Install.run(site: s.site, user: "Administrator")
        let settings = try await s.site.read { try $0.getSingle("GitHub Settings") }
        #expect(settings["default_visibility"].string == "Public", "Install's default is Private")
        #expect(settings["enabled"].int == 1, "Install's default is 0")
        #expect(settings["api_base_url"].string == s.fake.baseURL)
    }
}

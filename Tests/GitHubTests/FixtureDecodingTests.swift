import Foundation
import GitHub
import Testing

/// Walks `../shared/fixtures/github`, so a newly added recording is covered without touching this file.
@Suite("Recorded GitHub payloads decode")
struct FixtureDecodingTests {
    @Test("Every webhook payload decodes as the typed event of its folder")
    func webhooks() throws {
        let files = try Fixtures.jsonFiles(under: Fixtures.webhooks)
        #expect(!files.isEmpty)
        for (path, body) in files {
            let event = String(path.split(separator: "/").first ?? "")
            let payload: WebhookPayload
            do {
                payload = try WebhookPayload(event: event, body: body)
            } catch {
                Issue.record("\(path): \(error)")
                continue
            }
            if case .other = payload { Issue.record("\(path): no typed payload for event \(event)") }
            let envelope = try JSONDecoder().decode(WebhookEnvelope.self, from: body)
            #expect(envelope.sender != nil, "\(path): every payload has a sender")
        }
    }

    @Test("Every REST body decodes as the model of its endpoint")
    func restBodies() throws {
        let index = try JSONDecoder().decode([String: IndexEntry].self, from: try Fixtures.data("rest/index.json"))
        let files = try Fixtures.jsonFiles(under: Fixtures.rest).filter { $0.0 != "index.json" }
        #expect(files.count == index.count, "index.json lists every body")
        for (path, body) in files {
            guard let entry = index[path] else {
                Issue.record("\(path) is not in rest/index.json")
                continue
            }
            do {
                try Self.decode(entry, body)
            } catch {
                Issue.record("\(path) (\(entry.method) \(entry.path) \(entry.status)): \(error)")
            }
        }
    }

    struct IndexEntry: Decodable {
        var method: String
        var path: String
        var status: Int
    }

    /// The model each endpoint decodes into. An endpoint missing here fails the test on purpose.
    static func decode(_ entry: IndexEntry, _ body: Data) throws {
        let decoder = JSONDecoder()
        func check<T: Decodable>(_ type: T.Type) throws { _ = try decoder.decode(T.self, from: body) }
        if entry.status >= 300 {
            let error = try decoder.decode(GitHubErrorBody.self, from: body)
            #expect(error.message != nil)
            return
        }
        switch (entry.method, entry.path) {
        case ("GET", "/repos/{owner}/{repo}"): try check(GitHubRepository.self)
        case ("GET", "/repos/{owner}/{repo}/branches"): try check([GitHubBranch].self)
        case ("GET", "/repos/{owner}/{repo}/issues"):
            let issues = try decoder.decode([GitHubIssue].self, from: body)
            let hasPullRequest = issues.contains { $0.isPullRequest }
            #expect(hasPullRequest, "the recorded list item is a PR seen as an issue")
        case ("GET", "/repos/{owner}/{repo}/pulls"): try check([GitHubPullRequest].self)
        case ("GET", "/repos/{owner}/{repo}/collaborators"):
            let collaborators = try decoder.decode([GitHubCollaborator].self, from: body)
            #expect(collaborators.first?.permissions?.highestRole != nil)
        case ("GET", "/repos/{owner}/{repo}/commits"): try check([GitHubCommit].self)
        case ("GET", "/user"): try check(GitHubUser.self)
        case ("GET", "/user/repos"), ("GET", "/orgs/{org}/repos"): try check([GitHubRepository].self)
        case ("GET", "/orgs/{org}/teams"): try check([GitHubTeam].self)
        case ("GET", "/search/users"): try check(GitHubSearchResult<GitHubUser>.self)
        case ("POST", "/repos/{owner}/{repo}/issues"), ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"): try check(GitHubIssue.self)
        case ("POST", "/repos/{owner}/{repo}/pulls"), ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"):
            try check(GitHubPullRequest.self)
        case ("PUT", "/repos/{owner}/{repo}/collaborators/{username}"): try check(GitHubInvitation.self)
        case ("GET", "/repos/{owner}/{repo}/hooks"): try check([GitHubHook].self)
        case ("POST", "/repos/{owner}/{repo}/hooks"): try check(GitHubHook.self)
        case ("POST", "/app/installations/{installation_id}/access_tokens"):
            let token = try decoder.decode(GitHubInstallationToken.self, from: body)
            #expect(!"\(token)".contains(token.token.rawValue), "a decoded token never prints")
        case ("GET", "/app/installations/{installation_id}"): try check(GitHubInstallation.self)
        case ("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}"):
            let blob = try decoder.decode(GitHubBlob.self, from: body)
            let content = try blob.decodedContent()
            #expect(String(decoding: content, as: UTF8.self) == "Content of the blob")
        case ("GET", "/rate_limit"):
            let overview = try decoder.decode(GitHubRateLimitOverview.self, from: body)
            #expect(overview.resources["core"] != nil)
        case ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}"):
            let tree = try decoder.decode(GitHubTree.self, from: body)
            #expect(tree.truncated == false)
        case ("GET", "/repos/{owner}/{repo}/contents/{path}"):
            if (try? decoder.decode([GitHubContent].self, from: body)) == nil { try check(GitHubContent.self) }
        default:
            Issue.record("no model mapped for \(entry.method) \(entry.path)")
        }
    }
}

@Suite("GitHubDate accepts every timestamp shape GitHub sends")
struct GitHubDateTests {
    struct Box: Decodable { var at: GitHubDate }

    @Test(arguments: [
        (#"{"at":"2019-05-15T15:20:41Z"}"#, 1_557_933_641.0),
        (#"{"at":"2017-07-08T16:18:44-04:00"}"#, 1_499_545_124.0),
        (#"{"at":"2021-04-28T22:32:21.000-04:00"}"#, 1_619_663_541.0),
        (#"{"at":"2021-04-28T22:32:21.250Z"}"#, 1_619_649_141.25),
        (#"{"at":1557933565}"#, 1_557_933_565.0),
        (#"{"at":"2024-02-29T23:59:59+05:30"}"#, 1_709_231_399.0),
    ])
    func decodes(json: String, epoch: Double) throws {
        let box = try JSONDecoder().decode(Box.self, from: Data(json.utf8))
        #expect(box.at.date.timeIntervalSince1970 == epoch)
    }

    @Test("Garbage is an error, not a silent default")
    func rejectsGarbage() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Box.self, from: Data(#"{"at":"yesterday"}"#.utf8)) }
    }

    @Test("Encodes as whole-second UTC ISO-8601 with Z")
    func encodes() throws {
        let date = GitHubDate(Date(timeIntervalSince1970: 1_557_933_641.9))
        #expect(date.iso8601 == "2019-05-15T15:20:41Z")
        #expect(GitHubDate(iso8601: date.iso8601)?.date == Date(timeIntervalSince1970: 1_557_933_641))
    }
}

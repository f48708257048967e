import Foundation
import Frappe
import GitHub

/// `sync_repo_members`: collaborators (with their public e-mail) into the repository's members, and into the users of
/// every Project linked to it (matched on `User.github_username`).
enum MemberSync {
    static func run(site: Site, client: GitHubClient, repository given: String, user: String) async throws -> JSONValue {
        // The stored spelling, so member rows and Project users never land under another one.
        let repository = try await StoredRepository.name(given, site: site)
        let (owner, repo) = try ownerRepo(repository)
        let people = try await github { try await client.collaborators(owner: owner, repo: repo).collect() }
        // Public e-mails: one GraphQL query per 100 members, not a REST call each.
        let profiles = try await github { try await client.publicProfiles(logins: people.map(\.login)) }
        return try await site.write(user: user) { w in
            guard try StoredRepository.name(repository, w, lock: .forUpdate) == repository else {
                throw FrappeError.notFound("Repository \(repository) was renamed while its members were fetched; try again")
            }
            let mirror = Mirror(clock: site.clock)
            let members = people.map { mirror.member($0, email: profiles[$0.login]?.email, repository: repository) }
            try w.upsert([Document("Repository", name: repository, [:], children: ["members_table": members])],
                         childKeys: ["members_table": "github_username"])
            let (mapped, projectsUpdated) = try ProjectMembers.follow(people.map(\.login), repository: repository, writer: w)
            return .object(["members": .number(Double(members.count)), "mapped_users": .number(Double(mapped)),
                            "projects_updated": .number(Double(projectsUpdated))])
        }
    }
}

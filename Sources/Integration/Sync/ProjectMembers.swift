import Foundation
import Frappe

/// The users of every Project linked to a repository follow its collaborators: each collaborator
/// mapped to an ERP user (`User.github_username`) becomes a Project User. Users are only added:
/// a project manager who is not on GitHub keeps their place.
enum ProjectMembers {
    /// (mapped users, projects changed)
    static func follow(_ logins: [String], repository: String, writer w: DocumentWriter) throws -> (Int, Int) {
        let users = try RepositorySync.userMap(w)
        let mapped = Array(Set(logins.compactMap { users[$0] })).sorted()
        guard !mapped.isEmpty, try w.meta("Project").field("repository") != nil else { return (mapped.count, 0) }
        var projectsUpdated = 0
        for project in try w.list("Project", where: ["repository": .equals(.string(repository))]).compactMap({ $0["name"].string }) {
            guard let doc = try w.get("Project", project) else { continue }
            let existing = Set((doc.children["users"] ?? []).compactMap { $0["user"].string })
            let added = mapped.filter { !existing.contains($0) }
            guard !added.isEmpty else { continue }
            var rows = doc.children["users"] ?? []
            for u in added {
                let info = try w.get("User", u)
                rows.append(Document("Project User", ["user": .string(u), "email": info?["email"] ?? .null, "full_name": info?["full_name"] ?? .null]))
            }
            try w.update(Document("Project", name: project, [:], children: ["users": rows]))
            projectsUpdated += 1
        }
        return (mapped.count, projectsUpdated)
    }
}

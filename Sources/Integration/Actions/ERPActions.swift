import Foundation
import Frappe
import GitHub

/// The ERP side of the seed's `api.py`: Tasks and Projects made from the mirror, and users linked
/// to their GitHub logins. Documents are written as Frappe itself would accept them (naming
/// series, nested set, mandatory fields, links).
struct ERPActions {
    let site: Site
    let user: String

    /// `create_task_from_github_issue(issue_name, task_title=None)`: a root Task named by its
    /// series, linked back to the issue (`github_repo`, `github_issue_number`, `github_issue_doc`),
    /// in the repository's Project when one is linked, assigned to the issue's mapped assignees.
    /// A second call for the same issue answers the Task the first made.
    func createTask(issue: String, title: String?) async throws -> JSONValue {
        try await site.write(user: user) { w in
            guard let doc = try w.get("Repository Issue", issue), let name = doc.name else {
                throw FrappeError.notFound("Repository Issue \(issue) not found")
            }
            let taskMeta = try w.meta("Task")
            guard taskMeta.field("github_issue_doc") != nil else {
                throw FrappeError.validation("Task has no GitHub fields yet: run setup.install")
            }
            if let existing = try w.list("Task", where: ["github_issue_doc": .equals(.string(name))], limit: 1).first?.name,
               let task = try w.get("Task", existing) {
                var answer = task.asDict()
                answer["created"] = .bool(false)
                return .object(answer)
            }
            let repository = doc["repository"].string ?? ""
            var values: [String: FrappeValue] = [
                "subject": .string(Self.subject(title ?? doc["title"].string ?? name)),
                "description": .string(doc["body"].string ?? ""), "status": "Open",
                "github_repo": .string(repository), "github_issue_number": doc["issue_number"], "github_issue_doc": .string(name),
            ]
            if let project = try Self.project(of: repository, w) { values["project"] = .string(project) }
            let task = try w.insert(Document("Task", values))
            guard let taskName = task.name else { throw FrappeError.internalError("Task was not named") }
            try w.addToNestedSet("Task", taskName, parentField: "parent_task", parent: nil)
            let users = (doc.children["assignees_table"] ?? []).compactMap { $0["user"].string }
            try Assignments.set(users, on: "Task", taskName, description: task["subject"].string ?? taskName, writer: w)
            guard let stored = try w.get("Task", taskName) else { throw FrappeError.notFound("Task \(taskName) not found") }
            var answer = stored.asDict()
            answer["created"] = .bool(true)
            return .object(answer)
        }
    }

    /// `create_project_from_repository(repo_full_name, project_name=None)`: a Project named by its
    /// series, linked to the repository, whose users are the repository's mapped collaborators.
    func createProject(repository given: String, projectName: String?) async throws -> JSONValue {
        try await site.write(user: user) { w in
            let (repository, _, repo) = try ActionSupport.repository(given, reader: w)
            guard try w.meta("Project").field("repository") != nil else {
                throw FrappeError.validation("Project has no Repository field yet: run setup.install")
            }
            let name = Self.subject(projectName ?? repo)
            if try w.count("Project", where: ["project_name": .equals(.string(name))]) > 0 {
                throw FrappeError.duplicate("A Project named \(name) already exists")
            }
            let members = try w.get("Repository", repository)?.children["members_table"] ?? []
            let users = try RepositorySync.userMap(w)
            var rows: [Document] = []
            for login in members.compactMap({ $0["github_username"].string }) {
                guard let user = users[login], !rows.contains(where: { $0["user"].string == user }), let info = try w.get("User", user) else { continue }
                rows.append(Document("Project User", ["user": .string(user), "email": info["email"], "full_name": info["full_name"]]))
            }
            var values: [String: FrappeValue] = ["project_name": .string(name), "repository": .string(repository), "status": "Open"]
            if try w.meta("Project").field("company") != nil {
                guard let company = try Self.defaultCompany(w) else {
                    throw FrappeError.validation("Set a Default Company in Global Defaults first: ERPNext needs one for a Project")
                }
                values["company"] = .string(company)
            }
            let project = try w.insert(Document("Project", values, children: ["users": rows]))
            guard let stored = try w.get("Project", project.name ?? "") else { throw FrappeError.notFound("Project \(name) not found") }
            return .object(stored.asDict())
        }
    }

    /// `link_github_user_to_erp(github_username, erp_user)`: sets `User.github_username`. A login
    /// already linked to another user is refused (one login, one user), as is an invalid login.
    func linkUser(login: String, to erpUser: String) async throws -> JSONValue {
        guard GitHubLogin.isValid(login) else { throw FrappeError.validation("\(login) is not a GitHub login") }
        return try await site.write(user: user) { w in
            guard let target = try w.get("User", erpUser), let name = target.name else { throw FrappeError.notFound("User \(erpUser) not found") }
            guard try w.meta("User").field("github_username") != nil else {
                throw FrappeError.validation("User has no GitHub Username field yet: run setup.install")
            }
            let others = try w.list("User", where: ["github_username": .equals(.string(login))]).compactMap(\.name).filter { $0 != name }
            if let other = others.first { throw FrappeError.duplicate("GitHub login \(login) is already linked to \(other)") }
            try w.update(Document("User", name: name, ["github_username": .string(login)]))
            return .object(["success": .bool(true), "user": .string(name), "github_username": .string(login)])
        }
    }

    /// Whether the caller may write `erpUser`: their own User, or write permission on User.
    static func mayWrite(user erpUser: String, caller: Caller, reader r: DocumentReader) throws -> Bool {
        if caller.user == erpUser { return true }
        return try Access.can("write", "User", caller: caller, reader: r)
    }

    /// Frappe's Data field holds 140 characters; a subject longer than that is shortened visibly.
    static func subject(_ text: String) -> String {
        let clean = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return clean.count <= 140 ? clean : String(clean.prefix(139)) + "…"
    }

    /// ERPNext's default company (`erpnext.get_default_company`): Global Defaults'
    /// `default_company`, else the site's only Company.
    static func defaultCompany(_ r: DocumentReader) throws -> String? {
        if (try? r.meta("Global Defaults")) != nil, let company = try r.getSingle("Global Defaults")["default_company"].string, !company.isEmpty {
            return company
        }
        let companies = try r.list("Company", limit: 2)
        return companies.count == 1 ? companies.first?.name : nil
    }

    static func project(of repository: String, _ r: DocumentReader) throws -> String? {
        guard try r.meta("Project").field("repository") != nil else { return nil }
        return try r.list("Project", where: ["repository": .equals(.string(repository))], orderBy: "creation", limit: 1).first?.name
    }
}

/// The methods of `api.py` and `github_api.py` about people on GitHub.
struct PeopleActions {
    let site: Site
    let client: GitHubClient
    let user: String

    /// `sync_user_github_profile()`: the caller's public GitHub profile into their User (`bio`,
    /// `location`, as the seed copied them); the name fields stay the user's own.
    func syncProfile() async throws -> JSONValue {
        let login = try await site.read { r -> String in
            guard try r.meta("User").field("github_username") != nil,
                  let login = try r.get("User", user)?["github_username"].string, !login.isEmpty else {
                throw FrappeError.validation("Your user has no GitHub username: link one first")
            }
            return login
        }
        let profile = try await github { try await client.user(login: login) }
        return try await site.write(user: user) { w in
            var values: [String: FrappeValue] = [:]
            let meta = try w.meta("User")
            if meta.field("bio") != nil, let bio = profile.bio { values["bio"] = .string(bio) }
            if meta.field("location") != nil, let location = profile.location { values["location"] = .string(ERPActions.subject(location)) }
            if !values.isEmpty { try w.update(Document("User", name: user, values)) }
            return .object(["success": .bool(true), "user": .string(user), "github_username": .string(profile.login),
                            "name": .string(profile.name ?? ""), "bio": .string(profile.bio ?? ""), "location": .string(profile.location ?? "")])
        }
    }

    /// `get_github_username_by_email(email)`: the login whose public e-mail this is, or nothing.
    func usernameByEmail(_ email: String) async throws -> JSONValue {
        guard let login = try await github({ try await client.userLogin(forEmail: email) }) else { return .null }
        return .string(login)
    }
}

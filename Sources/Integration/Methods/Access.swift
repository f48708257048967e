import Frappe

/// Who may do what (ARCHITECTURE §5). Every refusal is a PermissionError (403) saying why.
public enum Access {
    /// Roles that may manage the integration (access, webhooks, bulk import, sync-all, install, App).
    public static let adminRoles: Set<String> = ["GitHub Admin", "System Manager"]

    public static func isAdmin(_ caller: Caller) -> Bool { caller.has(anyOf: adminRoles) }

    public static func requireAdmin(_ call: RPCCall, to action: String) throws {
        try call.require(anyOf: adminRoles, to: action)
    }

    /// Roles with permission `ptype` on a DocType: Custom DocPerm rows when any exist (they
    /// replace the standard ones, as in Frappe), else DocPerm; permlevel 0 only.
    public static func roles(with ptype: String, on doctype: String, reader: DocumentReader) throws -> Set<String> {
        let custom = try reader.list("Custom DocPerm", where: ["parent": .equals(.string(doctype)), "permlevel": .equals(.int(0))],
                                     fields: ["role", ptype])
        let rows = custom.isEmpty
            ? try reader.list("DocPerm", where: ["parent": .equals(.string(doctype)), "parenttype": .equals("DocType"),
                                                 "permlevel": .equals(.int(0))], fields: ["role", ptype])
            : custom
        return Set(rows.filter { $0[ptype].int == 1 }.compactMap { $0["role"].string })
    }

    public static func can(_ ptype: String, _ doctype: String, caller: Caller, reader: DocumentReader) throws -> Bool {
        if caller.isAdministrator { return true }
        return !caller.roles.isDisjoint(with: try roles(with: ptype, on: doctype, reader: reader))
    }

    /// Reading methods need read permission on Repository.
    public static func requireRead(_ call: RPCCall, reader: DocumentReader) throws {
        guard try can("read", "Repository", caller: call.caller, reader: reader) else {
            throw FrappeError.permission("You do not have read permission on Repository")
        }
    }

    /// Actions on a repository: GitHub Admin, System Manager, or a member of a Project linked
    /// to the repository who may write to Projects.
    public static func canAct(on repository: String, caller: Caller, reader: DocumentReader) throws -> Bool {
        if isAdmin(caller) { return true }
        guard !caller.isGuest, try can("write", "Project", caller: caller, reader: reader),
              try reader.meta("Project").field("repository") != nil else { return false }
        let projects = try reader.list("Project", where: ["repository": .equals(.string(repository))]).compactMap { $0["name"].string }
        guard !projects.isEmpty else { return false }
        return try reader.count("Project User", where: ["parent": .isIn(projects.map { .string($0) }), "parenttype": .equals("Project"),
                                                        "user": .equals(.string(caller.user))]) > 0
    }

    public static func requireAction(on repository: String, _ call: RPCCall, reader: DocumentReader, to action: String) throws {
        guard try canAct(on: repository, caller: call.caller, reader: reader) else {
            throw FrappeError.permission("To \(action) on \(repository) you need the GitHub Admin or System Manager role, or membership of a Project linked to it")
        }
    }
}

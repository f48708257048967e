import Frappe

/// The permission rules of ARCHITECTURE §5, as the method table names them.
extension RPCPermission {
    /// GitHub Admin or System Manager (Administrator has every role).
    static func admin(to action: String) -> RPCPermission {
        RPCPermission("GitHub Admin or System Manager") { call in try Access.requireAdmin(call, to: action) }
    }

    /// Read permission on Repository.
    static let readRepository = RPCPermission("read permission on Repository") { call in
        try await call.site.read { r in try Access.requireRead(call, reader: r) }
    }

    /// An action on the repository named by `argument`: GitHub Admin, System Manager, or a
    /// member of a Project linked to it who may write Projects.
    static func actOnRepository(_ argument: String, to action: String) -> RPCPermission {
        RPCPermission("GitHub Admin, System Manager, or a member of a Project linked to the repository") { call in
            let repository = try call.args.require(argument)
            try await call.site.read { r in try Access.requireAction(on: repository, call, reader: r, to: action) }
        }
    }
}

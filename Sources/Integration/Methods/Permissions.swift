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

    /// Frappe's permission `ptype` on `doctype` (Custom DocPerm replacing DocPerm, as in Frappe).
    static func can(_ ptype: String, _ doctype: String) -> RPCPermission {
        RPCPermission("\(ptype) permission on \(doctype)") { call in
            try await call.site.read { r in
                guard try Access.can(ptype, doctype, caller: call.caller, reader: r) else {
                    throw FrappeError.permission("You do not have \(ptype) permission on \(doctype)")
                }
            }
        }
    }

    /// Write permission on the User named by `argument` (one's own User counts).
    static func writeUser(_ argument: String) -> RPCPermission {
        RPCPermission("write permission on that User (one's own counts)") { call in
            let target = try call.args.require(argument)
            try await call.site.read { r in
                guard try ERPActions.mayWrite(user: target, caller: call.caller, reader: r) else {
                    throw FrappeError.permission("You do not have write permission on User \(target)")
                }
            }
        }
    }
}

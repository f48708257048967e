import MariaDB

/// `frappe.permissions.get_roles`: Administrator has every role, Guest only Guest; others their
/// `Has Role` rows plus All and Guest, and Desk User when they are an enabled System User.
public enum Roles {
    public static func of(_ user: String, conn: Connection) throws -> Set<String> {
        switch user {
        case "", "Guest": return ["Guest"]
        case "Administrator":
            return Set(try conn.query("SELECT name FROM tabRole").compactMap { $0["name"].string }).union(["Administrator", "All", "Guest"])
        default:
            var roles = Set(try conn.query("""
                SELECT role FROM `tabHas Role` WHERE parenttype = 'User' AND parent = ?
                AND role NOT IN ('Guest', 'All', 'Desk User', 'Administrator')
                """, [.string(user)]).compactMap { $0["role"].string })
            roles.formUnion(["All", "Guest"])
            if let row = try conn.query("SELECT enabled, user_type FROM tabUser WHERE name = ?", [.string(user)]).first,
               row["enabled"].int == 1, row["user_type"].string == "System User" {
                roles.insert("Desk User")
            }
            return roles
        }
    }

    /// Whether the user exists and is enabled (Administrator always is).
    public static func isEnabledUser(_ user: String, conn: Connection) throws -> Bool {
        if user == "Administrator" { return true }
        return try conn.query("SELECT enabled FROM tabUser WHERE name = ?", [.string(user)]).first?["enabled"].int == 1
    }
}

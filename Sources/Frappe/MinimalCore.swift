import Foundation
import MariaDB

/// The smallest Frappe core a dev site needs when the real v15 schema dump is not available:
/// the framework tables (`__Auth`, `tabSingles`, `tabSeries`), and the core DocTypes the sidecar
/// reads or writes, with the fields it uses, their tables made by ``Schema`` and their meta rows in
/// `tabDocType`/`tabDocField`, so the meta reader and the store work as on a real site.
///
/// It is a subset: a real site has many more fields and DocTypes. Use the real dump (`--frappe-schema`)
/// whenever you can; this set exists so `dev-site create` still works without it.
public enum MinimalCore {
    /// Framework tables that are not DocTypes (`frappe/database/mariadb/framework_mariadb.sql`).
    static let frameworkTables = [
        """
        CREATE TABLE `__Auth` (`doctype` VARCHAR(140) NOT NULL, `name` VARCHAR(255) NOT NULL, `fieldname` VARCHAR(140) NOT NULL,
          `password` TEXT NOT NULL, `encrypted` INT(1) NOT NULL DEFAULT 0, PRIMARY KEY (`doctype`, `name`, `fieldname`))
          ENGINE=InnoDB ROW_FORMAT=DYNAMIC CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci
        """,
        """
        CREATE TABLE `tabSingles` (`doctype` VARCHAR(255) DEFAULT NULL, `field` VARCHAR(255) DEFAULT NULL, `value` LONGTEXT,
          KEY `singles_doctype_field_index` (`doctype`, `field`))
          ENGINE=InnoDB ROW_FORMAT=DYNAMIC CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci
        """,
        """
        CREATE TABLE `tabSeries` (`name` VARCHAR(100) NOT NULL, `current` INT(10) NOT NULL DEFAULT 0, PRIMARY KEY (`name`))
          ENGINE=InnoDB ROW_FORMAT=DYNAMIC CHARACTER SET=utf8mb4 COLLATE=utf8mb4_unicode_ci
        """,
    ]

    static func f(_ name: String, _ type: String, _ options: String? = nil, reqd: Bool = false, unique: Bool = false,
                  index: Bool = false, default value: String? = nil, length: Int = 0) -> DocField {
        var field = DocField(fieldname: name, fieldtype: type, label: name.replacingOccurrences(of: "_", with: " ").capitalized, options: options)
        field.reqd = reqd
        field.unique = unique
        field.searchIndex = index
        field.defaultValue = value
        field.length = length
        return field
    }

    static let permissionFlags = ["select", "read", "write", "create", "delete", "submit", "cancel", "amend", "report", "export", "import", "share", "print", "email"]

    static func meta(_ name: String, autoname: String? = "hash", table: Bool = false, single: Bool = false,
                     trackChanges: Bool = false, _ fields: [DocField]) -> DocTypeMeta {
        var meta = DocTypeMeta(name: name, fields: fields)
        meta.module = "Core"
        meta.autoname = autoname
        meta.isTable = table
        meta.isSingle = single
        meta.trackChanges = trackChanges
        return meta
    }

    /// The core DocTypes, in the order their meta rows are written.
    public static let doctypes: [DocTypeMeta] = [
        meta("DocType", autoname: "Prompt", [
            f("module", "Link", "Module Def"), f("autoname", "Data"), f("naming_rule", "Data"), f("istable", "Check"), f("issingle", "Check"),
            f("is_tree", "Check"), f("is_virtual", "Check"), f("is_submittable", "Check"), f("track_changes", "Check"),
            f("track_seen", "Check"), f("custom", "Check"), f("engine", "Data", default: "InnoDB"), f("title_field", "Data"),
            f("sort_field", "Data"), f("sort_order", "Data"), f("description", "Small Text"), f("app", "Data"),
            f("fields", "Table", "DocField"), f("permissions", "Table", "DocPerm")]),
        meta("DocField", table: true, [
            f("fieldname", "Data"), f("label", "Data"), f("fieldtype", "Data", reqd: true, default: "Data"), f("options", "Small Text"),
            f("reqd", "Check"), f("unique", "Check"), f("search_index", "Check"), f("default", "Small Text"), f("length", "Int"),
            f("precision", "Data"), f("is_virtual", "Check"), f("read_only", "Check"), f("hidden", "Check"), f("in_list_view", "Check"),
            f("in_filter", "Check"), f("description", "Small Text"), f("fetch_from", "Small Text"), f("permlevel", "Int"),
            f("ignore_user_permissions", "Check"), f("no_copy", "Check")]),
        meta("DocPerm", table: true, [f("role", "Link", "Role", reqd: true), f("permlevel", "Int"), f("if_owner", "Check")]
             + permissionFlags.map { f($0, "Check", default: $0 == "read" || $0 == "export" ? "1" : nil) }),
        meta("Custom DocPerm", [f("parent", "Data", index: true), f("role", "Link", "Role", reqd: true), f("permlevel", "Int"), f("if_owner", "Check")]
             + permissionFlags.map { f($0, "Check", default: $0 == "read" || $0 == "export" ? "1" : nil) }),
        meta("Custom Field", autoname: nil, [
            f("dt", "Link", "DocType", reqd: true, index: true), f("label", "Data"), f("fieldname", "Data"), f("insert_after", "Data"),
            f("fieldtype", "Data", default: "Data"), f("options", "Small Text"), f("default", "Text"), f("reqd", "Check"),
            f("unique", "Check"), f("search_index", "Check"), f("length", "Int"), f("precision", "Data"), f("read_only", "Check"),
            f("hidden", "Check"), f("in_list_view", "Check"), f("description", "Text"), f("is_virtual", "Check"),
            f("module", "Link", "Module Def"), f("is_system_generated", "Check")]),
        meta("Property Setter", [
            f("doc_type", "Link", "DocType", reqd: true, index: true), f("field_name", "Data", index: true), f("property", "Data", reqd: true),
            f("value", "Small Text"), f("property_type", "Data"), f("doctype_or_field", "Data"), f("module", "Link", "Module Def"),
            f("is_system_generated", "Check")]),
        meta("Module Def", autoname: "field:module_name", [f("module_name", "Data", reqd: true, unique: true), f("app_name", "Data"), f("custom", "Check")]),
        meta("Role", autoname: "field:role_name", [f("role_name", "Data", reqd: true, unique: true), f("disabled", "Check"),
                                                  f("desk_access", "Check", default: "1"), f("is_custom", "Check")]),
        meta("Has Role", table: true, [f("role", "Link", "Role")]),
        meta("User", autoname: nil, trackChanges: true, [
            f("enabled", "Check", default: "1"), f("email", "Data", reqd: true, unique: true), f("first_name", "Data", reqd: true),
            f("last_name", "Data"), f("full_name", "Data"), f("username", "Data", unique: true), f("user_type", "Data", default: "System User"),
            f("time_zone", "Data"), f("api_key", "Data", unique: true), f("api_secret", "Password"), f("roles", "Table", "Has Role")]),
        meta("Version", [f("ref_doctype", "Link", "DocType"), f("docname", "Data"), f("data", "Code")]),
        meta("Deleted Document", trackChanges: true, [f("deleted_name", "Data"), f("deleted_doctype", "Data"), f("restored", "Check"),
                                                      f("new_name", "Read Only"), f("data", "Code")]),
        meta("System Settings", autoname: nil, single: true, [f("time_zone", "Data"), f("setup_complete", "Check"),
                                                               f("welcome_email_template", "Data")]),
        meta("Project User", table: true, [f("user", "Link", "User", reqd: true, index: true), f("email", "Read Only"),
                                           f("full_name", "Read Only"), f("welcome_email_sent", "Check"), f("view_attachments", "Check")]),
        meta("Project", autoname: "naming_series:", [
            f("naming_series", "Select", "PROJ-.####", reqd: true), f("project_name", "Data", reqd: true, unique: true),
            f("status", "Select", "Open\nCompleted\nCancelled", index: true, default: "Open"), f("company", "Link", "Company"),
            f("users", "Table", "Project User")]),
        meta("Task", autoname: "TASK-.YYYY.-.#####", [
            f("subject", "Data", reqd: true, index: true), f("project", "Link", "Project", index: true),
            f("status", "Select", "Open\nWorking\nPending Review\nOverdue\nTemplate\nCompleted\nCancelled"), f("description", "Text Editor")]),
    ]

    /// Creates the framework tables and the core DocTypes' tables and meta rows (DDL commits on its own).
    public static func install(conn: Connection, now: NaiveDateTime) throws {
        for ddl in frameworkTables { try conn.executeText(ddl) }
        for meta in doctypes where !meta.isSingle { try conn.executeText(try Schema.createTable(meta)) }
        // Meta rows by hand, once: the store needs DocType and DocField meta to write anything,
        // including those rows themselves.
        let docTypeColumns = ["module", "autoname", "istable", "issingle", "is_tree", "is_virtual", "is_submittable", "track_changes",
                              "track_seen", "custom", "engine"]
        let fieldColumns = ["fieldname", "label", "fieldtype", "options", "reqd", "unique", "search_index", "default", "length", "precision"]
        try conn.transaction { c in
            for meta in doctypes {
                let values: [MariaDBValue] = [.optional(meta.module), .optional(meta.autoname), .int(meta.isTable ? 1 : 0), .int(meta.isSingle ? 1 : 0),
                                              .int(0), .int(0), .int(0), .int(meta.trackChanges ? 1 : 0), .int(0), .int(0), .string("InnoDB")]
                try c.execute("""
                    INSERT INTO `tabDocType` (name, creation, modified, modified_by, owner, docstatus, idx, \(docTypeColumns.map { "`\($0)`" }.joined(separator: ", ")))
                    VALUES (?, ?, ?, 'Administrator', 'Administrator', 0, 0, \(placeholders(docTypeColumns.count)))
                    """, [.string(meta.name), .datetime(now), .datetime(now)] + values)
                for (i, field) in meta.fields.enumerated() {
                    let row: [MariaDBValue] = [.string(field.fieldname), .optional(field.label), .string(field.fieldtype), .optional(field.options),
                                               .int(field.reqd ? 1 : 0), .int(field.unique ? 1 : 0), .int(field.searchIndex ? 1 : 0),
                                               .optional(field.defaultValue), .int(field.length), .optional(field.precision)]
                    try c.execute("""
                        INSERT INTO `tabDocField` (name, creation, modified, modified_by, owner, docstatus, idx, parent, parentfield, parenttype, \(fieldColumns.map { "`\($0)`" }.joined(separator: ", ")))
                        VALUES (?, ?, ?, 'Administrator', 'Administrator', 0, ?, ?, 'fields', 'DocType', \(placeholders(fieldColumns.count)))
                        """, [.string(Naming.hash()), .datetime(now), .datetime(now), .int(i + 1), .string(meta.name)] + row)
                }
            }
            for role in ["Administrator", "System Manager", "Guest", "All", "Desk User", "Projects User", "Projects Manager"] {
                try c.execute("INSERT INTO `tabRole` (name, creation, modified, modified_by, owner, docstatus, idx, role_name, desk_access) VALUES (?, ?, ?, 'Administrator', 'Administrator', 0, 0, ?, 1)",
                              [.string(role), .datetime(now), .datetime(now), .string(role)])
            }
            for (doctype, role) in [("Project", "Projects User"), ("Project", "Projects Manager"), ("Task", "Projects User"), ("User", "System Manager")] {
                try c.execute("""
                    INSERT INTO `tabDocPerm` (name, creation, modified, modified_by, owner, docstatus, idx, parent, parentfield, parenttype, role, `read`, `write`, `create`, `delete`, `report`, `export`)
                    VALUES (?, ?, ?, 'Administrator', 'Administrator', 0, 1, ?, 'permissions', 'DocType', ?, 1, 1, 1, 1, 1, 1)
                    """, [.string(Naming.hash()), .datetime(now), .datetime(now), .string(doctype), .string(role)])
            }
        }
    }
}

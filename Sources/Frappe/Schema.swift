/// Builds the DDL Frappe v15's schema code would run for a DocType
/// (`frappe/database/schema.py`, `frappe/database/mariadb/schema.py`).
///
/// Identifiers come only from meta and are backquoted; a fieldname outside `\w` is refused.
public enum Schema {
    /// `CREATE TABLE` for a DocType's table, as `MariaDBTable.create` writes it.
    public static func createTable(_ meta: DocTypeMeta) throws -> String {
        guard !meta.isSingle, !meta.isVirtual else {
            throw FrappeError.validation("\(meta.name) is a Single or virtual DocType and has no table")
        }
        var definitions: [String] = []
        var seen = Set(DocTypeMeta.standardColumns + (meta.isTable ? DocTypeMeta.childColumns : []))
        var indexes: [String] = []
        for column in columns(of: meta) where !seen.contains(column.fieldname) {
            try validateIdentifier(column.fieldname)
            guard let definition = columnDefinition(column) else { continue }
            definitions.append("`\(column.fieldname)` \(definition)")
            seen.insert(column.fieldname)
            if column.searchIndex, !column.unique, let t = TypeMap.columnType(for: column.fieldtype), t.type != "text", t.type != "longtext" {
                indexes.append("index `\(column.fieldname)`(`\(column.fieldname)`)")
            }
        }
        definitions += indexes
        if meta.isTable {
            definitions += ["parent varchar(140)", "parentfield varchar(140)", "parenttype varchar(140)", "index parent(parent)"]
        } else {
            definitions.append("index modified(modified)")
        }
        try validateIdentifier(meta.name, allowSpaces: true)
        return """
            create table `\(meta.tableName)` (
            name varchar(140) primary key,
            creation datetime(6),
            modified datetime(6),
            modified_by varchar(140),
            owner varchar(140),
            docstatus int(1) not null default '0',
            idx int(8) not null default '0',
            \(definitions.joined(separator: ",\n")))
            ENGINE=\(meta.engine == "MyISAM" ? "MyISAM" : "InnoDB")
            ROW_FORMAT=DYNAMIC
            CHARACTER SET=utf8mb4
            COLLATE=utf8mb4_unicode_ci
            """
    }

    /// `ALTER TABLE … ADD COLUMN` for a field added later (a Custom Field), with its index,
    /// as `DBTable.alter` does; nil when the field has no column.
    public static func addColumn(_ field: DocField, to meta: DocTypeMeta) throws -> [String] {
        try validateIdentifier(field.fieldname)
        guard let definition = columnDefinition(field, forModification: true) else { return [] }
        var statements = ["alter table `\(meta.tableName)` add column if not exists `\(field.fieldname)` \(definition)"]
        if let t = TypeMap.columnType(for: field.fieldtype), t.type != "text", t.type != "longtext" {
            if field.unique {
                statements.append("alter table `\(meta.tableName)` add unique index if not exists `\(field.fieldname)` (`\(field.fieldname)`)")
            } else if field.searchIndex {
                statements.append("alter table `\(meta.tableName)` add index if not exists `\(field.fieldname)_index`(`\(field.fieldname)`)")
            }
        }
        return statements
    }

    /// The fields that get columns, plus `_user_tags` … and `_seen` on non-child tables.
    static func columns(of meta: DocTypeMeta) -> [DocField] {
        var fields = meta.valueFields
        if !meta.isTable {
            fields += DocTypeMeta.optionalColumns.map { DocField(fieldname: $0, fieldtype: "Text") }
            if meta.trackSeen { fields.append(DocField(fieldname: "_seen", fieldtype: "Text")) }
        }
        return fields
    }

    /// `DbColumn.get_definition` of Frappe v15.
    public static func columnDefinition(_ field: DocField, forModification: Bool = false) -> String? {
        guard var definition = columnType(field) else { return nil }
        let isDecimal = ["Currency", "Float", "Percent"].contains(field.fieldtype)
        if field.fieldtype == "Check" || field.fieldtype == "Int" {
            definition += " not null default \(cint(field.defaultValue))"
        } else if isDecimal {
            definition += " not null default \(flt(field.defaultValue))"
        } else if let d = field.defaultValue, !d.isEmpty, !TypeMap.dynamicDefaults.contains(d), !d.hasPrefix(":") {
            definition += " default \(escape(d))"
        }
        if field.unique, !forModification, definition != "text", definition != "longtext" {
            definition += " unique"
        }
        return definition
    }

    /// `get_definition(fieldtype, precision, length)`.
    static func columnType(_ field: DocField) -> String? {
        guard var mapped = TypeMap.columnType(for: field.fieldtype) else { return nil }
        if field.fieldtype == "Int", field.length > 11 { mapped = ("bigint", "20") }
        var size = mapped.size
        if size != nil {
            if ["Float", "Currency", "Percent"].contains(field.fieldtype), cint(field.precision) > 6 { size = "21,9" }
            if field.length > 0 {
                if mapped.type == "varchar" { size = String(field.length) }
                else if mapped.type == "int", field.length < 11 { size = String(field.length) }
            }
        }
        return size.map { "\(mapped.type)(\($0))" } ?? mapped.type
    }

    /// Fieldnames must be word characters only (`validate_column_name`); DocType names may hold spaces.
    public static func validateIdentifier(_ name: String, allowSpaces: Bool = false) throws {
        let ok = !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || (allowSpaces && $0 == " ")
        }
        guard ok else { throw FrappeError.validation("Fieldname \(name) cannot have special characters") }
    }

    /// `frappe.db.escape` for a literal default: single-quoted, backslashes and quotes escaped.
    static func escape(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    static func cint(_ s: String?) -> Int {
        guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return 0 }
        return Int(s) ?? Int(Double(s) ?? 0)
    }

    /// `flt(default)` printed as Python prints a float (`0.0`, `1.5`).
    static func flt(_ s: String?) -> String {
        let v = Double(s?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        if v == v.rounded(), abs(v) < 1e15 { return String(format: "%.1f", v) }
        return String(v)
    }
}

/// One field of a DocType, as `tabDocField` / `tabCustom Field` describe it (after Property Setters).
public struct DocField: Sendable, Hashable {
    public var fieldname: String
    public var fieldtype: String
    public var label: String?
    public var options: String?
    public var reqd: Bool = false
    public var unique: Bool = false
    public var searchIndex: Bool = false
    public var defaultValue: String?
    public var length: Int = 0
    public var precision: String?
    public var isVirtual: Bool = false
    public var readOnly: Bool = false
    public var hidden: Bool = false
    public var inListView: Bool = false
    public var description: String?
    public var idx: Int = 0
    /// Set for fields that come from `tabCustom Field`.
    public var isCustom: Bool = false
    /// Custom fields only: the field this one is placed after.
    public var insertAfter: String?

    public init(fieldname: String, fieldtype: String, label: String? = nil, options: String? = nil) {
        self.fieldname = fieldname
        self.fieldtype = fieldtype
        self.label = label
        self.options = options
    }

    /// The label Frappe shows in messages (falls back to the fieldname).
    public var displayLabel: String { (label?.isEmpty == false ? label : nil) ?? fieldname }

    /// Table and Table MultiSelect fields hold child rows, not a column.
    public var isTable: Bool { fieldtype == "Table" || fieldtype == "Table MultiSelect" }

    /// Fields with a database column (`meta.get_fieldnames_with_value`).
    public var hasColumn: Bool { !isVirtual && TypeMap.columnType(for: fieldtype) != nil }

    /// Select options, one per line, blank lines dropped.
    public var selectOptions: [String] {
        (options ?? "").split(separator: "\n", omittingEmptySubsequences: true).map {
            String($0).trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
    }
}

/// A DocType's meta: what Frappe's `frappe.get_meta` would return for the site.
public struct DocTypeMeta: Sendable {
    public var name: String
    public var module: String?
    public var autoname: String?
    public var isTable: Bool = false
    public var isSingle: Bool = false
    public var isTree: Bool = false
    public var isVirtual: Bool = false
    public var isSubmittable: Bool = false
    public var trackChanges: Bool = false
    public var trackSeen: Bool = false
    public var engine: String = "InnoDB"
    public var titleField: String?
    /// The fields in meta order. Lookups below are precomputed whenever this changes, because
    /// the store consults them for every value of every document.
    public var fields: [DocField] = [] { didSet { index() } }

    private var byName: [String: Int] = [:]
    /// Fields stored as columns, in meta order.
    public private(set) var valueFields: [DocField] = []
    /// Table fields, whose rows live in the child DocType named by `options`.
    public private(set) var tableFields: [DocField] = []

    public init(name: String, fields: [DocField] = []) {
        self.name = name
        self.fields = fields
        index()
    }

    private mutating func index() {
        byName = [:]
        for (i, f) in fields.enumerated() where byName[f.fieldname] == nil { byName[f.fieldname] = i }
        valueFields = fields.filter(\.hasColumn)
        tableFields = fields.filter(\.isTable)
    }

    /// `tab` + the DocType name, verbatim (spaces kept).
    public var tableName: String { "tab" + name }

    public func field(_ fieldname: String) -> DocField? { byName[fieldname].map { fields[$0] } }

    /// Columns every table has (`frappe.model.default_fields` less the child-only ones).
    public static let standardColumns = ["name", "creation", "modified", "modified_by", "owner", "docstatus", "idx"]
    public static let childColumns = ["parent", "parentfield", "parenttype"]
    /// Columns Frappe adds to non-child tables (`Database.OPTIONAL_COLUMNS`).
    public static let optionalColumns = ["_user_tags", "_comments", "_assign", "_liked_by"]

    /// Every column of the table, standard ones first.
    public var columnNames: [String] { isTable ? columnNamesOf(child: true) : columnNamesOf(child: false) }

    private func columnNamesOf(child: Bool) -> [String] {
        var names = Self.standardColumns
        if child { names += Self.childColumns }
        names += valueFields.map(\.fieldname).filter { !names.contains($0) }
        if !child {
            names += Self.optionalColumns
            if trackSeen { names.append("_seen") }
        }
        return names
    }
}

/// Frappe v15's fieldtype → MariaDB column type (`frappe/database/mariadb/database.py:setup_type_map`).
public enum TypeMap {
    /// (type, size) or nil for fieldtypes without a column.
    public static func columnType(for fieldtype: String) -> (type: String, size: String?)? {
        switch fieldtype {
        case "Currency", "Float", "Percent", "Duration": return ("decimal", "21,9")
        case "Int": return ("int", "11")
        case "Long Int": return ("bigint", "20")
        case "Check": return ("int", "1")
        case "Rating": return ("decimal", "3,2")
        case "Data", "Link", "Dynamic Link", "Select", "Read Only", "Color", "Icon", "Phone", "Autocomplete":
            return ("varchar", "140")
        case "Small Text", "Text", "Password", "Attach", "Attach Image": return ("text", nil)
        case "Long Text", "Code", "Text Editor", "Markdown Editor", "HTML Editor", "Signature", "Barcode", "Geolocation":
            return ("longtext", nil)
        case "Date": return ("date", nil)
        case "Datetime": return ("datetime", "6")
        case "Time": return ("time", "6")
        case "JSON": return ("json", nil)
        default: return nil
        }
    }

    public static let numericTypes: Set<String> = ["Currency", "Float", "Percent", "Duration", "Rating"]
    public static let integerTypes: Set<String> = ["Int", "Long Int", "Check"]
    /// Fields Version diffs leave out (`frappe/core/doctype/version/version.py`).
    public static let untrackedTypes: Set<String> = ["Text Editor", "Code", "Markdown Editor", "HTML Editor", "HTML"]
    /// Defaults Frappe resolves per document, never written into the column definition.
    public static let dynamicDefaults: Set<String> = ["_Login", "__user", "_Company", "Today", "__today", "now", "Now"]
}

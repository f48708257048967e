import Foundation
import Frappe

/// Frappe assignments of a document, exactly as `frappe.desk.form.assign_to` leaves them: one
/// open ToDo per assigned user (with the "Assigned" comment `ToDo.on_update` adds), a cancelled
/// ToDo when an assignment ends, and the document's `_assign` cache (`ToDo.update_in_reference`:
/// the open ones' users, oldest first, as `json.dumps` prints a list) written without touching
/// `modified`.
enum Assignments {
    /// Makes `users` exactly the open assignments of `doctype`/`name`. Users that do not exist are
    /// left out (an unmapped login never fails an action).
    static func set(_ users: [String], on doctype: String, _ name: String, description: String, writer w: DocumentWriter) throws {
        guard (try? w.meta("ToDo")) != nil else { return }   // a site without Frappe's desk tables (the minimal core)
        let open = try w.list("ToDo", where: ["reference_type": .equals(.string(doctype)), "reference_name": .equals(.string(name)),
                                              "status": .equals("Open")], fields: ["name", "allocated_to"], orderBy: "creation")
        let openUsers = Set(open.compactMap { $0["allocated_to"].string })
        var wanted: [String] = []
        for user in users where !wanted.contains(user) {
            if try w.get("User", user) != nil || user == "Administrator" { wanted.append(user) }
        }
        var changed = false
        for user in wanted where !openUsers.contains(user) {
            try w.insert(Document("ToDo", [
                "allocated_to": .string(user), "reference_type": .string(doctype), "reference_name": .string(name),
                "description": .string(description), "priority": "Medium", "status": "Open", "date": .date(w.now().date),
                "assigned_by": .string(w.user),
            ]))
            let text = w.user == user
                ? "\(try fullName(w.user, w)) self assigned this task: \(description)"
                : "\(try fullName(w.user, w)) assigned \(try fullName(user, w)): \(description)"
            try comment("Assigned", text, on: doctype, name, writer: w)
            changed = true
        }
        for todo in open {
            guard let user = todo["allocated_to"].string, !wanted.contains(user), let todoName = todo.name else { continue }
            try w.update(Document("ToDo", name: todoName, ["status": "Cancelled"]))
            let text = w.user == user ? "\(try fullName(user, w)) removed their assignment."
                : "Assignment of \(try fullName(user, w)) removed by \(try fullName(w.user, w))"
            try comment("Assignment Completed", text, on: doctype, name, writer: w)
            changed = true
        }
        guard changed else { return }
        let now = try w.list("ToDo", where: ["reference_type": .equals(.string(doctype)), "reference_name": .equals(.string(name)),
                                             "status": .equals("Open")], fields: ["allocated_to"], orderBy: "modified")
            .compactMap { $0["allocated_to"].string }
        try w.setValue(doctype, name, "_assign", .string(pythonList(now)), updateModified: false)
    }

    /// `Document.add_comment(comment_type, text)`.
    static func comment(_ type: String, _ text: String, on doctype: String, _ name: String, writer w: DocumentWriter) throws {
        try w.insert(Document("Comment", ["comment_type": .string(type), "comment_email": .string(w.user), "reference_doctype": .string(doctype),
                                          "reference_name": .string(name), "content": .string(text)]))
    }

    /// `frappe.utils.get_fullname`: the user's full name, else the user id.
    static func fullName(_ user: String, _ r: DocumentReader) throws -> String {
        let name = try r.get("User", user)?["full_name"].string ?? ""
        return name.isEmpty ? user : name
    }

    /// `json.dumps(list_of_str)`: `["a", "b"]`.
    static func pythonList(_ items: [String]) -> String {
        JSONValue.array(items.map { .string($0) }).pythonJSON()
    }
}

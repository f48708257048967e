import Foundation
import Frappe

/// A repository name as it comes in (an argument, a payload) resolved to the stored Repository.
///
/// GitHub names ignore case, and so does the site's collation: `ACME/WIDGETS` finds the stored
/// `acme/widgets`. Everything written afterwards (issue names, member rows, links, locks) must use
/// the stored spelling, or the mirror would hold one repository under two spellings.
public enum StoredRepository {
    /// The stored name of the Repository `given` names, in any case; DoesNotExistError when none.
    public static func name(_ given: String, _ r: DocumentReader, lock: RowLock? = nil) throws -> String {
        let found = try r.list("Repository", where: ["name": .equals(.string(given))], fields: ["name"], limit: 1, lock: lock)
        guard let name = found.first?.name else { throw FrappeError.notFound("Repository \(given) not found") }
        return name
    }

    public static func name(_ given: String, site: Site) async throws -> String {
        try await site.read { r in try name(given, r) }
    }
}

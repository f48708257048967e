// GitHub's payloads share the one JSON value type with the Frappe side.
@_exported import CoreValues

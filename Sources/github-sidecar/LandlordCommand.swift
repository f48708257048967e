import ArgumentParser
import Foundation
import Frappe

struct LandlordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landlord",
        abstract: "The sidecar's own database (GitHub App installations and deliveries).",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the landlord database and its user, make its tables, and print GITHUB_SIDECAR_LANDLORD.")

        @Option(name: .customLong("db-root-username"), help: "A MariaDB user allowed to create databases and users.") var dbRootUsername: String = "root"
        @Option(name: .customLong("db-root-password"), help: "Its password (empty for unix-socket auth).") var dbRootPassword: String = ""
        @Option(name: .customLong("db-socket"), help: "MariaDB unix socket (instead of host and port).") var dbSocket: String?
        @Option(name: .customLong("db-host"), help: "MariaDB host.") var dbHost: String = "127.0.0.1"
        @Option(name: .customLong("db-port"), help: "MariaDB port.") var dbPort: Int = 3306

        func run() async throws {
            let endpoint: LandlordSetup.Endpoint = dbSocket.map { .socket($0) } ?? .tcp(host: dbHost, port: dbPort)
            do {
                let url = try await LandlordSetup.create(rootUser: dbRootUsername, rootPassword: dbRootPassword, endpoint: endpoint)
                print("database:  \(url.database) (tables created)")
                print("GITHUB_SIDECAR_LANDLORD=\(url.secretURL)")
            } catch let error as LandlordError {
                throw ValidationError(error.description)
            }
        }
    }
}

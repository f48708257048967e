import ArgumentParser
import Foundation

@main
struct GitHubSidecar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "github-sidecar",
        abstract: "Mirrors GitHub into ERPNext, next to a Frappe bench.",
        subcommands: [ServeCommand.self, InstallCommand.self, ConfigureCommand.self, DevSiteCommand.self, CheckSiteCommand.self, LandlordCommand.self]
    )
}

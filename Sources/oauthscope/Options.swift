import ArgumentParser
import Foundation
import MockProvider
import Settings

struct OutputOptions: ParsableArguments {
    @Option(help: "tui, plain or jsonl (default: tui when stdout is a terminal, else plain).")
    var output: OutputFormat?

    @Flag(help: "Show secrets (client secret, code verifier, codes, tokens) in clear in every output.")
    var reveal = false

    @Option(help: ArgumentHelp("Also write every event to this JSONL file.", valueName: "FILE"))
    var record: String?

    @Flag(name: .shortAndLong, help: "plain output: show every sub-step, not only the main ones.")
    var verbose = false

    @Flag(help: "plain output: after each step, print what just happened and why, with the sections that say so.")
    var explain = false

    @Flag(help: "Ring the terminal bell when a callback arrives (in the terminal UI, b turns it on and off).")
    var bell = false

    @Option(help: ArgumentHelp("The colour theme: a shipped or user theme's name, or a .toml path (see 'oauthscope themes').", valueName: "NAME|PATH"))
    var theme: String?

    @Option(help: ArgumentHelp("The config file (default: $XDG_CONFIG_HOME/oauthscope/config.toml).", valueName: "PATH"))
    var config: String?

    func configPath(_ environment: [String: String]) -> String { config ?? ConfigFile.defaultPath(environment: environment) }

    var resolvedOutput: OutputFormat {
        output ?? (isatty(STDOUT_FILENO) == 1 ? .tui : .plain)
    }
}

// The embedded provider's enumerated options: ArgumentParser checks the word and lists the choices in --help.

extension MockPersonality: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension MockFault: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

extension SigningAlgorithm: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}

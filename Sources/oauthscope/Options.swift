import ArgumentParser
import ExchangeEngine
import FlowEngine
import Foundation
import OAuthCore

/// `--output tui|plain|jsonl`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case tui, plain, jsonl
}

struct OutputOptions: ParsableArguments {
    @Option(help: "tui, plain or jsonl (default: tui when stdout is a terminal, else plain).")
    var output: OutputFormat?

    @Flag(help: "Show secrets (client secret, code verifier, codes, tokens) in clear in every output.")
    var reveal = false

    @Option(help: ArgumentHelp("Also write every event to this JSONL file.", valueName: "FILE"))
    var record: String?

    @Flag(name: .shortAndLong, help: "plain output: show every sub-step, not only the main ones.")
    var verbose = false

    @Option(help: ArgumentHelp("The colour theme: a shipped or user theme's name, or a .toml path (see 'oauthscope themes').", valueName: "NAME|PATH"))
    var theme: String?

    @Option(help: ArgumentHelp("The config file (default: $XDG_CONFIG_HOME/oauthscope/config.toml).", valueName: "PATH"))
    var config: String?

    func configPath(_ environment: [String: String]) -> String { config ?? ConfigFile.defaultPath(environment: environment) }

    var resolvedOutput: OutputFormat {
        output ?? (isatty(STDOUT_FILENO) == 1 ? .tui : .plain)
    }
}

struct BrowserOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Command that opens the authorization URL (the URL is appended, or replaces {url}).", valueName: "CMD"))
    var browser: String?

    @Flag(help: "Do not open a browser; only show the URL.")
    var noBrowser = false
}

struct FlowTuning: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds to wait for the callback.", valueName: "SECONDS"))
    var timeout: Int = 300

    /// Seconds a flow may wait for its callback: up to a week, so the deadline always fits the clock.
    static let timeoutRange = 1...604_800

    @Option(help: "When to exchange the code: auto, manual (wait for a key or a line on stdin) or never.")
    var exchange: ExchangeModeArgument = .auto

    @Flag(help: "Step mode: pause before every hop until a key (or a line on stdin) says go on.")
    var step = false

    @Option(help: "PKCE: s256 (default), plain (with a warning) or none.")
    var pkce: PKCEArgument = .s256

    @Flag(help: "Go on after a failed ID-token check, reporting it as an error.")
    var insecureContinue = false

    @Option(name: .customLong("unverified-error-grace"), help: ArgumentHelp("Seconds an error redirect without state waits for the flow's own callback before it ends the flow (anyone can send one).", valueName: "SECONDS"))
    var unverifiedErrorGrace: Int = 10

    @Option(help: ArgumentHelp("After the exchange: follow-up hops, comma-separated, in order (refresh, userinfo, introspect, revoke, check-rotation).", valueName: "LIST"))
    var then: String?

    var thenActions: [String] {
        (then ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard Self.timeoutRange.contains(timeout) else { throw ValidationError("--timeout must be a whole number of seconds from \(Self.timeoutRange.lowerBound) to \(Self.timeoutRange.upperBound) (a week)") }
        guard (0...3600).contains(unverifiedErrorGrace) else { throw ValidationError("--unverified-error-grace must be 0 to 3600 seconds") }
        // Preset follow-ups (accessible-resources, user, ...) are checked once the preset is known.
        for a in thenActions where a.isEmpty || a.contains(" ") {
            throw ValidationError("--then \(a): actions are names like \(FlowController.actionNames.joined(separator: ", "))")
        }
    }

    /// Applies the options every flow shares.
    func apply(to config: inout FlowConfiguration, output: OutputOptions) {
        config.thenActions = thenActions
        config.serveActions = output.resolvedOutput == .tui
        config.unverifiedErrorGrace = .seconds(unverifiedErrorGrace)
    }
}

/// `--http-timeout SECONDS`: the deadline of each HTTP hop to the provider, covering connect, headers and body.
struct HTTPOptions: ParsableArguments {
    static let range = 0.1...3600.0

    @Option(name: .customLong("http-timeout"), help: ArgumentHelp("Deadline of each request to the provider, covering connect, headers and the whole body (0.1 to 3600; default 15).", valueName: "SECONDS"))
    var httpTimeout: Double?

    func validate() throws {
        if let t = httpTimeout, !(t.isFinite && Self.range.contains(t)) {
            throw ValidationError("--http-timeout \(t): give a number of seconds from 0.1 to 3600")
        }
    }

    var timeout: Duration {
        guard let t = httpTimeout else { return HTTPProviderClient.defaultTimeout }
        return .milliseconds(Int64((t * 1000).rounded()))
    }
}

struct FollowUpEndpoints: ParsableArguments {
    @Option(name: .customLong("userinfo-url"), help: ArgumentHelp("The userinfo endpoint, when discovery does not give it.", valueName: "URL"))
    var userinfoURL: String?

    @Option(name: .customLong("revoke-url"), help: ArgumentHelp("The revocation endpoint (RFC 7009).", valueName: "URL"))
    var revokeURL: String?

    @Option(name: .customLong("introspect-url"), help: ArgumentHelp("The introspection endpoint (RFC 7662).", valueName: "URL"))
    var introspectURL: String?

    func validate() throws {
        for (flag, value) in [("--userinfo-url", userinfoURL), ("--revoke-url", revokeURL), ("--introspect-url", introspectURL)] {
            if let v = value, URL(string: v)?.host == nil { throw ValidationError("\(flag) \(v) is not an absolute URL") }
        }
    }

    func apply(to config: inout FlowConfiguration) {
        if let u = userinfoURL.flatMap(URL.init(string:)) { config.userinfoURL = u }
        if let u = revokeURL.flatMap(URL.init(string:)) { config.revocationURL = u }
        if let u = introspectURL.flatMap(URL.init(string:)) { config.introspectionURL = u }
    }
}

enum ExchangeModeArgument: String, ExpressibleByArgument, CaseIterable {
    case auto, manual, never
    var mode: ExchangeMode { ExchangeMode(rawValue: rawValue) ?? .auto }
}

enum PKCEArgument: String, ExpressibleByArgument, CaseIterable {
    case s256, plain, none
    var method: PKCEMethod? {
        switch self {
        case .s256: return .s256
        case .plain: return .plain
        case .none: return nil
        }
    }
}

enum TokenAuthArgument: String, ExpressibleByArgument, CaseIterable {
    case basic, post, none
    var method: ClientAuthMethod {
        switch self {
        case .basic: return .clientSecretBasic
        case .post: return .clientSecretPost
        case .none: return .none
        }
    }
}

enum TokenBodyArgument: String, ExpressibleByArgument, CaseIterable {
    case form, json
    var encoding: TokenBodyEncoding { self == .json ? .json : .form }
}

/// Parses `k=v` (`--param`, `--token-param`).
func parseKeyValue(_ text: String, flag: String) throws -> FormField {
    guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
        throw ValidationError("\(flag) \(text): expected NAME=VALUE, e.g. \(flag) prompt=consent")
    }
    return FormField(String(text[..<eq]), String(text[text.index(after: eq)...]))
}

/// Parses `Name: value` (`--token-header`).
func parseHeader(_ text: String) throws -> FormField {
    guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
        throw ValidationError("--token-header \(text): expected 'Name: value', e.g. --token-header 'x-api-key: abc'")
    }
    let name = text[..<colon].trimmingCharacters(in: .whitespaces)
    let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty, !name.contains(" ") else { throw ValidationError("--token-header \(text): the header name may not contain spaces") }
    return FormField(name, value)
}

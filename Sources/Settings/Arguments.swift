import ArgumentParser
import FlowEngine
import Foundation
import OAuthCore

// The enumerated options: ArgumentParser checks a flag's word against the enum and lists the words in --help;
// the environment and the config file check theirs against the same `allValueStrings`.

/// `--output tui|plain|jsonl`.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case tui, plain, jsonl
}

/// `--exchange auto|manual|never`.
public enum ExchangeModeArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, manual, never
    public var mode: ExchangeMode { ExchangeMode(rawValue: rawValue) ?? .auto }
}

/// `--pkce s256|plain|none`.
public enum PKCEArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case s256, plain, none
    public init(_ method: PKCEMethod?) {
        switch method {
        case .s256?: self = .s256
        case .plain?: self = .plain
        case nil: self = .none
        }
    }
    public var method: PKCEMethod? {
        switch self {
        case .s256: return .s256
        case .plain: return .plain
        case .none: return nil
        }
    }
}

/// `--token-auth basic|post|none`.
public enum TokenAuthArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case basic, post, none
    public init(_ method: ClientAuthMethod) {
        switch method {
        case .clientSecretBasic: self = .basic
        case .clientSecretPost: self = .post
        case .none: self = .none
        }
    }
    public var method: ClientAuthMethod {
        switch self {
        case .basic: return .clientSecretBasic
        case .post: return .clientSecretPost
        case .none: return .none
        }
    }
}

/// `--grant authorization-code|device|client-credentials|refresh-token|token-exchange`.
extension GrantType: ExpressibleByArgument {}

/// `--token-body form|json`.
public enum TokenBodyArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    case form, json
    public var encoding: TokenBodyEncoding { self == .json ? .json : .form }
}

/// Parses `k=v` (`--param`, `--token-param`, `--preset-param`).
public func parseKeyValue(_ text: String, flag: String) throws(UsageError) -> FormField {
    guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
        throw UsageError("\(flag) \(text): expected NAME=VALUE, e.g. \(flag) prompt=consent")
    }
    return FormField(String(text[..<eq]), String(text[text.index(after: eq)...]))
}

/// Parses `Name: value` (`--token-header`).
public func parseHeader(_ text: String) throws(UsageError) -> FormField {
    guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
        throw UsageError("--token-header \(text): expected 'Name: value', e.g. --token-header 'x-api-key: abc'")
    }
    let name = text[..<colon].trimmingCharacters(in: .whitespaces)
    let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty, !name.contains(" ") else { throw UsageError("--token-header \(text): the header name may not contain spaces") }
    return FormField(name, value)
}

/// The flags every flow shares (demo and flow). Every one is optional, so that only the flags actually given
/// reach the flag layer.
public struct FlowTuning: ParsableArguments {
    @Option(name: .customLong("timeout"), help: Setting.timeout.description.argumentHelp)
    public var timeout: Int?

    @Option(name: .customLong("exchange"), help: Setting.exchange.description.argumentHelp)
    public var exchange: ExchangeModeArgument?

    @Flag(name: .customLong("step"), help: Setting.step.description.argumentHelp)
    public var step = false

    @Option(name: .customLong("grant"), help: Setting.grant.description.argumentHelp)
    public var grant: GrantType?

    @Option(name: .customLong("pkce"), help: Setting.pkce.description.argumentHelp)
    public var pkce: PKCEArgument?

    @Flag(name: .customLong("insecure-continue"), help: Setting.insecureContinue.description.argumentHelp)
    public var insecureContinue = false

    @Option(name: .customLong("unverified-error-grace"), help: Setting.unverifiedErrorGrace.description.argumentHelp)
    public var unverifiedErrorGrace: Int?

    @Option(name: .customLong("then"), help: Setting.then.description.argumentHelp)
    public var then: String?

    @Option(name: .customLong("browser"), help: Setting.browser.description.argumentHelp)
    public var browser: String?

    @Flag(name: .customLong("no-browser"), help: Setting.noBrowser.description.argumentHelp)
    public var noBrowser = false

    public init() {}

    public func validate() throws {
        // Action names are checked once the preset (and its own follow-ups) is known.
        do {
            if let t = timeout { _ = try Setting.timeout.parse(String(t), origin: "--timeout") }
            if let g = unverifiedErrorGrace { _ = try Setting.unverifiedErrorGrace.parse(String(g), origin: "--unverified-error-grace") }
            _ = try layer()
        } catch { throw ValidationError(error.description) }
    }

    /// The flags given, as the top layer.
    public func layer() throws(UsageError) -> SettingsLayer {
        var l = SettingsLayer(.flag)
        l.set(.timeout, timeout)
        l.set(.exchange, exchange)
        l.set(.step, flag: step)
        l.set(.grant, grant)
        l.set(.pkce, pkce)
        l.set(.insecureContinue, flag: insecureContinue)
        l.set(.unverifiedErrorGrace, unverifiedErrorGrace)
        if let then { l[.then] = try Setting.then.parse(then, origin: "--then") }
        l.set(.browser, browser)
        l.set(.noBrowser, flag: noBrowser)
        return l
    }
}

/// The follow-up endpoints `flow` takes when discovery does not give them.
public struct FollowUpEndpoints: ParsableArguments {
    @Option(name: .customLong("userinfo-url"), help: Setting.userinfoURL.description.argumentHelp)
    public var userinfoURL: String?

    @Option(name: .customLong("revoke-url"), help: Setting.revokeURL.description.argumentHelp)
    public var revokeURL: String?

    @Option(name: .customLong("introspect-url"), help: Setting.introspectURL.description.argumentHelp)
    public var introspectURL: String?

    public init() {}

    public func validate() throws {
        do { _ = try layer() } catch { throw ValidationError(error.description) }
    }

    public func layer() throws(UsageError) -> SettingsLayer {
        var l = SettingsLayer(.flag)
        for (s, v) in [(Setting.userinfoURL, userinfoURL), (.revokeURL, revokeURL), (.introspectURL, introspectURL)] {
            if let v { l[s] = try s.parse(v, origin: s.description.label) }
        }
        return l
    }
}

/// Where the provider is and who the client is: shared by `flow` and `listen --exchange`.
public struct ProviderOptions: ParsableArguments {
    @Option(name: .customLong("preset"), help: Setting.preset.description.argumentHelp)
    public var preset: String?

    @Option(name: .customLong("preset-param"), help: Setting.presetParams.description.argumentHelp)
    public var presetParams: [String] = []

    @Option(name: .customLong("preset-base"), help: ArgumentHelp("Send the preset's requests to this origin instead (the embedded provider's imitation from 'provider serve --personality', or a proxy); paths are kept.", valueName: "URL"))
    public var presetBase: String?

    @Option(help: ArgumentHelp("A [profiles.NAME] table of the config file (repeatable: several flows share one listener; env OAUTHSCOPE_PROFILE).", valueName: "NAME"))
    public var profile: [String] = []

    @Option(name: .customLong("issuer"), help: Setting.issuer.description.argumentHelp)
    public var issuer: String?

    @Option(name: .customLong("authorize-url"), help: Setting.authorizeURL.description.argumentHelp)
    public var authorizeURL: String?

    @Option(name: .customLong("token-url"), help: Setting.tokenURL.description.argumentHelp)
    public var tokenURL: String?

    @Option(name: .customLong("client-id"), help: Setting.clientID.description.argumentHelp)
    public var clientID: String?

    @Option(name: .customLong("client-secret"), help: Setting.clientSecret.description.argumentHelp)
    public var clientSecret: String?

    @Option(name: .customLong("client-secret-env"), help: Setting.clientSecretEnv.description.argumentHelp)
    public var clientSecretEnv: String?

    @Option(name: .customLong("client-secret-file"), help: Setting.clientSecretFile.description.argumentHelp)
    public var clientSecretFile: String?

    @Option(name: .customLong("scope"), help: Setting.scope.description.argumentHelp)
    public var scope: String?

    @Option(name: .customLong("param"), help: Setting.params.description.argumentHelp)
    public var params: [String] = []

    @Option(name: .customLong("token-param"), help: Setting.tokenParams.description.argumentHelp)
    public var tokenParams: [String] = []

    @Option(name: .customLong("token-header"), help: Setting.tokenHeaders.description.argumentHelp)
    public var tokenHeaders: [String] = []

    @Option(name: .customLong("token-body"), help: Setting.tokenBody.description.argumentHelp)
    public var tokenBody: TokenBodyArgument?

    @Option(name: .customLong("token-auth"), help: Setting.tokenAuth.description.argumentHelp)
    public var tokenAuth: TokenAuthArgument?

    @Flag(name: .customLong("allow-insecure-http"), help: Setting.allowInsecureHTTP.description.argumentHelp)
    public var allowInsecureHTTP = false

    public init() {}

    public func validate() throws {
        let secretSources = [clientSecret != nil, clientSecretEnv != nil, clientSecretFile != nil].filter { $0 }.count
        if secretSources > 1 { throw ValidationError("give only one of --client-secret, --client-secret-env, --client-secret-file") }
        if let p = preset, ProviderPresets.named(p) == nil {
            throw ValidationError("--preset \(p) is not a preset oauthscope knows; choose one of \(ProviderPresets.all.map(\.name).joined(separator: ", "))")
        }
        do {
            if let b = presetBase { try Setting.checkURL(b, origin: "--preset-base") }
            _ = try layer()
        } catch { throw ValidationError(error.description) }
    }

    /// The flags given, as the top layer.
    public func layer() throws(UsageError) -> SettingsLayer {
        var l = SettingsLayer(.flag)
        l.set(.preset, preset)
        var presetPairs: [FormField] = []
        for kv in presetParams { presetPairs.append(try parseKeyValue(kv, flag: "--preset-param")) }
        l.set(.presetParams, pairs: presetPairs)
        for (s, v) in [(Setting.issuer, issuer), (.authorizeURL, authorizeURL), (.tokenURL, tokenURL)] {
            if let v { l[s] = try s.parse(v, origin: s.description.label) }
        }
        l.set(.clientID, clientID)
        l.set(.clientSecret, clientSecret)
        l.set(.clientSecretEnv, clientSecretEnv)
        l.set(.clientSecretFile, clientSecretFile)
        l.set(.scope, scope)
        var p: [FormField] = [], tp: [FormField] = [], th: [FormField] = []
        for kv in params { p.append(try parseKeyValue(kv, flag: "--param")) }
        for kv in tokenParams { tp.append(try parseKeyValue(kv, flag: "--token-param")) }
        for h in tokenHeaders { th.append(try parseHeader(h)) }
        l.set(.params, pairs: p)
        l.set(.tokenParams, pairs: tp)
        l.set(.tokenHeaders, pairs: th)
        l.set(.tokenBody, tokenBody)
        l.set(.tokenAuth, tokenAuth)
        l.set(.allowInsecureHTTP, flag: allowInsecureHTTP)
        return l
    }
}

/// The redirect flags of `flow` and `demo`.
public struct RedirectOptions: ParsableArguments {
    @Option(name: .customLong("redirect-uri"), help: Setting.redirectURI.description.argumentHelp)
    public var redirectURI: String?

    @Option(name: .customLong("registered-redirect-uri"), help: Setting.registeredRedirectURI.description.argumentHelp)
    public var registeredRedirectURI: String?

    @Flag(name: .customLong("omit-redirect-uri"), help: Setting.omitRedirectURI.description.argumentHelp)
    public var omitRedirectURI = false

    public init() {}

    public func layer() -> SettingsLayer {
        var l = SettingsLayer(.flag)
        l.set(.redirectURI, redirectURI)
        l.set(.registeredRedirectURI, registeredRedirectURI)
        l.set(.omitRedirectURI, flag: omitRedirectURI)
        return l
    }
}

/// `--http-timeout SECONDS`: the deadline of each HTTP hop to the provider (demo, flow, listen).
public struct HTTPOptions: ParsableArguments {
    @Option(name: .customLong("http-timeout"), help: Setting.httpTimeout.description.argumentHelp)
    public var httpTimeout: Double?

    public init() {}

    public func validate() throws {
        do { _ = try layer() } catch { throw ValidationError(error.description) }
    }

    public func layer() throws(UsageError) -> SettingsLayer {
        var l = SettingsLayer(.flag)
        if let t = httpTimeout { l[.httpTimeout] = try Setting.httpTimeout.parse(String(t), origin: "--http-timeout") }
        return l
    }
}

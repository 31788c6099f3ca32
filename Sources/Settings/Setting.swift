import ArgumentParser
import OAuthCore

/// A command that takes settings.
public enum SettingCommand: String, Sendable, Hashable, CaseIterable {
    case demo, flow, listen
}

/// Where a setting's value came from, lowest precedence first: a flag beats the environment, which beats the
/// profile, which beats the preset, which beats the default.
public enum SettingSource: String, Sendable, Hashable, CaseIterable, Comparable {
    case `default`, preset, profile, env, flag

    public static func < (a: SettingSource, b: SettingSource) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// The shape of a setting's value, which decides how the environment and the config file spell it.
public enum SettingKind: Sendable, Hashable {
    /// Free text.
    case text
    /// An absolute URL (scheme and host).
    case url
    /// A whole number in a range.
    case number(ClosedRange<Int>)
    /// A finite decimal number in a range (seconds with a fraction).
    case decimal(ClosedRange<Double>)
    /// One of a few words, the same ones the flag takes (its `ExpressibleByArgument` enum's values).
    case choice([String])
    /// A list: a TOML array of strings, or a comma-separated string (flag and environment).
    case list
    /// `name = "value"` pairs: a TOML table, `--flag k=v` (repeatable). Names compare case-insensitively when
    /// `caseInsensitive` (HTTP header names). Not read from the environment.
    case pairs(caseInsensitive: Bool)
    /// On or off: a flag that is given, `true`/`false` in the file, `1`/`0`/`true`/`false` in the environment.
    case flag
}

/// One setting: its name (the profile key), how its value is spelled, its default, whether it is secret, which
/// commands take it. The flag, the `OAUTHSCOPE_*` variable and the profile key are derived from the name.
public struct SettingDescription: Sendable, Hashable {
    /// The profile key, snake_case, e.g. `client_id`.
    public var name: String
    public var kind: SettingKind
    /// Nil when the setting has no value unless given (or a preset gives one).
    public var defaultValue: SettingValue?
    /// Shown redacted in `flow.started` and on screen unless `--reveal`.
    public var secret: Bool
    public var commands: Set<SettingCommand>
    /// One line for `--help`.
    public var help: String
    /// The placeholder in `--help`, e.g. `URL`.
    public var valueName: String?
    /// The long flag, e.g. `--client-id`; nil for a setting only the config file and the environment set.
    public var flag: String?
    /// Read from `OAUTHSCOPE_<NAME>`.
    public var readsEnvironment: Bool
    /// Settings in one group replace each other as a whole: a higher layer that gives any of them hides every
    /// one of them from the lower layers (the client secret's four sources).
    public var group: String?

    /// `OAUTHSCOPE_CLIENT_ID` for `client_id`; nil when the environment does not set it.
    public var environmentVariable: String? { readsEnvironment ? "OAUTHSCOPE_" + name.uppercased() : nil }

    /// How errors name the setting: its flag, else its profile key.
    public var label: String { flag ?? name }

    /// `help` and `valueName` for ArgumentParser, with the environment variable named.
    public var argumentHelp: ArgumentHelp {
        var text = help
        if let e = environmentVariable { text += " (env \(e))" }
        return ArgumentHelp(text, valueName: valueName)
    }
}

/// Every setting oauthscope takes from flags, the environment and config-file profiles. Each case's
/// `description` is the one place its name, type, default, secrecy and commands are written.
public enum Setting: String, Sendable, Hashable, CaseIterable {
    case preset, presetParams = "preset_params", issuer
    case authorizeURL = "authorize_url", tokenURL = "token_url"
    case clientID = "client_id", clientSecret = "client_secret", clientSecretEnv = "client_secret_env"
    case clientSecretFile = "client_secret_file", clientSecretCommand = "client_secret_command"
    case scope, redirectURI = "redirect_uri", registeredRedirectURI = "registered_redirect_uri", omitRedirectURI = "omit_redirect_uri"
    case params, tokenParams = "token_params", tokenHeaders = "token_headers", tokenBody = "token_body", tokenAuth = "token_auth"
    case pkce, exchange, timeout, then, step, insecureContinue = "insecure_continue", unverifiedErrorGrace = "unverified_error_grace"
    case userinfoURL = "userinfo_url", revokeURL = "revoke_url", introspectURL = "introspect_url"
    case browser, noBrowser = "no_browser"
    case httpTimeout = "http_timeout", allowInsecureHTTP = "allow_insecure_http", exchangeAny = "exchange_any"
    case grant
    case refreshTokenEnv = "refresh_token_env", refreshTokenFile = "refresh_token_file"
    case subjectTokenEnv = "subject_token_env", subjectTokenFile = "subject_token_file", subjectTokenType = "subject_token_type"
    case actorTokenEnv = "actor_token_env", actorTokenFile = "actor_token_file", actorTokenType = "actor_token_type"
    case requestedTokenType = "requested_token_type", audience, resource

    /// The redirect URI a flow listens on when nothing else says.
    public static let defaultRedirectURI = "http://127.0.0.1:8765/callback"

    public var description: SettingDescription {
        let provider: Set<SettingCommand> = [.flow, .listen]
        let flowOnly: Set<SettingCommand> = [.flow]
        let flowAndDemo: Set<SettingCommand> = [.flow, .demo]
        func d(_ kind: SettingKind, _ commands: Set<SettingCommand>, _ help: String, value: String? = nil, default def: SettingValue? = nil,
               secret: Bool = false, flag: String? = "", env: Bool = true, group: String? = nil) -> SettingDescription {
            let long = flag == "" ? "--" + rawValue.replacingOccurrences(of: "_", with: "-") : flag
            var readsEnv = env
            if case .pairs = kind { readsEnv = false }
            return SettingDescription(name: rawValue, kind: kind, defaultValue: def, secret: secret, commands: commands, help: help,
                                      valueName: value, flag: long, readsEnvironment: readsEnv, group: group)
        }
        switch self {
        case .preset:
            return d(.choice(ProviderPresets.all.map(\.name)), provider, "A provider preset: \(ProviderPresets.all.map(\.name).joined(separator: ", ")).", value: "NAME")
        case .presetParams:
            return d(.pairs(caseInsensitive: false), provider, "A preset's parameter, e.g. tenant=contoso.onmicrosoft.com (repeatable).", value: "K=V", flag: "--preset-param")
        case .issuer:
            return d(.url, provider, "The issuer, for OIDC / RFC 8414 discovery.", value: "URL")
        case .authorizeURL:
            return d(.url, provider, "The authorization endpoint.", value: "URL")
        case .tokenURL:
            return d(.url, provider, "The token endpoint.", value: "URL")
        case .clientID:
            return d(.text, provider, "The client id.", value: "ID")
        case .clientSecret:
            return d(.text, provider, "The client secret (prefer --client-secret-env or --client-secret-file).", value: "SECRET", secret: true, group: "client_secret")
        case .clientSecretEnv:
            return d(.text, provider, "Read the client secret from this environment variable.", value: "NAME", group: "client_secret")
        case .clientSecretFile:
            return d(.text, provider, "Read the client secret from this file.", value: "PATH", group: "client_secret")
        case .clientSecretCommand:
            return d(.text, provider, "Run this shell command and take the first line it prints as the client secret.", value: "CMD", flag: nil, env: false, group: "client_secret")
        case .scope:
            return d(.text, [.flow, .listen, .demo], "Scopes to ask for, space-separated.", value: "SCOPES")
        case .redirectURI:
            return d(.text, flowAndDemo, "The redirect URI registered with the provider; oauthscope listens on it (port 0: any free port).", value: "URI", default: .text(Self.defaultRedirectURI))
        case .registeredRedirectURI:
            return d(.text, flowAndDemo, "The callback URL registered for the client, if it differs: the redirect_uri is checked against it by the provider's rule before the user is sent.", value: "URI")
        case .omitRedirectURI:
            return d(.flag, flowAndDemo, "Leave redirect_uri out of the authorization and token requests, so the provider sends the user to the callback registered for the client (Bitbucket, GitHub; RFC 6749 §3.1.2.3).")
        case .params:
            return d(.pairs(caseInsensitive: false), [.flow, .listen, .demo], "An extra authorization request parameter, e.g. prompt=none (repeatable).", value: "K=V", flag: "--param")
        case .tokenParams:
            return d(.pairs(caseInsensitive: false), provider, "An extra token request body field (repeatable).", value: "K=V", flag: "--token-param")
        case .tokenHeaders:
            return d(.pairs(caseInsensitive: true), provider, "An extra token request header (repeatable).", value: "'NAME: VALUE'", secret: true, flag: "--token-header")
        case .tokenBody:
            return d(.choice(TokenBodyArgument.allValueStrings), provider, "Token request body: form or json (default: the preset's, else form).", default: .text("form"))
        case .tokenAuth:
            return d(.choice(TokenAuthArgument.allValueStrings), provider, "Client authentication: basic, post or none (default: the preset's, else basic with a secret and none without).")
        case .grant:
            return d(.choice(GrantType.allValueStrings), flowAndDemo, "The grant to run: authorization-code, device (RFC 8628), client-credentials, refresh-token or token-exchange (RFC 8693).", default: .text(GrantType.authorizationCode.rawValue))
        case .refreshTokenEnv:
            return d(.text, flowAndDemo, "--grant refresh-token: read the refresh token from this environment variable.", value: "NAME", group: "refresh_token")
        case .refreshTokenFile:
            return d(.text, flowAndDemo, "--grant refresh-token: read the refresh token from this file.", value: "PATH", group: "refresh_token")
        case .subjectTokenEnv:
            return d(.text, flowAndDemo, "--grant token-exchange: read the subject token from this environment variable.", value: "NAME", group: "subject_token")
        case .subjectTokenFile:
            return d(.text, flowAndDemo, "--grant token-exchange: read the subject token from this file.", value: "PATH", group: "subject_token")
        case .subjectTokenType:
            return d(.text, flowAndDemo, "--grant token-exchange: the subject token's type, an RFC 8693 §3 URI or short name (access_token, refresh_token, id_token, saml1, saml2, jwt).", value: "TYPE")
        case .actorTokenEnv:
            return d(.text, flowAndDemo, "--grant token-exchange: read the actor token (who acts for the subject) from this environment variable.", value: "NAME", group: "actor_token")
        case .actorTokenFile:
            return d(.text, flowAndDemo, "--grant token-exchange: read the actor token from this file.", value: "PATH", group: "actor_token")
        case .actorTokenType:
            return d(.text, flowAndDemo, "--grant token-exchange: the actor token's type (URI or short name; default access_token).", value: "TYPE")
        case .requestedTokenType:
            return d(.text, flowAndDemo, "--grant token-exchange: the type of token wanted (URI or short name).", value: "TYPE")
        case .audience:
            return d(.list, flowAndDemo, "--grant token-exchange: the service the new token is for (repeatable).", value: "NAME")
        case .resource:
            return d(.list, flowAndDemo, "--grant token-exchange: an absolute URI of the resource the new token is for (repeatable, RFC 8707).", value: "URI")
        case .pkce:
            return d(.choice(PKCEArgument.allValueStrings), flowAndDemo, "PKCE: s256, plain (with a warning) or none.", default: .text("s256"))
        case .exchange:
            return d(.choice(ExchangeModeArgument.allValueStrings), flowAndDemo, "When to exchange the code: auto, manual (wait for a key or a line on stdin) or never.", default: .text("auto"))
        case .timeout:
            // Up to a week, so the deadline always fits the clock.
            return d(.number(1...604_800), flowAndDemo, "Seconds to wait for the callback (up to a week).", value: "SECONDS", default: .number(300))
        case .then:
            return d(.list, flowAndDemo, "After the exchange: follow-up hops, comma-separated, in order (refresh, userinfo, introspect, revoke, check-rotation, replay-code, or a preset's own).", value: "LIST")
        case .unverifiedErrorGrace:
            return d(.number(0...3600), flowAndDemo, "Seconds an error redirect without state waits for the flow's own callback before it ends the flow (anyone can send one).", value: "SECONDS", default: .number(10))
        case .exchangeAny:
            // Redeeming any arriving code is a deliberate choice for one run: a flag only, never the environment.
            return d(.flag, [.listen], "With --exchange: exchange codes whatever their state (instead of --expect-state). Anyone who can reach the listener can then have a code redeemed with your client; shown as a warning.", env: false)
        case .step:
            return d(.flag, flowAndDemo, "Step mode: pause before every hop until a key (or a line on stdin) says go on.")
        case .insecureContinue:
            return d(.flag, flowAndDemo, "Go on after a failed ID-token check, reporting it as an error.")
        case .userinfoURL:
            return d(.url, flowOnly, "The userinfo endpoint, when discovery does not give it.", value: "URL")
        case .revokeURL:
            return d(.url, flowOnly, "The revocation endpoint (RFC 7009).", value: "URL")
        case .introspectURL:
            return d(.url, flowOnly, "The introspection endpoint (RFC 7662).", value: "URL")
        case .browser:
            return d(.text, flowAndDemo, "Command that opens the authorization URL (the URL is appended, or replaces {url}).", value: "CMD")
        case .noBrowser:
            return d(.flag, flowAndDemo, "Do not open a browser; only show the URL.")
        case .httpTimeout:
            return d(.decimal(0.1...3600), [.demo, .flow, .listen], "Deadline of each request to the provider, covering connect, headers and the whole body (0.1 to 3600 seconds).", value: "SECONDS", default: .decimal(15))
        case .allowInsecureHTTP:
            return d(.flag, provider, "Use plain-http endpoints that are not loopback (or that an https issuer's metadata names), with a warning; without it nothing is sent to them.")
        }
    }

    /// The settings a command takes.
    public static func taken(by command: SettingCommand) -> [Setting] {
        allCases.filter { $0.description.commands.contains(command) }
    }

    /// The setting a profile key names.
    public init?(profileKey: String) { self.init(rawValue: profileKey) }
}

/// A setting's value, typed by its kind.
public enum SettingValue: Sendable, Hashable {
    case text(String)
    case number(Int)
    case decimal(Double)
    case list([String])
    case pairs([FormField])
    case flag(Bool)

    public var text: String? { if case .text(let s) = self { return s } else { return nil } }
    public var number: Int? { if case .number(let n) = self { return n } else { return nil } }
    public var decimal: Double? { if case .decimal(let d) = self { return d } else { return nil } }
    public var list: [String]? { if case .list(let l) = self { return l } else { return nil } }
    public var pairs: [FormField]? { if case .pairs(let p) = self { return p } else { return nil } }
    public var flag: Bool? { if case .flag(let b) = self { return b } else { return nil } }

    /// As `flow.started` and the screen show it; `secret` values redacted unless `reveal`.
    public func display(secret: Bool, reveal: Bool, headers: Bool = false) -> String {
        func shown(_ s: String) -> String { secret && !reveal ? Secret.redact(s) : s }
        switch self {
        case .text(let s): return shown(s)
        case .number(let n): return String(n)
        case .decimal(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .list(let l): return l.joined(separator: ",")
        case .pairs(let p): return p.map { headers ? "\($0.name): \(shown($0.value))" : "\($0.name)=\(shown($0.value))" }.joined(separator: ", ")
        case .flag(let b): return b ? "true" : "false"
        }
    }
}

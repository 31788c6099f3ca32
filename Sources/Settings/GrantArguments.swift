import ArgumentParser
import FlowEngine
import Foundation
import OAuthCore

/// The flags of the grants without a redirect (`flow` and `demo`): the refresh token, the subject and actor tokens
/// and what the exchanged token is for. Tokens come from an environment variable or a file, never the command
/// line, where other users of the machine and the shell history would see them.
public struct GrantOptions: ParsableArguments {
    @Option(name: .customLong("refresh-token-env"), help: Setting.refreshTokenEnv.description.argumentHelp)
    public var refreshTokenEnv: String?

    @Option(name: .customLong("refresh-token-file"), help: Setting.refreshTokenFile.description.argumentHelp)
    public var refreshTokenFile: String?

    @Option(name: .customLong("subject-token-env"), help: Setting.subjectTokenEnv.description.argumentHelp)
    public var subjectTokenEnv: String?

    @Option(name: .customLong("subject-token-file"), help: Setting.subjectTokenFile.description.argumentHelp)
    public var subjectTokenFile: String?

    @Option(name: .customLong("subject-token-type"), help: Setting.subjectTokenType.description.argumentHelp)
    public var subjectTokenType: String?

    @Option(name: .customLong("actor-token-env"), help: Setting.actorTokenEnv.description.argumentHelp)
    public var actorTokenEnv: String?

    @Option(name: .customLong("actor-token-file"), help: Setting.actorTokenFile.description.argumentHelp)
    public var actorTokenFile: String?

    @Option(name: .customLong("actor-token-type"), help: Setting.actorTokenType.description.argumentHelp)
    public var actorTokenType: String?

    @Option(name: .customLong("requested-token-type"), help: Setting.requestedTokenType.description.argumentHelp)
    public var requestedTokenType: String?

    @Option(name: .customLong("audience"), help: Setting.audience.description.argumentHelp)
    public var audience: [String] = []

    @Option(name: .customLong("resource"), help: Setting.resource.description.argumentHelp)
    public var resource: [String] = []

    public init() {}

    public func validate() throws {
        for (a, b, what) in [(refreshTokenEnv, refreshTokenFile, "refresh"), (subjectTokenEnv, subjectTokenFile, "subject"), (actorTokenEnv, actorTokenFile, "actor")] where a != nil && b != nil {
            throw ValidationError("give only one of --\(what)-token-env and --\(what)-token-file")
        }
        do { _ = try layer() } catch { throw ValidationError(error.description) }
    }

    /// The flags given, as the top layer; token types and resources are checked here, so a mistake names its flag.
    public func layer() throws(UsageError) -> SettingsLayer {
        var l = SettingsLayer(.flag)
        l.set(.refreshTokenEnv, refreshTokenEnv)
        l.set(.refreshTokenFile, refreshTokenFile)
        l.set(.subjectTokenEnv, subjectTokenEnv)
        l.set(.subjectTokenFile, subjectTokenFile)
        l.set(.actorTokenEnv, actorTokenEnv)
        l.set(.actorTokenFile, actorTokenFile)
        for (s, v) in [(Setting.subjectTokenType, subjectTokenType), (.actorTokenType, actorTokenType), (.requestedTokenType, requestedTokenType)] {
            if let v { l[s] = .text(try DirectGrantSettings.tokenType(v, origin: s.description.label)) }
        }
        for r in resource { try DirectGrantSettings.checkResource(r, origin: "--resource") }
        l.set(.audience, list: audience)
        l.set(.resource, list: resource)
        return l
    }
}

/// Reading the grants' inputs from merged settings: secrets from their sources, types and resources checked.
public enum DirectGrantSettings {
    /// A token file larger than this is refused: no token is this long, and reading it all would be a way to make
    /// oauthscope eat memory.
    public static let maximumTokenFileBytes = 64 * 1024

    /// An RFC 8693 §3 identifier from a short name or a URI, or a usage error naming `origin`.
    public static func tokenType(_ raw: String, origin: String) throws(UsageError) -> String {
        guard let uri = TokenTypeURI.resolve(raw) else {
            throw UsageError("\(origin) \(raw): not a token type; give a URI such as \(TokenTypeURI.accessToken) or one of \(TokenTypeURI.shortNames.map(\.name).joined(separator: ", ")) (RFC 8693 §3)")
        }
        return uri
    }

    /// RFC 8707 §2: a resource is an absolute URI without a fragment.
    public static func checkResource(_ raw: String, origin: String) throws(UsageError) {
        guard let u = URLComponents(string: raw), let scheme = u.scheme, !scheme.isEmpty, u.fragment == nil, raw.count <= 2048 else {
            throw UsageError("\(origin) \(raw): a resource is an absolute URI without a fragment, e.g. https://api.example.com/ (RFC 8707 §2)")
        }
    }

    /// A secret from the environment variable named by `env`, or from the file at the path `file` names: trimmed,
    /// non-empty, the file at most `maximumTokenFileBytes`. Nil when neither is set.
    public static func secret(env: Setting, file: Setting, in m: ResolvedSettings, environment: [String: String]) throws(UsageError) -> Secret? {
        if let name = m.text(env) {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else {
                throw UsageError("\(env.description.label) \(name): the environment variable is not set or empty")
            }
            return Secret(v)
        }
        guard let path = m.text(file) else { return nil }
        let label = file.description.label
        guard let handle = FileHandle(forReadingAtPath: path) else { throw UsageError("\(label) \(path): cannot read the file") }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: maximumTokenFileBytes + 1) ?? Data() } catch { throw UsageError("\(label) \(path): cannot read the file") }
        guard data.count <= maximumTokenFileBytes else {
            throw UsageError("\(label) \(path): the file is larger than \(maximumTokenFileBytes / 1024) KiB; it should hold only the token")
        }
        let v = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !v.isEmpty else { throw UsageError("\(label) \(path): the file is empty") }
        return Secret(v)
    }

    /// How an error names where a value came from: the environment variable, else the flag.
    static func origin(_ s: Setting, _ m: ResolvedSettings) -> String {
        if m.source(of: s) == .env, let e = s.description.environmentVariable { return e }
        return s.description.label
    }

    /// The inputs `grant` needs, read from the merged settings; a missing token is a usage error naming its flags.
    public static func inputs(for grant: GrantType, _ m: ResolvedSettings, environment: [String: String]) throws(UsageError) -> DirectGrantInputs {
        var g = DirectGrantInputs()
        switch grant {
        case .refreshToken:
            g.refreshToken = try secret(env: .refreshTokenEnv, file: .refreshTokenFile, in: m, environment: environment)
        case .tokenExchange:
            g.subjectToken = try secret(env: .subjectTokenEnv, file: .subjectTokenFile, in: m, environment: environment)
            g.actorToken = try secret(env: .actorTokenEnv, file: .actorTokenFile, in: m, environment: environment)
            if let raw = m.text(.subjectTokenType) { g.subjectTokenType = try tokenType(raw, origin: origin(.subjectTokenType, m)) }
            if let raw = m.text(.actorTokenType) { g.actorTokenType = try tokenType(raw, origin: origin(.actorTokenType, m)) }
            if let raw = m.text(.requestedTokenType) { g.requestedTokenType = try tokenType(raw, origin: origin(.requestedTokenType, m)) }
            if g.actorToken != nil, g.actorTokenType == nil { g.actorTokenType = TokenTypeURI.accessToken }
            if g.actorToken == nil, m.text(.actorTokenType) != nil {
                throw UsageError("--actor-token-type goes with --actor-token-env or --actor-token-file (RFC 8693 §2.1)")
            }
            g.audiences = m.list(.audience) ?? []
            g.resources = m.list(.resource) ?? []
            for r in g.resources { try checkResource(r, origin: "--resource") }
        case .authorizationCode, .device, .clientCredentials:
            break
        }
        return g
    }
}

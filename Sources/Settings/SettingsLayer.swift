import Foundation
import OAuthCore

/// A usage or configuration error: exit status 2 with one line naming the flag, variable or `file:line`.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The values one source gave: only what was given is here, so "was it given?" is a dictionary lookup, never
/// a comparison with a default.
public struct SettingsLayer: Sendable, Hashable {
    public var source: SettingSource
    public private(set) var values: [Setting: SettingValue] = [:]

    public init(_ source: SettingSource, _ values: [Setting: SettingValue] = [:]) {
        self.source = source
        self.values = values
    }

    public subscript(_ setting: Setting) -> SettingValue? {
        get { values[setting] }
        set { values[setting] = newValue }
    }

    /// Sets `setting` when `value` is given (non-nil).
    public mutating func set(_ setting: Setting, _ value: String?) { if let value { values[setting] = .text(value) } }
    public mutating func set(_ setting: Setting, _ value: Int?) { if let value { values[setting] = .number(value) } }
    public mutating func set(_ setting: Setting, _ value: Double?) { if let value { values[setting] = .decimal(value) } }
    public mutating func set<E: RawRepresentable>(_ setting: Setting, _ value: E?) where E.RawValue == String {
        if let value { values[setting] = .text(value.rawValue) }
    }
    /// A list or repeatable flag counts as given when it has at least one element.
    public mutating func set(_ setting: Setting, list: [String]) { if !list.isEmpty { values[setting] = .list(list) } }
    public mutating func set(_ setting: Setting, pairs: [FormField]) { if !pairs.isEmpty { values[setting] = .pairs(pairs) } }
    /// A flag that was given; an absent flag is no value at all.
    public mutating func set(_ setting: Setting, flag: Bool) { if flag { values[setting] = .flag(true) } }

    /// Only the settings `command` takes.
    public func restricted(to command: SettingCommand) -> SettingsLayer {
        SettingsLayer(source, values.filter { $0.key.description.commands.contains(command) })
    }

    // MARK: - The layers every command has

    /// Every setting's default (those that have one).
    public static func defaults(for command: SettingCommand) -> SettingsLayer {
        var layer = SettingsLayer(.default)
        for s in Setting.taken(by: command) { if let v = s.description.defaultValue { layer[s] = v } }
        return layer
    }

    /// `OAUTHSCOPE_<NAME>` for each setting `command` takes. An empty variable is not given.
    public static func environment(_ env: [String: String], for command: SettingCommand) throws(UsageError) -> SettingsLayer {
        var layer = SettingsLayer(.env)
        for s in Setting.taken(by: command) {
            guard let name = s.description.environmentVariable, let raw = env[name], !raw.isEmpty else { continue }
            layer[s] = try s.parse(raw, origin: name)
        }
        return layer
    }

    /// The preset's own values: endpoints, scope, client authentication, body, PKCE, extra parameters.
    public static func preset(_ p: ProviderPreset) -> SettingsLayer {
        var layer = SettingsLayer(.preset)
        layer.set(.issuer, p.issuer)
        layer.set(.authorizeURL, p.authorizationEndpoint)
        layer.set(.tokenURL, p.tokenEndpoint)
        layer.set(.scope, p.defaultScope)
        layer.set(.params, pairs: p.authorizationParameters)
        layer.set(.tokenHeaders, pairs: p.tokenHeaders)
        layer.set(.tokenAuth, TokenAuthArgument(p.tokenAuth))
        layer.set(.tokenBody, TokenBodyArgument(rawValue: p.tokenBody.rawValue))
        layer.set(.pkce, PKCEArgument(p.pkce))
        layer.set(.userinfoURL, p.userinfoEndpoint)
        layer.set(.revokeURL, p.revocationEndpoint)
        layer.set(.introspectURL, p.introspectionEndpoint)
        layer.set(.deviceAuthorizationURL, p.deviceAuthorizationEndpoint)
        return layer
    }
}

extension Setting {
    /// Reads a value as the environment or a comma-separated flag spells it; errors name `origin`
    /// (`OAUTHSCOPE_TIMEOUT`, `--timeout`, `config.toml:4`).
    public func parse(_ raw: String, origin: String) throws(UsageError) -> SettingValue {
        let d = description
        switch d.kind {
        case .text:
            return .text(raw)
        case .url:
            try Self.checkURL(raw, origin: origin)
            return .text(raw)
        case .number(let range):
            guard let n = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                throw UsageError("\(origin) \(raw): \(d.name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .number(n)
        case .decimal(let range):
            guard let d = Double(raw.trimmingCharacters(in: .whitespaces)), d.isFinite, range.contains(d) else {
                throw UsageError("\(origin) \(raw): \(d.name) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .decimal(d)
        case .choice(let words):
            return .text(try Self.checkChoice(raw, words: words, origin: origin, name: d.name))
        case .list:
            return .list(raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        case .pairs:
            throw UsageError("\(origin): \(d.name) is set with \(d.label) NAME=VALUE or in a profile, not in one string")
        case .flag:
            switch raw.lowercased() {
            case "1", "true", "yes", "on": return .flag(true)
            case "0", "false", "no", "off": return .flag(false)
            default: throw UsageError("\(origin) \(raw): \(d.name) is 1 or 0 (true or false)")
            }
        }
    }

    static func checkURL(_ raw: String, origin: String) throws(UsageError) {
        guard let u = URL(string: raw), u.scheme != nil, u.host != nil else {
            throw UsageError("\(origin) \(raw) is not an absolute URL like https://example.com/...")
        }
    }

    /// The word as the enum spells it (lower-case), or an error listing the words.
    static func checkChoice(_ raw: String, words: [String], origin: String, name: String) throws(UsageError) -> String {
        let w = raw.lowercased()
        guard words.contains(w) else {
            throw UsageError("\(origin): \(name) = \"\(raw)\" is not one of \(words.joined(separator: ", "))")
        }
        return w
    }
}

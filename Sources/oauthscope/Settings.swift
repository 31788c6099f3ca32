import FlowEngine
import Foundation
import OAuthCore

/// Everything a flow can be told, each field optional so that layers can be merged: flags beat the environment,
/// which beats the profile, which beats the preset. `source` remembers where each value came from, for errors
/// and for the screen.
struct FlowSettings {
    var preset: String?
    var presetParams: [String: String] = [:]
    var issuer: String?
    var authorizeURL: String?
    var tokenURL: String?
    var clientID: String?
    var clientSecret: String?
    var clientSecretEnv: String?
    var clientSecretFile: String?
    var clientSecretCommand: String?
    var scope: String?
    var redirectURI: String?
    var params: [FormField] = []
    var tokenParams: [FormField] = []
    var tokenHeaders: [FormField] = []
    var tokenBody: String?
    var tokenAuth: String?
    var pkce: String?
    var exchange: String?
    var timeout: Int?
    var then: [String]?
    var userinfoURL: String?
    var revokeURL: String?
    var introspectURL: String?
    var browser: String?

    /// `other` laid over `self`: every value `other` has replaces this one; lists of parameters are appended,
    /// with `other`'s value winning for the same name.
    func overlaid(with other: FlowSettings) -> FlowSettings {
        var r = self
        r.preset = other.preset ?? preset
        r.presetParams.merge(other.presetParams) { _, new in new }
        r.issuer = other.issuer ?? issuer
        r.authorizeURL = other.authorizeURL ?? authorizeURL
        r.tokenURL = other.tokenURL ?? tokenURL
        // A secret from a higher layer replaces every secret source of the lower ones.
        if other.clientSecret != nil || other.clientSecretEnv != nil || other.clientSecretFile != nil || other.clientSecretCommand != nil {
            (r.clientSecret, r.clientSecretEnv, r.clientSecretFile, r.clientSecretCommand) = (other.clientSecret, other.clientSecretEnv, other.clientSecretFile, other.clientSecretCommand)
        }
        r.clientID = other.clientID ?? clientID
        r.scope = other.scope ?? scope
        r.redirectURI = other.redirectURI ?? redirectURI
        r.params = Self.merge(params, other.params)
        r.tokenParams = Self.merge(tokenParams, other.tokenParams)
        r.tokenHeaders = Self.merge(tokenHeaders, other.tokenHeaders, caseInsensitive: true)
        r.tokenBody = other.tokenBody ?? tokenBody
        r.tokenAuth = other.tokenAuth ?? tokenAuth
        r.pkce = other.pkce ?? pkce
        r.exchange = other.exchange ?? exchange
        r.timeout = other.timeout ?? timeout
        r.then = other.then ?? then
        r.userinfoURL = other.userinfoURL ?? userinfoURL
        r.revokeURL = other.revokeURL ?? revokeURL
        r.introspectURL = other.introspectURL ?? introspectURL
        r.browser = other.browser ?? browser
        return r
    }

    static func merge(_ a: [FormField], _ b: [FormField], caseInsensitive: Bool = false) -> [FormField] {
        func same(_ x: String, _ y: String) -> Bool { caseInsensitive ? x.lowercased() == y.lowercased() : x == y }
        var out = a
        for f in b {
            if let i = out.firstIndex(where: { same($0.name, f.name) }) { out[i] = f } else { out.append(f) }
        }
        return out
    }

    /// The environment layer: `OAUTHSCOPE_*` variables.
    static func fromEnvironment(_ env: [String: String]) -> FlowSettings {
        var s = FlowSettings()
        s.preset = env["OAUTHSCOPE_PRESET"]
        s.issuer = env["OAUTHSCOPE_ISSUER"]
        s.clientID = env["OAUTHSCOPE_CLIENT_ID"]
        s.clientSecret = env["OAUTHSCOPE_CLIENT_SECRET"]
        s.scope = env["OAUTHSCOPE_SCOPE"]
        s.redirectURI = env["OAUTHSCOPE_REDIRECT_URI"]
        return s
    }
}

/// The config file, `$XDG_CONFIG_HOME/oauthscope/config.toml` (else `~/.config/oauthscope/config.toml`):
///
/// ```toml
/// [profiles.jira]
/// preset = "atlassian"
/// client_id = "abc"
/// client_secret_env = "JIRA_SECRET"        # or client_secret_command = "pass show jira"
/// scope = "read:jira-work offline_access"
/// [profiles.jira.params]
/// login_hint = "me@example.com"
/// ```
struct ConfigFile {
    let path: String
    let table: TOMLTable

    static func defaultPath(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/oauthscope/config.toml" }
        return (environment["HOME"] ?? "~") + "/.config/oauthscope/config.toml"
    }

    /// Reads the file; nil when it does not exist. A syntax error names the file and line.
    static func load(path: String) throws(UsageError) -> ConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("\(path): cannot read the config file") }
        do {
            return ConfigFile(path: path, table: try TOML.parse(String(decoding: data, as: UTF8.self)))
        } catch {
            throw UsageError("\(path):\(error.line): \(error.message)")
        }
    }

    static let profileKeys: Set<String> = [
        "preset", "preset_params", "issuer", "authorize_url", "token_url", "client_id", "client_secret", "client_secret_env",
        "client_secret_file", "client_secret_command", "scope", "redirect_uri", "params", "token_params", "token_headers",
        "token_body", "token_auth", "pkce", "exchange", "timeout", "then", "userinfo_url", "revoke_url", "introspect_url", "browser",
    ]

    var profileNames: [String] { table["profiles"]?.tableValue?.keys ?? [] }

    /// The settings of `[profiles.NAME]`. Unknown keys and wrong types name the file and line.
    func profile(_ name: String) throws(UsageError) -> FlowSettings {
        guard let profiles = table["profiles"]?.tableValue else {
            throw UsageError("--profile \(name): \(path) has no [profiles.\(name)] table")
        }
        guard let p = profiles[name]?.tableValue else {
            let known = profiles.keys
            throw UsageError("--profile \(name): no [profiles.\(name)] in \(path)" + (known.isEmpty ? "" : "; it has \(known.joined(separator: ", "))"))
        }
        func at(_ key: String) -> String { "\(path):\(p.line(of: key) ?? p.line)" }
        for key in p.keys where !Self.profileKeys.contains(key) {
            throw UsageError("\(at(key)): unknown key \"\(key)\" in [profiles.\(name)]; known keys: \(Self.profileKeys.sorted().joined(separator: ", "))")
        }
        func string(_ key: String) throws(UsageError) -> String? {
            guard let v = p[key] else { return nil }
            guard let s = v.stringValue else { throw UsageError("\(at(key)): \(key) must be a string, not \(v.typeName)") }
            return s
        }
        func pairs(_ key: String) throws(UsageError) -> [FormField] {
            guard let v = p[key] else { return [] }
            guard let t = v.tableValue else { throw UsageError("\(at(key)): \(key) must be a table of name = \"value\"") }
            var out: [FormField] = []
            for k in t.keys {
                guard let s = t[k]?.stringValue else { throw UsageError("\(path):\(t.line(of: k) ?? t.line): \(key).\(k) must be a string") }
                out.append(FormField(k, s))
            }
            return out
        }
        var s = FlowSettings()
        s.preset = try string("preset")
        s.presetParams = Dictionary(try pairs("preset_params").map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b })
        s.issuer = try string("issuer")
        s.authorizeURL = try string("authorize_url")
        s.tokenURL = try string("token_url")
        s.clientID = try string("client_id")
        s.clientSecret = try string("client_secret")
        s.clientSecretEnv = try string("client_secret_env")
        s.clientSecretFile = try string("client_secret_file")
        s.clientSecretCommand = try string("client_secret_command")
        s.scope = try string("scope")
        s.redirectURI = try string("redirect_uri")
        s.params = try pairs("params")
        s.tokenParams = try pairs("token_params")
        s.tokenHeaders = try pairs("token_headers")
        s.tokenBody = try string("token_body")
        s.tokenAuth = try string("token_auth")
        s.pkce = try string("pkce")
        s.exchange = try string("exchange")
        if let v = p["timeout"] {
            guard let n = v.integerValue, FlowTuning.timeoutRange.contains(n) else {
                throw UsageError("\(at("timeout")): timeout must be a whole number of seconds from \(FlowTuning.timeoutRange.lowerBound) to \(FlowTuning.timeoutRange.upperBound)")
            }
            s.timeout = n
        }
        if let v = p["then"] {
            if let str = v.stringValue { s.then = str.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            else if let arr = v.arrayValue, arr.allSatisfy({ $0.stringValue != nil }) { s.then = arr.compactMap(\.stringValue) }
            else { throw UsageError("\(at("then")): then must be a list of action names or a comma-separated string") }
        }
        s.userinfoURL = try string("userinfo_url")
        s.revokeURL = try string("revoke_url")
        s.introspectURL = try string("introspect_url")
        s.browser = try string("browser")
        // Values are checked the same way as flags, but errors name the file and line.
        for (key, allowed) in [("token_body", ["form", "json"]), ("token_auth", ["basic", "post", "none"]), ("pkce", ["s256", "plain", "none"]), ("exchange", ["auto", "manual", "never"])] {
            if let v = try string(key), !allowed.contains(v.lowercased()) {
                throw UsageError("\(at(key)): \(key) = \"\(v)\" is not one of \(allowed.joined(separator: ", "))")
            }
        }
        if let preset = s.preset, ProviderPresets.named(preset) == nil {
            throw UsageError("\(at("preset")): preset = \"\(preset)\" is not one of \(ProviderPresets.all.map(\.name).joined(separator: ", "))")
        }
        if s.clientSecret != nil {
            s.clientSecretEnv = nil
        }
        return s
    }
}

/// Runs `client_secret_command` and returns its first line of output.
enum SecretCommand {
    static func run(_ command: String) throws(UsageError) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.standardError
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw UsageError("client_secret_command \"\(command)\" could not run: \(error.localizedDescription)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw UsageError("client_secret_command \"\(command)\" exited with status \(p.terminationStatus)") }
        let first = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard !first.isEmpty else { throw UsageError("client_secret_command \"\(command)\" printed nothing") }
        return first
    }
}

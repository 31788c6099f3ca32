import Foundation
import OAuthCore

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
///
/// A profile's keys are the settings' names (`Setting`), typed by their kind.
public struct ConfigFile: Sendable {
    public let path: String
    public let table: TOMLTable

    public init(path: String, table: TOMLTable) {
        self.path = path
        self.table = table
    }

    public static func defaultPath(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/oauthscope/config.toml" }
        return (environment["HOME"] ?? "~") + "/.config/oauthscope/config.toml"
    }

    /// Reads the file; nil when it does not exist. A syntax error names the file and line.
    public static func load(path: String) throws(UsageError) -> ConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("\(path): cannot read the config file") }
        do {
            return ConfigFile(path: path, table: try TOML.parse(String(decoding: data, as: UTF8.self)))
        } catch {
            throw UsageError("\(path):\(error.line): \(error.message)")
        }
    }

    /// The keys a profile may hold: every setting that has no flag of its own only in the file, and the rest.
    public static var profileKeys: [String] { Setting.allCases.map(\.rawValue).sorted() }

    public var profileNames: [String] { table["profiles"]?.tableValue?.keys ?? [] }

    /// `[profiles.NAME]` as a settings layer. Unknown keys and wrong types or values name the file and line.
    public func profile(_ name: String) throws(UsageError) -> SettingsLayer {
        guard let profiles = table["profiles"]?.tableValue else {
            throw UsageError("--profile \(name): \(path) has no [profiles.\(name)] table")
        }
        guard let p = profiles[name]?.tableValue else {
            let known = profiles.keys
            throw UsageError("--profile \(name): no [profiles.\(name)] in \(path)" + (known.isEmpty ? "" : "; it has \(known.joined(separator: ", "))"))
        }
        var layer = SettingsLayer(.profile)
        for key in p.keys {
            let at = "\(path):\(p.line(of: key) ?? p.line)"
            guard let setting = Setting(profileKey: key), let value = p[key] else {
                throw UsageError("\(at): unknown key \"\(key)\" in [profiles.\(name)]; known keys: \(Self.profileKeys.joined(separator: ", "))")
            }
            layer[setting] = try Self.read(setting, value, at: at, path: path)
        }
        return layer
    }

    /// One profile value, by its setting's kind.
    static func read(_ setting: Setting, _ value: TOMLValue, at: String, path: String) throws(UsageError) -> SettingValue {
        let d = setting.description
        switch d.kind {
        case .text, .url, .choice:
            guard let s = value.stringValue else { throw UsageError("\(at): \(d.name) must be a string, not \(value.typeName)") }
            return try setting.parse(s, origin: at)
        case .number(let range):
            guard let n = value.integerValue, range.contains(n) else {
                throw UsageError("\(at): \(d.name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .number(n)
        case .decimal(let range):
            guard let n = value.doubleValue, n.isFinite, range.contains(n) else {
                throw UsageError("\(at): \(d.name) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .decimal(n)
        case .list:
            if let s = value.stringValue { return try setting.parse(s, origin: at) }
            guard let a = value.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else {
                throw UsageError("\(at): \(d.name) must be a list of strings or a comma-separated string")
            }
            return .list(a.compactMap(\.stringValue))
        case .pairs:
            guard let t = value.tableValue else { throw UsageError("\(at): \(d.name) must be a table of name = \"value\"") }
            var out: [FormField] = []
            for k in t.keys {
                guard let s = t[k]?.stringValue else { throw UsageError("\(path):\(t.line(of: k) ?? t.line): \(d.name).\(k) must be a string") }
                out.append(FormField(k, s))
            }
            return .pairs(out)
        case .flag:
            guard let b = value.boolValue else { throw UsageError("\(at): \(d.name) must be true or false, not \(value.typeName)") }
            return .flag(b)
        }
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

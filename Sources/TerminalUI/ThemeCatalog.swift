import Foundation
import OAuthCore

/// Something wrong in a theme file or the config file's `[keys]`, with where it is. A theme with an error is
/// replaced by the default theme; warnings (roles left out, a key moved from one command to another) keep it.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// An error replaces the theme (or skips the key entry); a warning only informs.
    public enum Severity: String, Sendable, Hashable { case error, warning }

    /// How serious the problem is.
    public var severity: Severity
    /// The file, as the user knows it: a path, or `themes/NAME.toml (built in)`.
    public var file: String
    /// The 1-based line, when the problem is on one.
    public var line: Int?
    /// What is wrong and, where it helps, what would be right.
    public var message: String

    /// A problem in `file` at `line` (nil when it concerns the whole file).
    public init(_ severity: Severity, file: String, line: Int?, _ message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.message = message
    }

    /// `~/.config/oauthscope/themes/mine.toml:12: unknown role "stp.done" (did you mean "step.done"?)`.
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// A problem with a theme file.
public typealias ThemeProblem = ConfigProblem

/// Finds, reads and checks themes: the shipped ones (embedded from `themes/`), the user's in
/// `$XDG_CONFIG_HOME/oauthscope/themes/NAME.toml`, or a file given by path.
public enum ThemeCatalog {
    /// The names of the shipped themes, in name order.
    public static var shippedNames: [String] { ShippedThemes.files.map(\.name) }

    /// The shipped theme `name`, read from its embedded file; nil when there is none or it does not load cleanly.
    public static func shipped(_ name: String) -> Theme? {
        guard ShippedThemes.files.contains(where: { $0.name == name }) else { return nil }
        let (theme, problems) = load(name, environment: [:], files: .none)
        return problems.contains { $0.severity == .error } ? nil : theme
    }

    /// Every theme that can be chosen by name, with where it comes from (`built in`, or the user file that
    /// defines or overrides it), in name order.
    public static func available(environment: [String: String] = ProcessInfo.processInfo.environment) -> [(name: String, source: String)] {
        available(environment: environment, files: .disk)
    }

    static func available(environment: [String: String], files: ThemeFiles) -> [(name: String, source: String)] {
        var found: [String: String] = [:]
        for name in shippedNames { found[name] = "built in" }
        if let dir = userDirectory(environment) {
            for entry in files.list(dir) where entry.hasSuffix(".toml") {
                found[String(entry.dropLast(5))] = dir + "/" + entry
            }
        }
        return found.keys.sorted().map { ($0, found[$0] ?? "") }
    }

    /// `$XDG_CONFIG_HOME/oauthscope/themes`, or `$HOME/.config/oauthscope/themes`.
    public static func userDirectory(_ environment: [String: String]) -> String? {
        if let x = environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/oauthscope/themes" }
        if let h = environment["HOME"], !h.isEmpty { return h + "/.config/oauthscope/themes" }
        return nil
    }

    /// The theme the UI should use: `--theme` (`flag`), else `OAUTHSCOPE_THEME`, else the config file's `theme`,
    /// else `default`; the monochrome theme whenever `NO_COLOR` is set to anything non-empty. Problems are
    /// returned for the user to see; on an error the default theme is used instead.
    public static func select(flag: String? = nil, config: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) -> (theme: Theme, problems: [ThemeProblem]) {
        if let v = environment["NO_COLOR"], !v.isEmpty { return (Theme.monochrome.withoutColor(), []) }
        let env = environment["OAUTHSCOPE_THEME"].flatMap { $0.isEmpty ? nil : $0 }
        let name = flag ?? env ?? config ?? "default"
        return load(name, environment: environment)
    }

    /// Loads a theme by name (a user theme first, then a shipped one) or by path (anything with a `/` or ending
    /// in `.toml`), following `inherits`. Never fails: with an error the default theme comes back, with the
    /// problems that name the file, the line and what is wrong.
    public static func load(_ nameOrPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> (Theme, [ThemeProblem]) {
        load(nameOrPath, environment: environment, files: .disk)
    }

    static func load(_ nameOrPath: String, environment: [String: String], files: ThemeFiles) -> (Theme, [ThemeProblem]) {
        var loader = ThemeLoader(environment: environment, files: files)
        guard let raw = loader.raw(nameOrPath, relativeTo: nil, chain: []) else {
            return (fallback(for: nameOrPath), loader.problems)
        }
        let theme = loader.resolve(raw)
        if loader.problems.contains(where: { $0.severity == .error }) {
            return (fallback(for: nameOrPath), loader.problems)
        }
        return (theme, loader.problems)
    }

    static func fallback(for name: String) -> Theme {
        name == "default" ? Theme.builtInFallback : Theme.defaultDark
    }
}

/// Reading files, so the loader can be tested without a disk.
struct ThemeFiles: Sendable {
    var read: @Sendable (String) -> String?
    var list: @Sendable (String) -> [String]

    static let disk = ThemeFiles(
        read: { try? String(contentsOfFile: $0, encoding: .utf8) },
        list: { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] })
    static let none = ThemeFiles(read: { _ in nil }, list: { _ in [] })
}

/// A theme file read but not yet resolved: palette and roles as written, each with its file and line.
struct RawTheme {
    struct Located<T> {
        var value: T
        var file: String
        var line: Int
    }

    var name: String
    /// The file of the theme itself (the last of an inheritance chain).
    var file = ""
    var description = ""
    var palette: [String: Located<ThemeColor>] = [:]
    var roles: [ThemeRole: Located<TOMLValue>] = [:]
    /// For style tables: the table, so a problem inside it can name its own line.
    var roleTables: [ThemeRole: TOMLTable] = [:]

    /// `child` on top of `self`: the child's palette entries and roles win, so a theme can change only colours.
    func overlaid(with child: RawTheme) -> RawTheme {
        var r = self
        r.name = child.name
        r.file = child.file
        if !child.description.isEmpty { r.description = child.description }
        r.palette.merge(child.palette) { $1 }
        r.roles.merge(child.roles) { $1 }
        for (role, _) in child.roles { r.roleTables[role] = child.roleTables[role] }
        return r
    }
}

struct ThemeLoader {
    let environment: [String: String]
    let files: ThemeFiles
    var problems: [ThemeProblem] = []

    static let styleKeys: Set<String> = ["fg", "bg", "modifiers"]
    static let modifiers = ["bold", "reverse", "underline", "dim", "italic"]

    init(environment: [String: String], files: ThemeFiles) {
        self.environment = environment
        self.files = files
    }

    mutating func error(_ file: String, _ line: Int?, _ message: String) {
        problems.append(ThemeProblem(.error, file: file, line: line, message))
    }

    /// Finds the text of a theme: a path, a user theme by name, or a shipped one.
    func locate(_ nameOrPath: String, relativeTo dir: String?) -> (file: String, text: String, dir: String?)? {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            var path = (nameOrPath as NSString).expandingTildeInPath
            if !path.hasPrefix("/"), let d = dir { path = d + "/" + path }
            guard let text = files.read(path) else { return nil }
            return (path, text, (path as NSString).deletingLastPathComponent)
        }
        if let d = ThemeCatalog.userDirectory(environment) {
            let path = d + "/" + nameOrPath + ".toml"
            if let text = files.read(path) { return (path, text, d) }
        }
        if let f = ShippedThemes.files.first(where: { $0.name == nameOrPath }) {
            return ("themes/\(f.name).toml (built in)", f.text, nil)
        }
        return nil
    }

    /// Reads a theme and everything it inherits, merged; nil after an error that leaves nothing to use.
    mutating func raw(_ nameOrPath: String, relativeTo dir: String?, chain: [String], from: (file: String, line: Int)? = nil) -> RawTheme? {
        guard let (file, text, fileDir) = locate(nameOrPath, relativeTo: dir) else {
            let names = ThemeCatalog.available(environment: environment, files: files).map(\.name).joined(separator: ", ")
            let what = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") ? "cannot read the theme file \(nameOrPath)" : "no theme named \"\(nameOrPath)\" (themes: \(names))"
            if let from { error(from.file, from.line, "inherits: " + what) } else { error(nameOrPath, nil, what) }
            return nil
        }
        if chain.contains(file) {
            error(from?.file ?? file, from?.line, "inherits goes round in a circle: " + (chain + [file]).joined(separator: " → "))
            return nil
        }
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            self.error(file, error.line, "column \(error.column): \(error.message)")
            return nil
        }
        let name = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") ? ((file as NSString).lastPathComponent as NSString).deletingPathExtension : nameOrPath
        var theme = RawTheme(name: name)
        theme.file = file
        var parent: RawTheme?
        for key in table.keys {
            guard let value = table[key] else { continue }
            let line = table.line(of: key)
            switch key {
            case "inherits":
                guard let p = value.stringValue else { error(file, line, "inherits must be a theme name in quotes, found \(value.typeName)"); continue }
                parent = raw(p, relativeTo: fileDir, chain: chain + [file], from: (file, line ?? 0))
                if parent == nil { return nil }
            case "description":
                guard let d = value.stringValue else { error(file, line, "description must be a string, found \(value.typeName)"); continue }
                theme.description = d
            case "palette":
                guard let p = value.tableValue else { error(file, line, "palette must be a table of colours, found \(value.typeName)"); continue }
                readPalette(p, file: file, into: &theme)
            default:
                readRole(key, value, line: line ?? 0, file: file, into: &theme)
            }
        }
        return parent.map { $0.overlaid(with: theme) } ?? theme
    }

    mutating func readPalette(_ p: TOMLTable, file: String, into theme: inout RawTheme) {
        for name in p.keys {
            let line = p.line(of: name) ?? 0
            guard let text = p[name]?.stringValue else {
                error(file, line, "palette colour \"\(name)\" must be a string such as \"#268bd2\" or \"cyan\"")
                continue
            }
            guard let color = ThemeColor(name: text) else {
                error(file, line, "palette colour \"\(name)\": \"\(text)\" is not a colour (use #rrggbb, one of the 16 ANSI names such as cyan or bright-black, or default)")
                continue
            }
            theme.palette[name] = .init(value: color, file: file, line: line)
        }
    }

    /// A role key, or a table of roles written with unquoted dotted keys (`[step] done = "green"`).
    mutating func readRole(_ key: String, _ value: TOMLValue, line: Int, file: String, into theme: inout RawTheme) {
        if let t = value.tableValue, !t.isEmpty, !Set(t.keys).isSubset(of: Self.styleKeys), ThemeRole(rawValue: key) == nil {
            for sub in t.keys {
                if let v = t[sub] { readRole(key + "." + sub, v, line: t.line(of: sub) ?? line, file: file, into: &theme) }
            }
            return
        }
        guard let role = ThemeRole(rawValue: key) else {
            let hint = Self.suggestion(for: key).map { " (did you mean \"\($0)\"?)" } ?? ""
            error(file, line, "unknown role \"\(key)\"\(hint); the roles are listed by `oauthscope themes preview default`")
            return
        }
        theme.roles[role] = .init(value: value, file: file, line: line)
        theme.roleTables[role] = value.tableValue
    }

    static func suggestion(for key: String) -> String? {
        let scored = ThemeRole.allCases.map { ($0.rawValue, editDistance(key, $0.rawValue)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 3 else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }

    /// A colour by palette name, else as a literal colour.
    mutating func color(_ name: String, palette: [String: RawTheme.Located<ThemeColor>], role: ThemeRole, file: String, line: Int) -> ThemeColor? {
        if let c = palette[name] { return c.value }
        if let c = ThemeColor(name: name) { return c }
        error(file, line, "unknown colour \"\(name)\" for role \"\(role.rawValue)\": not in the palette, and not #rrggbb, an ANSI name or default")
        return nil
    }

    /// Turns the merged raw theme into styles. A role that gives no foreground takes `text`'s, one that gives
    /// no background takes `background`'s, so a theme that paints the background paints it everywhere.
    mutating func resolve(_ raw: RawTheme) -> Theme {
        var styles: [ThemeRole: ThemeStyle] = [:]
        var givesFG: Set<ThemeRole> = [], givesBG: Set<ThemeRole> = []
        for role in ThemeRole.allCases {
            guard let entry = raw.roles[role] else { continue }
            var style = ThemeStyle()
            switch entry.value {
            case .string(let name):
                if let c = color(name, palette: raw.palette, role: role, file: entry.file, line: entry.line) { style.foreground = c }
                givesFG.insert(role)
            case .table(let t):
                for key in t.keys {
                    let line = t.line(of: key) ?? entry.line
                    guard let v = t[key] else { continue }
                    switch key {
                    case "fg", "bg":
                        guard let name = v.stringValue else { error(entry.file, line, "\(role.rawValue).\(key) must be a colour name in quotes, found \(v.typeName)"); continue }
                        guard let c = color(name, palette: raw.palette, role: role, file: entry.file, line: line) else { continue }
                        if key == "fg" { style.foreground = c; givesFG.insert(role) } else { style.background = c; givesBG.insert(role) }
                    case "modifiers":
                        guard let items = v.arrayValue else { error(entry.file, line, "\(role.rawValue).modifiers must be an array such as [\"bold\"], found \(v.typeName)"); continue }
                        for item in items {
                            switch item.stringValue {
                            case "bold": style.bold = true
                            case "reverse": style.reverse = true
                            case "underline": style.underline = true
                            case "dim": style.dim = true
                            case "italic": style.italic = true
                            default:
                                let shown = item.stringValue.map { "\"\($0)\"" } ?? item.typeName
                                error(entry.file, line, "unknown modifier \(shown) for role \"\(role.rawValue)\" (modifiers: \(Self.modifiers.joined(separator: ", ")))")
                            }
                        }
                    default:
                        error(entry.file, line, "unknown key \"\(key)\" in the style of role \"\(role.rawValue)\" (a style has fg, bg and modifiers)")
                    }
                }
            default:
                error(entry.file, entry.line, "role \"\(role.rawValue)\" must be a palette name or a table { fg, bg, modifiers }, found \(entry.value.typeName)")
            }
            styles[role] = style
        }
        let textFG = styles[.text]?.foreground ?? .terminalDefault
        let backgroundBG = styles[.background]?.background ?? .terminalDefault
        for role in styles.keys {
            if !givesFG.contains(role), role != .text { styles[role]?.foreground = textFG }
            if !givesBG.contains(role), role != .background { styles[role]?.background = backgroundBG }
        }
        let missing = ThemeRole.allCases.filter { styles[$0] == nil }
        if !missing.isEmpty {
            problems.append(ThemeProblem(.warning, file: raw.file, line: nil, "roles not set, shown like text: " + missing.map(\.rawValue).joined(separator: ", ")))
        }
        return Theme(name: raw.name, description: raw.description, styles: styles)
    }
}

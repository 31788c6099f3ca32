import Foundation

/// A named purpose a cell's look serves. Views only ever say which role a piece of text plays; the theme decides
/// what that role looks like. The raw values are the keys a theme file uses.
public enum ThemeRole: String, Sendable, Hashable, CaseIterable, Codable {
    case text
    case background
    case border
    case borderFocus = "border.focus"
    case title
    case stepWaiting = "step.waiting"
    case stepInProgress = "step.in_progress"
    case stepDone = "step.done"
    case stepFailed = "step.failed"
    case findingInfo = "finding.info"
    case findingWarn = "finding.warn"
    case findingError = "finding.error"
    case httpMethod = "http.method"
    case httpStatus2xx = "http.status.2xx"
    case httpStatus3xx = "http.status.3xx"
    case httpStatus4xx = "http.status.4xx"
    case httpStatus5xx = "http.status.5xx"
    case jsonKey = "json.key"
    case jsonString = "json.string"
    case jsonNumber = "json.number"
    case secret
    case selection
    case keyHint = "key_hint"
    case muted
    /// A match of the `/` search in the detail pane or the event log.
    case searchMatch = "search.match"
}

/// A terminal colour: the terminal's own default, one of the 16 ANSI colours, an index in the xterm 256-colour
/// palette, or a 24-bit colour. `degraded(to:)` turns any of them into what a terminal of a given depth can show.
public enum ThemeColor: Sendable, Hashable {
    case terminalDefault
    case ansi(UInt8)
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    public static let black = ThemeColor.ansi(0), red = ThemeColor.ansi(1), green = ThemeColor.ansi(2)
    public static let yellow = ThemeColor.ansi(3), blue = ThemeColor.ansi(4), magenta = ThemeColor.ansi(5)
    public static let cyan = ThemeColor.ansi(6), white = ThemeColor.ansi(7)
    public static let brightBlack = ThemeColor.ansi(8), brightRed = ThemeColor.ansi(9), brightGreen = ThemeColor.ansi(10)
    public static let brightYellow = ThemeColor.ansi(11), brightBlue = ThemeColor.ansi(12), brightMagenta = ThemeColor.ansi(13)
    public static let brightCyan = ThemeColor.ansi(14), brightWhite = ThemeColor.ansi(15)

    /// The names a theme file may use for the 16 ANSI colours, in colour-number order; `gray`/`grey` also name 8.
    public static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
                                   "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue",
                                   "bright-magenta", "bright-cyan", "bright-white"]

    /// Reads `#rrggbb`, an ANSI name (`cyan`, `bright-black`, `gray`), or `default`; nil for anything else.
    public init?(name: String) {
        let n = name.lowercased()
        if n == "default" || n == "reset" {
            self = .terminalDefault
        } else if n == "gray" || n == "grey" {
            self = .ansi(8)
        } else if let i = Self.ansiNames.firstIndex(of: n) {
            self = .ansi(UInt8(i))
        } else if n.hasPrefix("#"), n.count == 7, let v = UInt32(n.dropFirst(), radix: 16) {
            self = .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        } else {
            return nil
        }
    }
}

/// How one role looks: colours and attributes.
public struct ThemeStyle: Sendable, Hashable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool
    public var italic: Bool

    public init(_ foreground: ThemeColor = .terminalDefault, on background: ThemeColor = .terminalDefault, bold: Bool = false, dim: Bool = false, underline: Bool = false, reverse: Bool = false, italic: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
        self.italic = italic
    }

    /// The same attributes without any colour, for `NO_COLOR`.
    public var withoutColor: ThemeStyle {
        var s = self
        s.foreground = .terminalDefault
        s.background = .terminalDefault
        return s
    }

    /// The style as a terminal of `depth` can show it: colours mapped to the nearest it has, attributes kept.
    public func degraded(to depth: ColorDepth) -> ThemeStyle {
        var s = self
        s.foreground = foreground.degraded(to: depth)
        s.background = background.degraded(to: depth)
        return s
    }
}

/// A mapping from every role to a style. Themes are data: the shipped ones are TOML files in `themes/`
/// (embedded in the program), read by `ThemeCatalog`.
public struct Theme: Sendable, Hashable {
    public var name: String
    /// One line saying what the theme is for (`oauthscope themes` lists it).
    public var description: String
    public var styles: [ThemeRole: ThemeStyle]
    /// When false (`NO_COLOR`), only attributes are used.
    public var usesColor: Bool

    public init(name: String, description: String = "", styles: [ThemeRole: ThemeStyle], usesColor: Bool = true) {
        self.name = name
        self.description = description
        self.styles = styles
        self.usesColor = usesColor
    }

    /// The style for `role`; a role a theme leaves out falls back to `text`, then to the terminal default.
    public func style(_ role: ThemeRole) -> ThemeStyle {
        let s = styles[role] ?? styles[.text] ?? ThemeStyle()
        return usesColor ? s : s.withoutColor
    }

    /// Roles this theme does not define.
    public var missingRoles: [ThemeRole] { ThemeRole.allCases.filter { styles[$0] == nil } }

    /// This theme with colour turned off (attributes only), as `NO_COLOR` asks.
    public func withoutColor() -> Theme {
        var t = self
        t.usesColor = false
        return t
    }

    /// The shipped `default` theme (dark terminals, the terminal's own 16 colours).
    public static let defaultDark: Theme = ThemeCatalog.shipped("default") ?? builtInFallback

    /// The shipped `monochrome` theme: attributes only, for `NO_COLOR` and terminals without colour.
    public static let monochrome: Theme = ThemeCatalog.shipped("monochrome") ?? builtInFallback.withoutColor()

    /// Used only if the embedded default theme could not be read, which a test rules out; kept so that the UI
    /// can always draw.
    static let builtInFallback = Theme(name: "default", styles: [
        .text: ThemeStyle(), .background: ThemeStyle(), .border: ThemeStyle(.brightBlack),
        .borderFocus: ThemeStyle(.cyan, bold: true), .title: ThemeStyle(.brightWhite, bold: true),
        .stepWaiting: ThemeStyle(.brightBlack), .stepInProgress: ThemeStyle(.yellow, bold: true),
        .stepDone: ThemeStyle(.green, bold: true), .stepFailed: ThemeStyle(.red, bold: true),
        .findingInfo: ThemeStyle(.blue), .findingWarn: ThemeStyle(.yellow), .findingError: ThemeStyle(.red, bold: true),
        .httpMethod: ThemeStyle(.magenta, bold: true), .httpStatus2xx: ThemeStyle(.green, bold: true),
        .httpStatus3xx: ThemeStyle(.cyan, bold: true), .httpStatus4xx: ThemeStyle(.yellow, bold: true),
        .httpStatus5xx: ThemeStyle(.red, bold: true), .jsonKey: ThemeStyle(.cyan), .jsonString: ThemeStyle(.green),
        .jsonNumber: ThemeStyle(.magenta), .secret: ThemeStyle(.yellow, underline: true), .selection: ThemeStyle(reverse: true),
        .keyHint: ThemeStyle(.cyan, bold: true), .muted: ThemeStyle(.brightBlack), .searchMatch: ThemeStyle(.black, on: .yellow),
    ])

    /// The theme the UI starts with when nothing else is said: `OAUTHSCOPE_THEME` or the default, and the
    /// monochrome theme when `NO_COLOR` is set to anything non-empty (https://no-color.org). Problems with a
    /// theme file are dropped here; use `ThemeCatalog.select` to show them.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Theme {
        ThemeCatalog.select(environment: environment).theme
    }
}

extension ThemeRole {
    /// The role for an HTTP status code.
    public static func httpStatus(_ status: Int) -> ThemeRole {
        switch status {
        case 200..<300: return .httpStatus2xx
        case 300..<400: return .httpStatus3xx
        case 400..<500: return .httpStatus4xx
        default: return .httpStatus5xx
        }
    }
}

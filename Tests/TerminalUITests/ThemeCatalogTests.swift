import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// Themes as data: the shipped files, inheritance, errors that say where, colour depth and ANSI output.
@Suite struct ShippedThemeTests {
    static let required = ["default", "light", "solarized-dark", "solarized-light", "high-contrast", "monochrome"]

    @Test func theSixThemesShip() {
        for name in Self.required { #expect(ThemeCatalog.shippedNames.contains(name), "\(name) is not shipped") }
    }

    @Test(arguments: ThemeCatalog.shippedNames)
    func everyShippedThemeLoadsCleanlyAndCoversEveryRole(name: String) {
        let (theme, problems) = ThemeCatalog.load(name, environment: [:], files: .none)
        #expect(problems.isEmpty, "\(name): \(problems.map(\.description))")
        #expect(theme.name == name)
        #expect(theme.missingRoles.isEmpty, "\(name) leaves out \(theme.missingRoles.map(\.rawValue))")
        #expect(!theme.description.isEmpty, "\(name) has no description for `oauthscope themes`")
    }

    @Test func monochromeHasNoColourAndOnlyBoldReverseUnderline() throws {
        let theme = try #require(ThemeCatalog.shipped("monochrome"))
        for role in ThemeRole.allCases {
            let s = theme.style(role)
            #expect(s.foreground == .terminalDefault && s.background == .terminalDefault, "\(role.rawValue) has a colour")
            #expect(!s.dim && !s.italic, "\(role.rawValue) uses an attribute other than bold, reverse, underline")
        }
        #expect(theme.style(.selection).reverse)
    }

    /// themes/ is the source of truth; ShippedThemes.swift must be regenerated (scripts/embed-themes.sh) after
    /// every change to it.
    @Test func embeddedThemesMatchTheThemesFolder() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".toml") }.sorted()
        #expect(files.map { String($0.dropLast(5)) } == ShippedThemes.files.map(\.name), "themes/ and ShippedThemes.swift list different themes; run scripts/embed-themes.sh")
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            let embedded = ShippedThemes.files.first { $0.name + ".toml" == f }?.text
            #expect(embedded == text, "themes/\(f) differs from its embedded copy; run scripts/embed-themes.sh")
        }
    }

    @Test func twoThemesLookDifferent() throws {
        let a = try #require(ThemeCatalog.shipped("default")), b = try #require(ThemeCatalog.shipped("solarized-dark"))
        #expect(a.style(.stepDone) != b.style(.stepDone))
        #expect(a.style(.background).background == .terminalDefault)
        #expect(b.style(.background).background == .rgb(0x00, 0x2B, 0x36))
    }
}

@Suite struct ThemeFileTests {
    /// An in-memory disk.
    static func files(_ map: [String: String]) -> ThemeFiles {
        ThemeFiles(read: { map[$0] }, list: { dir in map.keys.filter { ($0 as NSString).deletingLastPathComponent == dir }.map { ($0 as NSString).lastPathComponent } })
    }

    @Test func inheritanceTakesThePaletteAndRolesOfTheParent() throws {
        // solarized-light inherits solarized-dark, which inherits default: the roles of default with the
        // palettes of both, the child's entries winning.
        let light = try #require(ThemeCatalog.shipped("solarized-light"))
        #expect(light.style(.text).foreground == .rgb(0x65, 0x7B, 0x83), "fg from solarized-light's palette")
        #expect(light.style(.background).background == .rgb(0xFD, 0xF6, 0xE3))
        #expect(light.style(.stepDone) == ThemeStyle(.rgb(0x85, 0x99, 0x00), on: .rgb(0xFD, 0xF6, 0xE3), bold: true), "default's role, solarized-dark's colour, light's background")
        #expect(light.style(.jsonNumber).foreground == .rgb(0xD3, 0x36, 0x82), "a role solarized-dark overrides")
        #expect(light.style(.selection) == ThemeStyle(.rgb(0x07, 0x36, 0x42), on: .rgb(0xEE, 0xE8, 0xD5), bold: true), "a role solarized-light overrides")
    }

    @Test func aUserThemeIsFoundByNameAndMayInheritAShippedOne() {
        let env = ["XDG_CONFIG_HOME": "/home/ada/.config"]
        let path = "/home/ada/.config/oauthscope/themes/mine.toml"
        let files = Self.files([path: """
        inherits = "light"
        "step.done" = { fg = "lime", modifiers = ["underline"] }

        [palette]
        lime = "#00ff00"
        """])
        let (theme, problems) = ThemeCatalog.load("mine", environment: env, files: files)
        #expect(problems.isEmpty, "\(problems)")
        #expect(theme.name == "mine")
        #expect(theme.style(.stepDone) == ThemeStyle(.rgb(0, 255, 0), underline: true))
        #expect(theme.style(.stepFailed).foreground == .rgb(0xCF, 0x22, 0x2E), "the rest comes from light")
        let available = ThemeCatalog.available(environment: env, files: files)
        #expect(available.contains { $0.name == "mine" && $0.source == path })
        #expect(available.contains { $0.name == "default" && $0.source == "built in" })
    }

    @Test func aBadThemeNamesFileLineAndRoleAndFallsBackToTheDefault() {
        let path = "/work/themes/bad.toml"
        let files = Self.files([path: """
        inherits = "default"
        # a typo in a role, then a colour nobody knows
        "stp.done" = "good"
        "step.failed" = { fg = "purpel" }
        "muted" = { fg = "subtle", modifiers = ["blink"] }

        [palette]
        bad = "#12345"
        """])
        let (theme, problems) = ThemeCatalog.load(path, environment: [:], files: files)
        #expect(theme == Theme.defaultDark, "a theme with errors is replaced by the default")
        let text = problems.map(\.description)
        #expect(text.contains("\(path):3: unknown role \"stp.done\" (did you mean \"step.done\"?); the roles are listed by `oauthscope themes preview default`"), "\(text)")
        #expect(text.contains { $0.hasPrefix("\(path):4: unknown colour \"purpel\" for role \"step.failed\"") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(path):5: unknown modifier \"blink\" for role \"muted\"") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(path):8: palette colour \"bad\": \"#12345\" is not a colour") }, "\(text)")
        #expect(problems.allSatisfy { $0.severity == .error })
    }

    @Test func aSyntaxErrorNamesItsLineAndColumn() {
        let path = "/t/broken.toml"
        let (theme, problems) = ThemeCatalog.load(path, environment: [:], files: Self.files([path: "\"text\" = \"fg\"\n\"title\" = { fg = \"fg\" \n"]))
        #expect(theme == Theme.defaultDark)
        #expect(problems.map(\.description) == ["\(path):2: column 23: expected \",\" or \"}\" in the inline table, found the end of the line"])
    }

    @Test func missingFilesUnknownNamesAndCyclesAreReported() {
        let (_, missing) = ThemeCatalog.load("/nowhere/x.toml", environment: [:], files: .none)
        #expect(missing.first?.message == "cannot read the theme file /nowhere/x.toml")
        let (_, unknown) = ThemeCatalog.load("solarised", environment: [:], files: .none)
        #expect(unknown.first?.message.hasPrefix("no theme named \"solarised\" (themes: default, high-contrast, light") == true)
        let files = Self.files(["/c/a.toml": "inherits = \"b.toml\"\n", "/c/b.toml": "inherits = \"a.toml\"\n"])
        let (theme, cycle) = ThemeCatalog.load("/c/a.toml", environment: [:], files: files)
        #expect(theme == Theme.defaultDark)
        #expect(cycle.first?.description == "/c/b.toml:1: inherits goes round in a circle: /c/a.toml → /c/b.toml → /c/a.toml")
    }

    @Test func leftOutRolesAreAWarningAndTheThemeIsKept() {
        let path = "/t/small.toml"
        let (theme, problems) = ThemeCatalog.load(path, environment: [:], files: Self.files([path: "\"text\" = \"#ffffff\"\n\"step.done\" = \"green\"\n"]))
        #expect(theme.name == "small")
        #expect(theme.style(.stepDone).foreground == .green)
        #expect(theme.style(.title).foreground == .rgb(255, 255, 255), "a role left out is drawn like text")
        #expect(problems.count == 1 && problems[0].severity == .warning)
        #expect(problems[0].message.hasPrefix("roles not set, shown like text: background, border"))
    }

    @Test func themeChoiceFollowsFlagThenEnvironmentThenConfig() {
        #expect(ThemeCatalog.select(environment: [:]).theme.name == "default")
        #expect(ThemeCatalog.select(config: "light", environment: [:]).theme.name == "light")
        #expect(ThemeCatalog.select(config: "light", environment: ["OAUTHSCOPE_THEME": "high-contrast"]).theme.name == "high-contrast")
        #expect(ThemeCatalog.select(flag: "solarized-dark", config: "light", environment: ["OAUTHSCOPE_THEME": "high-contrast"]).theme.name == "solarized-dark")
        let noColor = ThemeCatalog.select(flag: "solarized-dark", environment: ["NO_COLOR": "1"])
        #expect(noColor.theme.name == "monochrome" && !noColor.theme.usesColor)
        let bad = ThemeCatalog.select(environment: ["OAUTHSCOPE_THEME": "nope"])
        #expect(bad.theme.name == "default" && bad.problems.count == 1)
    }

    @Test func optionsTakeTheThemeAndKeysFromTheConfigFile() throws {
        let config = try TOML.parse("""
        theme = "light"

        [keys]
        copy = "Y"
        """)
        let options = TerminalUIOptions(config: config, configFile: "/home/ada/.config/oauthscope/config.toml", environment: [:])
        #expect(options.theme.name == "light")
        #expect(options.keymap.keys(for: .copy) == [.char("Y")])
        #expect(options.notices.isEmpty)
        let flagged = TerminalUIOptions(themeFlag: "nope", config: config, environment: [:])
        #expect(flagged.theme.name == "default")
        #expect(flagged.notices == ["nope: no theme named \"nope\" (themes: default, high-contrast, light, monochrome, solarized-dark, solarized-light)"])
    }
}

@Suite struct ColorDepthTests {
    @Test func depthComesFromTheEnvironment() {
        #expect(ColorDepth.detect(environment: ["COLORTERM": "truecolor", "TERM": "xterm-256color"]) == .truecolor)
        #expect(ColorDepth.detect(environment: ["COLORTERM": "24bit", "TERM": "xterm"]) == .truecolor)
        #expect(ColorDepth.detect(environment: ["TERM": "tmux-256color"]) == .palette256)
        #expect(ColorDepth.detect(environment: ["TERM": "xterm-direct"]) == .truecolor)
        #expect(ColorDepth.detect(environment: ["TERM": "xterm"]) == .ansi16)
        #expect(ColorDepth.detect(environment: ["TERM": "dumb", "COLORTERM": "truecolor"]) == .none)
        #expect(ColorDepth.detect(environment: ["NO_COLOR": "1", "COLORTERM": "truecolor"]) == .none)
        #expect(ColorDepth.detect(environment: ["NO_COLOR": "", "TERM": "xterm-256color"]) == .palette256)
    }

    @Test func theTerminalCanOnlyLowerTheDepth() {
        #expect(ColorDepth.effective(claimed: .truecolor, terminalColors: 256, canChangeColor: false) == .palette256)
        #expect(ColorDepth.effective(claimed: .truecolor, terminalColors: 256, canChangeColor: true) == .palette256)
        #expect(ColorDepth.effective(claimed: .truecolor, terminalColors: 1 << 24, canChangeColor: false) == .truecolor, "direct colour")
        #expect(ColorDepth.effective(claimed: .truecolor, terminalColors: 32_767, canChangeColor: true) == .truecolor, "redefinable colours")
        #expect(ColorDepth.effective(claimed: .truecolor, terminalColors: 32_767, canChangeColor: false) == .palette256)
        #expect(ColorDepth.effective(claimed: .palette256, terminalColors: 8, canChangeColor: false) == .ansi16)
        #expect(ColorDepth.effective(claimed: .ansi16, terminalColors: 1 << 24, canChangeColor: false) == .ansi16)
        #expect(ColorDepth.effective(claimed: .ansi16, terminalColors: 0, canChangeColor: false) == .none)
    }

    /// Nearest colours worked out by hand with squared RGB distance. The 256 cube's levels are 0, 95, 135, 175,
    /// 215, 255 and the greys 8 + 10n (232–255); the 16 are xterm's (cyan 0,205,205; bright black 127,127,127).
    @Test(arguments: [
        // Solarized blue 38,139,210: cube levels 0, 135, 215 → 16 + 0·36 + 2·6 + 4 = 32. Against the 16: cyan
        // is 38² + 66² + 5² = 5825 away, bright blue 54² + 47² + 45² = 7150, blue 38² + 139² + 28² = 21549.
        (ThemeColor.rgb(38, 139, 210), ThemeColor.indexed(32), ThemeColor.cyan),
        // Pure red is cube (5,0,0) = 196, and exactly bright red.
        (.rgb(255, 0, 0), .indexed(196), .brightRed),
        // 128 grey: the grey ramp's 8 + 10·12 = 128 is exact (232 + 12 = 244); bright black is 3 away.
        (.rgb(128, 128, 128), .indexed(244), .brightBlack),
        // Solarized base03 0,43,54: cube (0,0,0) is 43² + 54² = 4765 away, grey 38 (234) 38² + 5² + 16² = 1725,
        // cube (0,0,95) 43² + 41² = 3530 → 234. Among the 16, black (4765) beats blue (43² + 184² = 35705).
        (.rgb(0, 43, 54), .indexed(234), .black),
        // Index 32 is 0,135,215 → cyan (70² + 10² = 5000) beats bright blue (92² + 43² + 40² = 11913).
        (.indexed(32), .indexed(32), .cyan),
        // The 16 keep their number; they are the terminal's own palette.
        (.brightMagenta, .brightMagenta, .brightMagenta),
    ])
    func coloursDegradeToTheNearest(color: ThemeColor, in256: ThemeColor, in16: ThemeColor) {
        #expect(color.degraded(to: .truecolor) == color)
        #expect(color.degraded(to: .palette256) == in256)
        #expect(color.degraded(to: .ansi16) == in16)
        #expect(color.degraded(to: .none) == .terminalDefault)
        #expect(in256.degraded(to: .ansi16) == in16, "degrading in steps gives the same as at once")
    }

    @Test func sgrSequencesPerDepth() {
        let style = ThemeStyle(.rgb(38, 139, 210), on: .brightBlack, bold: true, underline: true)
        #expect(ANSIText.sgr(style, depth: .truecolor) == "\u{1b}[0;1;4;38;2;38;139;210;100m")
        #expect(ANSIText.sgr(style, depth: .palette256) == "\u{1b}[0;1;4;38;5;32;100m")
        #expect(ANSIText.sgr(style, depth: .ansi16) == "\u{1b}[0;1;4;36;100m")
        #expect(ANSIText.sgr(style, depth: .none) == "\u{1b}[0;1;4m")
        #expect(ANSIText.sgr(ThemeStyle(reverse: true), depth: .truecolor) == "\u{1b}[0;7m")
    }

    @Test func cursesColourNumbersForEveryDepth() {
        #expect(NCursesScreen.colorNumber(.rgb(38, 139, 210), colors: 1 << 24) == (0x268BD2, false), "direct colour is 0xRRGGBB")
        #expect(NCursesScreen.colorNumber(.ansi(3), colors: 1 << 24) == (3, false), "0-7 keep their meaning")
        #expect(NCursesScreen.colorNumber(.brightBlack, colors: 1 << 24) == (0x7F7F7F, false))
        #expect(NCursesScreen.colorNumber(.rgb(38, 139, 210), colors: 256) == (32, false))
        #expect(NCursesScreen.colorNumber(.rgb(38, 139, 210), colors: 8) == (6, false))
    }
}

@Suite struct ThemePreviewTests {
    @Test func thePreviewShowsEveryRole() {
        let grid = renderThemePreview(theme: .defaultDark, width: 120, height: 40)
        let roles = Set(grid.cells.map(\.role))
        for role in ThemeRole.allCases { #expect(roles.contains(role), "\(role.rawValue) is not in the preview") }
        for role in ThemeRole.allCases { #expect(grid.text.contains(role.rawValue), "the preview does not name \(role.rawValue)") }
        #expect(grid.row(0).contains("oauthscope theme default"))
    }

    @Test func previewTextDiffersByThemeAndHasNoColourInMonochrome() throws {
        let solarized = try #require(ThemeCatalog.shipped("solarized-dark"))
        let a = ANSIText.render(renderThemePreview(theme: .defaultDark, width: 100, height: 30), theme: .defaultDark, depth: .truecolor)
        let b = ANSIText.render(renderThemePreview(theme: solarized, width: 100, height: 30), theme: solarized, depth: .truecolor)
        #expect(a != b)
        #expect(b.contains("38;2;133;153;0"), "solarized green in 24-bit")
        let mono = ANSIText.render(renderThemePreview(theme: .monochrome, width: 100, height: 30), theme: .monochrome, depth: .truecolor)
        #expect(!mono.contains("38;") && !mono.contains("48;"), "monochrome sends no colour")
        #expect(mono.contains("\u{1b}[0;7m"), "but does send reverse")
        for line in a.split(separator: "\n") { #expect(line.hasSuffix("\u{1b}[0m"), "each line ends with a reset") }
    }
}

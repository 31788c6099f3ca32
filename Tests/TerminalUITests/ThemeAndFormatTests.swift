import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

@Suite struct ThemeTests {
    @Test func defaultThemeCoversEveryRole() {
        #expect(Theme.defaultDark.missingRoles.isEmpty)
    }

    @Test func noColorKeepsAttributesOnly() {
        let theme = Theme.fromEnvironment(["NO_COLOR": "1"])
        #expect(!theme.usesColor)
        for role in ThemeRole.allCases {
            let s = theme.style(role)
            #expect(s.foreground == .terminalDefault && s.background == .terminalDefault, "\(role) keeps a colour")
        }
        #expect(theme.style(.selection).reverse, "attributes survive NO_COLOR")
        #expect(Theme.fromEnvironment(["NO_COLOR": ""]).usesColor, "an empty NO_COLOR does not count")
        #expect(Theme.fromEnvironment([:]).usesColor)
    }

    @Test func roleNamesAreTheThemeFileKeys() {
        let names = Set(ThemeRole.allCases.map(\.rawValue))
        for required in ["text", "background", "border", "border.focus", "title", "step.waiting", "step.in_progress", "step.done",
                         "step.failed", "finding.info", "finding.warn", "finding.error", "http.method", "http.status.2xx",
                         "http.status.3xx", "http.status.4xx", "http.status.5xx", "json.key", "json.string", "json.number",
                         "secret", "selection", "key_hint", "muted"] {
            #expect(names.contains(required), "no role \(required)")
        }
    }

    @Test func brightColoursFallBackToBoldOnEightColourTerminals() {
        #expect(NCursesScreen.colorNumber(.brightRed, colors: 8) == (1, true))
        #expect(NCursesScreen.colorNumber(.brightRed, colors: 256) == (9, false))
        #expect(NCursesScreen.colorNumber(.terminalDefault, colors: 256) == (-1, false))
        #expect(NCursesScreen.colorNumber(.indexed(200), colors: 8) == (-1, false))
    }
}

@Suite struct FormatTests {
    @Test(arguments: [(0.038, "38ms"), (1.25, "1.2s"), (42, "42s"), (184, "3m04s"), (3720, "1h02m"), (360_000, "4d"), (1e19, ">27y")])
    func durationsFitFiveColumns(seconds: Double, text: String) {
        #expect(Format.duration(seconds) == text)
        #expect(text.count <= 5)
    }

    @Test func countsAreGrouped() {
        #expect(Format.count(999) == "999")
        #expect(Format.count(10_001) == "10 001")
        #expect(Format.count(1_234_567) == "1 234 567")
    }

    @Test func clockAndEpochAreUTCWhenAsked() throws {
        let utc = try #require(TimeZone(secondsFromGMT: 0))
        let d = Date(timeIntervalSince1970: 1_767_268_800.5)
        #expect(Format.clock(d, zone: utc) == "12:00:00.500")
        #expect(Format.clock(d, zone: try #require(TimeZone(secondsFromGMT: 3600)), millis: false) == "13:00:00")
        #expect(Format.epoch(try #require(NumericDate(secondsSince1970: 1_767_268_800))) == "2026-01-01 12:00:00 UTC")
        #expect(Format.epoch(try #require(NumericDate(secondsSince1970: 951_782_400))) == "2000-02-29 00:00:00 UTC")
        #expect(Format.epoch(try #require(NumericDate(secondsSince1970: NumericDate.latest))) == "9999-12-31 23:59:59 UTC")
    }

    @Test("durations, clocks and elapsed times give text for any number, even a hostile one")
    func hostileNumbersGiveText() throws {
        let utc = try #require(TimeZone(secondsFromGMT: 0))
        for seconds in [1e19, -1e19, 9.3e18, .infinity, -.infinity, .nan, 1e300] {
            #expect(Format.duration(seconds).count <= 5)
            #expect(!Format.elapsed(seconds).isEmpty)
            #expect(Format.clock(Date(timeIntervalSince1970: seconds), zone: utc).count == 12)
        }
    }

    @Test("a recorded token with expires_in Int.max and exp 1e19 renders its detail screen")
    func hostileTokenDetail() {
        var s = EventScript()
        Fixture.throughRedirect(&s)
        s.add(Fixture.acceptedCallback, after: 212)
        s.add(Fixture.codeReceived, after: 1)
        s.add(.tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: Int.max, scope: nil, accessToken: Sensitive(Secret(Fixture.accessToken)), refreshToken: nil, idToken: IDTokenSummary(
            header: .object([("alg", .string("RS256"))]),
            claims: .object([("exp", .number(1e19)), ("iat", .number(-.infinity)), ("nbf", .string("soon")), ("auth_time", .number(1_767_268_800))]),
            checks: []), extra: nil)), after: 40)
        var ui = UIState.test
        ui.followsCurrentStep = false
        ui.selectedStep = .tokenExchanged
        let text = render(s.state, ui, width: 200, height: 200).text
        #expect(text.contains("1e19 is not a valid NumericDate"))
        #expect(text.contains("2026-01-01 12:00:00 UTC"))
        #expect(text.contains("9223372036854775807 s"))
    }

    @Test func wrappingNeverLosesCharacters() {
        let text = "alpha beta gamma delta-epsilon-zeta-eta-theta-iota kappa"
        for width in 3...30 {
            let rows = Wrap.wrap(StyledLine([Span(text)]), width: width, asciiOnly: false)
            for r in rows { #expect(r.width <= width) }
            let joined = rows.map { $0.spans.map(\.text).joined() }.joined(separator: " ")
            #expect(joined.filter { $0 != " " } == text.filter { $0 != " " }, "lost text at width \(width)")
        }
    }

    @Test func followingResetsTheScrollWhenTheStepChanges() {
        var ui = UIState.test
        var script = Fixture.waiting
        ui.observe(script.state)
        ui.detailScroll = 7
        ui.observe(script.state)
        #expect(ui.detailScroll == 7, "same step: the reader's place is kept")
        script.add(.userRedirected(UserRedirected(via: "browser", command: "xdg-open")))
        ui.observe(script.state)
        #expect(ui.detailScroll == 0, "a new step is read from its top")
    }
}

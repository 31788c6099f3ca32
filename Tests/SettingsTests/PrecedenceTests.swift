import FlowEngine
import Foundation
import OAuthCore
import Settings
import Testing

/// A profile read from TOML text, as the config file gives it.
func profile(_ toml: String, name: String = "p") throws -> SettingsLayer {
    try ConfigFile(path: "config.toml", table: TOML.parse(toml)).profile(name)
}

@Suite struct PrecedenceTests {
    /// Every source gives `timeout`; removing the top one each time shows the next one wins.
    @Test func eachSourceBeatsTheNext() throws {
        var flag = SettingsLayer(.flag); flag[.timeout] = .number(1)
        var env = SettingsLayer(.env); env[.timeout] = .number(2)
        var prof = SettingsLayer(.profile); prof[.timeout] = .number(3)
        var preset = SettingsLayer(.preset); preset[.timeout] = .number(4)
        let defaults = SettingsLayer.defaults(for: .flow)
        var layers = [defaults, preset, prof, env, flag]
        var expected: [(Int, SettingSource)] = [(1, .flag), (2, .env), (3, .profile), (4, .preset), (300, .default)]
        while let top = layers.last {
            let r = ResolvedSettings(layers.shuffled())
            let (value, source) = expected.removeFirst()
            #expect(r.number(.timeout) == value, "with \(top.source) on top")
            #expect(r.source(of: .timeout) == source)
            layers.removeLast()
        }
        #expect(ResolvedSettings([]).number(.timeout) == nil)
    }

    /// `--timeout 300` is the default's value, but it was given, so it beats the profile's `timeout = 10`.
    @Test func aFlagEqualToTheDefaultBeatsTheProfile() throws {
        let tuning = try FlowTuning.parse(["--timeout", "300", "--pkce", "s256", "--exchange", "auto"])
        let flags = try tuning.layer()
        let prof = try profile("""
        [profiles.p]
        timeout = 10
        pkce = "plain"
        exchange = "manual"
        """)
        let r = ResolvedSettings([SettingsLayer.defaults(for: .flow), prof, flags])
        #expect(r.number(.timeout) == 300)
        #expect(r.source(of: .timeout) == .flag)
        #expect(r.choice(.pkce, as: PKCEArgument.self) == .s256)
        #expect(r.source(of: .pkce) == .flag)
        #expect(r.choice(.exchange, as: ExchangeModeArgument.self) == .auto)
        // Without the flags, the profile's values stand.
        let without = ResolvedSettings([SettingsLayer.defaults(for: .flow), prof, try FlowTuning.parse([]).layer()])
        #expect(without.number(.timeout) == 10)
        #expect(without.source(of: .timeout) == .profile)
        #expect(without.choice(.pkce, as: PKCEArgument.self) == .plain)
    }

    /// An environment variable equal to the default still beats the profile.
    @Test func anEnvironmentValueEqualToTheDefaultBeatsTheProfile() throws {
        let env = try SettingsLayer.environment(["OAUTHSCOPE_TIMEOUT": "300", "OAUTHSCOPE_SCOPE": "openid"], for: .flow)
        let prof = try profile("[profiles.p]\ntimeout = 10\nscope = \"email\"\n")
        let r = ResolvedSettings([prof, env, SettingsLayer.defaults(for: .flow)])
        #expect(r.number(.timeout) == 300)
        #expect(r.source(of: .timeout) == .env)
        #expect(r.text(.scope) == "openid")
    }

    /// The profile beats the preset, and the preset beats the default, through the whole resolution.
    @Test func profileBeatsPresetBeatsDefault() throws {
        let prof = try profile("""
        [profiles.p]
        preset = "github"
        client_id = "abc"
        scope = "repo"
        """)
        let flow = try ResolvedFlow.resolve([prof, SettingsLayer.defaults(for: .flow)], profileName: "p", environment: [:])
        #expect(flow.settings.text(.scope) == "repo")
        #expect(flow.settings.source(of: .scope) == .profile)
        let github = try #require(ProviderPresets.named("github"))
        #expect(flow.settings.text(.tokenURL) == github.tokenEndpoint)
        #expect(flow.settings.source(of: .tokenURL) == .preset)
        #expect(flow.settings.source(of: .timeout) == .default)
        #expect(flow.settings.source(of: .preset) == .profile)
        let withoutScope = try ResolvedFlow.resolve([try profile("[profiles.p]\npreset = \"github\"\nclient_id = \"abc\"\n"), SettingsLayer.defaults(for: .flow)], environment: [:])
        #expect(withoutScope.settings.text(.scope) == github.defaultScope)
        #expect(withoutScope.settings.source(of: .scope) == (github.defaultScope == nil ? nil : .preset))
    }

    /// Parameters add up across layers; for the same name the higher layer wins, in place.
    @Test func pairsAddUpAndTheHigherLayerWinsByName() throws {
        var low = SettingsLayer(.profile); low[.params] = .pairs([FormField("prompt", "login"), FormField("login_hint", "a@example.com")])
        var high = SettingsLayer(.flag); high[.params] = .pairs([FormField("prompt", "consent")])
        let r = ResolvedSettings([high, low])
        #expect(r.pairs(.params) == [FormField("prompt", "consent"), FormField("login_hint", "a@example.com")])
        #expect(r.source(of: .params) == .flag)
        var lowH = SettingsLayer(.preset); lowH[.tokenHeaders] = .pairs([FormField("Accept", "application/json")])
        var highH = SettingsLayer(.flag); highH[.tokenHeaders] = .pairs([FormField("accept", "text/plain")])
        #expect(ResolvedSettings([lowH, highH]).pairs(.tokenHeaders) == [FormField("accept", "text/plain")])
    }

    /// A client secret from a higher layer hides every secret source of the lower ones.
    @Test func theClientSecretIsTakenWholeFromOneLayer() throws {
        let prof = try profile("[profiles.p]\nclient_secret_command = \"pass show x\"\n")
        let flags = try ProviderOptions.parse(["--client-secret-env", "MY_SECRET"]).layer()
        let r = ResolvedSettings([prof, flags])
        #expect(r.text(.clientSecretEnv) == "MY_SECRET")
        #expect(r.text(.clientSecretCommand) == nil)
        let onlyProfile = ResolvedSettings([prof, try ProviderOptions.parse([]).layer()])
        #expect(onlyProfile.text(.clientSecretCommand) == "pass show x")
    }

    /// Only flags actually given reach the flag layer.
    @Test func absentFlagsAreNotGiven() throws {
        #expect(try FlowTuning.parse([]).layer().values.isEmpty)
        #expect(try ProviderOptions.parse([]).layer().values.isEmpty)
        #expect(try RedirectOptions.parse([]).layer().values.isEmpty)
        let given = try FlowTuning.parse(["--step", "--then", "refresh, userinfo"]).layer()
        #expect(given[.step] == .flag(true))
        #expect(given[.then] == .list(["refresh", "userinfo"]))
    }
}

@Suite struct SettingsReadingTests {
    @Test func environmentValuesAreCheckedAndNamed() throws {
        #expect(throws: UsageError.self) { try SettingsLayer.environment(["OAUTHSCOPE_TIMEOUT": "soon"], for: .flow) }
        do {
            _ = try SettingsLayer.environment(["OAUTHSCOPE_PKCE": "md5"], for: .flow)
            Issue.record("md5 was accepted")
        } catch {
            #expect(error.description.contains("OAUTHSCOPE_PKCE"))
            #expect(error.description.contains("s256, plain, none"))
        }
        // Settings a command does not take are not read for it.
        #expect(try SettingsLayer.environment(["OAUTHSCOPE_CLIENT_ID": "x"], for: .demo).values.isEmpty)
        #expect(try SettingsLayer.environment(["OAUTHSCOPE_CLIENT_ID": "x"], for: .flow)[.clientID] == .text("x"))
    }

    @Test func profileErrorsNameTheFileAndLine() throws {
        for (toml, words) in [
            ("[profiles.p]\nclient_id = \"a\"\nscopes = \"x\"\n", ["config.toml:3", "unknown key \"scopes\""]),
            ("[profiles.p]\ntimeout = \"ten\"\n", ["config.toml:2", "timeout"]),
            ("[profiles.p]\n\ntoken_auth = \"digest\"\n", ["config.toml:3", "basic, post, none"]),
            ("[profiles.p]\nissuer = \"not a url\"\n", ["config.toml:2", "not an absolute URL"]),
            ("[profiles.p]\nstep = \"yes\"\n", ["config.toml:2", "true or false"]),
        ] {
            do {
                _ = try profile(toml)
                Issue.record("accepted: \(toml)")
            } catch {
                for w in words { #expect(String(describing: error).contains(w), "\(String(describing: error)) lacks \(w)") }
            }
        }
    }

    /// Each setting has one description from which its flag, variable and key follow.
    @Test func theTableDerivesFlagsVariablesAndKeys() {
        let d = Setting.clientID.description
        #expect(d.flag == "--client-id")
        #expect(d.environmentVariable == "OAUTHSCOPE_CLIENT_ID")
        #expect(d.name == "client_id")
        #expect(Setting.params.description.flag == "--param")
        #expect(Setting.params.description.environmentVariable == nil)
        #expect(Setting.clientSecretCommand.description.flag == nil)
        #expect(Set(ConfigFile.profileKeys).count == Setting.allCases.count)
        #expect(Setting.allCases.filter { $0.description.secret }.map(\.rawValue).sorted() == ["client_secret", "token_headers"])
    }
}

@Suite struct SettingsEventTests {
    /// `flow.started` carries each value with its source; secrets are redacted unless revealed.
    @Test func flowStartedCarriesSettingsWithSources() throws {
        let flags = try ProviderOptions.parse(["--client-id", "cid", "--client-secret", "s3cret-value-long", "--issuer", "https://issuer.example.com"]).layer()
        let env = try SettingsLayer.environment(["OAUTHSCOPE_SCOPE": "openid"], for: .flow)
        let flow = try ResolvedFlow.resolve([flags, env, SettingsLayer.defaults(for: .flow)], environment: [:])
        let config = flow.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: false, serveActions: false)
        let byName = Dictionary(uniqueKeysWithValues: config.settings.map { ($0.name, $0) })
        #expect(byName["client_id"] == SettingOrigin(name: "client_id", value: "cid", source: "flag"))
        #expect(byName["scope"]?.source == "env")
        #expect(byName["timeout"] == SettingOrigin(name: "timeout", value: "300", source: "default"))
        let secret = try #require(byName["client_secret"])
        #expect(!secret.value.contains("s3cret-value-long"))
        #expect(secret.value == Secret.redact("s3cret-value-long"))
        let revealed = flow.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: true, serveActions: false)
        #expect(revealed.settings.first { $0.name == "client_secret" }?.value == "s3cret-value-long")

        // The event encodes them as the JSONL contract says.
        let event = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 0), flow: "f1",
                              payload: .flowStarted(FlowStarted(mode: "flow", provider: "p", clientID: "cid", redirectURI: "r", settings: config.settings)))
        let line = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        #expect(line.contains(#""settings":[{"#))
        #expect(line.contains(#""source":"default""#))
        #expect(!line.contains("s3cret-value-long"))
    }
}

@Suite struct HTTPSettingsTests {
    /// `--http-timeout 15` is the default's value, yet it beats the profile's `http_timeout = 3`.
    @Test func httpTimeoutFollowsThePrecedence() throws {
        let prof = try profile("[profiles.p]\nhttp_timeout = 3\n")
        let given = ResolvedSettings([try HTTPOptions.parse(["--http-timeout", "15"]).layer(), prof, SettingsLayer.defaults(for: .flow)])
        #expect(given.httpTimeout == .seconds(15))
        #expect(given.source(of: .httpTimeout) == .flag)
        let fromProfile = ResolvedSettings([try HTTPOptions.parse([]).layer(), prof, SettingsLayer.defaults(for: .flow)])
        #expect(fromProfile.httpTimeout == .seconds(3))
        let fromEnv = ResolvedSettings([try SettingsLayer.environment(["OAUTHSCOPE_HTTP_TIMEOUT": "2.5"], for: .listen), SettingsLayer.defaults(for: .listen)])
        #expect(fromEnv.httpTimeout == .milliseconds(2500))
        #expect(ResolvedSettings([SettingsLayer.defaults(for: .demo)]).httpTimeout == .seconds(15))
        #expect(throws: UsageError.self) { try SettingsLayer.environment(["OAUTHSCOPE_HTTP_TIMEOUT": "0"], for: .flow) }
        #expect(throws: UsageError.self) { try SettingsLayer.environment(["OAUTHSCOPE_HTTP_TIMEOUT": "nan"], for: .flow) }
        #expect(throws: (any Error).self) { try HTTPOptions.parse(["--http-timeout", "4000"]) }
    }

    @Test func allowInsecureHTTPReachesTheConfiguration() throws {
        let flags = try ProviderOptions.parse(["--issuer", "http://idp.example.com", "--client-id", "c", "--allow-insecure-http"]).layer()
        let flow = try ResolvedFlow.resolve([flags, SettingsLayer.defaults(for: .flow)], environment: [:])
        #expect(flow.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: false, serveActions: false).allowInsecureHTTP)
        let without = try ResolvedFlow.resolve([try ProviderOptions.parse(["--issuer", "http://idp.example.com", "--client-id", "c"]).layer()], environment: [:])
        #expect(!without.configuration(mode: "flow", redirectURI: Setting.defaultRedirectURI, reveal: false, serveActions: false).allowInsecureHTTP)
    }
}

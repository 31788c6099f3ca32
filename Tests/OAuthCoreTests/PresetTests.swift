import Foundation
import OAuthCore
import Testing

@Suite("Provider presets")
struct PresetTests {
    /// The presets the issue asks for, by name.
    static let required = ["bitbadges", "bitbucket", "atlassian", "github", "google", "microsoft", "oidc"]

    /// Parameters that make every preset resolvable (only `oidc` has no default).
    static let sampleParameters: [String: [String: String]] = ["oidc": ["issuer": "https://login.example.com/realms/demo"]]

    func preset(_ name: String) throws -> ProviderPreset {
        try #require(ProviderPresets.named(name), "no preset named \(name)")
    }

    // MARK: - The catalogue

    @Test("every preset named in the issue exists, once, and lookup ignores case")
    func catalogue() throws {
        let names = ProviderPresets.all.map(\.name)
        for n in Self.required { #expect(names.contains(n), "missing \(n)") }
        #expect(Set(names).count == names.count, "duplicate preset names: \(names)")
        #expect(ProviderPresets.named("BitBucket")?.name == "bitbucket")
        #expect(ProviderPresets.named("gitlab") == nil)
        #expect(throws: PresetError.self) { try ProviderPresets.require("gitlab") }
        do {
            _ = try ProviderPresets.require("gitlab")
        } catch {
            #expect(error.description.contains("--preset gitlab"))
            #expect(error.description.contains("bitbucket"))
        }
    }

    @Test("BitBadges: SIWBB endpoints, JSON body with the secret in it, x-api-key, extra response fields, late codes")
    func bitbadges() throws {
        let p = try preset("bitbadges")
        #expect(p.authorizationEndpoint == "https://bitbadges.io/siwbb/authorize")
        #expect(p.tokenEndpoint == "https://api.bitbadges.io/api/v0/siwbb/token")
        #expect(p.revocationEndpoint == "https://api.bitbadges.io/api/v0/siwbb/token/revoke")
        #expect(p.tokenBody == .json)
        #expect(p.tokenAuth == .clientSecretPost)
        #expect(p.requiredTokenHeaders.map { $0.lowercased() } == ["x-api-key"])
        #expect(p.quirks.contains(.extraTokenResponseFields(["address", "chain", "bitbadgesAddress", "access_token_expires_at"])))
        #expect(p.issuer == nil)
        let hint = try #require(p.codeLifetimeHint)
        #expect(hint.contains("30"))
    }

    @Test("Bitbucket: site/oauth2 endpoints, HTTP Basic, form body, prefix redirect rule")
    func bitbucket() throws {
        let p = try preset("bitbucket")
        #expect(p.authorizationEndpoint == "https://bitbucket.org/site/oauth2/authorize")
        #expect(p.tokenEndpoint == "https://bitbucket.org/site/oauth2/access_token")
        #expect(p.tokenAuth == .clientSecretBasic)
        #expect(p.tokenBody == .form)
        #expect(p.redirectRule == .prefix)
        #expect(p.parameters.isEmpty)
        #expect(p.notes.contains { $0.code == "preset.bitbucket.redirect_prefix" })
    }

    @Test("Atlassian: audience and prompt, JSON body, rotating refresh tokens, accessible-resources follow-up")
    func atlassian() throws {
        let p = try preset("atlassian")
        #expect(p.authorizationEndpoint == "https://auth.atlassian.com/authorize")
        #expect(p.tokenEndpoint == "https://auth.atlassian.com/oauth/token")
        #expect(p.tokenBody == .json)
        #expect(p.tokenAuth == .clientSecretPost)
        #expect(p.authorizationParameters.contains(FormField("audience", "api.atlassian.com")))
        #expect(p.authorizationParameters.contains(FormField("prompt", "consent")))
        #expect(p.quirks.contains(.rotatingRefreshTokens))
        #expect(p.defaultScope?.split(separator: " ").contains("offline_access") == true)
        let f = try #require(p.followUps.first { $0.name == "accessible-resources" })
        #expect(f.method == "GET")
        #expect(f.url == "https://api.atlassian.com/oauth/token/accessible-resources")
    }

    @Test("GitHub: login/oauth endpoints, Accept: application/json, form answers and errors with 200, no OIDC")
    func github() throws {
        let p = try preset("github")
        #expect(p.authorizationEndpoint == "https://github.com/login/oauth/authorize")
        #expect(p.tokenEndpoint == "https://github.com/login/oauth/access_token")
        #expect(p.userinfoEndpoint == "https://api.github.com/user")
        #expect(p.tokenHeaders.contains { $0.name.lowercased() == "accept" && $0.value == "application/json" })
        #expect(p.quirks.isSuperset(of: [.formEncodedTokenResponseUnlessJSON, .errorsWithStatus200, .noOpenIDConnect]))
        #expect(p.issuer == nil)
        #expect(p.defaultScope?.contains("openid") != true)
    }

    @Test("Google: accounts.google.com issuer, v2 auth endpoint, googleapis token endpoint, access_type=offline")
    func google() throws {
        let p = try preset("google")
        #expect(p.issuer == "https://accounts.google.com")
        #expect(p.authorizationEndpoint == "https://accounts.google.com/o/oauth2/v2/auth")
        #expect(p.tokenEndpoint == "https://oauth2.googleapis.com/token")
        #expect(p.authorizationParameters.contains(FormField("access_type", "offline")))
        #expect(p.pkce == .s256)
    }

    @Test("Microsoft: tenant parameter defaulting to common, v2.0 endpoints, string expires_in")
    func microsoft() throws {
        let p = try preset("microsoft")
        let tenant = try #require(p.parameters.first { $0.name == "tenant" })
        #expect(tenant.defaultValue == "common")
        #expect(p.issuer == "https://login.microsoftonline.com/{tenant}/v2.0")
        #expect(p.authorizationEndpoint == "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize")
        #expect(p.tokenEndpoint == "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")
        #expect(p.quirks.contains(.expectsStringExpiresIn))
        #expect(p.redirectRule == .loopbackAnyPort)
    }

    @Test("oidc: everything from discovery of a required issuer")
    func oidc() throws {
        let p = try preset("oidc")
        #expect(p.issuer == "{issuer}")
        #expect(p.needsDiscovery)
        let issuer = try #require(p.parameters.first { $0.name == "issuer" })
        #expect(issuer.defaultValue == nil)
        #expect(p.defaultScope?.split(separator: " ").contains("openid") == true)
    }

    // MARK: - resolved(parameters:)

    @Test("resolved fills {tenant} with the default, or with the value given, everywhere")
    func resolvesTenant() throws {
        let p = try preset("microsoft")
        let byDefault = try p.resolved(parameters: [:])
        #expect(byDefault.tokenEndpoint == "https://login.microsoftonline.com/common/oauth2/v2.0/token")
        #expect(byDefault.issuer == "https://login.microsoftonline.com/common/v2.0")

        let contoso = try p.resolved(parameters: ["tenant": "contoso.onmicrosoft.com"])
        #expect(contoso.authorizationEndpoint == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
        for (label, url) in contoso.endpoints {
            #expect(!url.contains("{"), "\(label) still has a placeholder: \(url)")
        }
        // Resolving a resolved preset changes nothing: the values used became the defaults.
        #expect(try contoso.resolved(parameters: [:]) == contoso)
    }

    @Test("a required parameter without a value is an error that names the flag to pass")
    func missingParameter() throws {
        let oidc = try preset("oidc")
        #expect(throws: PresetError.self) { try oidc.resolved(parameters: [:]) }
        do {
            _ = try oidc.resolved(parameters: ["issuer": "  "])
            Issue.record("a blank issuer was accepted")
        } catch {
            guard case .missingParameter(let name, let parameter, _, _) = error else { Issue.record("\(error)"); return }
            #expect(name == "oidc")
            #expect(parameter == "issuer")
            #expect(error.description.contains("--preset oidc needs --issuer"))
        }

        let custom = ProviderPreset(name: "regional", displayName: "Regional", tokenEndpoint: "https://{region}.example.com/token",
                                    tokenAuth: .clientSecretBasic, parameters: [PresetParameter(name: "region", help: "the data region")])
        do {
            _ = try custom.resolved(parameters: [:])
            Issue.record("a missing region was accepted")
        } catch {
            #expect(error.description.contains("--preset regional needs --preset-param region="))
            #expect(error.description.contains("the data region"))
        }
        #expect(try custom.resolved(parameters: ["region": "eu"]).tokenEndpoint == "https://eu.example.com/token")
    }

    @Test("a value that would change the shape of a URL, or a parameter the preset does not take, is refused")
    func refusedValues() throws {
        let ms = try preset("microsoft")
        for bad in ["evil.example/x", "common?x=1", "a#b", "contoso@evil.example"] {
            do {
                _ = try ms.resolved(parameters: ["tenant": bad])
                Issue.record("tenant \(bad) was accepted")
            } catch {
                guard case .invalidParameter = error else { Issue.record("\(error)"); continue }
                #expect(error.description.contains("--preset-param tenant"))
            }
        }
        do {
            _ = try ms.resolved(parameters: ["tennant": "common"])
            Issue.record("a misspelt parameter was accepted")
        } catch {
            guard case .unknownParameter(_, let parameter, let known) = error else { Issue.record("\(error)"); return }
            #expect(parameter == "tennant")
            #expect(known == ["tenant"])
        }
        let oidc = try preset("oidc")
        #expect(throws: PresetError.self) { try oidc.resolved(parameters: ["issuer": "http://idp.example.com"]) }
        #expect(throws: PresetError.self) { try oidc.resolved(parameters: ["issuer": "not a url"]) }
        // A local development issuer on loopback may use plain http.
        #expect(try oidc.resolved(parameters: ["issuer": "http://127.0.0.1:8080/realms/dev"]).issuer == "http://127.0.0.1:8080/realms/dev")
    }

    @Test("every endpoint of every preset is an absolute https URL once resolved")
    func endpointsAreHTTPS() throws {
        for p in ProviderPresets.all {
            let r = try p.resolved(parameters: Self.sampleParameters[p.name] ?? [:])
            #expect(!r.endpoints.isEmpty, "\(p.name) has no endpoint at all")
            for (label, text) in r.endpoints {
                let c = URLComponents(string: text)
                #expect(c?.scheme == "https", "\(p.name) \(label): \(text)")
                #expect(c?.host?.isEmpty == false, "\(p.name) \(label): \(text)")
                #expect(URL(string: text) != nil, "\(p.name) \(label): \(text)")
            }
            if !r.needsDiscovery {
                #expect(r.authorizationEndpoint != nil && r.tokenEndpoint != nil)
            } else {
                #expect(r.issuer != nil, "\(p.name) needs discovery but has no issuer")
            }
        }
    }

    // MARK: - rebased(onto:)

    @Test("rebased keeps path and query and changes only scheme, host and port")
    func rebasedKeepsPaths() throws {
        let base = try #require(URL(string: "http://127.0.0.1:54321/ignored/path"))
        let withQuery = ProviderPreset(name: "q", displayName: "Q", authorizationEndpoint: "https://idp.example.com:8443/oauth/authorize?tenant=a&x=1",
                                       tokenEndpoint: "https://api.example.com/v1/token", tokenAuth: .clientSecretBasic)
        var presets = [withQuery]
        for p in ProviderPresets.all { presets.append(try p.resolved(parameters: Self.sampleParameters[p.name] ?? [:])) }
        for original in presets {
            let moved = original.rebased(onto: base)
            #expect(moved.endpoints.count == original.endpoints.count)
            for ((label, before), (_, after)) in zip(original.endpoints, moved.endpoints) {
                let b = try #require(URLComponents(string: before))
                let a = try #require(URLComponents(string: after), "\(original.name) \(label) rebased to \(after)")
                #expect(a.scheme == "http")
                #expect(a.host == "127.0.0.1")
                #expect(a.port == 54321)
                #expect(a.percentEncodedPath == b.percentEncodedPath, "\(original.name) \(label)")
                #expect(a.percentEncodedQuery == b.percentEncodedQuery, "\(original.name) \(label)")
            }
            // Nothing else moves.
            #expect(moved.tokenAuth == original.tokenAuth && moved.tokenBody == original.tokenBody)
            #expect(moved.authorizationParameters == original.authorizationParameters)
        }
        #expect(withQuery.rebased(onto: base).authorizationEndpoint == "http://127.0.0.1:54321/oauth/authorize?tenant=a&x=1")
    }

    @Test("rebased works on templates and IPv6 loopback, and keeps each preset's endpoints apart")
    func rebasedTemplates() throws {
        let ms = try preset("microsoft")
        let v6 = try #require(URL(string: "http://[::1]:9000"))
        let moved = ms.rebased(onto: v6)
        #expect(moved.tokenEndpoint == "http://[::1]:9000/{tenant}/oauth2/v2.0/token")
        #expect(try moved.resolved(parameters: [:]).issuer == "http://[::1]:9000/common/v2.0")

        // One loopback server imitates a whole preset, so two endpoints must not land on the same path.
        let base = try #require(URL(string: "http://127.0.0.1:1"))
        for p in ProviderPresets.all {
            let r = try p.resolved(parameters: Self.sampleParameters[p.name] ?? [:]).rebased(onto: base)
            // A follow-up that is the userinfo endpoint itself (GitHub's /user) is the same endpoint, not a collision.
            let urls = r.endpoints.filter { $0.label != "issuer" && !($0.label.hasPrefix("follow-up") && $0.url == r.userinfoEndpoint) }.map(\.url)
            #expect(Set(urls).count == urls.count, "\(p.name) has colliding endpoints once rebased: \(urls)")
        }
    }

    // MARK: - Redirect rules

    @Test("prefix rule: the registered URL and paths under it pass")
    func prefixAccepts() {
        let registered = "http://127.0.0.1:8765/callback"
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: registered) == nil)
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: "http://127.0.0.1:8765/callback/bitbucket") == nil)
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: "http://127.0.0.1:8765/", sent: "http://127.0.0.1:8765/anything/below") == nil)
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: "HTTP://LocalHost:8765/cb", sent: "http://localhost:8765/cb/x") == nil)
        // Without the registered callback there is nothing to compare with.
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: nil, sent: registered) == nil)
    }

    @Test("prefix rule: a sibling path, another host or another port is refused, and the finding says what to change")
    func prefixRefuses() throws {
        let registered = "http://127.0.0.1:8765/callback"
        let sibling = try #require(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: "http://127.0.0.1:8765/callback2"))
        #expect(sibling.severity == .error)
        #expect(sibling.code == "redirect.prefix_mismatch")
        #expect(sibling.message.contains("--redirect-uri \(registered)"))
        #expect(sibling.message.contains("/callback2"))

        let otherHost = try #require(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: "http://evil.example:8765/callback"))
        #expect(otherHost.message.contains("same scheme, host and port"))
        #expect(otherHost.message.contains("--redirect-uri"))

        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: "http://127.0.0.1:9999/callback") != nil)
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: "https://127.0.0.1:8765/callback") != nil)
        #expect(RedirectRuleCheck.explain(rule: .prefix, registered: registered, sent: "http://127.0.0.1:8765/") != nil)

        // A public registered callback cannot reach oauthscope's loopback listener; the finding says so.
        let publicCallback = try #require(RedirectRuleCheck.explain(rule: .prefix, registered: "https://app.example.com/oauth", sent: "http://127.0.0.1:8765/callback"))
        #expect(publicCallback.message.contains("loopback"))
    }

    @Test("exact and loopback-any-port rules")
    func exactAndLoopback() throws {
        let registered = "http://127.0.0.1:8765/callback"
        #expect(RedirectRuleCheck.explain(rule: .exact, registered: registered, sent: registered) == nil)
        let port = try #require(RedirectRuleCheck.explain(rule: .exact, registered: registered, sent: "http://127.0.0.1:9000/callback"))
        #expect(port.message.contains("port"))
        #expect(RedirectRuleCheck.explain(rule: .exact, registered: registered, sent: "http://127.0.0.1:8765/callback/x") != nil)

        #expect(RedirectRuleCheck.explain(rule: .loopbackAnyPort, registered: registered, sent: "http://127.0.0.1:9000/callback") == nil)
        #expect(RedirectRuleCheck.explain(rule: .loopbackAnyPort, registered: "http://localhost/auth", sent: "http://localhost:51234/auth") == nil)
        #expect(RedirectRuleCheck.explain(rule: .loopbackAnyPort, registered: registered, sent: "http://127.0.0.1:9000/other") != nil)
        #expect(RedirectRuleCheck.explain(rule: .loopbackAnyPort, registered: "https://app.example.com:8443/cb", sent: "https://app.example.com:9443/cb") != nil)
        let invalid = try #require(RedirectRuleCheck.explain(rule: .exact, registered: nil, sent: "not a uri"))
        #expect(invalid.code == "redirect.invalid")
    }

    // MARK: - Notes, quirks and the existing builders

    @Test("every note is info, cites where it comes from, and every quirk has its own finding code")
    func notesAndQuirks() throws {
        for p in ProviderPresets.all {
            #expect(!p.notes.isEmpty, "\(p.name) has no notes")
            for n in p.notes {
                #expect(n.severity == .info, "\(p.name) \(n.code)")
                let ref = try #require(n.ref, "\(p.name) \(n.code) has no ref")
                #expect(ref.hasPrefix("https://") || ref.hasPrefix("RFC ") || ref.hasPrefix("OIDC "), "\(p.name) \(n.code): \(ref)")
            }
            #expect(p.startFindings.count == p.notes.count + p.quirks.count)
            if p.name != "oidc" {
                #expect(p.notes.contains { $0.ref?.hasPrefix("https://") == true }, "\(p.name) cites no documentation page")
            }
        }
        let quirks: [PresetQuirk] = [.expectsStringExpiresIn, .formEncodedTokenResponseUnlessJSON, .errorsWithStatus200, .extraTokenResponseFields(["a"]),
                                     .rotatingRefreshTokens, .noOpenIDConnect, .commaSeparatedScopes, .pkceUndocumented, .redirectURIOptional, .multiTenantIssuerTemplate]
        #expect(Set(quirks.map(\.code)).count == quirks.count)
        #expect(PresetQuirk.extraTokenResponseFields(["address", "chain"]).explanation.contains("address, chain"))
    }

    @Test("a preset's parameters go through the existing request builders unchanged")
    func presetsDriveBuilders() throws {
        let atlassian = try preset("atlassian")
        let authorizeText = try #require(atlassian.authorizationEndpoint)
        let endpoint = try #require(URL(string: authorizeText))
        let request = AuthorizationRequest(endpoint: endpoint, clientID: "cid", redirectURI: "http://127.0.0.1:8765/callback", scope: atlassian.defaultScope,
                                           state: "s", nonce: nil, pkce: nil, extraParameters: atlassian.authorizationParameters)
        let query = try #require(URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems)
        #expect(query.contains(URLQueryItem(name: "audience", value: "api.atlassian.com")))
        #expect(query.contains(URLQueryItem(name: "prompt", value: "consent")))

        let bitbadges = try preset("bitbadges")
        let tokenText = try #require(bitbadges.tokenEndpoint)
        let tokenURL = try #require(URL(string: tokenText))
        let builder = TokenRequestBuilder(tokenEndpoint: tokenURL,
                                          credentials: ClientCredentials(clientID: "cid", clientSecret: Secret("shh"), method: bitbadges.tokenAuth),
                                          bodyEncoding: bitbadges.tokenBody, extraHeaders: bitbadges.tokenHeaders + [FormField("x-api-key", "k")])
        let spec = builder.authorizationCode(code: "c0de", redirectURI: "http://127.0.0.1:8765/callback", codeVerifier: nil)
        let body = try #require(JSONValue.parse(spec.body))
        #expect(body["client_secret"]?.stringValue == "shh")
        #expect(body["code"]?.stringValue == "c0de")
        #expect(body["grant_type"]?.stringValue == "authorization_code")
        #expect(spec.headers.contains(FormField("x-api-key", "k")))
        #expect(spec.headers.contains(FormField("Content-Type", "application/json")))
    }

    @Test("the doctor's skips name real probes: a provider without OpenID Connect skips the ID-token and metadata probes, GitHub also the refresh one")
    func doctorSkips() {
        let ids = Set(ProbeCatalogue.all.map(\.id))
        for preset in ProviderPresets.all {
            for (probe, why) in preset.doctorSkips {
                #expect(ids.contains(probe), "\(preset.name) skips an unknown probe \(probe)")
                #expect(!why.isEmpty)
            }
            let oidc = !preset.quirks.contains(.noOpenIDConnect)
            #expect((preset.doctorSkips[ProbeCatalogue.idTokenAlgAllowed.id] == nil) == oidc, "\(preset.name)")
        }
        #expect(ProviderPresets.github.doctorSkips[ProbeCatalogue.refreshRotated.id] != nil)
        #expect(ProviderPresets.atlassian.doctorSkips[ProbeCatalogue.refreshRotated.id] == nil, "Atlassian rotates refresh tokens: the probe applies")
    }
}

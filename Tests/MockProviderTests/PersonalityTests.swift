import Foundation
import NIOHTTP1
import OAuthCore
import Testing
@testable import MockProvider

/// A whole flow as oauthscope runs it from a preset: the preset is resolved, rebased onto the running provider,
/// and every request is built by OAuthCore's own builders, so these tests also hold the presets to what the
/// imitations serve.
struct PresetFlow {
    var preset: ProviderPreset
    var metadata: ProviderMetadata?
    var request: AuthorizationRequest
    var callback: [FormField]
    var code: String
    var tokenRequest: HTTPRequestSpec
    var tokenReply: ProviderHarness.Reply
    var outcome: TokenResponseOutcome

    var tokens: TokenSet? {
        if case .success(let set, _) = outcome { return set }
        return nil
    }

    /// Runs the flow up to and including the token response; the caller checks the outcome.
    static func run(
        _ h: ProviderHarness, preset name: String, parameters: [String: String] = [:], scope: String? = nil,
        extraAuthorizationParameters: [FormField] = [], tokenHeaders: [FormField] = []
    ) async throws -> PresetFlow {
        var given = parameters
        if name == "oidc" { given["issuer"] = h.base }
        let preset = try ProviderPresets.require(name).resolved(parameters: given).rebased(onto: h.issuer)

        var metadata: ProviderMetadata?
        if let issuer = preset.issuer {
            let url = try #require(ProviderMetadata.discoveryURLs(issuer: issuer).first)
            let reply = try await h.get(url.absoluteString)
            #expect(reply.status == 200, "discovery at \(url)")
            metadata = try ProviderMetadata.parse(body: reply.body, expectedIssuer: issuer).get().0
        }
        let authorizationEndpoint = try #require(preset.authorizationEndpoint.flatMap(URL.init(string:)) ?? metadata?.authorizationEndpoint)
        let tokenEndpoint = try #require(preset.tokenEndpoint.flatMap(URL.init(string:)) ?? metadata?.tokenEndpoint)

        let scope = scope ?? preset.defaultScope
        let wantsOIDC = scope?.split(separator: " ").contains("openid") == true
        let request = AuthorizationRequest(
            endpoint: authorizationEndpoint, clientID: MockClient.demo.id, redirectURI: MockClient.demo.redirectURIs[0],
            scope: scope, state: AuthorizationRequest.newState(), nonce: wantsOIDC ? AuthorizationRequest.newNonce() : nil,
            pkce: preset.pkce.map { PKCE.generate(method: $0) },
            extraParameters: preset.authorizationParameters + extraAuthorizationParameters
        )
        let redirect = try await h.get(request.url.absoluteString)
        #expect(redirect.status == 302, "authorization: \(redirect.body)")
        let callback = redirect.locationQuery
        #expect(callback.first("state") == request.state)
        let code = try #require(callback.first("code"), "callback: \(redirect.header("location") ?? "none")")

        let builder = TokenRequestBuilder(
            tokenEndpoint: tokenEndpoint,
            credentials: ClientCredentials(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret.map(Secret.init), method: preset.tokenAuth),
            bodyEncoding: preset.tokenBody,
            extraHeaders: preset.tokenHeaders + tokenHeaders
        )
        let spec = builder.authorizationCode(code: code, redirectURI: request.redirectURI, codeVerifier: request.pkce?.verifier.value)
        let reply = try await h.send(spec)
        let outcome = TokenResponseParser.parse(status: reply.status, headers: reply.headers.map { FormField($0.0, $0.1) }, body: reply.body)
        return PresetFlow(preset: preset, metadata: metadata, request: request, callback: callback, code: code, tokenRequest: spec, tokenReply: reply, outcome: outcome)
    }

    /// The token request builder of this flow, for refreshes.
    var builder: TokenRequestBuilder {
        TokenRequestBuilder(
            tokenEndpoint: tokenRequest.url,
            credentials: ClientCredentials(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret.map(Secret.init), method: preset.tokenAuth),
            bodyEncoding: preset.tokenBody,
            extraHeaders: tokenRequest.headers.filter { !["content-type", "accept", "authorization"].contains($0.name.lowercased()) }
        )
    }
}

extension ProviderHarness {
    func send(_ spec: HTTPRequestSpec) async throws -> Reply {
        try await send(HTTPMethod(rawValue: spec.method), spec.url.absoluteString, headers: spec.headers.map { ($0.name, $0.value) }, body: spec.body.isEmpty ? nil : spec.body)
    }

    /// The `x-api-key` header the bitbadges personality wants.
    static let apiKeyHeader = FormField("x-api-key", MockProviderConfiguration.demoAPIKey)
}

@Suite("Personalities")
struct PersonalityTests {
    static func personality(_ p: MockPersonality, _ more: @escaping (inout MockProviderConfiguration) -> Void = { _ in }) -> (inout MockProviderConfiguration) -> Void {
        { configuration in
            configuration.personality = p
            configuration.autoApprove = true
            more(&configuration)
        }
    }

    static let basic = HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret ?? "")

    @Test("every personality is named like a preset, and every preset has a personality")
    func namesMatchPresets() {
        #expect(Set(MockPersonality.allCases.map(\.rawValue)) == Set(ProviderPresets.all.map(\.name)))
        #expect(MockPersonality(name: "GitHub") == .github)
        #expect(MockProviderConfiguration().personality == .oidc)
        for p in MockPersonality.allCases {
            #expect(!p.routes.isEmpty)
            #expect(!p.summary.isEmpty)
        }
        #expect(MockPersonality.microsoft.routes.contains("POST /{tenant}/oauth2/v2.0/token"))
    }

    // MARK: - Whole flows from the presets

    @Test("each preset, rebased onto the provider, runs a whole flow and its token reaches the provider's API", arguments: MockPersonality.allCases)
    func wholeFlow(personality: MockPersonality) async throws {
        try await ProviderHarness.with(Self.personality(personality)) { h in
            let headers = personality == .bitbadges ? [ProviderHarness.apiKeyHeader] : []
            let flow = try await PresetFlow.run(h, preset: personality.rawValue, tokenHeaders: headers)
            #expect(flow.tokenReply.status == 200, "\(flow.tokenReply.body)")
            let tokens = try #require(flow.tokens, "\(flow.outcome)")
            let access = tokens.accessToken.value

            // The body went the way the preset says.
            let contentType = flow.tokenRequest.headers.first { $0.name == "Content-Type" }?.value
            #expect(contentType == (flow.preset.tokenBody == .json ? "application/json" : "application/x-www-form-urlencoded"))

            // The ID token, where there is one, passes every check of the relying party.
            if let idToken = tokens.idToken?.value {
                let metadata = try #require(flow.metadata)
                let jwks = try await h.get(try #require(metadata.jwksURI).absoluteString).body
                let signature = await IDTokenSignature.verify(token: idToken, jwksJSON: jwks, allowedAlgorithms: IDTokenSignature.defaultAllowed)
                #expect(signature.ok, "\(signature.detail)")
                let checks = IDTokenClaimChecks.run(try DecodedJWT(idToken), IDTokenExpectations(
                    issuer: flow.preset.issuer, clientID: MockClient.demo.id, nonce: flow.request.nonce, accessToken: access))
                #expect(checks.filter { !$0.ok }.isEmpty, "\(checks.filter { !$0.ok })")
                #expect(checks.contains { $0.name == "nonce" })
            } else {
                #expect(![MockPersonality.oidc, .google, .microsoft].contains(personality), "an OIDC personality issued no ID token")
            }

            // The access token works at the personality's API, and another one does not.
            func callAPI(_ token: String) async throws -> ProviderHarness.Reply {
                let bearer = [("Authorization", "Bearer \(token)")]
                switch personality {
                case .bitbadges:
                    let status = try #require(flow.preset.followUps.first { $0.name == "status" })
                    return try await h.send(.POST, status.url, headers: bearer + [("x-api-key", MockProviderConfiguration.demoAPIKey), ("Content-Type", "application/json")], body: "{}")
                case .oidc:
                    return try await h.get(try #require(flow.metadata?.userinfoEndpoint).absoluteString, headers: bearer)
                default:
                    return try await h.get(try #require(flow.preset.userinfoEndpoint), headers: bearer)
                }
            }
            let api = try await callAPI(access)
            #expect(api.status == 200, "\(api.body)")
            let forged = try await callAPI("not-a-token")
            if personality == .bitbadges {
                #expect(api.json?["signedIn"] == .bool(true))
                #expect(forged.json?["signedIn"] == .bool(false))
            } else {
                #expect(forged.status == 401, "\(forged.body)")
            }
        }
    }

    @Test("a personality serves its own paths and no other's", arguments: [
        (MockPersonality.github, "/.well-known/openid-configuration"),
        (.github, "/token"),
        (.oidc, "/login/oauth/authorize"),
        (.bitbucket, "/authorize"),
        (.microsoft, "/authorize"),
        (.google, "/authorize"),
        (.atlassian, "/jwks"),
        (.bitbadges, "/oauth/token"),
    ])
    func onlyOwnPaths(personality: MockPersonality, path: String) async throws {
        try await ProviderHarness.with(Self.personality(personality)) { h in
            let get = try await h.get(path + "?" + ProviderHarness.Authorization().query)
            let post = try await h.postForm(path, [("grant_type", "authorization_code")])
            #expect(get.status == 404)
            #expect(post.status == 404)
        }
    }

    // MARK: - Bitbucket

    @Test("bitbucket: a redirect_uri outside the callback URL gets a page explaining the prefix rule", arguments: [
        "http://127.0.0.1:8765/other",
        "http://127.0.0.1:8765/callback2",
        "http://127.0.0.1:9999/callback",
        "http://localhost:8765/callback",
    ])
    func bitbucketRedirectPrefix(redirectURI: String) async throws {
        try await ProviderHarness.with(Self.personality(.bitbucket)) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.redirectURI = redirectURI
            let reply = try await h.get("/site/oauth2/authorize?" + authorization.query)
            #expect(reply.status == 400)
            #expect(reply.header("location") == nil)
            #expect(reply.body.contains("does not extend the callback URL"))
            #expect(reply.body.contains("the callback URL itself or a path under it"))
            #expect(reply.body.contains("http://127.0.0.1:8765/callback/function"))
        }
    }

    @Test("bitbucket: a path under the callback URL is accepted, and without redirect_uri the callback URL is used")
    func bitbucketRedirectAccepted() async throws {
        try await ProviderHarness.with(Self.personality(.bitbucket)) { h in
            var under = ProviderHarness.Authorization()
            under.redirectURI = "http://127.0.0.1:8765/callback/deeper/still"
            let reply = try await h.get("/site/oauth2/authorize?" + under.query)
            #expect(reply.status == 302)
            #expect(reply.header("location")?.hasPrefix("http://127.0.0.1:8765/callback/deeper/still?code=") == true)

            let without = ProviderHarness.Authorization().parameters.filter { $0.0 != "redirect_uri" }
            let plain = try await h.get("/site/oauth2/authorize?" + FormURLEncoded.encode(without.map { FormField($0.0, $0.1) }))
            #expect(plain.header("location")?.hasPrefix("http://127.0.0.1:8765/callback?code=") == true)
            #expect(plain.locationQuery.first("iss") == nil, "Bitbucket does not send RFC 9207 iss")
        }
    }

    @Test("bitbucket: the token endpoint wants HTTP Basic, and answers with scopes and the grant in state")
    func bitbucketTokenEndpoint() async throws {
        try await ProviderHarness.with(Self.personality(.bitbucket)) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try #require(try await h.get("/site/oauth2/authorize?" + authorization.query).locationQuery.first("code"))
            let grant = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", authorization.redirectURI), ("code_verifier", authorization.pkce.verifier.value)]
            let inBody = try await h.postForm("/site/oauth2/access_token", grant + [("client_id", MockClient.demo.id), ("client_secret", MockClient.demo.secret ?? "")])
            #expect(inBody.status == 401)
            #expect(inBody.json?["error"]?.stringValue == "invalid_client")
            #expect(inBody.json?["error_description"]?.stringValue?.contains("HTTP Basic") == true)

            let reply = try await h.postForm("/site/oauth2/access_token", grant, headers: [("Authorization", Self.basic)])
            #expect(reply.status == 200)
            let json = try #require(reply.json)
            #expect(json["token_type"]?.stringValue == "bearer")
            #expect(json["scopes"]?.stringValue == "openid profile email")
            #expect(json["state"]?.stringValue == "authorization_code")
            let refresh = try #require(json["refresh_token"]?.stringValue)

            // Bitbucket's refresh tokens do not rotate: the same one comes back and keeps working.
            for _ in 0..<2 {
                let refreshed = try await h.postForm("/site/oauth2/access_token", [("grant_type", "refresh_token"), ("refresh_token", refresh)], headers: [("Authorization", Self.basic)])
                #expect(refreshed.status == 200)
                #expect(refreshed.json?["refresh_token"]?.stringValue == refresh)
                #expect(refreshed.json?["state"]?.stringValue == "refresh_token")
            }
        }
    }

    // MARK: - BitBadges

    @Test("bitbadges: a token request without x-api-key, or with a wrong one, is 401 with a JSON error that says so")
    func bitbadgesAPIKey() async throws {
        try await ProviderHarness.with(Self.personality(.bitbadges)) { h in
            let missing = try await PresetFlow.run(h, preset: "bitbadges")
            #expect(missing.tokenReply.status == 401)
            #expect(missing.tokenReply.header("content-type") == "application/json")
            let body = try #require(missing.tokenReply.json)
            #expect(body["errorMessage"]?.stringValue?.contains("x-api-key header is missing") == true)
            #expect(body["error"]?.stringValue == "unauthorized")
            guard case .error(let error, let status, _) = missing.outcome else {
                Issue.record("not an error: \(missing.outcome)")
                return
            }
            #expect(status == 401)
            #expect(error.description?.contains("x-api-key") == true)

            let wrong = try await PresetFlow.run(h, preset: "bitbadges", tokenHeaders: [FormField("x-api-key", "nope")])
            #expect(wrong.tokenReply.status == 401)
            #expect(wrong.tokenReply.json?["errorMessage"]?.stringValue?.contains("not hold a valid") == true)

            // The code survived both refusals: the API key is checked before anything else.
            let retry = try await h.send(.POST, wrong.tokenRequest.url.absoluteString,
                                         headers: wrong.tokenRequest.headers.map { ($0.name, $0.value) }.filter { $0.0 != "x-api-key" } + [("x-api-key", MockProviderConfiguration.demoAPIKey)],
                                         body: wrong.tokenRequest.body)
            #expect(retry.status == 200, "\(retry.body)")
        }
    }

    @Test("bitbadges: the token request must be JSON with the secret in it; the response carries the address")
    func bitbadgesTokenShape() async throws {
        try await ProviderHarness.with(Self.personality(.bitbadges)) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try #require(try await h.get("/siwbb/authorize?" + authorization.query).locationQuery.first("code"))
            let fields = [("code", code), ("grant_type", "authorization_code"), ("client_id", MockClient.demo.id),
                          ("client_secret", MockClient.demo.secret ?? ""), ("redirect_uri", authorization.redirectURI),
                          ("code_verifier", authorization.pkce.verifier.value)]
            let form = try await h.postForm("/api/v0/siwbb/token", fields, headers: [("x-api-key", MockProviderConfiguration.demoAPIKey)])
            #expect(form.status == 400)
            #expect(form.json?["errorMessage"]?.stringValue?.contains("JSON") == true)

            let json = JSONValue.object(fields.map { ($0.0, .string($0.1)) }).serialized()
            let reply = try await h.send(.POST, "/api/v0/siwbb/token", headers: [("Content-Type", "application/json"), ("x-api-key", MockProviderConfiguration.demoAPIKey)], body: json)
            #expect(reply.status == 200, "\(reply.body)")
            let body = try #require(reply.json)
            #expect(body["address"]?.stringValue?.hasPrefix("0x") == true)
            #expect(body["address"]?.stringValue?.count == 42)
            #expect(body["chain"]?.stringValue == "Ethereum")
            #expect(body["bitbadgesAddress"]?.stringValue?.hasPrefix("bb1") == true)
            let expiresAt = try #require(body["access_token_expires_at"]?.numberValue)
            #expect(abs(expiresAt - (Date().timeIntervalSince1970 + 3600) * 1000) < 60_000, "UNIX milliseconds")
            #expect(body["refresh_token_expires_at"]?.numberValue != nil)
            #expect(body["id_token"] == nil)
        }
    }

    @Test("bitbadges: a code can still be exchanged 29 minutes later")
    func bitbadgesCodeLifetime() async throws {
        let clock = ManualClock()
        try await ProviderHarness.with(Self.personality(.bitbadges), now: { clock.now }) { h in
            let authorization = ProviderHarness.Authorization()
            let code = try #require(try await h.get("/siwbb/authorize?" + authorization.query).locationQuery.first("code"))
            clock.advance(by: 29 * 60)
            let json = JSONValue.object([
                ("code", .string(code)), ("grant_type", .string("authorization_code")), ("client_id", .string(MockClient.demo.id)),
                ("client_secret", .string(MockClient.demo.secret ?? "")), ("redirect_uri", .string(authorization.redirectURI)),
                ("code_verifier", .string(authorization.pkce.verifier.value)),
            ]).serialized()
            let reply = try await h.send(.POST, "/api/v0/siwbb/token", headers: [("Content-Type", "application/json"), ("x-api-key", MockProviderConfiguration.demoAPIKey)], body: json)
            #expect(reply.status == 200, "\(reply.body)")
        }
    }

    @Test("bitbadges: revocation takes the token in JSON with the API key and client credentials")
    func bitbadgesRevoke() async throws {
        try await ProviderHarness.with(Self.personality(.bitbadges)) { h in
            let flow = try await PresetFlow.run(h, preset: "bitbadges", tokenHeaders: [ProviderHarness.apiKeyHeader])
            let access = try #require(flow.tokens?.accessToken.value)
            let revoke = try #require(flow.preset.revocationEndpoint)
            let body = JSONValue.object([("token", .string(access)), ("client_id", .string(MockClient.demo.id)), ("client_secret", .string(MockClient.demo.secret ?? ""))]).serialized()
            let noKey = try await h.send(.POST, revoke, headers: [("Content-Type", "application/json")], body: body)
            #expect(noKey.status == 401)
            let reply = try await h.send(.POST, revoke, headers: [("Content-Type", "application/json"), ("x-api-key", MockProviderConfiguration.demoAPIKey)], body: body)
            #expect(reply.status == 200)
            let status = try await h.send(.POST, "/api/v0/auth/status", headers: [("Authorization", "Bearer \(access)"), ("x-api-key", MockProviderConfiguration.demoAPIKey)], body: "{}")
            #expect(status.json?["signedIn"] == .bool(false))
        }
    }

    // MARK: - Atlassian

    @Test("atlassian: an authorization request without audience, or without prompt=consent, fails", arguments: ["audience", "prompt"])
    func atlassianRequiredParameters(missing: String) async throws {
        try await ProviderHarness.with(Self.personality(.atlassian)) { h in
            let authorization = ProviderHarness.Authorization()
            var parameters = authorization.parameters + [("audience", "api.atlassian.com"), ("prompt", "consent")]
            parameters.removeAll { $0.0 == missing }
            let reply = try await h.get("/authorize?" + FormURLEncoded.encode(parameters.map { FormField($0.0, $0.1) }))
            #expect(reply.status == 302)
            let query = reply.locationQuery
            #expect(query.first("code") == nil)
            #expect(query.first("error") == "invalid_request")
            #expect(query.first("error_description")?.contains("\(missing) is missing") == true)
            #expect(query.first("state") == authorization.state)

            var wrong = authorization.parameters + [("audience", "api.example.com"), ("prompt", "consent")]
            if missing == "prompt" { wrong = authorization.parameters + [("audience", "api.atlassian.com"), ("prompt", "login")] }
            let wrongReply = try await h.get("/authorize?" + FormURLEncoded.encode(wrong.map { FormField($0.0, $0.1) }))
            #expect(wrongReply.locationQuery.first("error") == "invalid_request")
        }
    }

    @Test("atlassian: offline_access gives rotating refresh tokens; the used one is disabled")
    func atlassianRefreshRotates() async throws {
        try await ProviderHarness.with(Self.personality(.atlassian)) { h in
            let flow = try await PresetFlow.run(h, preset: "atlassian", scope: "read:me read:jira-work offline_access")
            let tokens = try #require(flow.tokens)
            let first = try #require(tokens.refreshToken?.value)

            let second = try await h.send(flow.builder.refresh(refreshToken: first))
            #expect(second.status == 200, "\(second.body)")
            #expect(second.json?["access_token"]?.stringValue != tokens.accessToken.value)
            let rotated = try #require(second.json?["refresh_token"]?.stringValue)
            #expect(rotated != first)

            let replay = try await h.send(flow.builder.refresh(refreshToken: first))
            #expect(replay.status == 400)
            #expect(replay.json?["error"]?.stringValue == "invalid_grant")
            #expect(try await h.send(flow.builder.refresh(refreshToken: rotated)).status == 200)
        }
    }

    @Test("atlassian: without offline_access there is no refresh token; the token lists its sites")
    func atlassianNoOfflineAccess() async throws {
        try await ProviderHarness.with(Self.personality(.atlassian)) { h in
            let flow = try await PresetFlow.run(h, preset: "atlassian", scope: "read:me read:jira-work")
            let tokens = try #require(flow.tokens)
            #expect(tokens.refreshToken == nil)
            #expect(flow.tokenReply.json?["scope"]?.stringValue == "read:me read:jira-work")

            let resources = try #require(flow.preset.followUps.first { $0.name == "accessible-resources" })
            let reply = try await h.get(resources.url, headers: [("Authorization", "Bearer \(tokens.accessToken.value)")])
            #expect(reply.status == 200)
            let site = try #require(reply.json?.arrayValue?.first)
            #expect(site.objectValue?.map(\.0) == ["id", "url", "name", "scopes", "avatarUrl"])
            #expect(site["scopes"] == .array([.string("read:me"), .string("read:jira-work")]))
            #expect(try await h.get(resources.url).status == 401)
        }
    }

    @Test("atlassian: the token request must be JSON")
    func atlassianJSONOnly() async throws {
        try await ProviderHarness.with(Self.personality(.atlassian)) { h in
            let reply = try await h.postForm("/oauth/token", [("grant_type", "authorization_code"), ("code", "x"), ("client_id", MockClient.demo.id), ("client_secret", MockClient.demo.secret ?? "")])
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == "invalid_request")
            #expect(reply.json?["error_description"]?.stringValue?.contains("JSON") == true)
        }
    }

    // MARK: - GitHub

    @Test("github: the token response is form-encoded without Accept: application/json, JSON with it")
    func githubFormEncodedUnlessJSON() async throws {
        try await ProviderHarness.with(Self.personality(.github)) { h in
            let flow = try await PresetFlow.run(h, preset: "github")
            #expect(flow.tokenReply.header("content-type") == "application/json")
            #expect(flow.tokenReply.json?["token_type"]?.stringValue == "bearer")

            let authorization = ProviderHarness.Authorization()
            let code = try #require(try await h.get("/login/oauth/authorize?" + authorization.query).locationQuery.first("code"))
            let reply = try await h.postForm("/login/oauth/access_token", [
                ("client_id", MockClient.demo.id), ("client_secret", MockClient.demo.secret ?? ""), ("code", code),
                ("redirect_uri", authorization.redirectURI), ("code_verifier", authorization.pkce.verifier.value),
            ])
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("application/x-www-form-urlencoded") == true)
            #expect(reply.json == nil)
            let fields = FormURLEncoded.decode(reply.body).fields
            #expect(fields.map(\.name) == ["access_token", "token_type", "scope"])
            #expect(fields.first("access_token")?.hasPrefix("gho_") == true)
            #expect(fields.first("token_type") == "bearer")
            #expect(fields.first("scope") == "openid,profile,email")
            #expect(fields.first("expires_in") == nil)
            #expect(fields.first("refresh_token") == nil)
            #expect(fields.first("id_token") == nil, "GitHub OAuth apps do not speak OpenID Connect")

            let user = try await h.get("/user", headers: [("Authorization", "token \(fields.first("access_token") ?? "")")])
            #expect(user.status == 200)
            #expect(user.json?["login"]?.stringValue == "alice")
        }
    }

    @Test("github: a bad code is bad_verification_code with HTTP 200, form-encoded or JSON")
    func githubErrorsWith200() async throws {
        try await ProviderHarness.with(Self.personality(.github)) { h in
            let fields = [("client_id", MockClient.demo.id), ("client_secret", MockClient.demo.secret ?? ""), ("code", "not-a-code")]
            let form = try await h.postForm("/login/oauth/access_token", fields)
            #expect(form.status == 200)
            let decoded = FormURLEncoded.decode(form.body).fields
            #expect(decoded.first("error") == "bad_verification_code")
            #expect(decoded.first("error_description")?.hasPrefix("The code passed is incorrect or expired.") == true)
            #expect(decoded.first("error_uri")?.hasSuffix("#bad-verification-code") == true)

            let json = try await h.postForm("/login/oauth/access_token", fields, headers: [("Accept", "application/json")])
            #expect(json.status == 200)
            #expect(json.json?["error"]?.stringValue == "bad_verification_code")

            let wrongSecret = try await h.postForm("/login/oauth/access_token", [("client_id", MockClient.demo.id), ("client_secret", "nope"), ("code", "x")], headers: [("Accept", "application/json")])
            #expect(wrongSecret.status == 200)
            #expect(wrongSecret.json?["error"]?.stringValue == "incorrect_client_credentials")
        }
    }

    @Test("github: a redirect_uri outside the callback URL goes back to the callback URL with redirect_uri_mismatch; loopback may change port")
    func githubRedirectRule() async throws {
        try await ProviderHarness.with(Self.personality(.github)) { h in
            var outside = ProviderHarness.Authorization()
            outside.redirectURI = "http://127.0.0.1:8765/elsewhere"
            let reply = try await h.get("/login/oauth/authorize?" + outside.query)
            #expect(reply.status == 302)
            #expect(reply.header("location")?.hasPrefix(MockClient.demo.redirectURIs[0] + "?error=redirect_uri_mismatch") == true)
            #expect(reply.locationQuery.first("state") == outside.state)
            #expect(reply.locationQuery.first("code") == nil)

            var otherPort = ProviderHarness.Authorization()
            otherPort.redirectURI = "http://127.0.0.1:50123/callback/sub"
            let accepted = try await h.get("/login/oauth/authorize?" + otherPort.query)
            #expect(accepted.header("location")?.hasPrefix("http://127.0.0.1:50123/callback/sub?code=") == true)
        }
    }

    // MARK: - Microsoft

    @Test("microsoft: expires_in is a string, and the issuer and every path name the tenant", arguments: ["common", "contoso.onmicrosoft.com"])
    func microsoftTenantAndStringExpiry(tenant: String) async throws {
        try await ProviderHarness.with(Self.personality(.microsoft)) { h in
            let flow = try await PresetFlow.run(h, preset: "microsoft", parameters: ["tenant": tenant])
            #expect(flow.tokenReply.status == 200)
            let body = try #require(flow.tokenReply.json)
            #expect(body["expires_in"] == .string("3599"))
            #expect(body["ext_expires_in"] == .string("3599"))
            guard case .success(let tokens, let findings) = flow.outcome else {
                Issue.record("not a success: \(flow.outcome)")
                return
            }
            #expect(tokens.expiresIn == 3599)
            #expect(findings.contains { $0.code == "token.expires_in_string" })

            let issuer = h.base + "/\(tenant)/v2.0"
            #expect(flow.metadata?.issuer == issuer)
            #expect(flow.tokenRequest.url.absoluteString == h.base + "/\(tenant)/oauth2/v2.0/token")
            let claims = try DecodedJWT(try #require(tokens.idToken?.value)).claims
            #expect(claims["iss"]?.stringValue == issuer)
            #expect(claims["ver"]?.stringValue == "2.0")
            #expect(claims["tid"]?.stringValue == MicrosoftTenant.id)
            #expect(flow.callback.first("session_state") != nil)
            #expect(tokens.refreshToken != nil, "offline_access is in the preset's default scope")
        }
    }

    // MARK: - Google

    @Test("google: a refresh token only with access_type=offline, kept across refreshes; scopes come back as URLs")
    func googleOffline() async throws {
        try await ProviderHarness.with(Self.personality(.google)) { h in
            let offline = try await PresetFlow.run(h, preset: "google")
            let tokens = try #require(offline.tokens)
            let refresh = try #require(tokens.refreshToken?.value)
            #expect(refresh.hasPrefix("1//"))
            #expect(tokens.accessToken.value.hasPrefix("ya29."))
            #expect(tokens.scope == "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile")
            #expect(offline.callback.first("authuser") == "0")
            #expect(try DecodedJWT(try #require(tokens.idToken?.value)).claims["azp"]?.stringValue == MockClient.demo.id)

            for _ in 0..<2 {
                let refreshed = try await h.send(offline.builder.refresh(refreshToken: refresh))
                #expect(refreshed.status == 200)
                #expect(refreshed.json?["refresh_token"] == nil, "Google keeps the refresh token the client holds")
                #expect(refreshed.json?["access_token"] != nil)
            }

            // The same preset without access_type=offline.
            var online = try ProviderPresets.require("google").rebased(onto: h.issuer)
            online.authorizationParameters = []
            let authorization = ProviderHarness.Authorization()
            let code = try #require(try await h.get("/o/oauth2/v2/auth?" + authorization.query).locationQuery.first("code"))
            let reply = try await h.postForm("/token", [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", authorization.redirectURI),
                ("code_verifier", authorization.pkce.verifier.value), ("client_id", MockClient.demo.id), ("client_secret", MockClient.demo.secret ?? ""),
            ])
            #expect(reply.status == 200)
            #expect(reply.json?["refresh_token"] == nil)
            #expect(reply.json?["id_token"] != nil)
            #expect(online.authorizationParameters.isEmpty)
        }
    }

    @Test("google: revoking the refresh token revokes the grant; an unknown token is invalid_token")
    func googleRevoke() async throws {
        try await ProviderHarness.with(Self.personality(.google)) { h in
            let flow = try await PresetFlow.run(h, preset: "google")
            let tokens = try #require(flow.tokens)
            let revoke = try #require(flow.preset.revocationEndpoint)
            let refresh = try #require(tokens.refreshToken?.value)
            #expect(try await h.postForm(revoke, [("token", refresh)]).status == 200)
            let userinfo = try await h.get(try #require(flow.preset.userinfoEndpoint), headers: [("Authorization", "Bearer \(tokens.accessToken.value)")])
            #expect(userinfo.status == 401)
            let again = try await h.postForm(revoke, [("token", refresh)])
            #expect(again.status == 400)
            #expect(again.json?["error"]?.stringValue == "invalid_token")
        }
    }

    @Test("google: an unknown scope is invalid_scope")
    func googleScopes() async throws {
        try await ProviderHarness.with(Self.personality(.google)) { h in
            var authorization = ProviderHarness.Authorization()
            authorization.scope = "openid https://www.googleapis.com/auth/drive.readonly"
            let known = try await h.get("/o/oauth2/v2/auth?" + authorization.query).locationQuery
            #expect(known.first("code") != nil)
            authorization.scope = "openid admin"
            let unknown = try await h.get("/o/oauth2/v2/auth?" + authorization.query).locationQuery
            #expect(unknown.first("error") == "invalid_scope")
        }
    }

    // MARK: - Faults still apply

    @Test("faults apply under a personality: microsoft with wrong-nonce, github with server-error")
    func faultsUnderPersonalities() async throws {
        try await ProviderHarness.with(Self.personality(.microsoft) { $0.faults = [.wrongNonce] }) { h in
            let flow = try await PresetFlow.run(h, preset: "microsoft")
            let claims = try DecodedJWT(try #require(flow.tokens?.idToken?.value)).claims
            #expect(claims["nonce"]?.stringValue != flow.request.nonce)
        }
        try await ProviderHarness.with(Self.personality(.github) { $0.faults = [.serverError] }) { h in
            let flow = try await PresetFlow.run(h, preset: "github")
            #expect(flow.tokenReply.status == 500)
        }
    }
}

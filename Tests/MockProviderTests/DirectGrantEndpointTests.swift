import Foundation
import OAuthCore
import Testing
@testable import MockProvider

/// The token endpoint's client-credentials and token-exchange handlers, and the seeded grants, over HTTP.
@Suite struct DirectGrantEndpointTests {
    static let seeded = SeededGrant(clientID: MockClient.demo.id, accessToken: "seeded-access", refreshToken: "seeded-refresh")
    static let publicClient = MockClient(id: "public-app", secret: nil, redirectURIs: ["http://127.0.0.1/callback"], authMethod: .none)

    static func configure(_ c: inout MockProviderConfiguration) {
        c.seededGrants = [seeded]
        c.clients.append(publicClient)
    }

    static let exchange = GrantType.tokenExchange.wireValue

    @Test("the metadata lists client_credentials and token exchange among grant_types_supported")
    func metadata() async throws {
        try await ProviderHarness.with { h in
            let grants = try await h.get("/.well-known/openid-configuration").json?["grant_types_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(grants.contains("client_credentials") && grants.contains(Self.exchange) && grants.contains("refresh_token"))
        }
    }

    @Test("client credentials: a confidential client gets an access token for itself, and no refresh token")
    func clientCredentials() async throws {
        try await ProviderHarness.with { h in
            let reply = try await h.token([("grant_type", "client_credentials"), ("scope", "api.write")])
            #expect(reply.status == 200)
            #expect(reply.json?["scope"]?.stringValue == "api.write")
            #expect(reply.json?["refresh_token"] == nil && reply.json?["id_token"] == nil)
            #expect(reply.header("cache-control") == "no-store")
        }
    }

    @Test("client credentials: a public client is unauthorized_client; a user's scope is invalid_scope")
    func clientCredentialsRefusals() async throws {
        try await ProviderHarness.with(Self.configure) { h in
            let publicReply = try await h.token([("grant_type", "client_credentials")], client: Self.publicClient)
            #expect(publicReply.status == 400)
            #expect(publicReply.json?["error"]?.stringValue == "unauthorized_client")
            let scoped = try await h.token([("grant_type", "client_credentials"), ("scope", "openid")])
            #expect(scoped.json?["error"]?.stringValue == "invalid_scope")
        }
    }

    @Test("client credentials under fault cc-refresh-token carries a refresh token")
    func ccRefreshFault() async throws {
        try await ProviderHarness.with({ $0.faults = [.ccRefreshToken] }) { h in
            let reply = try await h.token([("grant_type", "client_credentials")])
            #expect(reply.json?["refresh_token"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("a seeded refresh token works once, and rotation retires it")
    func seededRefresh() async throws {
        try await ProviderHarness.with(Self.configure) { h in
            let first = try await h.token([("grant_type", "refresh_token"), ("refresh_token", Self.seeded.refreshToken)])
            #expect(first.status == 200)
            #expect(first.json?["refresh_token"]?.stringValue != Self.seeded.refreshToken)
            let again = try await h.token([("grant_type", "refresh_token"), ("refresh_token", Self.seeded.refreshToken)])
            #expect(again.json?["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("token exchange: a seeded access token for a token for two audiences (repeated parameters allowed)")
    func tokenExchange() async throws {
        try await ProviderHarness.with(Self.configure) { h in
            let reply = try await h.token([("grant_type", Self.exchange), ("subject_token", Self.seeded.accessToken), ("subject_token_type", TokenTypeURI.accessToken),
                                           ("audience", "https://api.example.com"), ("audience", MockClient.demo.id), ("scope", "openid")])
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.json?["issued_token_type"]?.stringValue == TokenTypeURI.accessToken)
            #expect(reply.json?["token_type"]?.stringValue == "Bearer")
            #expect(reply.json?["scope"]?.stringValue == "openid")
            // The new token works at the API.
            let token = reply.json?["access_token"]?.stringValue ?? ""
            let me = try await h.get("/userinfo", headers: [("Authorization", "Bearer \(token)")])
            #expect(me.status == 200)
        }
    }

    @Test("token exchange: each error of RFC 8693 §2.2.2", arguments: [
        ("no type", "invalid_request"), ("actor without type", "invalid_request"), ("unknown audience", "invalid_target"),
        ("unknown resource", "invalid_target"), ("unknown subject", "invalid_grant"), ("wider scope", "invalid_scope"), ("saml", "invalid_request"),
    ])
    func tokenExchangeErrors(kind: String, error: String) async throws {
        try await ProviderHarness.with(Self.configure) { h in
            var fields: [(String, String)] = [("grant_type", Self.exchange), ("subject_token", kind == "unknown subject" ? "nope" : Self.seeded.accessToken)]
            if kind != "no type" { fields.append(("subject_token_type", kind == "saml" ? TokenTypeURI.saml2 : TokenTypeURI.accessToken)) }
            if kind == "actor without type" { fields.append(("actor_token", Self.seeded.accessToken)) }
            if kind == "unknown audience" { fields.append(("audience", "https://elsewhere.example")) }
            if kind == "unknown resource" { fields.append(("resource", "https://elsewhere.example/")) }
            if kind == "wider scope" { fields.append(("scope", "openid admin")) }
            let reply = try await h.token(fields)
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == error, "\(reply.body)")
            #expect(reply.json?["error_description"]?.stringValue?.contains("RFC") == true)
        }
    }

    @Test("token exchange under fault no-issued-token-type leaves issued_token_type out")
    func noIssuedTypeFault() async throws {
        try await ProviderHarness.with({ Self.configure(&$0); $0.faults = [.noIssuedTokenType] }) { h in
            let reply = try await h.token([("grant_type", Self.exchange), ("subject_token", Self.seeded.accessToken), ("subject_token_type", TokenTypeURI.accessToken)])
            #expect(reply.status == 200)
            #expect(reply.json?["issued_token_type"] == nil)
        }
    }

    @Test("a repeated parameter other than audience and resource is still invalid_request")
    func repeats() async throws {
        try await ProviderHarness.with { h in
            let reply = try await h.token([("grant_type", "client_credentials"), ("scope", "api.read"), ("scope", "api.write")])
            #expect(reply.json?["error"]?.stringValue == "invalid_request")
        }
    }
}

/// Token requests with a JSON body (the personalities that take one): repeated parameters as arrays.
@Suite struct JSONTokenBodyTests {
    @Test("token exchange for two audiences in a JSON body built by the client: accepted, the audiences as one array")
    func audiencesAsArray() async throws {
        try await ProviderHarness.with(DirectGrantEndpointTests.configure) { h in
            var builder = TokenRequestBuilder(tokenEndpoint: URL(string: h.base + "/token")!,
                                              credentials: ClientCredentials(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret.map(Secret.init), method: .clientSecretBasic))
            builder.bodyEncoding = .json
            let spec = builder.tokenExchange(TokenExchangeParameters(subjectToken: DirectGrantEndpointTests.seeded.accessToken, audiences: ["https://api.example.com", MockClient.demo.id]))
            let reply = try await h.send(.POST, "/token", headers: spec.headers.map { ($0.name, $0.value) }, body: spec.body)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(reply.json?["issued_token_type"]?.stringValue == TokenTypeURI.accessToken)
        }
    }

    @Test("a JSON body naming a member twice is invalid_request, whichever member")
    func duplicateMembersRefused() async throws {
        try await ProviderHarness.with(DirectGrantEndpointTests.configure) { h in
            let basic = HTTPBasicCredentials.headerValue(clientID: MockClient.demo.id, clientSecret: MockClient.demo.secret ?? "")
            let body = #"{"grant_type":"\#(GrantType.tokenExchange.wireValue)","subject_token":"\#(DirectGrantEndpointTests.seeded.accessToken)","subject_token_type":"\#(TokenTypeURI.accessToken)","audience":"https://api.example.com","audience":"\#(MockClient.demo.id)"}"#
            let reply = try await h.send(.POST, "/token", headers: [("Content-Type", "application/json"), ("Authorization", basic)], body: body)
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?.stringValue == "invalid_request")
            #expect(reply.json?["error_description"]?.stringValue?.contains("audience") == true, "\(reply.body)")
        }
    }
}

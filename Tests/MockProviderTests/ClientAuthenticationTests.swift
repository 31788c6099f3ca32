import Foundation
import OAuthCore
import Testing
@testable import MockProvider

/// The embedded provider's checks of client assertions (RFC 7523 §3, OIDC Core §9) and its pushed authorization
/// requests (RFC 9126), called on the core with plain values.
@Suite("Client assertions and pushed authorization requests at the embedded provider")
struct ClientAuthenticationTests {
    static let issuer = "http://127.0.0.1:1"
    static let tokenEndpoint = issuer + "/token"
    static let key = ClientSigningKey.generateP256()

    static func core(method: ClientAuthMethod, faults: Set<MockFault> = [], requirePAR: Bool = false, clock: ManualClock = ManualClock()) async throws -> ProviderCore {
        var configuration = MockProviderConfiguration()
        configuration.autoApprove = true
        configuration.faults = faults
        configuration.requirePushedAuthorizationRequests = requirePAR
        configuration.clients = [MockClient(id: "app", secret: "s3cret", redirectURIs: MockClient.demo.redirectURIs, authMethod: method, jwks: key.publicJWKS)]
        return ProviderCore(configuration: configuration, keys: try await SigningKeys.generate(.es256), issuer: issuer, now: { clock.now })
    }

    /// A token request for an unknown code: authentication passes exactly when the answer is `invalid_grant`.
    static func tokenRequest(method: ClientAuthMethod, key: ClientSigningKey? = key, audience: String = tokenEndpoint, now: Date) throws -> IncomingRequest {
        var builder = TokenRequestBuilder(tokenEndpoint: try #require(URL(string: audience)), credentials: ClientCredentials(clientID: "app", clientSecret: Secret("s3cret"), method: method, signingKey: key))
        builder.now = { now }
        let spec = builder.authorizationCode(code: "no-such-code", redirectURI: nil, codeVerifier: nil)
        return IncomingRequest(method: "POST", path: "/token", headers: spec.headers.map { (name: $0.name, value: $0.value) }, body: spec.body)
    }

    static func outcome(_ core: ProviderCore, _ request: IncomingRequest) async -> (status: Int, error: String?, description: String) {
        let reply = await core.token(request)
        let json = JSONValue.parse(reply.body)
        return (reply.status, json?["error"]?.stringValue, json?["error_description"]?.stringValue ?? "")
    }

    @Test("private_key_jwt and client_secret_jwt pass; a replayed assertion is refused by its jti")
    func accepted() async throws {
        let clock = ManualClock()
        for method in [ClientAuthMethod.privateKeyJWT, .clientSecretJWT] {
            let core = try await Self.core(method: method, clock: clock)
            let request = try Self.tokenRequest(method: method, now: clock.now)
            let first = await Self.outcome(core, request)
            #expect(first.error == "invalid_grant", "\(method): \(first.description)")
            let replay = await Self.outcome(core, request)
            #expect(replay.status == 401 && replay.error == "invalid_client")
            #expect(replay.description.contains("jti"))
        }
    }

    @Test("each failure is invalid_client (401) naming what failed")
    func refused() async throws {
        let clock = ManualClock()
        let now = clock.now
        let cases: [(ClientAuthMethod, Set<MockFault>, IncomingRequest, String)] = [
            (.privateKeyJWT, [], try Self.tokenRequest(method: .privateKeyJWT, key: ClientSigningKey.generateP256(), now: now), "signature"),
            (.privateKeyJWT, [], try Self.tokenRequest(method: .clientSecretJWT, now: now), "registered for private_key_jwt"),
            (.clientSecretJWT, [], try Self.tokenRequest(method: .privateKeyJWT, now: now), "registered for client_secret_jwt"),
            (.clientSecretBasic, [], try Self.tokenRequest(method: .privateKeyJWT, now: now), "registered for client_secret_basic"),
            (.privateKeyJWT, [], try Self.tokenRequest(method: .clientSecretBasic, now: now), "registered for private_key_jwt"),
            (.privateKeyJWT, [], try Self.tokenRequest(method: .privateKeyJWT, audience: "https://elsewhere.example/token", now: now), "aud"),
            (.privateKeyJWT, [.assertionAudienceIssuerOnly], try Self.tokenRequest(method: .privateKeyJWT, now: now), "aud"),
            (.privateKeyJWT, [], try Self.tokenRequest(method: .privateKeyJWT, now: now.addingTimeInterval(-120)), "expired"),
        ]
        for (registered, faults, request, words) in cases {
            let core = try await Self.core(method: registered, faults: faults, clock: clock)
            let o = await Self.outcome(core, request)
            #expect(o.status == 401, "\(words): \(o.description)")
            #expect(o.error == "invalid_client")
            #expect(o.description.contains(words), "expected \(words) in: \(o.description)")
        }
        // Under the fault, the issuer as aud is what passes.
        let strict = try await Self.core(method: .privateKeyJWT, faults: [.assertionAudienceIssuerOnly], clock: clock)
        #expect(await Self.outcome(strict, try Self.tokenRequest(method: .privateKeyJWT, audience: Self.issuer, now: now)).error == "invalid_grant")
    }

    @Test("the metadata advertises the JWT methods, their algorithms and the PAR endpoint")
    func metadata() async throws {
        let core = try await Self.core(method: .clientSecretBasic, requirePAR: true)
        let doc = core.discoveryDocument()
        let methods = doc["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(methods.contains("client_secret_jwt") && methods.contains("private_key_jwt"))
        #expect(doc["token_endpoint_auth_signing_alg_values_supported"]?.arrayValue?.compactMap(\.stringValue) == ["HS256", "ES256", "RS256"])
        #expect(doc["pushed_authorization_request_endpoint"]?.stringValue == Self.issuer + "/par")
        #expect(doc["require_pushed_authorization_requests"]?.boolValue == true)
    }

    static func push(_ core: ProviderCore, _ authorization: ProviderHarness.Authorization, auth: String = HTTPBasicCredentials.headerValue(clientID: "app", clientSecret: "s3cret"), extra: [(String, String)] = []) -> HTTPReply {
        let body = FormURLEncoded.encode((authorization.parameters + extra).map { FormField($0.0, $0.1) })
        return core.pushedAuthorization(IncomingRequest(method: "POST", path: "/par", headers: [(name: "Authorization", value: auth), (name: "Content-Type", value: "application/x-www-form-urlencoded")], body: body))
    }

    @Test("PAR: 201 with a single-use request_uri bound to the client; the authorization endpoint takes it once")
    func pushed() async throws {
        let clock = ManualClock()
        let core = try await Self.core(method: .clientSecretBasic, requirePAR: true, clock: clock)
        var authorization = ProviderHarness.Authorization()
        authorization.client = MockClient(id: "app", secret: "s3cret", redirectURIs: MockClient.demo.redirectURIs, authMethod: .clientSecretBasic)
        // Not pushed: refused through the redirect URI, saying why.
        let direct = core.authorize(query: authorization.parameters.map { FormField($0.0, $0.1) })
        let directQuery = FormURLEncoded.decode(direct.headers.first { $0.name == "Location" }?.value.split(separator: "?").last ?? "").fields
        #expect(directQuery.first("error") == "invalid_request")
        #expect(directQuery.first("error_description")?.contains("pushed") == true)

        let reply = Self.push(core, authorization)
        #expect(reply.status == 201)
        let json = try #require(JSONValue.parse(reply.body))
        let uri = try #require(json["request_uri"]?.stringValue)
        #expect(uri.hasPrefix("urn:ietf:params:oauth:request_uri:"))
        #expect(json["expires_in"]?.numberValue == 60)

        let wrongClient = core.authorize(query: [FormField("client_id", "oauthscope-demo"), FormField("request_uri", uri)])
        #expect(wrongClient.status == 400)
        let use = core.authorize(query: [FormField("client_id", "app"), FormField("request_uri", uri)])
        #expect(use.status == 302)
        let location = use.headers.first { $0.name == "Location" }?.value ?? ""
        #expect(location.contains("code=") && location.contains("state=\(authorization.state)"))
        let again = core.authorize(query: [FormField("client_id", "app"), FormField("request_uri", uri)])
        #expect(again.status == 400 && again.body.contains("already used"))
        let unknown = core.authorize(query: [FormField("client_id", "app"), FormField("request_uri", "urn:ietf:params:oauth:request_uri:nope")])
        #expect(unknown.status == 400 && unknown.body.contains("Unknown request_uri"))

        let late = try #require(JSONValue.parse(Self.push(core, authorization).body)?["request_uri"]?.stringValue)
        clock.advance(by: 61)
        let expired = core.authorize(query: [FormField("client_id", "app"), FormField("request_uri", late)])
        #expect(expired.status == 400 && expired.body.contains("Expired"))
    }

    @Test("PAR refuses an unauthenticated client, a pushed request_uri and a bad parameter, as OAuth errors")
    func pushRefused() async throws {
        let core = try await Self.core(method: .clientSecretBasic, faults: [.parStatus200])
        var authorization = ProviderHarness.Authorization()
        authorization.client = MockClient(id: "app", secret: "s3cret", redirectURIs: MockClient.demo.redirectURIs, authMethod: .clientSecretBasic)
        #expect(Self.push(core, authorization).status == 200)
        let wrongSecret = Self.push(core, authorization, auth: HTTPBasicCredentials.headerValue(clientID: "app", clientSecret: "nope"))
        #expect(wrongSecret.status == 401 && JSONValue.parse(wrongSecret.body)?["error"]?.stringValue == "invalid_client")
        let withURI = Self.push(core, authorization, extra: [("request_uri", "urn:x")])
        #expect(withURI.status == 400 && withURI.body.contains("request_uri"))
        authorization.scope = "openid no-such-scope"
        let badScope = Self.push(core, authorization)
        #expect(badScope.status == 400 && JSONValue.parse(badScope.body)?["error"]?.stringValue == "invalid_scope")
    }
}

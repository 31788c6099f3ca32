import Foundation
import OAuthCore
import Synchronization

/// The authorization server itself: every endpoint as a function from a request to a reply, over state in memory.
/// The Hummingbird glue in `MockProviderServer` only routes requests here.
final class ProviderCore: Sendable {
    /// The scopes this provider knows; any other is `invalid_scope` (RFC 6749 §3.3).
    static let supportedScopes = ["openid", "profile", "email", "offline_access"]
    static let authMethods = ClientAuthMethod.allCases.map(\.rawValue)
    static let assertionAlgorithms = ClientAssertionVerifier.algorithms
    /// The token request parameters that may appear more than once (RFC 8693 §2.1, RFC 8707 §2).
    static let repeatableParameters: Set<String> = ["audience", "resource"]

    let configuration: MockProviderConfiguration
    /// The real provider imitated, and the rules that follow from it.
    let personality: MockPersonality
    let rules: PersonalityRules
    let keys: SigningKeys
    let clients: [String: MockClient]
    let now: @Sendable () -> Date
    let store = Mutex(ProviderStore())
    /// The device grant's codes in flight (DeviceEndpoints.swift).
    let devices = Mutex(DeviceStore())
    /// How many times `/jwks` has been served; `MockFault.rotatedKey` publishes the new key from the second time on.
    private let jwksFetches = Mutex(0)
    private let issuerText: Mutex<String>
    /// The token endpoint the metadata names instead of the provider's own (`MockFault.slowHeaders`).
    private let tokenEndpointOverride = Mutex<String?>(nil)
    /// Set when the server stops; answers that hold their connection on purpose watch it.
    let stopSignal = StopSignal()

    init(configuration: MockProviderConfiguration, keys: SigningKeys, issuer: String, now: @escaping @Sendable () -> Date) {
        self.configuration = configuration
        self.personality = configuration.personality
        self.rules = PersonalityRules.of(configuration.personality, configuration)
        self.keys = keys
        self.now = now
        self.issuerText = Mutex(issuer)
        var clients: [String: MockClient] = [:]
        for c in configuration.clients where clients[c.id] == nil { clients[c.id] = c }
        self.clients = clients
    }

    /// The base URL (`http://HOST:PORT`): the issuer identifier of the `oidc` and `google` personalities, and the
    /// base of every endpoint URL.
    var issuer: String {
        get { issuerText.withLock { $0 } }
    }

    /// The issuer of a request: Microsoft's names the tenant of the path (`BASE/{tenant}/v2.0`), every other
    /// personality's is the base URL.
    func issuer(tenant: String?) -> String {
        if personality == .microsoft { return issuer + "/" + (tenant ?? "common") + "/v2.0" }
        return issuer
    }

    func setIssuer(_ issuer: String) { issuerText.withLock { $0 = issuer } }

    func setTokenEndpointOverride(_ url: String) { tokenEndpointOverride.withLock { $0 = url } }

    /// The signed-in user: the first configured one.
    var user: String { configuration.users.first ?? "alice" }

    // MARK: - Discovery and keys

    /// OpenID Provider metadata (OIDC Discovery §3), also served as RFC 8414 authorization server metadata by the
    /// `oidc` personality. Endpoints are the personality's own paths.
    func discoveryDocument(tenant: String? = nil) -> JSONValue {
        let base = issuer
        let iss = issuer(tenant: tenant)
        func strings(_ a: [String]) -> JSONValue { .array(a.map(JSONValue.string)) }
        switch personality {
        case .google:
            return .object([
                ("issuer", .string(iss)),
                ("authorization_endpoint", .string(base + "/o/oauth2/v2/auth")),
                ("token_endpoint", .string(base + "/token")),
                ("userinfo_endpoint", .string(base + "/v1/userinfo")),
                ("revocation_endpoint", .string(base + "/revoke")),
                ("device_authorization_endpoint", .string(base + "/device/code")),
                ("jwks_uri", .string(base + "/oauth2/v3/certs")),
                ("response_types_supported", strings(["code"])),
                ("subject_types_supported", strings(["public"])),
                ("id_token_signing_alg_values_supported", strings([keys.algorithm.rawValue])),
                ("scopes_supported", strings(["openid", "email", "profile"])),
                ("token_endpoint_auth_methods_supported", strings(["client_secret_post", "client_secret_basic"])),
                ("claims_supported", strings(["aud", "email", "email_verified", "exp", "iat", "iss", "name", "sub", "azp", "at_hash", "nonce"])),
                ("code_challenge_methods_supported", strings(["plain", "S256"])),
                ("grant_types_supported", strings(["authorization_code", "refresh_token", GrantType.device.wireValue])),
            ])
        case .microsoft:
            let t = tenant ?? "common"
            return .object([
                ("token_endpoint", .string(base + "/\(t)/oauth2/v2.0/token")),
                ("device_authorization_endpoint", .string(base + "/\(t)/oauth2/v2.0/devicecode")),
                ("token_endpoint_auth_methods_supported", strings(["client_secret_post", "client_secret_basic"])),
                ("jwks_uri", .string(base + "/\(t)/discovery/v2.0/keys")),
                ("response_modes_supported", strings(["query", "fragment", "form_post"])),
                ("subject_types_supported", strings(["pairwise"])),
                ("id_token_signing_alg_values_supported", strings([keys.algorithm.rawValue])),
                ("response_types_supported", strings(["code"])),
                ("scopes_supported", strings(["openid", "profile", "email", "offline_access"])),
                ("issuer", .string(iss)),
                ("authorization_endpoint", .string(base + "/\(t)/oauth2/v2.0/authorize")),
                ("userinfo_endpoint", .string(base + "/oidc/userinfo")),
                ("code_challenge_methods_supported", strings(["S256"])),
                ("claims_supported", strings(["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "email"])),
                ("tenant_region_scope", .null),
            ])
        default:
            return .object([
                ("issuer", .string(iss)),
                ("authorization_endpoint", .string(base + "/authorize")),
                ("token_endpoint", .string(base + "/token")),
                ("jwks_uri", .string(base + "/jwks")),
                ("userinfo_endpoint", .string(base + "/userinfo")),
                ("revocation_endpoint", .string(base + "/revoke")),
                ("introspection_endpoint", .string(base + "/introspect")),
                ("device_authorization_endpoint", .string(base + "/device_authorization")),
                ("response_types_supported", strings(["code"])),
                ("response_modes_supported", strings(["query"])),
                ("grant_types_supported", strings(["authorization_code", "refresh_token", GrantType.device.wireValue, GrantType.clientCredentials.wireValue, GrantType.tokenExchange.wireValue])),
                ("code_challenge_methods_supported", strings([PKCEMethod.s256.rawValue])),
                ("token_endpoint_auth_methods_supported", strings(Self.authMethods)),
                ("token_endpoint_auth_signing_alg_values_supported", strings(Self.assertionAlgorithms)),
                ("pushed_authorization_request_endpoint", .string(base + "/par")),
                ("require_pushed_authorization_requests", .bool(configuration.requirePushedAuthorizationRequests)),
                ("revocation_endpoint_auth_methods_supported", strings(Self.authMethods)),
                ("introspection_endpoint_auth_methods_supported", strings(Self.authMethods)),
                ("id_token_signing_alg_values_supported", strings([keys.algorithm.rawValue])),
                ("scopes_supported", strings(Self.supportedScopes)),
                ("subject_types_supported", strings(["public"])),
                ("claims_supported", strings(["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "name", "preferred_username", "email", "email_verified"])),
                ("authorization_response_iss_parameter_supported", .bool(true)),
                ("dpop_signing_alg_values_supported", strings([DPoP.algorithm])),
            ])
        }
    }

    func discovery(tenant: String? = nil) -> HTTPReply {
        var document = discoveryDocument(tenant: tenant)
        if let token = tokenEndpointOverride.withLock({ $0 }), case .object(var members) = document {
            for i in members.indices where members[i].0 == "token_endpoint" { members[i].1 = .string(token) }
            document = .object(members)
        }
        return .json(document, noStore: false)
    }

    /// `GET /jwks`. Under `MockFault.rotatedKey` the first answer lists only the old key and every later one both.
    func jwks() -> HTTPReply {
        let fetch = jwksFetches.withLock { count in
            count += 1
            return count
        }
        let rotated = configuration.faults.contains(.rotatedKey) && fetch > 1
        return .json(keys.jwks(includeRotated: rotated), noStore: false)
    }

    // MARK: - Shared helpers

    /// The request parameters of a token, revocation or introspection request, in the encodings the personality
    /// accepts: a form body, a JSON object, or (GitHub) the query string as well.
    func bodyParameters(_ request: IncomingRequest, accepting encodings: PersonalityRules.BodyEncodings = .formOrJSON) -> Result<[FormField], ProtocolError> {
        let contentType = request.header("content-type")?.lowercased() ?? ""
        let isJSON = contentType.hasPrefix("application/json")
        switch encodings {
        case .json where !isJSON:
            return .failure(ProtocolError(.invalidRequest, "\(personality.displayName) takes the token request as a JSON object with Content-Type: application/json, not \(contentType.isEmpty ? "an unlabelled body" : contentType)"))
        case .form where isJSON:
            return .failure(ProtocolError(.invalidRequest, "\(personality.displayName) takes the token request form-encoded (application/x-www-form-urlencoded, RFC 6749 §4.1.3), not JSON"))
        case .formJSONOrQuery:
            let query = FormURLEncoded.decode(request.query).fields
            if !query.isEmpty {
                return bodyParameters(request, accepting: .formOrJSON).flatMap { Self.rejectingRepeats(query + $0) }
            }
        default:
            break
        }
        if isJSON {
            guard case .object(let members)? = JSONValue.parse(request.body) else {
                return .failure(ProtocolError(.invalidRequest, "the body is not a JSON object"))
            }
            // A member named twice means what each parser decides (RFC 8259 §4; most keep the last), so it is
            // refused; a parameter that may repeat comes as one array of strings.
            if let twice = members.map({ FormField($0.0, "") }).firstRepeatedName {
                return .failure(ProtocolError(.invalidRequest, "the JSON body names member \(twice) twice; send a repeated parameter as one array of strings (RFC 8259 §4)"))
            }
            var fields: [FormField] = []
            for (name, value) in members {
                switch value {
                case .string(let s): fields.append(FormField(name, s))
                case .number, .bool: fields.append(FormField(name, value.serialized()))
                case .null: continue
                case .array(let items) where Self.repeatableParameters.contains(name):
                    guard items.count <= 64 else { return .failure(ProtocolError(.invalidRequest, "parameter \(name) has \(items.count) values, more than 64")) }
                    for item in items {
                        guard let s = item.stringValue else { return .failure(ProtocolError(.invalidRequest, "parameter \(name) must be an array of strings")) }
                        fields.append(FormField(name, s))
                    }
                case .array, .object:
                    return .failure(ProtocolError(.invalidRequest, "parameter \(name) must be a string"))
                }
            }
            return Self.rejectingRepeats(fields)
        }
        if !contentType.isEmpty, !contentType.hasPrefix("application/x-www-form-urlencoded") {
            return .failure(ProtocolError(.invalidRequest, "the body must be application/x-www-form-urlencoded (RFC 6749 §4.1.3), not \(contentType)"))
        }
        return Self.rejectingRepeats(FormURLEncoded.decode(request.body).fields)
    }

    private static func rejectingRepeats(_ fields: [FormField]) -> Result<[FormField], ProtocolError> {
        // RFC 8693 §2.1 and RFC 8707 §2 let audience and resource repeat; every other parameter appears once.
        if let repeated = fields.filter({ !Self.repeatableParameters.contains($0.name) }).firstRepeatedName {
            return .failure(ProtocolError(.invalidRequest, "parameter \(repeated) is repeated; each may appear only once (RFC 6749 §3.2)"))
        }
        return .success(fields)
    }

    /// Client authentication (RFC 6749 §2.3): by the method the client registered, or, when `accepted` is given, by
    /// any of the methods a personality's token endpoint takes whatever the registration says.
    func authenticateClient(_ request: IncomingRequest, _ params: [FormField], accepted: [ClientAuthMethod]? = nil) -> Result<MockClient, ClientAuthenticationFailure> {
        let authorization = request.header("authorization")
        let triedBasic = authorization.map { $0.lowercased().hasPrefix("basic ") || $0.lowercased() == "basic" } ?? false
        func fail(_ description: String, status: Int = 401) -> Result<MockClient, ClientAuthenticationFailure> {
            let code: OAuthErrorCode = status == 401 ? .invalidClient : .invalidRequest
            return .failure(ClientAuthenticationFailure(error: ProtocolError(code, description), status: status, basicTried: triedBasic))
        }
        let basic = authorization.flatMap { HTTPBasicCredentials.parse(headerValue: $0) }
        if params.first("client_assertion") != nil || params.first("client_assertion_type") != nil {
            if authorization != nil || params.first("client_secret") != nil {
                return fail("the client authenticated twice, with a client assertion and with a secret; use exactly one method (RFC 6749 §2.3)", status: 400)
            }
            return authenticateAssertion(request, params, accepted: accepted).mapError {
                ClientAuthenticationFailure(error: ProtocolError(.invalidClient, $0.description), status: 401, basicTried: false)
            }
        }
        if triedBasic, basic == nil {
            return fail("the Authorization: Basic header does not decode to client_id:client_secret (RFC 6749 §2.3.1, RFC 7617)")
        }
        let bodyID = params.first("client_id")
        let bodySecret = params.first("client_secret")
        if basic != nil, bodySecret != nil {
            return fail("the client authenticated twice, with Basic and with client_secret in the body; use exactly one method (RFC 6749 §2.3)", status: 400)
        }
        if let basic, let bodyID, bodyID != basic.clientID {
            return fail("client_id in the body (\(bodyID)) differs from the one in the Basic header (\(basic.clientID))")
        }
        guard let clientID = basic?.clientID ?? bodyID, !clientID.isEmpty else {
            return fail("no client authentication: send Authorization: Basic, or client_id (and client_secret) in the body (RFC 6749 §2.3)")
        }
        guard let client = clients[clientID] else {
            return fail("unknown client \(clientID)")
        }
        if configuration.faults.contains(.noClientAuth), basic == nil, (bodySecret ?? "").isEmpty { return .success(client) }
        func checkSecret(_ presented: String) -> Result<MockClient, ClientAuthenticationFailure> {
            guard let secret = client.secret, constantTimeEquals(presented, secret) else {
                return fail("wrong client secret for \(clientID)")
            }
            return .success(client)
        }
        if let accepted, client.authMethod != .none, client.secret != nil {
            if let basic, accepted.contains(.clientSecretBasic) { return checkSecret(basic.clientSecret) }
            if basic == nil, let bodySecret, accepted.contains(.clientSecretPost) { return checkSecret(bodySecret) }
            let how = accepted.map { method -> String in
                switch method {
                case .clientSecretBasic: return "HTTP Basic (Authorization: Basic base64(client_id:client_secret))"
                case .clientSecretPost: return rules.tokenBody == .json ? "client_id and client_secret in the JSON body" : "client_id and client_secret in the body"
                case .none: return "client_id alone"
                case .clientSecretJWT, .privateKeyJWT: return "a client assertion (\(method.rawValue))"
                }
            }
            return fail("\(personality.displayName) authenticates the client with \(how.joined(separator: " or ")) (RFC 6749 §2.3.1)")
        }
        switch client.authMethod {
        case .clientSecretBasic:
            guard let basic else {
                return fail("client \(clientID) is registered for client_secret_basic: send the secret in an Authorization: Basic header (RFC 6749 §2.3.1)")
            }
            return checkSecret(basic.clientSecret)
        case .clientSecretPost:
            guard basic == nil, let bodySecret else {
                return fail("client \(clientID) is registered for client_secret_post: send client_id and client_secret in the body (RFC 6749 §2.3.1)")
            }
            return checkSecret(bodySecret)
        case .none:
            if basic != nil || !(bodySecret ?? "").isEmpty {
                return fail("client \(clientID) is a public client (token_endpoint_auth_method none) and has no secret to send (RFC 6749 §2.1)")
            }
            return .success(client)
        case .clientSecretJWT, .privateKeyJWT:
            return fail("client \(clientID) is registered for \(client.authMethod.rawValue): send client_assertion_type and client_assertion, a signed JWT, instead of a secret (OIDC Core §9, RFC 7523 §2.2)")
        }
    }

    /// A client assertion (RFC 7523 §3, OIDC Core §9): the client it names, its signature by the registered secret
    /// or keys, its claims, and a `jti` not seen before. Each failure says what failed.
    func authenticateAssertion(_ request: IncomingRequest, _ params: [FormField], accepted: [ClientAuthMethod]?) -> Result<MockClient, ClientAssertionVerifier.Failure> {
        func fail(_ check: String, _ text: String) -> Result<MockClient, ClientAssertionVerifier.Failure> { .failure(.init(check: check, description: text)) }
        guard params.first("client_assertion_type") == ClientAssertion.assertionType else {
            return fail("type", "client_assertion_type must be \(ClientAssertion.assertionType) (RFC 7523 §2.2)")
        }
        guard let assertion = params.first("client_assertion"), !assertion.isEmpty else {
            return fail("decode", "client_assertion is missing or empty (RFC 7521 §4.2)")
        }
        let claimed = params.first("client_id") ?? (try? DecodedJWT(assertion))?.claims["iss"]?.stringValue
        guard let clientID = claimed, let client = clients[clientID] else {
            return fail("client", "unknown client \(claimed ?? "(no client_id and no iss)")")
        }
        if let accepted, !accepted.contains(where: \.usesAssertion) {
            return fail("method", "\(personality.displayName) does not take client assertions")
        }
        guard client.authMethod.usesAssertion else {
            return fail("method", "client \(clientID) is registered for \(client.authMethod.rawValue), not a client assertion (token_endpoint_auth_method)")
        }
        let issuer = issuer(tenant: request.tenant)
        var audiences = [issuer]
        if !configuration.faults.contains(.assertionAudienceIssuerOnly) {
            audiences.append(self.issuer + request.path)
            if let token = discoveryDocument(tenant: request.tenant)["token_endpoint"]?.stringValue { audiences.append(token) }
        }
        let now = self.now()
        let expectation = ClientAssertionVerifier.Expectation(clientID: clientID, secret: client.secret, jwks: client.jwks, audiences: Array(Set(audiences)).sorted(), now: now)
        let verified: ClientAssertionVerifier.Verified
        switch ClientAssertionVerifier.verify(assertion, expectation) {
        case .failure(let f): return .failure(f)
        case .success(let v): verified = v
        }
        guard verified.method == client.authMethod else {
            return fail("method", "client \(clientID) is registered for \(client.authMethod.rawValue), but the assertion is \(verified.method.rawValue) (signed with \(verified.method == .clientSecretJWT ? "the client secret, HS256" : "a private key"))")
        }
        let fresh = store.withLock { store -> Bool in
            store.assertionIDs = store.assertionIDs.filter { $0.value > now }
            guard store.assertionIDs[clientID + " " + verified.jti] == nil else { return false }
            store.assertionIDs[clientID + " " + verified.jti] = verified.expires
            return true
        }
        guard fresh else { return fail("jti", "client_assertion: jti \(verified.jti) was already used; every assertion must be fresh (RFC 7523 §3)") }
        return .success(client)
    }

    /// Authenticates the client of a token, revocation or introspection request, or answers with the error.
    func authenticatedRequest(_ request: IncomingRequest) -> AuthenticatedRequest {
        switch authenticate(request) {
        case .failure(let f): return .refused(f.reply)
        case .success(let (client, params)): return .authenticated(client, params)
        }
    }

    /// The parameters and the authenticated client of a request to a client-authenticated endpoint, by the
    /// personality's rules.
    func authenticate(_ request: IncomingRequest) -> Result<(MockClient, [FormField]), ClientAuthenticationFailure> {
        let params: [FormField]
        switch bodyParameters(request, accepting: rules.tokenBody) {
        case .failure(let e): return .failure(ClientAuthenticationFailure(error: e, status: 400, basicTried: false))
        case .success(let p): params = p
        }
        return authenticateClient(request, params, accepted: rules.tokenAuthMethods).map { ($0, params) }
    }

}

/// A request to a client-authenticated endpoint, after authentication.
enum AuthenticatedRequest {
    case authenticated(MockClient, [FormField])
    /// The answer to send instead: a malformed body or a failed client authentication.
    case refused(HTTPReply)
}

/// A failed client authentication and how to answer it (RFC 6749 §5.2).
struct ClientAuthenticationFailure: Error, Sendable {
    var error: ProtocolError
    var status: Int
    /// When the client tried Basic, a 401 must carry a matching `WWW-Authenticate` challenge.
    var basicTried: Bool

    var reply: HTTPReply {
        let challenge = basicTried && status == 401 ? [HTTPReply.Header(name: "WWW-Authenticate", value: "Basic realm=\"mock\"")] : []
        return .oauthError(error, status: status, headers: challenge)
    }
}

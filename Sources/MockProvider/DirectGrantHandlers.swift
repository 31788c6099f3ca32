import Foundation
import OAuthCore

/// A grant that exists from the start, as if an earlier authorization-code flow had issued it: the demo presents
/// its refresh token (`--grant refresh-token`) or its access token (`--grant token-exchange`), and `provider serve`
/// prints them for testing an application against.
public struct SeededGrant: Sendable, Hashable {
    public var clientID: String
    public var user: String
    public var scopes: [String]
    public var accessToken: String
    public var refreshToken: String

    public init(clientID: String, user: String = "alice", scopes: [String] = ["openid", "email", "profile", "offline_access"], accessToken: String, refreshToken: String) {
        self.clientID = clientID
        self.user = user
        self.scopes = scopes
        self.accessToken = accessToken
        self.refreshToken = refreshToken
    }

    /// A grant for `clientID` with fresh random tokens.
    public static func random(clientID: String, user: String = "alice") -> SeededGrant {
        SeededGrant(clientID: clientID, user: user, accessToken: SecureRandom.token(bytes: 32), refreshToken: SecureRandom.token(bytes: 32))
    }
}

/// The grants without a redirect at the token endpoint: client credentials (RFC 6749 §4.4) and token exchange
/// (RFC 8693). Refresh lives beside the code exchange in `TokenEndpoint.swift`.
extension ProviderCore {
    /// The scopes a client may ask for itself: API scopes, none about a user (no `openid`, no user data).
    static let clientCredentialsScopes = ["api.read", "api.write"]

    /// Puts the seeded grants in the store, once the issuer (and so every token's `iss`) is known.
    func seed(_ grants: [SeededGrant]) {
        let now = self.now()
        let iss = issuer(tenant: nil)
        let lifetime = configuration.accessTokenLifetime.timeInterval
        store.withLock { store in
            for g in grants {
                let grantID = SecureRandom.token(bytes: 8)
                store.accessTokens[g.accessToken] = AccessTokenRecord(token: g.accessToken, grantID: grantID, clientID: g.clientID, scopes: g.scopes, user: g.user, issuedAt: now, expiresAt: now.addingTimeInterval(lifetime))
                store.refreshTokens[g.refreshToken] = RefreshTokenRecord(token: g.refreshToken, grantID: grantID, clientID: g.clientID, scopes: g.scopes, user: g.user, authTime: now, issuedAt: now, expiresAt: now.addingTimeInterval(ProviderStore.refreshTokenLifetime), issuer: iss)
            }
        }
    }

    /// RFC 6749 §4.4.2: only a confidential client, authenticated, for itself. `MockFault.ccRefreshToken` adds a
    /// refresh token, which §4.4.3 says SHOULD NOT be there.
    func clientCredentialsGrant(client: MockClient, params: [FormField]) -> TokenOutcome {
        guard client.secret != nil, client.authMethod != .none else {
            return .failure(ProtocolError(.unauthorizedClient, "client \(client.id) is a public client; only confidential clients may use the client_credentials grant (RFC 6749 §4.4)"), status: 400, basicTried: false)
        }
        let separators = rules.scopeSeparators
        let requested = params.first("scope").map { $0.split(whereSeparator: { separators.contains($0) }).map(String.init) } ?? []
        let allowed = Self.clientCredentialsScopes
        if let unknown = requested.first(where: { !allowed.contains($0) }) {
            let why = Self.supportedScopes.contains(unknown) ? "is about a user, and no user takes part in the client_credentials grant" : "is unknown here"
            return .failure(ProtocolError(.invalidScope, "scope \(unknown) \(why); a client may ask for \(allowed.joined(separator: " ")) (RFC 6749 §3.3, §4.4.2)"), status: 400, basicTried: false)
        }
        let scopes = requested.isEmpty ? [allowed[0]] : requested
        let now = self.now()
        let lifetime = configuration.accessTokenLifetime.timeInterval
        let withRefresh = configuration.faults.contains(.ccRefreshToken)
        let iss = issuer(tenant: nil)
        let tokens = store.withLock { store in
            defer { store.sweep(now: now) }
            return store.issueTokens(grantID: SecureRandom.token(bytes: 8), clientID: client.id, scopes: scopes, grantScopes: scopes, user: client.id, authTime: now,
                                     now: now, accessTokenLifetime: lifetime, issuer: iss, refresh: withRefresh ? .new : .none)
        }
        return .issued(IssuedTokens(client: client, grantType: GrantType.clientCredentials.wireValue, access: tokens.access, refresh: tokens.refresh, refreshKept: false, idToken: nil, now: now))
    }

    /// RFC 8693 §2.1–§2.2: the subject token must be one this server issued, of the type named; the audience and
    /// resource must be known; the new token is an access token (or an ID token, with `token_type` N_A).
    func tokenExchangeGrant(client: MockClient, params: [FormField]) -> TokenOutcome {
        func fail(_ code: OAuthErrorCode, _ description: String) -> TokenOutcome { .failure(ProtocolError(code, description), status: 400, basicTried: false) }
        guard let subject = params.first("subject_token"), !subject.isEmpty else {
            return fail(.invalidRequest, "subject_token is missing (RFC 8693 §2.1)")
        }
        guard let subjectType = params.first("subject_token_type"), !subjectType.isEmpty else {
            return fail(.invalidRequest, "subject_token_type is missing; it is REQUIRED with subject_token (RFC 8693 §2.1)")
        }
        let actor = params.first("actor_token")
        let actorType = params.first("actor_token_type")
        if actor != nil, actorType == nil { return fail(.invalidRequest, "actor_token_type is missing; it is REQUIRED when actor_token is present (RFC 8693 §2.1)") }
        if actor == nil, actorType != nil { return fail(.invalidRequest, "actor_token_type was sent without actor_token; it MUST NOT be (RFC 8693 §2.1)") }
        let requested = params.first("requested_token_type") ?? TokenTypeURI.accessToken
        guard requested == TokenTypeURI.accessToken || requested == TokenTypeURI.idToken else {
            return fail(.invalidRequest, "requested_token_type \(requested) is not one this server issues; ask for \(TokenTypeURI.accessToken) or \(TokenTypeURI.idToken) (RFC 8693 §2.2.2)")
        }
        let audiences = params.filter { $0.name == "audience" }.map(\.value)
        let knownAudiences = configuration.exchangeAudiences + [issuer] + clients.keys.sorted()
        if let unknown = audiences.first(where: { !knownAudiences.contains($0) }) {
            return fail(.invalidTarget, "audience \(unknown) is not a service this server issues tokens for; it knows \(configuration.exchangeAudiences.joined(separator: ", ")) and the registered clients (RFC 8693 §2.2.2)")
        }
        let resources = params.filter { $0.name == "resource" }.map(\.value)
        if let bad = resources.first(where: { URLComponents(string: $0)?.scheme == nil || URLComponents(string: $0)?.fragment != nil }) {
            return fail(.invalidTarget, "resource \(bad) is not an absolute URI without a fragment (RFC 8707 §2)")
        }
        if let unknown = resources.first(where: { !configuration.exchangeResources.contains($0) }) {
            return fail(.invalidTarget, "resource \(unknown) is not one this server knows; it knows \(configuration.exchangeResources.joined(separator: ", ")) (RFC 8707 §2, RFC 8693 §2.2.2)")
        }
        let now = self.now()
        let lifetime = configuration.accessTokenLifetime.timeInterval
        let separators = rules.scopeSeparators
        let requestedScopes = params.first("scope").map { $0.split(whereSeparator: { separators.contains($0) }).map(String.init) } ?? []
        let iss = issuer(tenant: nil)
        // Look the presented tokens up and issue the new one under one lock.
        enum Looked { case failed(TokenOutcome), issued(AccessTokenRecord, user: String, scopes: [String]) }
        let looked: Looked = store.withLock { store in
            defer { store.sweep(now: now) }
            let subjectScopes: [String], user: String
            switch subjectType {
            case TokenTypeURI.accessToken:
                guard let r = store.accessTokens[subject], r.expiresAt > now else {
                    return .failed(fail(.invalidGrant, "the subject_token is not an access token this server issued, or it expired or was revoked (RFC 8693 §2.2.2)"))
                }
                (subjectScopes, user) = (r.scopes, r.user)
            case TokenTypeURI.refreshToken:
                guard let r = store.refreshTokens[subject], r.expiresAt > now else {
                    return .failed(fail(.invalidGrant, "the subject_token is not a refresh token this server issued, or it expired or was revoked (RFC 8693 §2.2.2)"))
                }
                (subjectScopes, user) = (r.scopes, r.user)
            default:
                return .failed(fail(.invalidRequest, "subject_token_type \(subjectType) is not one this server accepts; it takes \(TokenTypeURI.accessToken) or \(TokenTypeURI.refreshToken) (RFC 8693 §2.2.2)"))
            }
            if let actor {
                guard actorType == TokenTypeURI.accessToken, store.accessTokens[actor].map({ $0.expiresAt > now }) == true else {
                    return .failed(fail(.invalidGrant, "the actor_token is not a valid access token of this server (RFC 8693 §2.2.2)"))
                }
            }
            if let wider = requestedScopes.first(where: { !subjectScopes.contains($0) }) {
                return .failed(fail(.invalidScope, "scope \(wider) is not part of the subject token's scope; an exchange may narrow it, never widen it (RFC 8693 §2.1)"))
            }
            let scopes = requestedScopes.isEmpty ? subjectScopes : requestedScopes
            let tokens = store.issueTokens(grantID: SecureRandom.token(bytes: 8), clientID: client.id, scopes: scopes, grantScopes: scopes, user: user, authTime: now,
                                           now: now, accessTokenLifetime: lifetime, issuer: iss, refresh: .none)
            return .issued(tokens.access, user: user, scopes: scopes)
        }
        switch looked {
        case .failed(let outcome):
            return outcome
        case .issued(let access, let user, let scopes):
            var issuedToken = access.token
            var tokenType = "Bearer"
            if requested == TokenTypeURI.idToken {
                do {
                    issuedToken = try signIDToken(idTokenClaims(client: client, user: user, scopes: scopes, authTime: now, nonce: nil, accessToken: access.token, now: now, issuer: iss))
                } catch {
                    return .failure(ProtocolError(.serverError, "signing the ID token failed: \(error)"), status: 500, basicTried: false)
                }
                // RFC 8693 §2.2.1: the issued token is not an access token.
                tokenType = "N_A"
            }
            var members: [(String, JSONValue)] = [("access_token", .string(issuedToken))]
            if !configuration.faults.contains(.noIssuedTokenType) { members.append(("issued_token_type", .string(requested))) }
            members += [
                ("token_type", .string(tokenType)),
                ("expires_in", .number(Double(Int(access.expiresAt.timeIntervalSince(now).rounded())))),
                ("scope", .string(scopes.joined(separator: " "))),
            ]
            return .reply(.json(.object(members)))
        }
    }
}

import Foundation
import OAuthCore

/// What an authorization code stands for (RFC 6749 §4.1.2: bound to client, redirect URI, and the request).
struct AuthorizationCodeRecord: Sendable {
    var code: String
    var grantID: String
    var clientID: String
    /// The `redirect_uri` parameter as sent; nil when the client left it out (then §4.1.3 does not require it later).
    var redirectURIParameter: String?
    var codeChallenge: String?
    var codeChallengeMethod: PKCEMethod?
    var nonce: String?
    var scopes: [String]
    var user: String
    var authTime: Date
    var expiresAt: Date
    /// The `iss` of ID tokens issued from this grant (Microsoft's names the tenant of the request).
    var issuer: String
    /// Whether the grant gets a refresh token (the personality's rule, decided at authorization time).
    var refreshable: Bool
    /// The `dpop_jkt` of the authorization request: only a token request with a proof of that key may redeem the
    /// code (RFC 9449 §10).
    var dpopJkt: String?
    var used = false
}

/// An access token the provider issued (opaque, looked up here by the resource endpoints).
struct AccessTokenRecord: Sendable {
    var token: String
    var grantID: String
    var clientID: String
    var scopes: [String]
    var user: String
    var issuedAt: Date
    var expiresAt: Date
    /// The thumbprint of the DPoP key the token is bound to (RFC 9449 §6); nil for a bearer token.
    var jkt: String? = nil
}

/// A refresh token: one per grant at a time, replaced on every use (rotation, RFC 9700 §4.14.2).
struct RefreshTokenRecord: Sendable {
    var token: String
    var grantID: String
    var clientID: String
    /// The scopes of the original grant; a refresh may ask for fewer, never more (RFC 6749 §6).
    var scopes: [String]
    var user: String
    var authTime: Date
    var issuedAt: Date
    var expiresAt: Date
    /// The `iss` of ID tokens issued on refresh.
    var issuer: String
}

/// All of the provider's state, in memory. Only ever touched under the provider's lock.
struct ProviderStore: Sendable {
    /// Refresh tokens live this long unless rotated or revoked; it bounds the memory they take.
    static let refreshTokenLifetime: TimeInterval = 30 * 24 * 3600

    var codes: [String: AuthorizationCodeRecord] = [:]
    var accessTokens: [String: AccessTokenRecord] = [:]
    var refreshTokens: [String: RefreshTokenRecord] = [:]
    /// The `jti` of every client assertion accepted, until it expires, so none is taken twice (RFC 7523 §3).
    var assertionIDs: [String: Date] = [:]
    /// Pushed authorization requests by `request_uri` (RFC 9126 §2.2).
    var pushedRequests: [String: PushedRequestRecord] = [:]
    /// DPoP nonces given out, with when (RFC 9449 §8), and the `jti`s of proofs accepted (§11.1).
    var dpopNonces: [String: Date] = [:]
    var dpopJTIs: [String: Date] = [:]

    /// Drops every expired code and token, so memory stays bounded however long the provider runs. A used code is
    /// kept until it expires, so that a replay within its lifetime is recognised (RFC 6749 §4.1.2).
    mutating func sweep(now: Date) {
        codes = codes.filter { $0.value.expiresAt > now }
        accessTokens = accessTokens.filter { $0.value.expiresAt > now }
        refreshTokens = refreshTokens.filter { $0.value.expiresAt > now }
        assertionIDs = assertionIDs.filter { $0.value > now }
        pushedRequests = pushedRequests.filter { $0.value.expiresAt > now.addingTimeInterval(-600) }
    }

    /// Revokes every token issued under a grant; returns how many were removed.
    @discardableResult
    mutating func revokeGrant(_ grantID: String) -> Int {
        let before = accessTokens.count + refreshTokens.count
        accessTokens = accessTokens.filter { $0.value.grantID != grantID }
        refreshTokens = refreshTokens.filter { $0.value.grantID != grantID }
        return before - accessTokens.count - refreshTokens.count
    }

    /// Issues a fresh access token for a grant, and a fresh refresh token unless `refresh` says otherwise.
    mutating func issueTokens(
        grantID: String, clientID: String, scopes: [String], grantScopes: [String], user: String, authTime: Date,
        now: Date, accessTokenLifetime: TimeInterval, issuer: String, refresh: RefreshIssuance = .new,
        accessTokenPrefix: String = "", refreshTokenPrefix: String = ""
    ) -> (access: AccessTokenRecord, refresh: RefreshTokenRecord?) {
        let access = AccessTokenRecord(
            token: accessTokenPrefix + SecureRandom.token(bytes: 32), grantID: grantID, clientID: clientID, scopes: scopes, user: user,
            issuedAt: now, expiresAt: now.addingTimeInterval(accessTokenLifetime)
        )
        accessTokens[access.token] = access
        switch refresh {
        case .none:
            return (access, nil)
        case .keep(let record):
            return (access, record)
        case .new:
            let record = RefreshTokenRecord(
                token: refreshTokenPrefix + SecureRandom.token(bytes: 32), grantID: grantID, clientID: clientID, scopes: grantScopes, user: user,
                authTime: authTime, issuedAt: now, expiresAt: now.addingTimeInterval(ProviderStore.refreshTokenLifetime), issuer: issuer
            )
            refreshTokens[record.token] = record
            return (access, record)
        }
    }

    /// What happens to the refresh token when tokens are issued.
    enum RefreshIssuance {
        /// A new one (a first grant, or a rotation).
        case new
        /// The one presented stays valid and is returned again (providers that do not rotate).
        case keep(RefreshTokenRecord)
        /// None: the grant does not get one.
        case none
    }
}

/// A pushed authorization request (RFC 9126): the parameters a `request_uri` stands for.
struct PushedRequestRecord: Sendable {
    var clientID: String
    var parameters: [FormField]
    var expiresAt: Date
    var used = false
}

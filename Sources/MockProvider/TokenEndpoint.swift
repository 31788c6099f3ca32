import Foundation
import OAuthCore

/// The outcome of a token request, before the personality gives it its shape.
enum TokenOutcome: Sendable {
    /// An OAuth error (RFC 6749 §5.2); `basicTried` asks for a `WWW-Authenticate: Basic` challenge with a 401.
    case failure(ProtocolError, status: Int, basicTried: Bool)
    case issued(IssuedTokens)
    /// An answer that has its shape already (BitBadges' missing API key).
    case reply(HTTPReply)
}

/// Tokens just issued, with what the response needs to show them.
struct IssuedTokens: Sendable {
    var client: MockClient
    var grantType: String
    var access: AccessTokenRecord
    var refresh: RefreshTokenRecord?
    /// Whether `refresh` is the one presented, returned again by a provider that does not rotate.
    var refreshKept: Bool
    var idToken: String?
    var now: Date
    /// The access token was bound to a DPoP key (`token_type` DPoP, RFC 9449 §5).
    var dpopBound = false
}

extension ProviderCore {
    /// The token endpoint (RFC 6749 §3.2): authenticates the client, then redeems a code or a refresh token, and
    /// answers in the personality's shape. The configured token-response faults reshape the answer.
    func token(_ request: IncomingRequest) async -> HTTPReply {
        if configuration.faults.contains(.serverError) { return Self.serverErrorPage }
        if let hostile = hostileTokenReply() { return hostile }
        if configuration.faults.contains(.slowHeaders) {
            // The metadata sends discovering clients to the trickling port; a preset's client uses this fixed path,
            // and here the head never even starts until the provider stops.
            await stopSignal.hold()
            return Self.serverErrorPage
        }
        // RFC 9449 §5: the generic provider checks a DPoP proof before anything else and binds what it issues to the
        // proof's key; the imitated providers do not speak DPoP and ignore the header, as a real one would.
        var dpopThumbprint: String?
        if personality == .oidc {
            switch checkDPoP(request, accessToken: nil, resource: false) {
            case .absent: break
            case .refused(let reply): return reply
            case .proven(let thumbprint): dpopThumbprint = thumbprint
            }
        }
        var reply = applyTokenResponseFaults(tokenReply(await tokenOutcome(request, dpopThumbprint: dpopThumbprint), request: request))
        if configuration.faults.contains(.noStoreMissing) {
            reply.headers.removeAll { ["cache-control", "pragma"].contains($0.name.lowercased()) }
        }
        return reply
    }

    func tokenOutcome(_ request: IncomingRequest, dpopThumbprint: String? = nil) async -> TokenOutcome {
        if personality == .bitbadges, let refused = checkAPIKey(request) { return .reply(refused) }
        let client: MockClient
        let params: [FormField]
        switch authenticate(request) {
        case .failure(let f): return .failure(f.error, status: f.status, basicTried: f.basicTried)
        case .success(let (c, p)): (client, params) = (c, p)
        }
        var grantType = params.first("grant_type")
        if grantType == nil, !rules.requiresGrantType, params.first("code") != nil { grantType = "authorization_code" }
        let issuance: Issuance
        switch grantType {
        case nil:
            return .failure(ProtocolError(.invalidRequest, "grant_type is missing (RFC 6749 §4.1.3)"), status: 400, basicTried: false)
        case "authorization_code":
            issuance = authorizationCodeGrant(client: client, params: params, dpopThumbprint: dpopThumbprint)
        case "refresh_token":
            issuance = refreshTokenGrant(client: client, params: params)
        case GrantType.device.wireValue where !PersonalityRoutes.device(personality).isEmpty:
            issuance = deviceCodeGrant(client: client, params: params)
        case GrantType.clientCredentials.wireValue:
            return clientCredentialsGrant(client: client, params: params)
        case GrantType.tokenExchange.wireValue:
            return tokenExchangeGrant(client: client, params: params)
        case let other?:
            return .failure(ProtocolError(.unsupportedGrantType, "grant_type \(other) is not supported; use authorization_code, refresh_token, client_credentials or \(GrantType.tokenExchange.wireValue) (RFC 6749 §5.2)"), status: 400, basicTried: false)
        }
        switch issuance {
        case .failure(let error):
            return .failure(error, status: 400, basicTried: false)
        case .success(var access, let refresh, let kept, let authTime, let nonce, let issuer):
            // Bound before the ID token is signed, so its at_hash covers the token the client receives.
            let bound = dpopThumbprint.flatMap { bindToDPoPKey(access, thumbprint: $0) }
            if let bound { access = bound }
            var idToken: String?
            if rules.issuesIDTokens, access.scopes.contains("openid") {
                do {
                    idToken = try signIDToken(idTokenClaims(
                        client: client, user: access.user, scopes: access.scopes, authTime: authTime, nonce: nonce,
                        accessToken: access.token, now: access.issuedAt, issuer: issuer
                    ))
                } catch {
                    return .failure(ProtocolError(.serverError, "signing the ID token failed: \(error)"), status: 500, basicTried: false)
                }
            }
            return .issued(IssuedTokens(
                client: client, grantType: grantType ?? "authorization_code", access: access, refresh: refresh,
                refreshKept: kept, idToken: idToken, now: access.issuedAt, dpopBound: bound != nil
            ))
        }
    }

    enum Issuance {
        case failure(ProtocolError)
        case success(access: AccessTokenRecord, refresh: RefreshTokenRecord?, kept: Bool, authTime: Date, nonce: String?, issuer: String)
    }

    /// RFC 6749 §4.1.3 and RFC 7636 §4.6. The code is consumed by its first presentation, whatever the outcome, so
    /// that a stolen code cannot be tried against many verifiers.
    /// A code bound to a DPoP key (`dpop_jkt`, RFC 9449 §10) is redeemed only with a proof of that key; without one
    /// the request is refused before the code is looked at further, and the code stays unspent.
    private func authorizationCodeGrant(client: MockClient, params: [FormField], dpopThumbprint: String?) -> Issuance {
        guard let code = params.first("code"), !code.isEmpty else {
            return .failure(ProtocolError(.invalidRequest, "code is missing (RFC 6749 §4.1.3)"))
        }
        let now = self.now()
        let accessLifetime = configuration.accessTokenLifetime.timeInterval
        let codeLifetime = Int(rules.codeLifetime)
        let prefixes = tokenPrefixes
        let reusable = configuration.faults.contains(.codeReusable)
        let checksVerifier = !configuration.faults.contains(.pkceNotEnforced)
        return store.withLock { store -> Issuance in
            defer { store.sweep(now: now) }
            func invalid(_ description: String) -> Issuance { .failure(ProtocolError(.invalidGrant, description)) }
            guard var record = store.codes[code] else {
                return invalid("the authorization code is unknown, or expired long ago")
            }
            if let jkt = record.dpopJkt, dpopThumbprint != jkt {
                let sent = dpopThumbprint.map { "a proof of another key (\($0))" } ?? "no DPoP proof"
                return .failure(ProtocolError(.invalidDPoPProof, "the code is bound to the DPoP key \(jkt) by the authorization request's dpop_jkt, and the token request carries \(sent) (RFC 9449 §10)"))
            }
            if record.used, !reusable {
                let revoked = store.revokeGrant(record.grantID)
                return invalid("the authorization code was already used; a code is single-use, so the \(revoked) token(s) issued from it are now revoked (RFC 6749 §4.1.2)")
            }
            record.used = !reusable
            store.codes[code] = record
            if record.expiresAt <= now {
                return invalid("the authorization code expired; codes live \(codeLifetime) s here (RFC 6749 §4.1.2)")
            }
            guard record.clientID == client.id else {
                return invalid("the authorization code was issued to another client (RFC 6749 §4.1.3)")
            }
            if let expected = record.redirectURIParameter {
                guard let sent = params.first("redirect_uri") else {
                    return invalid("redirect_uri is missing; it must repeat the one of the authorization request, \(expected) (RFC 6749 §4.1.3)")
                }
                guard sent == expected else {
                    return invalid("redirect_uri \(sent) differs from the one of the authorization request, \(expected); they must be identical (RFC 6749 §4.1.3)")
                }
            }
            let verifier = params.first("code_verifier")
            if let challenge = record.codeChallenge, let method = record.codeChallengeMethod {
                guard let verifier else {
                    return invalid("code_verifier is missing, but the authorization request carried a code_challenge (RFC 7636 §4.5)")
                }
                do {
                    try PKCE.validateVerifier(verifier)
                } catch {
                    return invalid("\(error)")
                }
                guard PKCE.verify(verifier: verifier, challenge: challenge, method: method) || !checksVerifier else {
                    return invalid("code_verifier does not match the code_challenge: BASE64URL(SHA256(code_verifier)) must equal it (RFC 7636 §4.6)")
                }
            } else if verifier != nil {
                // A verifier for a code issued without a challenge hints at a PKCE downgrade (RFC 9700 §2.1.1).
                return invalid("code_verifier was sent, but the authorization request had no code_challenge (RFC 9700 §2.1.1)")
            }
            let tokens = store.issueTokens(
                grantID: record.grantID, clientID: client.id, scopes: record.scopes, grantScopes: record.scopes,
                user: record.user, authTime: record.authTime, now: now, accessTokenLifetime: accessLifetime,
                issuer: record.issuer, refresh: record.refreshable ? .new : .none,
                accessTokenPrefix: prefixes.access, refreshTokenPrefix: prefixes.refresh
            )
            return .success(access: tokens.access, refresh: tokens.refresh, kept: false, authTime: record.authTime, nonce: record.nonce, issuer: record.issuer)
        }
    }

    /// RFC 6749 §6. A rotating personality spends the refresh token presented and returns a new one (RFC 9700
    /// §4.14.2); the others keep it valid.
    private func refreshTokenGrant(client: MockClient, params: [FormField]) -> Issuance {
        guard let presented = params.first("refresh_token"), !presented.isEmpty else {
            return .failure(ProtocolError(.invalidRequest, "refresh_token is missing (RFC 6749 §6)"))
        }
        let separators = rules.scopeSeparators
        let requestedScopes = params.first("scope").map { $0.split(whereSeparator: { separators.contains($0) }).map(String.init) }
        let now = self.now()
        let accessLifetime = configuration.accessTokenLifetime.timeInterval
        let rotates = rules.rotatesRefreshTokens && !configuration.faults.contains(.refreshNotRotated)
        let prefixes = tokenPrefixes
        return store.withLock { store -> Issuance in
            defer { store.sweep(now: now) }
            guard let record = store.refreshTokens[presented], record.expiresAt > now else {
                let why = rotates
                    ? "the refresh token is unknown, expired, revoked, or was already used: each refresh returns a new one and the old one stops working (RFC 9700 §4.14.2)"
                    : "the refresh token is unknown, expired or revoked (RFC 6749 §6)"
                return .failure(ProtocolError(.invalidGrant, why))
            }
            guard record.clientID == client.id else {
                return .failure(ProtocolError(.invalidGrant, "the refresh token was issued to another client (RFC 6749 §6)"))
            }
            var scopes = record.scopes
            if let requestedScopes, !requestedScopes.isEmpty {
                let extra = requestedScopes.filter { !record.scopes.contains($0) }
                if !extra.isEmpty {
                    return .failure(ProtocolError(.invalidScope, "scope \(extra.joined(separator: " ")) was not part of the original grant; a refresh may only narrow the scope (RFC 6749 §6)"))
                }
                scopes = record.scopes.filter { requestedScopes.contains($0) }
            }
            if rotates { store.refreshTokens[presented] = nil }
            let tokens = store.issueTokens(
                grantID: record.grantID, clientID: client.id, scopes: scopes, grantScopes: record.scopes,
                user: record.user, authTime: record.authTime, now: now, accessTokenLifetime: accessLifetime,
                issuer: record.issuer, refresh: rotates ? .new : .keep(record),
                accessTokenPrefix: prefixes.access, refreshTokenPrefix: prefixes.refresh
            )
            return .success(access: tokens.access, refresh: tokens.refresh, kept: !rotates, authTime: record.authTime, nonce: nil, issuer: record.issuer)
        }
    }

    /// How the personality's tokens begin, so they look like the real ones (`gho_`, `ya29.`).
    var tokenPrefixes: (access: String, refresh: String) {
        switch personality {
        case .github: return ("gho_", "ghr_")
        case .google: return ("ya29.", "1//")
        default: return ("", "")
        }
    }
}

import Foundation
import OAuthCore

extension ProviderCore {
    /// `POST /token` (RFC 6749 §3.2): authenticates the client, then redeems a code or a refresh token. The
    /// configured token-response faults shape the answer.
    func token(_ request: IncomingRequest) async -> HTTPReply {
        if configuration.faults.contains(.serverError) { return Self.serverErrorPage }
        return applyTokenResponseFaults(await standardToken(request))
    }

    private func standardToken(_ request: IncomingRequest) async -> HTTPReply {
        let client: MockClient
        let params: [FormField]
        switch authenticatedRequest(request) {
        case .refused(let reply): return reply
        case .authenticated(let c, let p): (client, params) = (c, p)
        }
        switch params.first("grant_type") {
        case nil:
            return .oauthError(ProtocolError(.invalidRequest, "grant_type is missing (RFC 6749 §4.1.3)"))
        case "authorization_code":
            return await authorizationCodeGrant(client: client, params: params)
        case "refresh_token":
            return await refreshTokenGrant(client: client, params: params)
        case let other?:
            return .oauthError(ProtocolError(.unsupportedGrantType, "grant_type \(other) is not supported; use authorization_code or refresh_token"))
        }
    }

    private enum Issuance {
        case failure(ProtocolError)
        case success(access: AccessTokenRecord, refresh: RefreshTokenRecord, authTime: Date, nonce: String?)
    }

    /// RFC 6749 §4.1.3 and RFC 7636 §4.6. The code is consumed by its first presentation, whatever the outcome, so
    /// that a stolen code cannot be tried against many verifiers.
    private func authorizationCodeGrant(client: MockClient, params: [FormField]) async -> HTTPReply {
        guard let code = params.first("code"), !code.isEmpty else {
            return .oauthError(ProtocolError(.invalidRequest, "code is missing (RFC 6749 §4.1.3)"))
        }
        let now = self.now()
        let accessLifetime = configuration.accessTokenLifetime.timeInterval
        let codeLifetime = Int(configuration.codeLifetime.timeInterval)
        let outcome = store.withLock { store -> Issuance in
            defer { store.sweep(now: now) }
            func invalid(_ description: String) -> Issuance { .failure(ProtocolError(.invalidGrant, description)) }
            guard var record = store.codes[code] else {
                return invalid("the authorization code is unknown, or expired long ago")
            }
            if record.used {
                let revoked = store.revokeGrant(record.grantID)
                return invalid("the authorization code was already used; a code is single-use, so the \(revoked) token(s) issued from it are now revoked (RFC 6749 §4.1.2)")
            }
            record.used = true
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
                guard PKCE.verify(verifier: verifier, challenge: challenge, method: method) else {
                    return invalid("code_verifier does not match the code_challenge: BASE64URL(SHA256(code_verifier)) must equal it (RFC 7636 §4.6)")
                }
            } else if verifier != nil {
                // A verifier for a code issued without a challenge hints at a PKCE downgrade (RFC 9700 §2.1.1).
                return invalid("code_verifier was sent, but the authorization request had no code_challenge (RFC 9700 §2.1.1)")
            }
            let tokens = store.issueTokens(
                grantID: record.grantID, clientID: client.id, scopes: record.scopes, grantScopes: record.scopes,
                user: record.user, authTime: record.authTime, now: now, accessTokenLifetime: accessLifetime
            )
            return .success(access: tokens.access, refresh: tokens.refresh, authTime: record.authTime, nonce: record.nonce)
        }
        return await tokenResponse(outcome, client: client, now: now)
    }

    /// RFC 6749 §6, with rotation: the refresh token presented is spent and a new one comes back.
    private func refreshTokenGrant(client: MockClient, params: [FormField]) async -> HTTPReply {
        guard let presented = params.first("refresh_token"), !presented.isEmpty else {
            return .oauthError(ProtocolError(.invalidRequest, "refresh_token is missing (RFC 6749 §6)"))
        }
        let requestedScopes = params.first("scope").map { $0.split(separator: " ").map(String.init) }
        let now = self.now()
        let accessLifetime = configuration.accessTokenLifetime.timeInterval
        let outcome = store.withLock { store -> Issuance in
            defer { store.sweep(now: now) }
            guard let record = store.refreshTokens[presented], record.expiresAt > now else {
                return .failure(ProtocolError(.invalidGrant, "the refresh token is unknown, expired, revoked, or was already used: each refresh returns a new one and the old one stops working (RFC 9700 §4.14.2)"))
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
            store.refreshTokens[presented] = nil
            let tokens = store.issueTokens(
                grantID: record.grantID, clientID: client.id, scopes: scopes, grantScopes: record.scopes,
                user: record.user, authTime: record.authTime, now: now, accessTokenLifetime: accessLifetime
            )
            return .success(access: tokens.access, refresh: tokens.refresh, authTime: record.authTime, nonce: nil)
        }
        return await tokenResponse(outcome, client: client, now: now)
    }

    /// The successful response of RFC 6749 §5.1, with an ID token when `openid` was granted (OIDC Core §3.1.3.3).
    private func tokenResponse(_ outcome: Issuance, client: MockClient, now: Date) async -> HTTPReply {
        switch outcome {
        case .failure(let error):
            return .oauthError(error)
        case .success(let access, let refresh, let authTime, let nonce):
            var body: [(String, JSONValue)] = [
                ("access_token", .string(access.token)),
                ("token_type", .string("Bearer")),
                ("expires_in", .number(Double(Int(access.expiresAt.timeIntervalSince(now).rounded())))),
                ("refresh_token", .string(refresh.token)),
                ("scope", .string(access.scopes.joined(separator: " "))),
            ]
            if access.scopes.contains("openid") {
                do {
                    let idToken = try signIDToken(idTokenClaims(
                        client: client, user: access.user, scopes: access.scopes, authTime: authTime, nonce: nonce,
                        accessToken: access.token, now: now
                    ))
                    body.append(("id_token", .string(idToken)))
                } catch {
                    return .oauthError(ProtocolError(.serverError, "signing the ID token failed: \(error)"), status: 500)
                }
            }
            return .json(.object(body))
        }
    }
}

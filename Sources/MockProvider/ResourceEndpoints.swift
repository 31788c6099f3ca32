import Foundation
import OAuthCore

extension ProviderCore {
    /// `GET/POST /userinfo` (OIDC Core §5.3): the user's claims for a valid bearer access token (RFC 6750).
    func userinfo(_ request: IncomingRequest) -> HTTPReply {
        func bearerError(_ status: Int, _ error: ProtocolError?) -> HTTPReply {
            var challenge = "Bearer realm=\"mock\""
            if let error {
                challenge = "Bearer error=\"\(error.code.rawValue)\", error_description=\"\(error.description.replacingOccurrences(of: "\"", with: "'"))\""
            }
            let header = HTTPReply.Header(name: "WWW-Authenticate", value: challenge)
            guard let error else { return HTTPReply(status: status, headers: [header] + HTTPReply.noStore) }
            return .oauthError(error, status: status, headers: [header])
        }
        var token: String?
        if let authorization = request.header("authorization"), authorization.lowercased().hasPrefix("dpop ") {
            switch dpopResourceLookup(request, token: String(authorization.dropFirst(5)).trimmingCharacters(in: .whitespaces)) {
            case .failure(let refusal): return refusal.reply
            case .success(let record):
                guard record.scopes.contains("openid") else {
                    return bearerError(403, ProtocolError(.insufficientScope, "the UserInfo endpoint needs an access token granted the openid scope (OIDC Core §5.3)"))
                }
                return userinfoClaims(record)
            }
        }
        if let authorization = request.header("authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                return bearerError(401, ProtocolError(.invalidToken, "the Authorization header must be Bearer <access token> (RFC 6750 §2.1)"))
            }
            token = parts[1].trimmingCharacters(in: .whitespaces)
        } else if request.method == "POST",
                  request.header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            token = FormURLEncoded.decode(request.body).fields.first("access_token")
        }
        guard let token else {
            // RFC 6750 §3.1: a request without credentials gets a challenge but no error code.
            return bearerError(401, nil)
        }
        let now = self.now()
        let record = store.withLock { $0.accessTokens[token] }
        guard let record, record.expiresAt > now else {
            return bearerError(401, ProtocolError(.invalidToken, "the access token is unknown, expired or revoked"))
        }
        if record.jkt != nil {
            return bearerError(401, ProtocolError(.invalidToken, "the access token is DPoP-bound: send it as Authorization: DPoP with a proof (RFC 9449 §7.2)"))
        }
        guard record.scopes.contains("openid") else {
            return bearerError(403, ProtocolError(.insufficientScope, "the UserInfo endpoint needs an access token granted the openid scope (OIDC Core §5.3)"))
        }
        return userinfoClaims(record)
    }

    /// The claims userinfo answers with for a checked token.
    func userinfoClaims(_ record: AccessTokenRecord) -> HTTPReply {
        var claims: [(String, JSONValue)] = [("sub", .string(record.user))]
        if record.scopes.contains("profile") {
            claims.append(("name", .string(UserProfile.name(record.user))))
            claims.append(("preferred_username", .string(record.user)))
        }
        if record.scopes.contains("email") {
            claims.append(("email", .string(UserProfile.email(record.user))))
            claims.append(("email_verified", .bool(true)))
        }
        return .json(.object(claims))
    }

    /// Revocation and introspection both take a client-authenticated request with a `token` (RFC 7009 §2.1,
    /// RFC 7662 §2.1).
    private func tokenOperation(_ request: IncomingRequest, ref: String) -> Result<(MockClient, String), Refusal> {
        switch authenticatedRequest(request) {
        case .refused(let reply): return .failure(Refusal(reply: reply))
        case .authenticated(let client, let params):
            guard let token = params.first("token"), !token.isEmpty else {
                return .failure(Refusal(reply: .oauthError(ProtocolError(.invalidRequest, "token is missing (\(ref))"))))
            }
            return .success((client, token))
        }
    }

    /// `POST /revoke` (RFC 7009): revokes a token the client holds. Always 200 for an authenticated client, so a
    /// caller learns nothing about tokens that are not its own (§2.2).
    func revoke(_ request: IncomingRequest) -> HTTPReply {
        let client: MockClient, token: String
        switch tokenOperation(request, ref: "RFC 7009 §2.1") {
        case .failure(let refusal): return refusal.reply
        case .success(let pair): (client, token) = pair
        }
        revokeToken(token, clientID: client.id)
        return HTTPReply(status: 200, headers: HTTPReply.noStore)
    }

    /// `POST /introspect` (RFC 7662): whether a token is active, and what it stands for. A client only sees its own
    /// tokens as active.
    func introspect(_ request: IncomingRequest) -> HTTPReply {
        let client: MockClient, token: String
        switch tokenOperation(request, ref: "RFC 7662 §2.1") {
        case .failure(let refusal): return refusal.reply
        case .success(let pair): (client, token) = pair
        }
        let now = self.now()
        let found = store.withLock { store -> (scopes: [String], user: String, issuedAt: Date, expiresAt: Date, type: String?)? in
            if let a = store.accessTokens[token], a.clientID == client.id, a.expiresAt > now {
                return (a.scopes, a.user, a.issuedAt, a.expiresAt, a.jkt == nil ? "Bearer" : "DPoP")
            }
            if let r = store.refreshTokens[token], r.clientID == client.id, r.expiresAt > now {
                return (r.scopes, r.user, r.issuedAt, r.expiresAt, nil)
            }
            return nil
        }
        guard let found else { return .json(.object([("active", .bool(false))])) }
        var body: [(String, JSONValue)] = [
            ("active", .bool(true)),
            ("scope", .string(found.scopes.joined(separator: " "))),
            ("client_id", .string(client.id)),
            ("username", .string(found.user)),
        ]
        if let type = found.type { body.append(("token_type", .string(type))) }
        body += [
            ("exp", .number(Double(Int(found.expiresAt.timeIntervalSince1970)))),
            ("iat", .number(Double(Int(found.issuedAt.timeIntervalSince1970)))),
            ("sub", .string(found.user)),
            ("aud", .string(client.id)),
            ("iss", .string(issuer)),
        ]
        return .json(.object(body))
    }
}

/// A reply that ends a request early, carried as an error so helpers can return it.
struct Refusal: Error {
    let reply: HTTPReply
}

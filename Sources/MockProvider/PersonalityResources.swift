import Foundation
import OAuthCore

/// What a bearer access token in a request turned out to be.
enum BearerLookup: Sendable {
    /// No credentials at all.
    case missing
    /// An `Authorization` header that is not `Bearer <token>` (or GitHub's `token <token>`).
    case malformed
    /// Unknown, expired or revoked.
    case invalid
    case valid(AccessTokenRecord)
}

/// The API endpoints each personality offers beside OAuth itself: who the user is, which sites a token reaches,
/// and revocation in the provider's own shape.
extension ProviderCore {
    /// Finds the access token of `Authorization: Bearer ...`; `acceptTokenScheme` also takes GitHub's
    /// `Authorization: token ...`.
    func bearer(_ request: IncomingRequest, acceptTokenScheme: Bool = false) -> BearerLookup {
        guard let authorization = request.header("authorization") else { return .missing }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        let scheme = parts.first?.lowercased()
        guard parts.count == 2, scheme == "bearer" || (acceptTokenScheme && scheme == "token") else { return .malformed }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        let now = self.now()
        guard let record = store.withLock({ $0.accessTokens[token] }), record.expiresAt > now else { return .invalid }
        return .valid(record)
    }

    // MARK: - GitHub

    /// `GET /user` (GitHub REST API): the signed-in user, for `Authorization: Bearer` or `token`.
    func gitHubUser(_ request: IncomingRequest) -> HTTPReply {
        switch bearer(request, acceptTokenScheme: true) {
        case .missing:
            return gitHubAPIError("Requires authentication", status: 401)
        case .malformed, .invalid:
            return gitHubAPIError("Bad credentials", status: 401)
        case .valid(let record):
            let id = Double(UserProfile.numericID(record.user))
            return .json(.object([
                ("login", .string(record.user)),
                ("id", .number(id)),
                ("type", .string("User")),
                ("name", .string(UserProfile.name(record.user))),
                ("email", record.scopes.contains("user:email") || record.scopes.contains("user") ? .string(UserProfile.email(record.user)) : .null),
            ]), headers: [HTTPReply.Header(name: "X-OAuth-Scopes", value: record.scopes.joined(separator: ", "))])
        }
    }

    private func gitHubAPIError(_ message: String, status: Int) -> HTTPReply {
        .json(.object([
            ("message", .string(message)),
            ("documentation_url", .string("https://docs.github.com/rest")),
            ("status", .string(String(status))),
        ]), status: status)
    }

    // MARK: - Bitbucket

    /// `GET /2.0/user` (Bitbucket REST API 2.0): the current user.
    func bitbucketUser(_ request: IncomingRequest) -> HTTPReply {
        guard case .valid(let record) = bearer(request) else {
            return .json(.object([
                ("type", .string("error")),
                ("error", .object([("message", .string("Access token expired or invalid; send Authorization: Bearer with the access token."))])),
            ]), status: 401)
        }
        return .json(.object([
            ("type", .string("user")),
            ("username", .string(record.user)),
            ("display_name", .string(UserProfile.name(record.user))),
            ("uuid", .string("{" + UserProfile.objectID(record.user, salt: "bitbucket") + "}")),
            ("account_id", .string(UserProfile.objectID(record.user, salt: "atlassian-account"))),
        ]))
    }

    // MARK: - Atlassian

    /// `GET /oauth/token/accessible-resources`: the sites (cloud ids) the token reaches.
    func atlassianAccessibleResources(_ request: IncomingRequest) -> HTTPReply {
        guard case .valid(let record) = bearer(request) else { return atlassianUnauthorized() }
        let site = "\(record.user)-site"
        return .json(.array([.object([
            ("id", .string(UserProfile.objectID(record.user, salt: "cloud"))),
            ("url", .string("https://\(site).atlassian.net")),
            ("name", .string(site)),
            ("scopes", .array(record.scopes.filter { $0 != "offline_access" }.map(JSONValue.string))),
            ("avatarUrl", .string("https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png")),
        ])]))
    }

    /// `GET /me`: the user's Atlassian account (User Identity API).
    func atlassianMe(_ request: IncomingRequest) -> HTTPReply {
        guard case .valid(let record) = bearer(request) else { return atlassianUnauthorized() }
        return .json(.object([
            ("account_type", .string("atlassian")),
            ("account_id", .string(UserProfile.objectID(record.user, salt: "atlassian-account"))),
            ("email", .string(UserProfile.email(record.user))),
            ("name", .string(UserProfile.name(record.user))),
            ("nickname", .string(record.user)),
            ("account_status", .string("active")),
        ]))
    }

    /// `GET /ex/jira/{cloudid}/rest/api/3/myself` (Jira Cloud REST API v3 through the API gateway): the user on the
    /// site whose cloud id `accessible-resources` gave; another cloud id is 404, as Atlassian answers.
    func jiraMyself(_ request: IncomingRequest) -> HTTPReply {
        guard case .valid(let record) = bearer(request) else { return atlassianUnauthorized() }
        let segments = request.path.split(separator: "/")
        let cloudID = segments.count > 2 ? String(segments[2]) : ""
        let expected = UserProfile.objectID(record.user, salt: "cloud")
        guard cloudID == expected else {
            return .json(.object([("errorMessages", .array([.string("No site with cloud id \(String(cloudID.prefix(80))); take the id from accessible-resources")])), ("errors", .object([]))]), status: 404)
        }
        let accountID = UserProfile.objectID(record.user, salt: "atlassian-account")
        return .json(.object([
            ("self", .string("https://api.atlassian.com/ex/jira/\(cloudID)/rest/api/3/user?accountId=\(accountID)")),
            ("accountId", .string(accountID)),
            ("accountType", .string("atlassian")),
            ("emailAddress", .string(UserProfile.email(record.user))),
            ("displayName", .string(UserProfile.name(record.user))),
            ("active", .bool(true)),
            ("timeZone", .string("Etc/UTC")),
        ]))
    }

    private func atlassianUnauthorized() -> HTTPReply {
        .json(.object([("code", .number(401)), ("message", .string("Unauthorized; send Authorization: Bearer with the access token"))]), status: 401)
    }

    // MARK: - Microsoft Graph

    /// `GET /v1.0/me` (Microsoft Graph): the signed-in user.
    func graphMe(_ request: IncomingRequest) -> HTTPReply {
        guard case .valid(let record) = bearer(request) else {
            return .json(.object([("error", .object([
                ("code", .string("InvalidAuthenticationToken")),
                ("message", .string("Access token is empty or invalid; send Authorization: Bearer with an access token for Microsoft Graph.")),
            ]))]), status: 401, headers: [HTTPReply.Header(name: "WWW-Authenticate", value: "Bearer realm=\"\", error=\"invalid_token\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"")])
        }
        return .json(.object([
            ("@odata.context", .string("https://graph.microsoft.com/v1.0/$metadata#users/$entity")),
            ("displayName", .string(UserProfile.name(record.user))),
            ("id", .string(UserProfile.objectID(record.user, salt: "microsoft-object"))),
            ("mail", .string(UserProfile.email(record.user))),
            ("userPrincipalName", .string(UserProfile.email(record.user))),
        ]))
    }

    // MARK: - BitBadges

    /// `POST /api/v0/auth/status`: whether the bearer token is signed in, with the user's addresses.
    func bitBadgesStatus(_ request: IncomingRequest) -> HTTPReply {
        if let refused = checkAPIKey(request) { return refused }
        guard case .valid(let record) = bearer(request) else {
            return .json(.object([("signedIn", .bool(false))]))
        }
        let identity = BitBadgesIdentity(user: record.user)
        return .json(.object([
            ("signedIn", .bool(true)),
            ("address", .string(identity.address)),
            ("chain", .string(identity.chain)),
            ("bitbadgesAddress", .string(identity.bitbadgesAddress)),
            ("scopes", .array(record.scopes.map(JSONValue.string))),
        ]))
    }

    /// `POST /api/v0/siwbb/token/revoke`: revokes a token of the authenticated client (JSON body `token`).
    func bitBadgesRevoke(_ request: IncomingRequest) -> HTTPReply {
        if let refused = checkAPIKey(request) { return refused }
        switch authenticate(request) {
        case .failure(let f):
            return tokenReply(.failure(f.error, status: f.status, basicTried: false), request: request)
        case .success(let (client, params)):
            guard let token = params.first("token"), !token.isEmpty else {
                return tokenReply(.failure(ProtocolError(.invalidRequest, "token is missing from the JSON body"), status: 400, basicTried: false), request: request)
            }
            revokeToken(token, clientID: client.id)
            return .json(.object([]))
        }
    }

    // MARK: - Google

    /// `POST /revoke` (Google): revokes the `token` of the query or form body; no client authentication.
    func googleRevoke(_ request: IncomingRequest) -> HTTPReply {
        let params = FormURLEncoded.decode(request.query).fields + FormURLEncoded.decode(request.body).fields
        guard let token = params.first("token"), !token.isEmpty else {
            return .oauthError(ProtocolError(.invalidRequest, "Missing required parameter: token"))
        }
        let known = store.withLock { $0.accessTokens[token] != nil || $0.refreshTokens[token] != nil }
        guard known else {
            return .json(.object([("error", .string("invalid_token")), ("error_description", .string("Token expired or revoked"))]), status: 400)
        }
        store.withLock { store in
            // Google revokes the whole grant, whichever token is presented.
            if let grant = store.accessTokens[token]?.grantID ?? store.refreshTokens[token]?.grantID { store.revokeGrant(grant) }
        }
        return .json(.object([]))
    }

    /// Revokes a token of `clientID`; revoking a refresh token revokes its grant (RFC 7009 §2.1).
    func revokeToken(_ token: String, clientID: String) {
        store.withLock { store in
            if let access = store.accessTokens[token], access.clientID == clientID {
                store.accessTokens[token] = nil
            }
            if let refresh = store.refreshTokens[token], refresh.clientID == clientID {
                store.revokeGrant(refresh.grantID)
            }
        }
    }
}

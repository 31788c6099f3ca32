import Crypto
import Foundation
import OAuthCore

/// The shape each personality gives its token responses, successful or not.
extension ProviderCore {
    func tokenReply(_ outcome: TokenOutcome, request: IncomingRequest) -> HTTPReply {
        switch outcome {
        case .reply(let reply):
            return reply
        case .failure(let error, let status, let basicTried):
            switch personality {
            case .github: return gitHubTokenError(error, request: request)
            case .bitbadges: return bitBadgesError(error, status: status)
            default: return ClientAuthenticationFailure(error: error, status: status, basicTried: basicTried).reply
            }
        case .issued(let tokens):
            return tokenSuccess(tokens, request: request)
        }
    }

    private func tokenSuccess(_ t: IssuedTokens, request: IncomingRequest) -> HTTPReply {
        let expiresIn = Int(t.access.expiresAt.timeIntervalSince(t.now).rounded())
        let refresh: [(String, JSONValue)] = t.refresh.map { [("refresh_token", .string($0.token))] } ?? []
        let idToken: [(String, JSONValue)] = t.idToken.map { [("id_token", .string($0))] } ?? []
        let scope = t.access.scopes.joined(separator: " ")
        switch personality {
        case .oidc:
            return .json(.object([
                ("access_token", .string(t.access.token)),
                ("token_type", .string(t.dpopBound ? "DPoP" : "Bearer")),
                ("expires_in", .number(Double(expiresIn))),
            ] + refresh + [("scope", .string(scope))] + idToken))
        case .google:
            // Google leaves the refresh token out of a refresh response: the one the client holds stays valid.
            return .json(.object([
                ("access_token", .string(t.access.token)),
                ("expires_in", .number(Double(expiresIn - 1))),
            ] + (t.refreshKept ? [] : refresh) + [
                ("scope", .string(GoogleScopes.display(t.access.scopes))),
                ("token_type", .string(t.dpopBound ? "DPoP" : "Bearer")),
            ] + idToken))
        case .microsoft:
            return .json(.object([
                ("token_type", .string(t.dpopBound ? "DPoP" : "Bearer")),
                ("scope", .string(scope)),
                ("expires_in", .string(String(expiresIn - 1))),
                ("ext_expires_in", .string(String(expiresIn - 1))),
                ("access_token", .string(t.access.token)),
            ] + refresh + idToken))
        case .github:
            let fields: [(String, JSONValue)] = [
                ("access_token", .string(t.access.token)),
                ("token_type", .string("bearer")),
                ("scope", .string(t.access.scopes.joined(separator: ","))),
            ]
            return gitHubReply(fields, request: request)
        case .bitbucket:
            return .json(.object([
                ("access_token", .string(t.access.token)),
                ("scopes", .string(scope)),
                ("token_type", .string("bearer")),
                ("expires_in", .number(Double(expiresIn))),
                // Bitbucket names the grant here, in a member called state.
                ("state", .string(t.grantType)),
            ] + refresh))
        case .atlassian:
            return .json(.object([
                ("access_token", .string(t.access.token)),
                ("expires_in", .number(Double(expiresIn))),
                ("token_type", .string(t.dpopBound ? "DPoP" : "Bearer")),
            ] + refresh + [("scope", .string(scope))]))
        case .bitbadges:
            func millis(_ date: Date) -> JSONValue { .number((date.timeIntervalSince1970 * 1000).rounded()) }
            var members: [(String, JSONValue)] = [
                ("access_token", .string(t.access.token)),
                ("token_type", .string(t.dpopBound ? "DPoP" : "Bearer")),
                ("expires_in", .number(Double(expiresIn))),
                ("access_token_expires_at", millis(t.access.expiresAt)),
            ]
            if let r = t.refresh {
                members += [("refresh_token", .string(r.token)), ("refresh_token_expires_at", millis(r.expiresAt))]
            }
            let identity = BitBadgesIdentity(user: t.access.user)
            members += [
                ("address", .string(identity.address)),
                ("chain", .string(identity.chain)),
                ("bitbadgesAddress", .string(identity.bitbadgesAddress)),
                ("scope", .string(t.access.scopes.joined(separator: ","))),
            ]
            return .json(.object(members))
        }
    }

    // MARK: - GitHub

    /// GitHub answers form-encoded unless the request accepts JSON.
    private func gitHubReply(_ members: [(String, JSONValue)], request: IncomingRequest) -> HTTPReply {
        if request.header("accept")?.lowercased().contains("application/json") == true {
            return .json(.object(members))
        }
        return HTTPReply(
            status: 200,
            headers: [HTTPReply.Header(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")] + HTTPReply.noStore,
            body: FormURLEncoded.encode(members.map { FormField($0.0, $0.1.stringValue ?? $0.1.serialized()) })
        )
    }

    /// GitHub's token errors: its own codes, its own wording (with this provider's reason after it), and HTTP 200.
    private func gitHubTokenError(_ error: ProtocolError, request: IncomingRequest) -> HTTPReply {
        let code: String
        let text: String
        let anchor: String
        switch error.code {
        case .invalidClient:
            (code, text, anchor) = ("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.", "incorrect-client-credentials")
        case .invalidGrant where error.description.contains("redirect_uri"):
            (code, text, anchor) = ("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.", "redirect-uri-mismatch")
        case .invalidGrant:
            (code, text, anchor) = ("bad_verification_code", "The code passed is incorrect or expired.", "bad-verification-code")
        default:
            (code, text, anchor) = (error.code.rawValue, error.description, "")
        }
        let description = code == error.code.rawValue ? text : "\(text) (\(error.description))"
        return gitHubReply([
            ("error", .string(code)),
            ("error_description", .string(description)),
            ("error_uri", .string("https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/" + (anchor.isEmpty ? "" : "#" + anchor))),
        ], request: request)
    }

    // MARK: - BitBadges

    /// BitBadges' API errors carry `errorMessage`; the OAuth members are kept beside it so any client can read them.
    private func bitBadgesError(_ error: ProtocolError, status: Int) -> HTTPReply {
        .json(.object([
            ("error", .string(error.code.rawValue)),
            ("error_description", .string(error.description)),
            ("errorCode", .string(error.code.rawValue)),
            ("errorMessage", .string(error.description)),
        ]), status: status)
    }

    /// Every BitBadges API request must carry the application's API key in `x-api-key`; nil when it does.
    func checkAPIKey(_ request: IncomingRequest) -> HTTPReply? {
        let docs = "https://docs.bitbadges.io/for-developers/bitbadges-api/api"
        let message: String
        switch request.header("x-api-key") {
        case nil, ""?:
            message = "The x-api-key header is missing: every BitBadges API request must carry the application's API key in an x-api-key header (\(docs))."
        case let key? where constantTimeEquals(key, configuration.apiKey):
            return nil
        default:
            message = "The x-api-key header does not hold a valid BitBadges API key; copy the key from the developer portal (\(docs))."
        }
        return .json(.object([
            ("error", .string("unauthorized")),
            ("error_description", .string(message)),
            ("errorCode", .string("unauthorized")),
            ("errorMessage", .string(message)),
            ("unauthorized", .bool(true)),
        ]), status: 401)
    }
}

/// The made-up blockchain identity BitBadges reports for a configured user, the same on every request.
struct BitBadgesIdentity {
    var address: String
    var chain = "Ethereum"
    var bitbadgesAddress: String

    init(user: String) {
        let hex = SHA256.hash(data: Data(user.utf8)).map { String(format: "%02x", $0) }.joined()
        address = "0x" + String(hex.prefix(40))
        bitbadgesAddress = "bb1" + String(hex.suffix(38))
    }
}

/// An OAuth error as sent by the server (RFC 6749 §4.1.2.1 on the redirect, §5.2 from the token endpoint).
public struct OAuthErrorResponse: Sendable, Hashable, Codable {
    public var error: String
    public var description: String?
    public var uri: String?

    public init(error: String, description: String? = nil, uri: String? = nil) {
        self.error = error
        self.description = description
        self.uri = uri
    }

    /// A plain explanation of what this error usually means and what to try.
    public var hint: String { OAuthErrorHint.hint(for: error, description: description) }
}

/// Plain-language explanations of the error codes people meet.
public enum OAuthErrorHint {
    public static func hint(for error: String, description: String? = nil) -> String {
        let d = description?.lowercased() ?? ""
        switch error {
        case "access_denied":
            return "The user (or a policy) refused the request at the consent screen. Nothing is wrong with the client; run the flow again and approve."
        case "invalid_request":
            if d.contains("redirect") {
                return "The redirect_uri is not one the client registered. Register this exact URI (scheme, host, port, path) with the provider, or pass the registered one with --redirect-uri."
            }
            return "A parameter is missing, repeated or malformed. Check the authorization URL's parameters against the provider's documentation."
        case "unauthorized_client":
            return "This client may not use the authorization-code grant. Enable it in the provider's client settings."
        case "unsupported_response_type":
            return "The server does not issue codes for this client (response_type=code). Check the client's type and allowed flows."
        case "invalid_scope":
            return "A requested scope is unknown or not allowed for this client. Remove it from --scope or enable it in the client settings."
        case "server_error", "temporarily_unavailable":
            return "The provider failed on its side. Try again later; if it persists, the provider's status page or logs may say why."
        case "invalid_client":
            return "Client authentication failed: wrong client id or secret, or the wrong method (try --token-auth basic or post to match the client's registration)."
        case "invalid_grant":
            if d.contains("verifier") || d.contains("pkce") || d.contains("challenge") {
                return "The code_verifier does not match the code_challenge sent with the authorization request (RFC 7636 §4.6)."
            }
            if d.contains("redirect") {
                return "The redirect_uri of the token request must be identical to the one of the authorization request (RFC 6749 §4.1.3)."
            }
            return "The code is invalid, expired, already used, or was issued to another client or redirect_uri. Codes are single-use and short-lived: run the flow again and exchange promptly."
        case "unauthorized", "unauthenticated", "forbidden":
            return "Not an RFC 6749 error code: the provider refused the request's credentials. Check the client secret, and any API key it wants in a header (--token-header 'x-api-key: ...')."
        case "unsupported_grant_type":
            return "The token endpoint does not accept this grant_type for this client."
        case "redirect_uri_mismatch":
            return "The redirect_uri does not match the one registered for the client (GitHub and Google use this code). Register the exact URI, or pass the registered one with --redirect-uri."
        case "invalid_token":
            return "The token is expired, revoked, or not valid for this resource."
        case "consent_required", "interaction_required", "login_required":
            return "The provider needs the user to log in or consent interactively; drop prompt=none."
        default:
            return "The provider returned \"\(error)\". Its error_description (if any) says more; see the provider's documentation for this code."
        }
    }
}

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

    /// The hint for an error met at `situation`, in the terms of the provider's redirect rule when known.
    public func hint(during situation: OAuthErrorHint.Situation, redirectRule: RedirectRule? = nil) -> String {
        OAuthErrorHint.hint(for: error, description: description, during: situation, redirectRule: redirectRule)
    }
}

/// Plain-language explanations of the error codes people meet.
public enum OAuthErrorHint {
    /// Where the error came from: the same code asks for different fixes on the authorization request, the code
    /// exchange and a refresh.
    public enum Situation: Sendable, Hashable {
        /// The error redirect of the authorization request (RFC 6749 §4.1.2.1).
        case authorization
        /// The token request that redeems the code (RFC 6749 §4.1.3, §5.2).
        case codeExchange
        /// A refresh (RFC 6749 §6, errors §5.2).
        case refresh
        /// A call with the access token: userinfo, an API (RFC 6750 §3.1), revocation or introspection.
        case tokenUse
        /// The client-credentials grant (RFC 6749 §4.4).
        case clientCredentials
        /// The token-exchange grant (RFC 8693 §2.2.2).
        case tokenExchange
    }

    /// What to do about a `redirect_uri` the provider refused, by its rule: a provider that matches exactly needs
    /// this exact URI registered; Bitbucket-style providers need the registered callback to be a prefix of it.
    public static func redirectAdvice(_ rule: RedirectRule?) -> String {
        guard let rule else {
            return "Register this exact URI (scheme, host, port, path) with the provider, or pass the registered one with --redirect-uri."
        }
        switch rule.path {
        case .exact:
            return "This provider \(rule.summary): register this exact URI with it, or pass the registered one with --redirect-uri."
        case .sameOrUnder:
            return "This provider \(rule.summary). Make the client's registered callback URL this URI or a prefix of its path "
                + "(e.g. register http://127.0.0.1:8765/ for http://127.0.0.1:8765/callback), or pass a --redirect-uri under the registered one."
        }
    }

    public static func hint(for error: String, description: String? = nil, during situation: Situation = .codeExchange, redirectRule: RedirectRule? = nil) -> String {
        let d = description?.lowercased() ?? ""
        switch error {
        case "access_denied":
            return "The user (or a policy) refused the request at the consent screen. Nothing is wrong with the client; run the flow again and approve."
        case "invalid_request" where situation == .tokenExchange:
            return "A parameter is missing or malformed: subject_token and subject_token_type are REQUIRED, and actor_token_type must come with actor_token (RFC 8693 §2.1, §2.2.2). The error_description says which."
        case "invalid_request":
            if d.contains("redirect") {
                return "The redirect_uri is not one the client registered. " + redirectAdvice(redirectRule)
            }
            return "A parameter is missing, repeated or malformed. Check the authorization URL's parameters against the provider's documentation."
        case "unauthorized_client" where situation == .clientCredentials:
            return "This client may not use the client_credentials grant. Only confidential clients may (RFC 6749 §4.4): register the client as confidential with a secret, and allow the grant in its settings."
        case "invalid_target":
            return "The audience or resource asked for is unknown to the server, or this client may not have a token for it (RFC 8693 §2.2.2, RFC 8707 §2). Check --audience and --resource against what the server knows."
        case "invalid_grant" where situation == .tokenExchange:
            return "The subject_token (or actor_token) is invalid, expired or revoked, or is not of the type named (RFC 8693 §2.2.2, RFC 6749 §5.2). Get a fresh one."
        case "invalid_scope" where situation == .refresh:
            return "A refresh may only ask for scopes of the original grant, never more (RFC 6749 §6). Ask for fewer with --scope, or leave it out to keep the original scope."
        case "unauthorized_client" where situation == .refresh:
            return "This client may not use the refresh_token grant (RFC 6749 §6). Enable refresh tokens for the client in the provider's settings; many providers also want offline_access in the scope, or access_type=offline (Google)."
        case "unauthorized_client" where situation == .tokenUse:
            return "This client may not make this request. Check what the provider allows the client in its settings."
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
        case "invalid_grant" where situation == .refresh:
            return "The refresh token is invalid, expired, revoked, or was already used: with rotation, each refresh token works once and the new one replaces it (RFC 9700 §4.14.2). Run the flow again to get a fresh one."
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
            return "The redirect_uri does not match the one registered for the client (GitHub and Google use this code). " + redirectAdvice(redirectRule)
        case "invalid_token":
            return "The token is expired, revoked, or not valid for this resource."
        case "insufficient_scope":
            return "The access token is valid but lacks the scope this call needs (RFC 6750 §3.1). Ask for that scope with --scope and run the flow again."
        case "consent_required", "interaction_required", "login_required", "account_selection_required":
            return "The provider needs the user to log in, pick an account or consent interactively; drop prompt=none (OIDC Core §3.1.2.6)."
        case "invalid_request_uri", "invalid_request_object":
            return "The request object (request or request_uri) was refused: check its signature, its claims and that the provider can fetch it (RFC 9101 §6.2)."
        case "request_not_supported", "request_uri_not_supported", "registration_not_supported":
            return "The provider does not take this parameter (OIDC Core §3.1.2.6). Send the parameters directly in the URL instead."
        case "unsupported_token_type":
            return "The provider cannot revoke this kind of token (RFC 7009 §2.2.1); try the other token, or leave token_type_hint out."
        case "bad_verification_code":
            return "GitHub's invalid_grant: the code is wrong, expired (after 10 minutes) or already used. Run the flow again and exchange promptly."
        case "incorrect_client_credentials":
            return "GitHub's invalid_client: the client_id or client_secret is wrong. Copy them again from the OAuth app's settings."
        default:
            return "The provider returned \"\(error)\". Its error_description (if any) says more; see the provider's documentation for this code."
        }
    }
}

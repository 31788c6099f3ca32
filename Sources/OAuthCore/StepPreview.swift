extension Glossary {
    /// What a step is about to do, said before it has happened (a step-mode pause, a step not reached yet);
    /// `stepExplanation` says what it did once it has.
    public static func stepPreview(_ step: Step) -> String {
        switch step {
        case .urlBuilt:
            return """
                The client (this tool, playing your application) is about to build the authorization URL: the \
                provider's authorization endpoint plus query parameters saying who the client is, what it wants and \
                where to send the answer, with fresh random values (state, and with PKCE a code_verifier whose hash \
                goes in the URL). If the provider is given by its issuer, its metadata is fetched first \
                (discovery). (RFC 6749 §4.1.1, RFC 7636 §4.1–4.3, RFC 8414 §3)
                """
        case .userRedirected:
            return """
                The user's browser is about to be sent to the authorization URL. Nothing has left yet. Once it \
                has, the user signs in at the provider and approves or denies; the client only waits for the \
                browser to come back to its redirect_uri. (RFC 6749 §4.1 steps A–B)
                """
        case .codeReceived:
            return """
                The client is waiting for the provider to send the browser back to the redirect_uri. The callback \
                should carry a single-use authorization code and the state that was sent (or error and \
                error_description); the client will check state, and iss when the provider sends it. \
                (RFC 6749 §4.1.2, §10.12, RFC 9207 §2.4)
                """
        case .tokenExchanged:
            return """
                The client is about to send the code to the provider's token endpoint in a direct back-channel \
                POST, with the code_verifier that proves it made the original request and, for a confidential \
                client, its own credentials. Nothing has been sent yet. The provider should answer with an access \
                token, often a refresh token and, for OpenID Connect, an ID token to check. \
                (RFC 6749 §4.1.3–4.1.4, RFC 7636 §4.5, OIDC Core §3.1.3.7)
                """
        }
    }

    /// The preview for a step named by its key (`url`, `redirect`, `callback`, `exchange`).
    public static func stepPreview(key: String) -> String? { Step(rawValue: key).map(stepPreview) }
}

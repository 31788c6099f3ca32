import FlowEngine
import Foundation
import MockProvider
import OAuthCore

extension Lesson {
    /// Every lesson, in teaching order: the happy path first, then each classic failure.
    public static let all: [Lesson] = [
        Lesson(
            name: "happy-path", summary: "The authorization-code flow from start to finish, every check passing",
            intro: "The client (oauthscope) sends the user to the authorization server with a state, a PKCE challenge and a nonce; the user approves; the server redirects back with a one-time code; the client exchanges the code, with its secret and the PKCE verifier, for tokens, and checks the ID token. Every other lesson breaks this flow in one place.",
            staging: LessonStaging(), expectation: .completes,
            explanation: "Every check passed: the callback's state was the one sent, the code was redeemed once with the verifier that matches the challenge, and the ID token's signature, issuer, audience, expiry and nonce were verified.",
            ref: "RFC 6749 §4.1, RFC 7636 §4, OIDC Core §3.1"),
        Lesson(
            name: "deny", summary: "The user refuses on the consent page: access_denied",
            intro: "The user reaches the consent page and clicks Deny. Watch the callback: it carries the flow's state and an error instead of a code, so there is nothing to exchange.",
            staging: LessonStaging(userDenies: true), expectation: .failsWith("access_denied"),
            explanation: "The authorization server redirected back with error=access_denied and the flow's state: the user refused, so no code was issued and no token request was made. A client shows a calm message and offers to try again; it never sends the user straight back to the provider by itself.",
            ref: "RFC 6749 §4.1.2.1"),
        Lesson(
            name: "state-mismatch", summary: "A callback with someone else's code and state is refused (login CSRF)",
            intro: "An attacker's page makes the user's browser load the client's callback with the attacker's own code and state, hoping the client redeems it and signs the user into the attacker's account. Watch the first callback: its state is not the one this flow sent.",
            staging: LessonStaging(forgedCallback: true), expectation: .refusesCallback(.stateMismatch),
            explanation: "The forged callback carried a state this flow never sent, so oauthscope refused it without a token request and kept waiting; the real callback, with the flow's own state, then completed the flow. Without the state check the client would have redeemed the attacker's code.",
            ref: "RFC 6749 §10.12, RFC 9700 §4.7"),
        Lesson(
            name: "redirect-mismatch", summary: "A redirect_uri the provider has not registered: an error page, no redirect",
            intro: "The client is registered with one callback URL but sends another as redirect_uri. Watch the authorization step: the server cannot trust the address, so it must not send anything there, not even an error.",
            staging: LessonStaging(registeredCallbackPath: "/registered/callback"), expectation: .failsAt(.userRedirected),
            explanation: "The redirect_uri was not one registered for the client, so the authorization server showed an error page instead of redirecting: sending a code, or even an error, to an unverified address could hand it to an attacker. The fix is on the registration: register the exact URI the client sends (for loopback, any port matches, RFC 8252 §7.3).",
            ref: "RFC 6749 §3.1.2.3, §4.1.2.1"),
        Lesson(
            name: "wrong-verifier", summary: "A code_verifier that does not match the code_challenge: invalid_grant",
            intro: "With PKCE the client sends a code_challenge, the SHA-256 of a secret code_verifier, in the authorization request, and the verifier itself in the token request. Here the token request carries another verifier, as a thief who stole the code but not the verifier would send.",
            staging: LessonStaging(tokenParameters: [FormField("code_verifier", "not-the-verifier-this-challenge-was-made-from-0123456789")]),
            expectation: .failsWith("invalid_grant"),
            explanation: "BASE64URL(SHA256(code_verifier)) was not the code_challenge of the authorization request, so the server refused the code with invalid_grant. This is what PKCE is for: whoever intercepts the code (another app on the device, a log, a referrer) lacks the verifier and cannot redeem it.",
            ref: "RFC 7636 §4.6, RFC 9700 §2.1.1"),
        Lesson(
            name: "code-replay", summary: "The same code sent twice: refused the second time, and its tokens revoked",
            intro: "The flow completes; then the client sends the very same token request again, as a careless retry or a thief with a copy of the request would. Then it asks the server (introspection) whether the access token from the first exchange still works.",
            staging: LessonStaging(thenActions: ["replay-code", "introspect"]), expectation: .refusesAction("replay-code", error: "invalid_grant"),
            explanation: "The code had been redeemed already, so the server answered invalid_grant; and because a second use means a copy of the code exists somewhere, it revoked the tokens issued from it, which introspection shows as not active. Codes are single-use: exchange each once, and never retry a token request blindly.",
            ref: "RFC 6749 §4.1.2, RFC 9700 §4.5"),
        Lesson(
            name: "expired-code", summary: "A code redeemed after it expired: invalid_grant",
            intro: "Authorization codes are short-lived: RFC 6749 recommends at most 10 minutes. For this lesson the embedded provider's codes expire the moment they are issued, as if the client had waited too long (a breakpoint, a paused step, a slow queue).",
            staging: LessonStaging(codeLifetime: .zero), expectation: .failsWith("invalid_grant"),
            explanation: "The code had expired when the client redeemed it, so the server answered invalid_grant. A client exchanges the code as soon as the callback arrives; if it gets invalid_grant for a fresh-looking code, clock skew or a slow hop is the first suspect, and the cure is a new authorization request.",
            ref: "RFC 6749 §4.1.2, §5.2"),
        Lesson(
            name: "login-required", summary: "prompt=none while the user is signed out: login_required",
            intro: "prompt=none asks the authorization server to answer without showing the user any page: apps use it to check silently whether the user is still signed in. Here the user has no session at the provider.",
            staging: LessonStaging(faults: [.signedOut], authorizationParameters: [FormField("prompt", "none")]), expectation: .failsWith("login_required"),
            explanation: "Signing in needs a page, and prompt=none forbids one, so the server redirected back at once with error=login_required (and the flow's state). The app now knows the user is signed out and starts a normal, interactive request.",
            ref: "OIDC Core §3.1.2.6"),
        Lesson(
            name: "consent-required", summary: "prompt=none before the user has approved the client: consent_required",
            intro: "The user is signed in at the provider but has never approved this client, and the request says prompt=none: no pages. Watch what comes back instead of a consent page.",
            staging: LessonStaging(authorizationParameters: [FormField("prompt", "none")]), expectation: .failsWith("consent_required"),
            explanation: "Approving the client needs the consent page, which prompt=none forbids, so the server answered consent_required at once. The client must ask again without prompt=none and let the user decide.",
            ref: "OIDC Core §3.1.2.6"),
        Lesson(
            name: "invalid-scope", summary: "A scope the provider does not know: invalid_scope",
            intro: "The client asks for a scope the authorization server has never heard of. Watch the callback: the server refuses the whole request instead of showing the consent page.",
            staging: LessonStaging(scope: "openid email payments:write"), expectation: .failsWith("invalid_scope"),
            explanation: "The server does not know payments:write, so it redirected back with error=invalid_scope (a server may instead grant fewer scopes and list the granted ones in the token response). Ask only for scopes the provider documents; its discovery metadata lists them in scopes_supported.",
            ref: "RFC 6749 §3.3, §4.1.2.1"),
        Lesson(
            name: "refresh-rotation", summary: "A refresh rotates the refresh token; the old one is then refused",
            intro: "After the exchange the client uses its refresh token for a new access token. The embedded provider rotates refresh tokens: each refresh returns a new one. Then the client tries the old refresh token again.",
            staging: LessonStaging(thenActions: ["refresh", "check-rotation"]), expectation: .refusesAction("check-rotation", error: "invalid_grant"),
            explanation: "The refresh returned a new access token and a new refresh token, and the old refresh token stopped working: the server answered invalid_grant. Rotation makes a stolen refresh token useful only until the rightful client refreshes, and lets the server notice a replay.",
            ref: "RFC 9700 §4.14.2, RFC 6749 §6"),
        Lesson(
            name: "bad-signature", summary: "An ID token whose signature does not verify is rejected",
            intro: "The embedded provider alters the ID token's signature after signing it. Watch the token step: the client verifies the signature against the keys the provider publishes (its JWKS) before trusting any claim.",
            staging: LessonStaging(faults: [.badSignature]), expectation: .failsCheck("signature"),
            explanation: "The signature did not verify against the provider's published keys: the token was changed after signing, or never signed by this provider. oauthscope rejected it and trusted none of its claims. Never skip this check, even for a token that came straight from the token endpoint.",
            ref: "OIDC Core §3.1.3.7, RFC 7515 §5.2"),
    ]

    /// The lesson of this name, or nil.
    public static func named(_ name: String) -> Lesson? {
        all.first { $0.name == name.lowercased() }
    }
}

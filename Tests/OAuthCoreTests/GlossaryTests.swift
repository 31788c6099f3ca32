import Foundation
import Testing

@testable import OAuthCore

@Suite("Glossary, error codes and hints")
struct GlossaryTests {
    /// The codes of RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6, RFC 6750 §3.1, RFC 7009 §2.2.1, RFC 8707 §2 and
    /// the two GitHub sends from its token endpoint.
    static let codes = [
        "invalid_request", "unauthorized_client", "access_denied", "unsupported_response_type", "invalid_scope", "server_error",
        "temporarily_unavailable", "invalid_client", "invalid_grant", "unsupported_grant_type",
        "interaction_required", "login_required", "account_selection_required", "consent_required", "invalid_request_uri",
        "invalid_request_object", "request_not_supported", "request_uri_not_supported", "registration_not_supported",
        "invalid_token", "insufficient_scope", "invalid_target", "unsupported_token_type", "bad_verification_code", "incorrect_client_credentials",
    ]

    @Test("every error code is explained with the section that defines it", arguments: codes)
    func errorCodes(code: String) throws {
        let e = try #require(Glossary.errorCode(code))
        #expect(!e.purpose.isEmpty)
        #expect(e.ref.hasPrefix("RFC ") || e.ref.hasPrefix("OIDC Core") || e.ref.hasPrefix("docs.github.com"), "\(e.ref)")
        // A hint of its own, not the generic "see the provider's documentation".
        #expect(!OAuthErrorHint.hint(for: code).hasPrefix("The provider returned"), "\(code)")
    }

    @Test("the parameters and claims teachers meet are explained with their section", arguments: [
        ("display", Glossary.Context.authorizationRequest, "OIDC Core §3.1.2.1"), ("ui_locales", .authorizationRequest, "OIDC Core §3.1.2.1"),
        ("claims", .authorizationRequest, "OIDC Core §5.5"), ("acr_values", .authorizationRequest, "OIDC Core §3.1.2.1"),
        ("id_token_hint", .authorizationRequest, "OIDC Core §3.1.2.1"), ("request", .authorizationRequest, "RFC 9101 §5"),
        ("request_uri", .authorizationRequest, "RFC 9101 §5"), ("token_type_hint", .tokenRequest, "RFC 7009 §2.1"),
        ("nbf", .idTokenClaim, "RFC 7519 §4.1.5"), ("sid", .idTokenClaim, "OIDC Front-Channel Logout §3"),
    ])
    func parameters(name: String, context: Glossary.Context, ref: String) throws {
        let e = try #require(Glossary.parameter(name, in: context))
        #expect(e.ref.hasPrefix(ref), "\(name): \(e.ref)")
        #expect(Glossary.names(in: context).contains(name))
    }

    @Test("a preset's own fields come from its glossary, labelled with the provider; another preset's stay unexplained")
    func providerFields() throws {
        for name in ["address", "chain", "bitbadgesAddress", "access_token_expires_at"] {
            let e = try #require(Glossary.providerField(name, preset: "bitbadges"))
            #expect(e.purpose.hasPrefix("BitBadges"))
            #expect(e.ref.hasPrefix("https://docs.bitbadges.io/"))
            #expect(Glossary.providerField(name) != nil, "without a preset, any preset that knows the name explains it")
        }
        #expect(Glossary.providerField("address", preset: "bitbucket") == nil)
        let scopes = try #require(Glossary.providerField("scopes", preset: "bitbucket"))
        #expect(scopes.purpose.hasPrefix("Bitbucket Cloud"))
        #expect(Glossary.providerField("nonsense-field") == nil)
    }

    @Test("standard scopes are explained for the consent page")
    func scopes() throws {
        for s in ["openid", "profile", "email", "offline_access"] { #expect(Glossary.scope(s) != nil, "\(s)") }
        #expect(try #require(Glossary.scope("openid")).ref == "OIDC Core §3.1.2.1")
        #expect(Glossary.scope("repository:write") == nil)
    }

    @Test("unauthorized_client: the fix depends on whether the code exchange or a refresh was refused")
    func unauthorizedClientByStep() {
        let exchange = OAuthErrorResponse(error: "unauthorized_client").hint(during: .codeExchange)
        let refresh = OAuthErrorResponse(error: "unauthorized_client").hint(during: .refresh)
        #expect(exchange.contains("authorization-code grant"))
        #expect(refresh.contains("refresh_token grant") && refresh.contains("RFC 6749 §6"))
        #expect(!refresh.contains("authorization-code"))
        let replayed = OAuthErrorResponse(error: "invalid_grant").hint(during: .refresh)
        #expect(replayed.contains("refresh token") && !replayed.contains("code_verifier"))
    }

    @Test("a redirect_uri refusal is explained by the provider's rule: prefix for Bitbucket, exact elsewhere")
    func redirectHintByRule() {
        let err = OAuthErrorResponse(error: "invalid_request", description: "redirect_uri does not match")
        let bitbucket = err.hint(during: .authorization, redirectRule: ProviderPresets.bitbucket.redirectRule)
        #expect(bitbucket.contains("prefix") && bitbucket.contains("path under it"))
        #expect(!bitbucket.contains("exact URI"), "Bitbucket documents a prefix rule, not an exact one")
        let google = err.hint(during: .authorization, redirectRule: RedirectRule.exact)
        #expect(google.contains("register this exact URI") && google.contains("character for character"))
        let unknown = err.hint(during: .authorization)
        #expect(unknown.contains("Register this exact URI"))
        let github = OAuthErrorResponse(error: "redirect_uri_mismatch").hint(during: .authorization, redirectRule: .github)
        #expect(github.contains("subdomain") && github.contains("prefix"))
    }
}

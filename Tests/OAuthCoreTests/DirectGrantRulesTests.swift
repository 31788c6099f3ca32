import Foundation
import OAuthCore
import Testing

@Suite struct DirectGrantRulesTests {
    static let endpoint = URL(string: "https://id.example/token")!

    func builder(_ method: ClientAuthMethod = .clientSecretBasic, extra: [FormField] = []) -> TokenRequestBuilder {
        TokenRequestBuilder(tokenEndpoint: Self.endpoint, credentials: ClientCredentials(clientID: "app", clientSecret: Secret("s"), method: method), extraParameters: extra)
    }

    func fields(_ spec: HTTPRequestSpec) -> [FormField] { FormURLEncoded.decode(spec.body).fields }

    @Test func clientCredentialsRequestCarriesTheGrantTheScopeAndTheClientsAuthentication() {
        let basic = builder().clientCredentials(scope: "api.read api.write")
        #expect(fields(basic).map(\.name) == ["grant_type", "scope"])
        #expect(fields(basic).first("grant_type") == "client_credentials")
        #expect(fields(basic).first("scope") == "api.read api.write")
        #expect(basic.headers.first { $0.name == "Authorization" }?.value == HTTPBasicCredentials.headerValue(clientID: "app", clientSecret: "s"))
        let post = builder(.clientSecretPost, extra: [FormField("audience", "x")]).clientCredentials(scope: nil)
        #expect(fields(post).first("scope") == nil)
        #expect(fields(post).first("client_secret") == "s")
        #expect(fields(post).first("audience") == "x")
        #expect(!post.headers.contains { $0.name == "Authorization" })
    }

    @Test func refreshRequestCarriesTheTokenAndANarrowerScope() {
        let spec = builder().refresh(refreshToken: "rt", scope: "openid")
        #expect(fields(spec).first("grant_type") == "refresh_token")
        #expect(fields(spec).first("refresh_token") == "rt")
        #expect(fields(spec).first("scope") == "openid")
    }

    @Test func tokenExchangeRequestRepeatsAudienceAndResourceAndPairsTheActorWithItsType() {
        let p = TokenExchangeParameters(subjectToken: "sub", actorToken: "act", actorTokenType: TokenTypeURI.jwt, requestedTokenType: TokenTypeURI.idToken,
                                        audiences: ["a1", "a2"], resources: ["https://r.example/"], scope: "read")
        let f = fields(builder().tokenExchange(p))
        #expect(f.first("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange")
        #expect(f.filter { $0.name == "audience" }.map(\.value) == ["a1", "a2"])
        #expect(f.first("resource") == "https://r.example/")
        #expect(f.first("subject_token") == "sub")
        #expect(f.first("subject_token_type") == "urn:ietf:params:oauth:token-type:access_token")
        #expect(f.first("actor_token") == "act")
        #expect(f.first("actor_token_type") == "urn:ietf:params:oauth:token-type:jwt")
        #expect(f.first("requested_token_type") == "urn:ietf:params:oauth:token-type:id_token")
        #expect(f.first("scope") == "read")
        let alone = fields(builder().tokenExchange(TokenExchangeParameters(subjectToken: "sub")))
        #expect(!alone.contains { ["actor_token", "actor_token_type", "audience", "resource", "requested_token_type"].contains($0.name) })
    }

    /// RFC 8693 §3 lists the identifiers; the short names map onto them, other URIs pass as they are.
    @Test func tokenTypesResolveFromShortNamesAndURIs() {
        #expect(TokenTypeURI.resolve("access_token") == "urn:ietf:params:oauth:token-type:access_token")
        #expect(TokenTypeURI.resolve("refresh-token") == "urn:ietf:params:oauth:token-type:refresh_token")
        #expect(TokenTypeURI.resolve("ID_TOKEN") == "urn:ietf:params:oauth:token-type:id_token")
        #expect(TokenTypeURI.resolve("saml2") == "urn:ietf:params:oauth:token-type:saml2")
        #expect(TokenTypeURI.resolve("urn:example:custom") == "urn:example:custom")
        #expect(TokenTypeURI.resolve("bearer") == nil)
        #expect(TokenTypeURI.resolve("urn:a b") == nil)
        #expect(TokenTypeURI.resolve(":x") == nil)
    }

    func tokens(_ body: String) throws -> (TokenSet, [Finding]) {
        guard case .success(let t, let f) = TokenResponseParser.parse(status: 200, headers: [FormField("Content-Type", "application/json"), FormField("Cache-Control", "no-store")], body: body) else {
            throw ParseFailure(body: body)
        }
        return (t, f)
    }

    struct ParseFailure: Error { var body: String }

    @Test func clientCredentialsAnswersWithARefreshTokenOrAnIDTokenAreFindings() throws {
        let (plain, _) = try tokens(#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#)
        #expect(DirectGrantChecks.clientCredentials(plain, step: "exchange").isEmpty)
        let (both, _) = try tokens(#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"r","id_token":"x.y.z"}"#)
        let found = DirectGrantChecks.clientCredentials(both, step: "exchange")
        #expect(found.map(\.code) == ["client_credentials.refresh_token", "client_credentials.id_token"])
        #expect(found.allSatisfy { $0.step == "exchange" })
        #expect(found.first?.ref == "RFC 6749 §4.4.3")
    }

    @Test func refreshSaysWhetherTheTokenRotatedAndWhenTheScopeGrew() throws {
        let (rotated, _) = try tokens(#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"new","scope":"openid"}"#)
        #expect(DirectGrantChecks.refresh(rotated, presented: "old", requestedScope: "openid", step: nil).map(\.code) == ["refresh.rotated"])
        let (kept, _) = try tokens(#"{"access_token":"a","token_type":"Bearer","expires_in":60,"scope":"openid email"}"#)
        #expect(DirectGrantChecks.refresh(kept, presented: "old", requestedScope: "openid", step: nil).map(\.code) == ["refresh.not_rotated", "refresh.scope_wider"])
        let (same, _) = try tokens(#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"old"}"#)
        #expect(DirectGrantChecks.refresh(same, presented: "old", requestedScope: nil, step: nil).map(\.code) == ["refresh.not_rotated"])
    }

    @Test func tokenExchangeNeedsIssuedTokenTypeAndNAForTokensThatAreNotAccessTokens() throws {
        let (missing, pf) = try tokens(#"{"access_token":"a","token_type":"Bearer","expires_in":60}"#)
        let m = DirectGrantChecks.tokenExchange(missing, parserFindings: pf, requested: nil, step: "exchange")
        #expect(m.failure?.contains("RFC 8693 §2.2.1") == true)
        #expect(m.findings.contains { $0.code == "token_exchange.issued_token_type_missing" && $0.severity == .error })

        let (na, naFindings) = try tokens(#"{"access_token":"a.b.c","issued_token_type":"urn:ietf:params:oauth:token-type:id_token","token_type":"N_A","expires_in":60}"#)
        #expect(naFindings.contains { $0.code == "token.token_type_unusual" })
        let n = DirectGrantChecks.tokenExchange(na, parserFindings: naFindings, requested: TokenTypeURI.idToken, step: "exchange")
        #expect(n.failure == nil)
        #expect(n.findings.isEmpty, "\(n.findings.map(\.code))")

        let (bearerID, bf) = try tokens(#"{"access_token":"a.b.c","issued_token_type":"urn:ietf:params:oauth:token-type:id_token","token_type":"Bearer","expires_in":60}"#)
        #expect(DirectGrantChecks.tokenExchange(bearerID, parserFindings: bf, requested: nil, step: nil).findings.map(\.code) == ["token_exchange.token_type_not_na"])

        let (naAccess, af) = try tokens(#"{"access_token":"a","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"N_A","expires_in":60}"#)
        #expect(DirectGrantChecks.tokenExchange(naAccess, parserFindings: af, requested: nil, step: nil).findings.map(\.code) == ["token_exchange.token_type_na"])

        let (other, of) = try tokens(#"{"access_token":"a","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":60}"#)
        #expect(DirectGrantChecks.tokenExchange(other, parserFindings: of, requested: TokenTypeURI.jwt, step: nil).findings.map(\.code) == ["token_exchange.other_type"])
    }

    @Test func errorsOfEachGrantAreExplainedWithTheirSection() {
        #expect(OAuthErrorHint.hint(for: "unauthorized_client", during: .clientCredentials).contains("RFC 6749 §4.4"))
        #expect(OAuthErrorHint.hint(for: "invalid_request", during: .tokenExchange).contains("RFC 8693 §2.1"))
        #expect(OAuthErrorHint.hint(for: "invalid_target", during: .tokenExchange).contains("RFC 8693 §2.2.2"))
        #expect(OAuthErrorHint.hint(for: "invalid_scope", during: .refresh).contains("RFC 6749 §6"))
    }
}

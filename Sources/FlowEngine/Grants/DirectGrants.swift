import Foundation
import OAuthCore

/// What the grants without a redirect present besides the client's credentials: the refresh token (RFC 6749 §6),
/// the subject and actor tokens and what the new token is for (RFC 8693 §2.1). Secrets stay `Secret`s.
public struct DirectGrantInputs: Sendable, Hashable {
    public var refreshToken: Secret?
    public var subjectToken: Secret?
    /// An RFC 8693 §3 identifier (short names resolved already).
    public var subjectTokenType: String = TokenTypeURI.accessToken
    public var actorToken: Secret?
    public var actorTokenType: String?
    public var requestedTokenType: String?
    public var audiences: [String] = []
    public var resources: [String] = []

    public init() {}
}

// The grants that go straight to the token endpoint: client credentials (RFC 6749 §4.4), refresh token
// (RFC 6749 §6) and token exchange (RFC 8693). One token hop each, through the same request-and-check path as the
// code exchange (`requestTokens`, `finishExchange`), plus each grant's own checks.
extension FlowController {
    func runDirectGrant(_ grant: GrantType) async throws(FlowFailure) -> TokenSession? {
        let c = configuration
        let requestStep = GrantDescription.named(grant.rawValue)?.steps.first ?? .urlBuilt
        let issuedStep = FlowStep.tokenExchanged.key
        let endpoints = try await resolveEndpoints()
        try requireSafe(endpoints.token, as: .token, issuer: endpoints.issuer)
        if let m = endpoints.metadata, let f = Self.unadvertised(grant, metadata: m) {
            publisher.publish(.finding(f.at(step: requestStep.key)))
        }
        let builder = tokenRequestBuilder(endpoints)
        switch grant {
        case .clientCredentials:
            if c.tokenAuth == .none {
                publisher.publish(.finding(FindingCatalogue.clientCredentialsPublicClient.finding(step: requestStep.key)))
            }
            let spec = builder.clientCredentials(scope: c.scope)
            let (tokens, findings) = try await requestTokens(spec, during: .clientCredentials, refused: "the client-credentials request")
            publish(findings + DirectGrantChecks.clientCredentials(tokens, step: issuedStep))
            let original = try await finishExchange(tokens, code: nil, nonce: nil, issuer: endpoints.issuer, jwksURI: endpoints.jwks, metadata: endpoints.metadata, wantsOIDC: false)
            return session(TokenVault(tokens), builder: builder, endpoints: endpoints, original: original)

        case .refreshToken:
            guard let presented = c.grantInputs.refreshToken else {
                throw FlowFailure("--grant refresh-token needs the refresh token to present", hint: "Give --refresh-token-env NAME or --refresh-token-file PATH.", step: requestStep)
            }
            let spec = builder.refresh(refreshToken: presented.value, scope: c.scope)
            let (tokens, findings) = try await requestTokens(spec, during: .refresh, refused: "the refresh token")
            publish(findings + DirectGrantChecks.refresh(tokens, presented: presented.value, requestedScope: c.scope, step: issuedStep))
            // A refreshed ID token gets the checks of any ID token (signature, iss, aud, exp, iat, at_hash; no nonce,
            // none was sent: OIDC Core §12.2).
            let original = try await finishExchange(tokens, code: nil, nonce: nil, issuer: endpoints.issuer, jwksURI: endpoints.jwks, metadata: endpoints.metadata, wantsOIDC: false)
            // The vault starts from the token presented, so `check-rotation` can send it again and `refresh` goes on
            // with the newest (RFC 6749 §6: without a new one, the one presented stays valid).
            var before = tokens
            before.refreshToken = presented
            let vault = TokenVault(before)
            _ = await vault.replace(with: tokens)
            return session(vault, builder: builder, endpoints: endpoints, original: original)

        case .tokenExchange:
            let g = c.grantInputs
            guard let subject = g.subjectToken else {
                throw FlowFailure("--grant token-exchange needs the subject token to exchange", hint: "Give --subject-token-env NAME or --subject-token-file PATH (and --subject-token-type when it is not an access token).", step: requestStep)
            }
            let parameters = TokenExchangeParameters(
                subjectToken: subject.value, subjectTokenType: g.subjectTokenType, actorToken: g.actorToken?.value, actorTokenType: g.actorTokenType,
                requestedTokenType: g.requestedTokenType, audiences: g.audiences, resources: g.resources, scope: c.scope)
            let spec = builder.tokenExchange(parameters)
            let (tokens, parserFindings) = try await requestTokens(spec, during: .tokenExchange, refused: "the token exchange")
            let (findings, failure) = DirectGrantChecks.tokenExchange(tokens, parserFindings: parserFindings, requested: g.requestedTokenType, step: issuedStep)
            publish(findings)
            if let failure {
                throw FlowFailure(failure, hint: "The server broke RFC 8693 §2.2.1. Its raw answer is in the token step; a client must not guess the type of a token it cannot identify.", step: .tokenExchanged)
            }
            let original = try await finishExchange(tokens, code: nil, nonce: nil, issuer: endpoints.issuer, jwksURI: endpoints.jwks, metadata: endpoints.metadata, wantsOIDC: false)
            return session(TokenVault(tokens), builder: builder, endpoints: endpoints, original: original)

        case .authorizationCode, .device:
            throw FlowFailure("--grant \(grant.rawValue) is not a grant without a redirect", step: requestStep)
        }
    }

    private func publish(_ findings: [Finding]) {
        for f in findings { publisher.publish(.finding(f.step == nil ? f.at(step: FlowStep.tokenExchanged.key) : f)) }
    }

    /// A warning when the metadata does not list the grant (RFC 8414 §2: absent, `grant_types_supported` means
    /// authorization_code and implicit only). Not a refusal: metadata is often incomplete.
    static func unadvertised(_ grant: GrantType, metadata: ProviderMetadata) -> Finding? {
        guard let listed = metadata.raw["grant_types_supported"]?.arrayValue else {
            return FindingCatalogue.grantUnadvertised.finding("has no grant_types_supported (which then means authorization_code and implicit only)", grant.wireValue)
        }
        let names = listed.compactMap(\.stringValue)
        guard !names.contains(grant.wireValue) else { return nil }
        return FindingCatalogue.grantUnadvertised.finding("lists grant_types_supported \(names.prefix(12).joined(separator: ", ")) without \(grant.wireValue)", grant.wireValue)
    }
}

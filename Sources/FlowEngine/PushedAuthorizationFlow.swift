import Foundation
import OAuthCore

// The pushed authorization request (RFC 9126) and the client assertion (RFC 7523) as the flow makes them.
extension FlowController {
    /// Publishes `client.assertion` for a request that carries one, before it leaves.
    func announceAssertion(in spec: HTTPRequestSpec, hop: HopPurpose) {
        Self.announceAssertion(in: spec, hop: hop, configuration: configuration, publisher: publisher)
    }

    static func announceAssertion(in spec: HTTPRequestSpec, hop: HopPurpose, configuration: FlowConfiguration, publisher: FlowPublisher) {
        guard configuration.tokenAuth.usesAssertion, let jwt = TokenRequestBuilder.clientAssertion(in: spec) else { return }
        publisher.publish(.clientAssertion(ClientAssertionBuilt(
            hop: hop.rawValue, method: configuration.tokenAuth.rawValue, header: jwt.header, claims: jwt.claims,
            explanation: ClientAssertion.explanation(method: configuration.tokenAuth, header: jwt.header), ref: configuration.tokenAuth.reference)))
    }

    /// A request held at step mode's pause, or sent again there, with its client assertion signed afresh and shown
    /// (`client.assertion`): an assertion lives a minute and its jti may be used once (RFC 7523 §3).
    static func resigningAssertion(in spec: HTTPRequestSpec, hop: HopPurpose, configuration: FlowConfiguration, publisher: FlowPublisher, now: Date) -> HTTPRequestSpec {
        guard configuration.tokenAuth.usesAssertion else { return spec }
        let fresh = TokenRequestBuilder.resigningAssertion(in: spec, credentials: configuration.credentials, now: now)
        if fresh != spec { announceAssertion(in: fresh, hop: hop, configuration: configuration, publisher: publisher) }
        return fresh
    }

    /// A warning when the metadata lists the token endpoint's client authentication methods without this one.
    func clientAuthenticationFindings(_ metadata: ProviderMetadata?) {
        guard let methods = metadata?.tokenEndpointAuthMethods, !methods.isEmpty, !methods.contains(configuration.tokenAuth.rawValue) else { return }
        publisher.publish(.finding(FindingCatalogue.clientAuthUnadvertised.finding(methods.joined(separator: ", "), configuration.tokenAuth.rawValue, step: FlowStep.tokenExchanged.key)))
    }

    /// Pushes the authorization parameters (RFC 9126 §2.1) and returns the URL the user is sent to: the
    /// authorization endpoint with only `client_id` and `request_uri` (§4).
    func push(_ request: AuthorizationRequest, endpoints: Endpoints) async throws(FlowFailure) -> URL {
        let c = configuration
        let step = FlowStep.pushedRequest
        let endpoint: URL
        if let discovered = endpoints.metadata?.pushedAuthorizationRequestEndpoint, c.pushedAuthorizationEndpoint == nil {
            endpoint = discovered
        } else if let given = c.pushedAuthorizationEndpoint {
            endpoint = given
            if endpoints.metadata != nil, endpoints.metadata?.pushedAuthorizationRequestEndpoint == nil {
                publisher.publish(.finding(FindingCatalogue.parUnadvertised.finding(given.absoluteString, step: step.key)))
            }
        } else {
            throw FlowFailure("--par: the provider names no pushed_authorization_request_endpoint", hint: "Give the endpoint with --par-endpoint URL, or leave out --par if the provider does not take pushed requests (RFC 9126 §5).", step: step)
        }
        // The push carries the client's credentials, like the token request.
        try requireSafe(endpoint, as: .token, issuer: endpoints.issuer)
        var builder = TokenRequestBuilder(tokenEndpoint: endpoints.token, credentials: c.credentials)
        builder.now = clock
        let spec = builder.pushedAuthorization(endpoint: endpoint, parameters: request.parameters)
        announceAssertion(in: spec, hop: .par)
        let answer = await client.send(spec, purpose: .par, publisher: publisher)
        guard case .response(let status, _, let body, _) = answer else {
            if case .failure(let reason, let hint) = answer { throw FlowFailure("the pushed authorization request failed: \(reason)", hint: hint, step: step) }
            throw FlowFailure("no answer from the pushed authorization request endpoint", step: step)
        }
        switch PushedAuthorization.parse(status: status, body: body) {
        case .invalid(let reason, let hint, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: step.key))) }
            throw FlowFailure(reason, hint: hint, step: step)
        case .error(let err, let st, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: step.key))) }
            throw FlowFailure("the pushed authorization request was refused: \(err.error) (HTTP \(st))" + (err.description.map { ": \($0)" } ?? ""),
                              error: err.error, description: err.description, hint: err.hint(during: err.error == "invalid_client" ? .codeExchange : .authorization, redirectRule: c.redirectRule), step: step)
        case .success(let requestURI, let expiresIn, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: step.key))) }
            let url = PushedAuthorization.authorizationURL(endpoint: request.endpoint, clientID: c.clientID, requestURI: requestURI)
            publisher.publish(.authorizationPushed(AuthorizationPushed(endpoint: endpoint.absoluteString, requestURI: requestURI, expiresIn: expiresIn, url: url.absoluteString, status: status)))
            return url
        }
    }
}

import Foundation
import OAuthCore

/// The provider's endpoints, known up front or by discovery.
public enum ProviderSource: Sendable, Hashable {
    /// OIDC discovery (RFC 8414 as the fallback) from this issuer.
    case issuer(String)
    /// Endpoints given directly; `issuer` when known (for the iss checks).
    case endpoints(authorization: URL, token: URL, issuer: String?, jwks: URL?)
    /// Metadata already fetched.
    case metadata(ProviderMetadata)
}

/// When to exchange the code (`--exchange`).
public enum ExchangeMode: String, Sendable, Hashable, CaseIterable {
    /// At once.
    case auto
    /// Wait for the user (a key in the TUI, a line on stdin).
    case manual
    /// Stop at the code, for an app that exchanges it itself.
    case never
}

/// Everything one flow needs to know.
public struct FlowConfiguration: Sendable {
    public var mode: String
    public var providerLabel: String
    public var provider: ProviderSource
    public var clientID: String
    public var clientSecret: Secret?
    public var tokenAuth: ClientAuthMethod
    public var tokenBody: TokenBodyEncoding
    public var scope: String?
    public var redirectURI: String
    public var authorizationParameters: [FormField]
    public var tokenParameters: [FormField]
    public var tokenHeaders: [FormField]
    /// Nil turns PKCE off (`--pkce none`).
    public var pkce: PKCEMethod?
    public var exchange: ExchangeMode
    public var stepMode: Bool
    /// How long to wait for the callback.
    public var callbackTimeout: Duration
    /// How long an error redirect without `state` waits for the flow's own callback before it ends the flow
    /// (`--unverified-error-grace`): anyone can send one, so it is never taken at once.
    public var unverifiedErrorGrace: Duration = .seconds(10)
    public var reveal: Bool
    /// Go on after a failed ID-token check, reporting it as an error finding.
    public var insecureContinue: Bool
    /// Use plain-http endpoints that are not loopback, or that an https issuer's metadata names, with a warning
    /// finding instead of refusing them (`--allow-insecure-http`).
    public var allowInsecureHTTP = false
    /// Where the callback listener is bound, for `listener.started`.
    public var listenerAddresses: [String] = []
    /// Follow-up hops to make after the exchange, in order (`--then refresh,userinfo,...`).
    public var thenActions: [String] = []
    /// After the flow, keep serving `.action` commands from the front (the TUI's keys) until it quits.
    public var serveActions = false
    /// Endpoints for the follow-up hops when discovery does not give them.
    public var userinfoURL: URL?
    public var revocationURL: URL?
    public var introspectionURL: URL?
    /// Provider-specific calls offered after the exchange (a preset's follow-ups), by name.
    public var followUps: [FollowUpCall] = []
    /// The config-file profile this flow came from.
    public var profile: String?
    /// What the flow doctor says before anything is sent (a preset's notes and quirks, a redirect rule check).
    public var startFindings: [Finding] = []
    /// Where each setting came from, for `flow.started` (secrets already redacted unless `--reveal`).
    public var settings: [SettingOrigin] = []
    /// Leave `redirect_uri` out of the authorization and token requests (`--omit-redirect-uri`).
    public var omitRedirectURI = false
    /// The grant to run; each but the authorization code has its runner in `Grants/`.
    public var grant: GrantType = .authorizationCode
    /// What the grants without a redirect present: the refresh token, the subject and actor tokens (`Grants/`).
    public var grantInputs = DirectGrantInputs()
    /// How the provider matches `redirect_uri` (its preset's rule), so error hints give the fix that works there.
    public var redirectRule: RedirectRule?
    /// The device authorization endpoint (RFC 8628 §3.1) when discovery does not name it (`--device-authorization-url`,
    /// a preset's).
    public var deviceAuthorizationURL: URL?
    /// The device grant: open the verification page after this many polls (the demo's simulated user approves
    /// only after the device has polled a few times, so the pending answers show); 0 opens it at once.
    public var deviceUserAfterPolls = 0
    /// The private key of `private_key_jwt` (`--private-key`, or the demo's generated one).
    public var signingKey: ClientSigningKey?
    /// Push the authorization request first (`--par`, RFC 9126), to this endpoint when discovery names none.
    public var pushedAuthorization = false
    public var pushedAuthorizationEndpoint: URL?

    /// The client's credentials as every client-authenticated request presents them.
    public var credentials: ClientCredentials {
        ClientCredentials(clientID: clientID, clientSecret: clientSecret, method: tokenAuth, signingKey: signingKey)
    }
    /// Sender-constrain the tokens with DPoP (RFC 9449, `--dpop`): an ephemeral key per run, a proof on every
    /// token request and resource call.
    public var dpop = false
    /// What a call's path alone (`call:GET:/api/me`) is relative to: the demo's embedded provider.
    public var apiBase: URL?

    public init(mode: String, providerLabel: String, provider: ProviderSource, clientID: String, clientSecret: Secret?, tokenAuth: ClientAuthMethod, tokenBody: TokenBodyEncoding = .form, scope: String?, redirectURI: String, authorizationParameters: [FormField] = [], tokenParameters: [FormField] = [], tokenHeaders: [FormField] = [], pkce: PKCEMethod? = .s256, exchange: ExchangeMode = .auto, stepMode: Bool = false, callbackTimeout: Duration = .seconds(300), reveal: Bool = false, insecureContinue: Bool = false) {
        self.mode = mode
        self.providerLabel = providerLabel
        self.provider = provider
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenAuth = tokenAuth
        self.tokenBody = tokenBody
        self.scope = scope
        self.redirectURI = redirectURI
        self.authorizationParameters = authorizationParameters
        self.tokenParameters = tokenParameters
        self.tokenHeaders = tokenHeaders
        self.pkce = pkce
        self.exchange = exchange
        self.stepMode = stepMode
        self.callbackTimeout = callbackTimeout
        self.reveal = reveal
        self.insecureContinue = insecureContinue
    }
}

/// An HTTP answer as plain values, or why there was none.
public enum HTTPOutcome: Sendable, Hashable {
    case response(status: Int, headers: [FormField], body: String, elapsedMs: Int)
    /// No answer: unreachable, refused, timed out, TLS failed. `reason` names what; `hint` what to try.
    case failure(reason: String, hint: String)
}

/// The network side of a flow: discovery and every request to the provider. Implemented over HTTP by
/// ExchangeEngine and by test doubles; implementations publish the raw request and response events.
public protocol ProviderClient: Sendable {
    /// Fetches and checks the issuer's metadata, publishing the hop; throws a failure the user can act on.
    func discover(issuer: String, publisher: FlowPublisher) async throws(FlowFailure) -> ProviderMetadata
    /// Sends one request and publishes `token.request`/`token.response` (purpose `token`) or
    /// `http.request`/`http.response` (any other purpose). Never retries.
    func send(_ request: HTTPRequestSpec, purpose: HopPurpose, publisher: FlowPublisher) async -> HTTPOutcome
    /// Verifies an ID token's signature against the JWKS at `jwksURI`; nil when it cannot be checked here.
    func verifySignature(of token: String, jwksURI: URL?, allowedAlgorithms: [String], publisher: FlowPublisher) async -> Check?
}

extension ProviderClient {
    public func verifySignature(of token: String, jwksURI: URL?, allowedAlgorithms: [String], publisher: FlowPublisher) async -> Check? { nil }
}

/// Sends the user to the authorization URL: a real browser, the simulated one, or only printing it.
public protocol UserAgent: Sendable {
    /// Sends the user to `url`. Calls `redirected` once, at the moment the user is sent (before anything can come
    /// back to the listener), then may go on acting as the user (the simulated browser approves and follows the
    /// redirect) before returning.
    func open(_ url: URL, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure)
}

/// A flow that could not go on: the words of `flow.failed`.
public struct FlowFailure: Error, Sendable, Hashable {
    public var failed: FlowFailed
    public init(_ reason: String, error: String? = nil, description: String? = nil, hint: String? = nil, step: FlowStep? = nil) {
        failed = FlowFailed(reason: reason, error: error, errorDescription: description, hint: hint, step: step?.key)
    }
}

/// How a flow ended.
public enum FlowResult: Sendable, Hashable {
    case completed
    case failed(FlowFailed)

    /// The exit status of DESIGN.md: 0 completed, 1 failed.
    public var exitCode: Int32 { self == .completed ? 0 : 1 }
}

/// Drives one authorization-code flow: build the URL → send the user → wait for the callback → validate →
/// exchange → done, publishing every step. It decides; the listener, the engine and the user agent act.
public final class FlowController: Sendable {
    public let configuration: FlowConfiguration
    public let publisher: FlowPublisher
    private let registry: CallbackRegistry
    let client: any ProviderClient
    let userAgent: any UserAgent
    private let reader: FlowCommandReader
    let clock: @Sendable () -> Date
    /// Waits between the device grant's polls; cancelling the task ends the wait at once.
    let sleep: @Sendable (Duration) async throws -> Void
    /// The run's DPoP key and the servers' nonces, under `--dpop`.
    let dpop: DPoPSession?

    /// In step mode (and for a manual exchange) `publisher` is wrapped in the step gate, so that every hop made
    /// through it pauses first.
    public init(configuration: FlowConfiguration, publisher: FlowPublisher, registry: CallbackRegistry, client: any ProviderClient, userAgent: any UserAgent, commands: CommandChannel? = nil, clock: @escaping @Sendable () -> Date = Date.init,
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.configuration = configuration
        let reader = FlowCommandReader(commands?.commands(for: publisher.flowID))
        self.reader = reader
        let dpop = configuration.dpop ? DPoPSession() : nil
        if configuration.stepMode || configuration.exchange == .manual {
            let step = configuration.stepMode
            let plain = publisher.ungated
            let gate = StepGate(publisher: plain, reader: reader, grant: configuration.grant,
                                pauses: { hop in step || hop == .token },
                                sendAgain: { spec, hop in await Self.sendAgain(spec, hop: hop, client: client, publisher: plain, dpop: dpop) },
                                resign: { spec, hop in Self.resigningAssertion(in: spec, hop: hop, configuration: configuration, publisher: plain, now: clock()) })
            self.publisher = publisher.gated(by: gate)
        } else {
            self.publisher = publisher
        }
        self.registry = registry
        self.client = client
        self.userAgent = userAgent
        self.clock = clock
        self.sleep = sleep
        self.dpop = dpop
    }

    /// `a` at a pause: a hop already sent, sent once more exactly as it was (a code sent twice shows the
    /// provider's `invalid_grant`, RFC 6749 §4.1.2), its answer summed up in `action.completed`. Under `--dpop` it
    /// carries a proof of its own: a proof's jti may be used once (RFC 9449 §11.1), and the lesson is the code's.
    static func sendAgain(_ spec: HTTPRequestSpec, hop: HopPurpose, client: any ProviderClient, publisher: FlowPublisher, dpop: DPoPSession? = nil) async {
        var request = spec
        if let dpop, dpop.signs(hop) {
            let resource = request.headers.contains { $0.name.lowercased() == "authorization" && $0.value.lowercased().hasPrefix("dpop ") }
            request = dpop.signing(request, hop: hop, nonce: dpop.nonce(for: request, resource: resource), accessToken: resource ? "" : nil, retry: false, publisher: publisher)
        }
        let outcome = await client.send(request, purpose: hop, publisher: publisher)
        let result: ActionCompleted
        switch outcome {
        case .failure(let reason, _):
            result = ActionCompleted(action: "again", ok: false, summary: "\(hop) sent again: \(reason)")
        case .response(let status, _, let body, _):
            var summary = "\(hop) sent again: HTTP \(status)"
            if let json = JSONValue.parse(body), let error = json["error"]?.stringValue {
                summary += " " + error + (json["error_description"]?.stringValue.map { ": \(String($0.prefix(300)))" } ?? "")
                if error == "invalid_grant", hop == .token { summary += " (a code is single-use: RFC 6749 §4.1.2)" }
            }
            result = ActionCompleted(action: "again", ok: (200..<300).contains(status), summary: summary)
        }
        publisher.publish(.actionCompleted(result))
    }

    /// Runs the flow to its end and returns how it ended; the last event published is `flow.completed` or
    /// `flow.failed`. Cancelling the task fails the flow with "cancelled".
    public func run() async -> FlowResult {
        var (result, session) = await runOnce()
        guard configuration.serveActions else { return result }
        // The front may ask for more hops (keys on the token step), or to run the flow again, until it quits.
        while let command = await reader.next() {
            switch command {
            case .action(let name):
                if let session { _ = await perform(name, session) }
            case .again:
                (result, session) = await runOnce()
            case .cancel: return result
            case .proceed, .replay, .edit: continue
            }
        }
        return result
    }

    /// One run of the flow, to `flow.completed` or `flow.failed`; the session when tokens were issued.
    private func runOnce() async -> (FlowResult, TokenSession?) {
        let start = clock()
        let session: TokenSession?
        do throws(FlowFailure) {
            session = try await runSteps()
            if let session {
                for action in configuration.thenActions {
                    let outcome = await perform(TokenAction(rawValue: action), session)
                    if !outcome.ok {
                        throw FlowFailure("--then \(action) failed: \(outcome.summary)", hint: "The tokens were issued; only the follow-up hop failed. Its raw request and response are in the event log.", step: .tokenExchanged)
                    }
                }
            }
            publisher.publish(.flowCompleted(FlowCompleted(elapsedMs: Self.ms(since: start, now: clock()))))
        } catch {
            registry.cancel(flowID: publisher.flowID)
            publisher.publish(.flowFailed(error.failed))
            return (.failed(error.failed), nil)
        }
        return (.completed, session)
    }

    private func runSteps() async throws(FlowFailure) -> TokenSession? {
        let c = configuration
        publisher.publish(.flowStarted(FlowStarted(mode: c.mode, provider: c.providerLabel, clientID: c.clientID, redirectURI: c.redirectURI, exchange: c.exchange.rawValue, stepMode: c.stepMode,
                                                   followUps: c.followUps.isEmpty ? nil : c.followUps.map(\.name), profile: c.profile,
                                                   settings: c.settings.isEmpty ? nil : c.settings,
                                                   grant: c.grant == .authorizationCode ? (c.pushedAuthorization ? GrantDescription.authorizationCodePAR.id : nil) : c.grant.rawValue)))
        if !c.listenerAddresses.isEmpty {
            publisher.publish(.listenerStarted(ListenerStarted(addresses: c.listenerAddresses, redirectURI: c.redirectURI)))
        }
        let firstStep = GrantDescription.named(c.grant.rawValue)?.steps.first ?? .urlBuilt
        for f in c.startFindings { publisher.publish(.finding(f.at(step: firstStep.key))) }
        switch c.grant {
        case .authorizationCode: break
        case .device: return try await runDeviceGrant()
        case .clientCredentials, .refreshToken, .tokenExchange: return try await runDirectGrant(c.grant)
        }

        // 1. Where to send the user.
        let endpoints = try await resolveEndpoints()
        let (metadata, authorizationEndpoint, issuer) = (endpoints.metadata, endpoints.authorization, endpoints.issuer)
        // Before the user is sent anywhere: the code will be redeemed at the token endpoint with the client secret.
        try requireSafe(authorizationEndpoint, as: .authorization, issuer: issuer)
        try requireSafe(endpoints.token, as: .token, issuer: issuer)

        let pkce = c.pkce.map { PKCE.generate(method: $0) }
        let wantsOIDC = c.scope?.split(separator: " ").contains("openid") ?? false
        var request = AuthorizationRequest(
            endpoint: authorizationEndpoint, clientID: c.clientID, redirectURI: c.redirectURI, scope: c.scope,
            state: AuthorizationRequest.newState(), nonce: wantsOIDC ? AuthorizationRequest.newNonce() : nil,
            pkce: pkce, extraParameters: c.authorizationParameters + dpopKeyBinding(c.authorizationParameters))
        request.sendsRedirectURI = !c.omitRedirectURI
        publisher.publish(.urlBuilt(AuthorizationURLBuilt(
            url: request.url.absoluteString,
            params: .object(fields: request.parameters),
            pkce: pkce.map { .init(method: $0.method.rawValue, challenge: $0.challenge) },
            endpoint: authorizationEndpoint.absoluteString)))
        for f in request.findings { publisher.publish(.finding(f.at(step: FlowStep.urlBuilt.key))) }
        if let m = metadata, let p = pkce, !m.codeChallengeMethods.isEmpty, !m.codeChallengeMethods.contains(p.method.rawValue) {
            publisher.publish(.finding(FindingCatalogue.pkceUnsupportedMethod.finding(p.method.rawValue, step: FlowStep.urlBuilt.key)))
        }
        clientAuthenticationFindings(metadata)
        var userURL = request.url
        if c.pushedAuthorization {
            userURL = try await push(request, endpoints: endpoints)
        } else if metadata?.requirePushedAuthorizationRequests == true {
            publisher.publish(.finding(FindingCatalogue.parRequired.finding(step: FlowStep.urlBuilt.key)))
        }

        // 2. Send the user. Register first: a provider may redirect back before `open` returns.
        let callbacks = registry.expect(flowID: publisher.flowID, state: request.state)
        // Sending the user is a hop too: step mode pauses before it, and an edit changes the URL the browser gets.
        let sent = try await publisher.beforeSend(HTTPRequestSpec(method: "GET", url: userURL, headers: [], body: ""), hop: .redirect)
        let publisher = self.publisher
        try await userAgent.open(sent.url) { publisher.publish(.userRedirected($0)) }

        // 3. Wait for the callback.
        let outcome = try await waitForCallback(callbacks)
        let params: CallbackParameters
        let code: String
        switch outcome {
        case .code(let got, let p):
            code = got
            params = p
        case .error(let err, let stateMissing, _):
            throw errorFailure(err, unverified: stateMissing)
        case .unverifiedError(let err, _):
            throw errorFailure(err, unverified: true)
        case .stateMismatch(let received):
            throw FlowFailure(received == nil ? "the callback carries a code but no state" : "the callback's state does not match the one this flow sent",
                              error: nil, hint: "No token request was made. A state mismatch means the callback was not caused by this flow's request (a CSRF attempt, a stale browser tab, or a proxy rewriting the URL). Start the flow again from the beginning. (RFC 6749 §10.12, RFC 9700 §4.7)", step: .codeReceived)
        case .malformed(let why):
            throw FlowFailure("the callback is malformed: \(why)", hint: "No token request was made. Something between the provider and oauthscope altered the redirect, or the provider sends parameters twice.", step: .codeReceived)
        }

        var checks = [Check("state", ok: true, "state equals the one sent (constant-time compare)")]
        if let iss = CallbackValidator.issCheck(received: params.iss, expectedIssuer: issuer, serverAdvertisesIss: metadata?.issParameterSupported ?? false) {
            checks.append(iss)
        }
        publisher.publish(.codeReceived(CodeReceived(code: Secret(code).sensitive, checks: checks)))
        if let bad = checks.first(where: { !$0.ok }) {
            throw FlowFailure("the callback failed the \(bad.name) check: \(bad.detail)", hint: "No token request was made: the code may come from a different authorization server (mix-up attack, RFC 9700 §4.4).", step: .codeReceived)
        }

        // 4. Exchange.
        switch c.exchange {
        case .never:
            publisher.publish(.finding(FindingCatalogue.exchangeSkipped.finding(step: FlowStep.codeReceived.key)))
            return nil
        case .manual, .auto:
            // A manual exchange, like step mode, pauses in the gate before the token request leaves.
            break
        }
        return try await exchange(code: code, codeVerifier: pkce?.verifier.value, nonce: request.nonce, endpoints: endpoints, wantsOIDC: wantsOIDC)
    }

    /// The provider's endpoints: discovered, given as metadata, or given directly.
    struct Endpoints {
        var metadata: ProviderMetadata?
        var authorization: URL
        var token: URL
        var issuer: String?
        var jwks: URL?
    }

    func resolveEndpoints() async throws(FlowFailure) -> Endpoints {
        switch configuration.provider {
        case .issuer(let iss):
            if let u = URL(string: iss) { try requireSafe(u, as: .issuer, issuer: nil) }
            let m = try await client.discover(issuer: iss, publisher: publisher)
            return Endpoints(metadata: m, authorization: m.authorizationEndpoint, token: m.tokenEndpoint, issuer: m.issuer, jwks: m.jwksURI)
        case .metadata(let m):
            return Endpoints(metadata: m, authorization: m.authorizationEndpoint, token: m.tokenEndpoint, issuer: m.issuer, jwks: m.jwksURI)
        case .endpoints(let a, let t, let i, let j):
            return Endpoints(metadata: nil, authorization: a, token: t, issuer: i, jwks: j)
        }
    }

    /// The token request for a code, its answer read and checked, `token.exchanged` published.
    func exchange(code: String, codeVerifier: String?, nonce: String?, endpoints: Endpoints, wantsOIDC: Bool) async throws(FlowFailure) -> TokenSession {
        let c = configuration
        let builder = tokenRequestBuilder(endpoints)
        let spec = builder.authorizationCode(code: code, redirectURI: c.omitRedirectURI ? nil : c.redirectURI, codeVerifier: codeVerifier)
        let (tokens, findings) = try await requestTokens(spec, during: .codeExchange, refused: "the code")
        for f in findings { publisher.publish(.finding(f.at(step: FlowStep.tokenExchanged.key))) }
        dpopTokenChecks(tokens)
        let original = try await finishExchange(tokens, code: code, nonce: nonce, issuer: endpoints.issuer, jwksURI: endpoints.jwks, metadata: endpoints.metadata, wantsOIDC: wantsOIDC)
        let redirectURI = c.omitRedirectURI ? nil : c.redirectURI
        return session(TokenVault(tokens), builder: builder, endpoints: endpoints, original: original,
                       codeRequest: { builder.authorizationCode(code: code, redirectURI: redirectURI, codeVerifier: codeVerifier) })
    }

    /// How this flow's token requests are built: the token endpoint, the client's authentication, the body encoding
    /// and the user's extra fields and headers.
    func tokenRequestBuilder(_ endpoints: Endpoints) -> TokenRequestBuilder {
        let c = configuration
        var builder = TokenRequestBuilder(tokenEndpoint: endpoints.token, credentials: c.credentials, bodyEncoding: c.tokenBody, extraParameters: c.tokenParameters, extraHeaders: c.tokenHeaders)
        builder.now = clock
        return builder
    }

    /// What the follow-up hops need once tokens were issued.
    func session(_ tokens: TokenVault, builder: TokenRequestBuilder, endpoints: Endpoints, original: OriginalIDToken?, codeRequest: (@Sendable () -> HTTPRequestSpec)? = nil) -> TokenSession {
        let c = configuration
        return TokenSession(
            tokens: tokens, builder: builder, issuer: endpoints.issuer, jwksURI: endpoints.jwks,
            allowedAlgorithms: Self.allowedAlgorithms(endpoints.metadata), originalIDToken: original,
            userinfo: c.userinfoURL ?? endpoints.metadata?.userinfoEndpoint,
            revocation: c.revocationURL ?? endpoints.metadata?.revocationEndpoint,
            introspection: c.introspectionURL ?? endpoints.metadata?.introspectionEndpoint, codeRequest: codeRequest)
    }

    /// Sends a token request (a hop of purpose `token`, so step mode pauses before it) and reads the answer with
    /// `TokenResponseParser`. No answer, an unreadable one or an OAuth error fails the flow at the token step, with
    /// the parser's findings published and the error explained for `situation`; a success returns the tokens and
    /// the parser's findings, for the caller to publish beside its grant's own.
    func requestTokens(_ spec: HTTPRequestSpec, during situation: OAuthErrorHint.Situation, refused what: String) async throws(FlowFailure) -> (TokenSet, [Finding]) {
        announceAssertion(in: spec, hop: .token)
        let answer = await sendTokenRequest(spec, purpose: .token)
        guard case .response(let status, let headers, let body, _) = answer else {
            if case .failure(let reason, let hint) = answer { throw FlowFailure(reason, hint: hint, step: .tokenExchanged) }
            throw FlowFailure("no answer from the token endpoint", step: .tokenExchanged)
        }
        switch TokenResponseParser.parse(status: status, headers: headers, body: body) {
        case .invalid(let reason, let hint, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: FlowStep.tokenExchanged.key))) }
            throw FlowFailure(reason, hint: hint, step: .tokenExchanged)
        case .error(let err, let st, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: FlowStep.tokenExchanged.key))) }
            throw FlowFailure("the token endpoint refused \(what): \(err.error) (HTTP \(st))" + (err.description.map { ": \($0)" } ?? ""),
                              error: err.error, description: err.description, hint: err.hint(during: situation, redirectRule: configuration.redirectRule), step: .tokenExchanged)
        case .success(let tokens, let findings):
            return (tokens, findings)
        }
    }

    /// Tokens a token endpoint issued (for a code, or for the device grant's approved poll): its findings and
    /// `token.exchanged` published with the ID token's checks, the session for the follow-up hops.
    func accept(_ tokens: TokenSet, findings: [Finding], builder: TokenRequestBuilder, request: @escaping @Sendable () -> HTTPRequestSpec, code: String?, nonce: String?, endpoints: Endpoints, wantsOIDC: Bool) async throws(FlowFailure) -> TokenSession {
        for f in findings { publisher.publish(.finding(f.at(step: FlowStep.tokenExchanged.key))) }
        let original = try await finishExchange(tokens, code: code, nonce: nonce, issuer: endpoints.issuer, jwksURI: endpoints.jwks, metadata: endpoints.metadata, wantsOIDC: wantsOIDC)
        return session(TokenVault(tokens), builder: builder, endpoints: endpoints, original: original, codeRequest: request)
    }

    /// `listen --exchange`: exchanges a code that arrived for another application's flow. The checks that need the
    /// original request (nonce, the PKCE verifier) can only be made when they are given; the result is published
    /// as a whole exchange, ending in `flow.completed` or `flow.failed` for this code.
    public func exchangeArrivedCode(_ code: String, codeVerifier: String?, nonce: String? = nil) async -> FlowResult {
        let start = clock()
        do throws(FlowFailure) {
            let endpoints = try await resolveEndpoints()
            try requireSafe(endpoints.token, as: .token, issuer: endpoints.issuer)
            if codeVerifier == nil {
                publisher.publish(.finding(FindingCatalogue.listenNoVerifier.finding(step: FlowStep.tokenExchanged.key)))
            }
            _ = try await exchange(code: code, codeVerifier: codeVerifier, nonce: nonce, endpoints: endpoints, wantsOIDC: configuration.scope?.contains("openid") ?? false)
            publisher.publish(.flowCompleted(FlowCompleted(elapsedMs: Self.ms(since: start, now: clock()))))
            return .completed
        } catch {
            publisher.publish(.flowFailed(error.failed))
            return .failed(error.failed)
        }
    }

    /// The signature algorithms an ID token may use: the provider's list without `none` and HMAC, else the
    /// common asymmetric ones.
    static func allowedAlgorithms(_ metadata: ProviderMetadata?) -> [String] {
        let allowed = metadata?.idTokenSigningAlgs.filter { $0 != "none" && !$0.hasPrefix("HS") } ?? []
        return allowed.isEmpty ? ["RS256", "ES256", "PS256", "EdDSA"] : allowed
    }

    /// The signature check of an ID token against the JWKS, unless the JWKS may not be used (plain http).
    func signatureCheck(_ token: String, jwksURI: URL?, issuer: String?, allowedAlgorithms: [String]) async -> Check? {
        if let j = jwksURI, !mayUse(j, as: .jwks, issuer: issuer) {
            return Check("signature", ok: false, "not checked: the JWKS \(j.absoluteString) is plain http, so keys fetched from it prove nothing (pass --allow-insecure-http to fetch them anyway)")
        }
        return await client.verifySignature(of: token, jwksURI: jwksURI, allowedAlgorithms: allowedAlgorithms, publisher: publisher)
    }

    /// Publishes `token.exchanged` with the ID token's checks; returns what a refreshed ID token must keep.
    func finishExchange(_ tokens: TokenSet, code: String?, nonce: String?, issuer: String?, jwksURI: URL?, metadata: ProviderMetadata?, wantsOIDC: Bool) async throws(FlowFailure) -> OriginalIDToken? {
        let c = configuration
        var idSummary: IDTokenSummary?
        var original: OriginalIDToken?
        if let idToken = tokens.idToken {
            do {
                let jwt = try DecodedJWT(idToken.value)
                original = OriginalIDToken(subject: jwt.claims["sub"]?.stringValue, issuer: jwt.claims["iss"]?.stringValue)
                var checks: [Check] = []
                if let sig = await signatureCheck(idToken.value, jwksURI: jwksURI, issuer: issuer, allowedAlgorithms: Self.allowedAlgorithms(metadata)) {
                    checks.append(sig)
                }
                checks += IDTokenClaimChecks.run(jwt, IDTokenExpectations(issuer: issuer, clientID: c.clientID, nonce: nonce, accessToken: tokens.accessToken.value, code: code, now: clock()))
                idSummary = IDTokenSummary(header: jwt.header, claims: c.reveal ? jwt.claims : Redactor.json(jwt.claims), checks: checks)
            } catch {
                idSummary = IDTokenSummary(header: .null, claims: .null, checks: [Check("decode", ok: false, error.description)])
            }
        } else if wantsOIDC {
            publisher.publish(.finding(FindingCatalogue.oidcNoIdToken.finding(step: FlowStep.tokenExchanged.key)))
        }
        var accessSummary: IDTokenSummary?
        if let jwt = try? DecodedJWT(tokens.accessToken.value) {
            var checks: [Check] = []
            let exp = NumericDate.read(jwt.claims["exp"])
            if let exp = exp.date {
                let left = exp.secondsSince1970 - clock().timeIntervalSince1970
                checks.append(Check("exp", ok: left > 0, left > 0 ? "expires \(RelativeTime.describe(seconds: left))" : "expired \(RelativeTime.describe(seconds: left))"))
            } else if let message = exp.message(claim: "exp") {
                checks.append(Check("exp", ok: false, message))
            }
            if let typ = jwt.header["typ"]?.stringValue, typ.lowercased() != "at+jwt", typ.lowercased() != "application/at+jwt" {
                checks.append(Check("typ", ok: false, "typ is \(typ), not at+jwt (RFC 9068 §2.1); the API may not accept it as an access token"))
            }
            accessSummary = IDTokenSummary(header: jwt.header, claims: c.reveal ? jwt.claims : Redactor.json(jwt.claims), checks: checks)
        }
        publisher.publish(.tokenExchanged(TokenExchanged(
            tokenType: tokens.tokenType, expiresIn: tokens.expiresIn, scope: tokens.scope,
            accessToken: tokens.accessToken.sensitive, refreshToken: tokens.refreshToken?.sensitive, idToken: idSummary,
            extra: tokens.extra.isEmpty ? nil : (c.reveal ? .object(tokens.extra) : Redactor.json(.object(tokens.extra))),
            accessTokenJWT: accessSummary)))
        if let failed = idSummary?.checks.first(where: { !$0.ok }) {
            if c.insecureContinue {
                publisher.publish(.finding(FindingCatalogue.idToken.finding(failed.name, failed.detail, step: FlowStep.tokenExchanged.key)))
            } else {
                throw FlowFailure("the ID token failed the \(failed.name) check: \(failed.detail)", hint: "Do not trust this ID token. Pass --insecure-continue to inspect it anyway.", step: .tokenExchanged)
            }
        }
        return original
    }

    /// Publishes the finding for an endpoint about to be used; true when a request may go there.
    func mayUse(_ url: URL, as role: EndpointRole, issuer: String?) -> Bool {
        guard let f = EndpointSecurity.finding(for: url, role: role, issuer: issuer, allowInsecureHTTP: configuration.allowInsecureHTTP) else { return true }
        let step: FlowStep = role == .issuer || role == .authorization ? .urlBuilt : .tokenExchanged
        publisher.publish(.finding(f.at(step: step.key)))
        return f.severity != .error
    }

    /// `mayUse`, failing the flow when it may not.
    func requireSafe(_ url: URL, as role: EndpointRole, issuer: String?) throws(FlowFailure) {
        guard mayUse(url, as: role, issuer: issuer) else {
            throw FlowFailure("refused to use the \(role.label) \(url.absoluteString): plain http where TLS is required",
                              hint: "Nothing was sent there. Use the https URL; for a test server you trust, pass --allow-insecure-http.",
                              step: role == .issuer || role == .authorization ? .urlBuilt : .tokenExchanged)
        }
    }

    /// How an error redirect ends the flow. One without state is said to be unverified, with its description.
    private func errorFailure(_ err: OAuthErrorResponse, unverified: Bool) -> FlowFailure {
        guard unverified else {
            return FlowFailure("the authorization server answered with error \(err.error)" + (err.description.map { ": \($0)" } ?? ""),
                               error: err.error, description: err.description, hint: err.hint(during: .authorization, redirectRule: configuration.redirectRule), step: .codeReceived)
        }
        let seconds = configuration.unverifiedErrorGrace.components.seconds
        return FlowFailure("an error redirect without state (\(err.error)) arrived and no callback with this flow's state followed within \(seconds) s"
                           + (err.description.map { "; its unverified description: \(String($0.prefix(300)))" } ?? ""),
                           error: err.error, description: err.description.map { "(unverified) " + $0 },
                           hint: err.hint(during: .authorization, redirectRule: configuration.redirectRule) + " The error carried no state, so it cannot be proven to come from the provider (RFC 6749 §4.1.2.1, RFC 9700 §4.7).", step: .codeReceived)
    }

    /// What wakes the wait for the callback.
    private enum CallbackWake: Sendable {
        case outcome(CallbackOutcome)
        case ended
        case timeout
        case graceOver
    }

    /// Waits for this flow's callback. A request without the flow's state never reaches here (the registry keeps
    /// it from the flow); an error without state arrives as `.unverifiedError` and ends the wait only when the
    /// grace period passes with no callback carrying the flow's state.
    private func waitForCallback(_ callbacks: AsyncStream<CallbackOutcome>) async throws(FlowFailure) -> CallbackOutcome {
        let timeout = configuration.callbackTimeout
        let grace = configuration.unverifiedErrorGrace
        let (wakes, wake) = AsyncStream.makeStream(of: CallbackWake.self)
        let reader = Task {
            for await outcome in callbacks { wake.yield(.outcome(outcome)) }
            wake.yield(.ended)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { wake.yield(.timeout) }
        }
        var graceTimer: Task<Void, Never>?
        defer {
            reader.cancel()
            timer.cancel()
            graceTimer?.cancel()
            wake.finish()
        }
        var tentative: CallbackOutcome?
        var timedOut = false
        loop: for await w in wakes {
            switch w {
            case .outcome(let o):
                guard case .unverifiedError(let err, _) = o else { return o }
                guard tentative == nil else { continue }
                tentative = o
                let seconds = grace.components.seconds
                let description = err.description.map { " Its description, unverified: \"\(String($0.prefix(300)))\"." } ?? ""
                publisher.publish(.finding(FindingCatalogue.callbackUnverifiedError.finding(err.error, description, seconds, step: FlowStep.codeReceived.key)))
                graceTimer = Task {
                    try? await Task.sleep(for: grace)
                    if !Task.isCancelled { wake.yield(.graceOver) }
                }
            case .graceOver:
                break loop
            case .timeout:
                timedOut = true
                break loop
            case .ended:
                break loop
            }
        }
        registry.cancel(flowID: publisher.flowID)
        if Task.isCancelled { throw FlowFailure("cancelled while waiting for the callback", step: .codeReceived) }
        if let tentative { return tentative }
        if !timedOut { throw FlowFailure("cancelled while waiting for the callback", step: .codeReceived) }
        let seconds = timeout.components.seconds
        throw FlowFailure("no callback arrived within \(seconds) s", hint: "Did the browser open the URL, and did the provider redirect to \(configuration.redirectURI)? If the provider shows a redirect_uri error: \(OAuthErrorHint.redirectAdvice(configuration.redirectRule)) Use --timeout to wait longer.", step: .codeReceived)
    }

    static func ms(since start: Date, now: Date) -> Int { max(0, Int((now.timeIntervalSince(start) * 1000).rounded())) }
}

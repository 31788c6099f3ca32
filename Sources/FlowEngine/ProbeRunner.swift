import Foundation
import OAuthCore
import Synchronization

/// What the user chooses at the provider for one authorization request.
public enum UserChoice: String, Sendable, Hashable {
    case approve, deny
}

/// What came of sending the browser to an authorization URL.
public enum AuthorizationAnswer: Sendable, Hashable {
    /// The provider redirected the browser away (to the redirect URI, or wherever it pointed); `location` is where,
    /// `parameters` its query.
    case redirected(location: String, parameters: CallbackParameters)
    /// The provider kept the browser on a page and did not redirect (status 0: nothing came back in time).
    case stayed(status: Int, text: String)
    /// The browser could not do its part.
    case failed(String)
}

/// The user of a doctor run: the simulated browser, or a real browser whose redirects reach the listener.
public protocol ProbeUserAgent: Sendable {
    /// `simulated` or `browser`, for `doctor.started`.
    var kind: String { get }
    /// True when a redirect can be seen wherever it points; a real browser's only reach the listener.
    var seesEveryRedirect: Bool { get }
    /// Sends the user to `url`; publishes the hops it makes. `state` is the request's state, by which a listener
    /// finds the callback.
    func authorize(_ url: URL, choice: UserChoice, state: String, publisher: FlowPublisher) async -> AuthorizationAnswer
}

/// Runs the flow doctor's probes (`ProbeCatalogue`) against one provider: small flows that try what goes wrong,
/// each between `probe.started` and `probe.completed`, with its hops as the usual events in between. One code
/// serves "wrong verifier refused", then "right verifier accepted", then "replay refused", so a real provider asks
/// for as few approvals as possible.
public final class DoctorRunner: Sendable {
    public let configuration: FlowConfiguration
    public let publisher: FlowPublisher
    let client: any ProviderClient
    let agent: any ProbeUserAgent
    /// Probes that do not apply to this provider (a preset's knowledge), with why.
    let notApplicable: [String: String]
    private let clock: @Sendable () -> Date

    public init(configuration: FlowConfiguration, publisher: FlowPublisher, client: any ProviderClient, agent: any ProbeUserAgent, notApplicable: [String: String] = [:], clock: @escaping @Sendable () -> Date = Date.init) {
        self.configuration = configuration
        self.publisher = publisher
        self.client = client
        self.agent = agent
        self.notApplicable = notApplicable
        self.clock = clock
    }

    /// How many authorization requests the run will send the user through, and when it may be one more.
    public var plannedApprovals: Int {
        var n = 2 // the main code, and the code for pkce-required
        if configuration.clientSecret != nil { n += 1 }
        n += 2 // error-has-state: an unsupported response_type, and a denial
        if agent.seesEveryRedirect { n += redirectVariants().count }
        return n
    }

    /// Runs every probe and publishes `doctor.completed`; returns it.
    @discardableResult
    public func run() async -> DoctorCompleted {
        let start = clock()
        let c = configuration
        publisher.publish(.doctor(.started(DoctorStarted(
            provider: c.providerLabel, probes: ProbeCatalogue.all.map(\.id), approvals: plannedApprovals,
            approvalsNote: "up to two more: when the provider spends a code on a wrong code_verifier, and when a refused code replay revokes the first grant before its refresh", user: agent.kind))))
        var counts = ProbeCounts()
        var state = RunState()

        // Metadata.
        await probe(ProbeCatalogue.metadataConsistent, &counts) { await self.metadataProbe(&state) }
        await probe(ProbeCatalogue.pkceS256Advertised, &counts) { ProbeVerdicts.pkceS256Advertised(state.metadata?.codeChallengeMethods) }

        guard let endpoints = state.endpoints else {
            for kind in ProbeCatalogue.all.dropFirst(2) {
                await probe(kind, &counts) { ProbeVerdict(.skip, "the provider's endpoints are not known: \(state.endpointsProblem ?? "discovery failed")") }
            }
            return finish(counts, start)
        }

        // The main code: state and iss on its callback, then wrong verifier, right verifier, replay.
        var main: Authorized?
        await probe(ProbeCatalogue.stateEchoed, &counts) {
            let unusual = Self.unusualState()
            let got = await self.authorize(endpoints, state: unusual)
            main = got.authorized
            guard let params = got.parameters else { return ProbeVerdict(.skip, got.problem ?? "no callback") }
            return ProbeVerdicts.stateEchoed(sent: unusual, received: params.state)
        }
        await probe(ProbeCatalogue.issParameter, &counts) {
            guard let m = main else { return ProbeVerdict(.skip, "no callback from the authorization request of state-echoed") }
            return ProbeVerdicts.issParameter(advertised: state.metadata?.issParameterSupported ?? false, received: m.parameters.iss, issuer: endpoints.issuer)
        }
        var wrong: TokenAttempt?
        await probe(ProbeCatalogue.pkceVerifierChecked, &counts) {
            guard let m = main, let code = m.parameters.code else { return ProbeVerdict(.skip, "no code to redeem") }
            let attempt = await self.redeem(endpoints, code: code, verifier: PKCE.generate().verifier.value, state: &state)
            wrong = attempt
            return ProbeVerdicts.pkceVerifierChecked(attempt)
        }
        await probe(ProbeCatalogue.codeSingleUse, &counts) {
            guard var m = main, var code = m.parameters.code else { return ProbeVerdict(.skip, "no code to redeem") }
            var first = await self.redeem(endpoints, code: code, verifier: m.pkce.verifier.value, state: &state)
            if !first.isAccepted, wrong?.isAccepted == false {
                // The provider spent the code on the wrong verifier (allowed, and careful): one more code.
                let again = await self.authorize(endpoints, state: AuthorizationRequest.newState())
                guard let a = again.authorized, let c2 = a.parameters.code else { return ProbeVerdict(.skip, "the code was spent by the wrong verifier, and a second authorization failed: \(again.problem ?? "no code")") }
                (m, code) = (a, c2)
                first = await self.redeem(endpoints, code: code, verifier: m.pkce.verifier.value, state: &state)
            }
            if wrong?.isAccepted == true, !first.isAccepted {
                // The wrong verifier already got tokens: that was the first redemption, this the replay.
                state.replayRefused = true
                return ProbeVerdicts.codeSingleUse(first: wrong ?? first, replay: first)
            }
            let firstAccess = self.lastTokens.withLock { $0 }?.accessToken.value
            let replay = await self.redeem(endpoints, code: code, verifier: m.pkce.verifier.value, state: &state)
            state.replayRefused = !replay.isAccepted
            var verdict = ProbeVerdicts.codeSingleUse(first: first, replay: replay)
            if first.isAccepted, !replay.isAccepted, let access = firstAccess, let userinfo = c.userinfoURL ?? state.metadata?.userinfoEndpoint {
                // RFC 6749 §4.1.2: the tokens of the first redemption SHOULD now be revoked; userinfo shows whether.
                let answer = await self.client.send(HTTPRequestSpec(method: "GET", url: userinfo, headers: [FormField("Authorization", "Bearer " + access)], body: ""), purpose: .userinfo, publisher: self.publisher)
                if case .response(let status, _, _, _) = answer {
                    verdict = ProbeVerdicts.firstTokensAfterReplay(verdict, userinfoStatus: status)
                }
            }
            return verdict
        }
        await probe(ProbeCatalogue.tokenNoStore, &counts) { ProbeVerdicts.tokenNoStore(cacheControl: state.cacheControl) }
        await probe(ProbeCatalogue.idTokenAlgAllowed, &counts) {
            ProbeVerdicts.idTokenAlgAllowed(advertised: state.metadata?.idTokenSigningAlgs, used: state.idTokenAlg)
        }
        await probe(ProbeCatalogue.refreshRotated, &counts) { await self.refreshProbe(endpoints, &state) }

        await probe(ProbeCatalogue.pkceRequired, &counts) {
            let got = await self.authorize(endpoints, state: AuthorizationRequest.newState())
            guard let code = got.authorized?.parameters.code else { return ProbeVerdict(.skip, got.problem ?? "no code") }
            return ProbeVerdicts.pkceRequired(await self.redeem(endpoints, code: code, verifier: nil, state: &state))
        }
        await probe(ProbeCatalogue.clientAuthRequired, &counts) {
            guard c.clientSecret != nil else { return ProbeVerdicts.clientAuthRequired(nil) }
            let got = await self.authorize(endpoints, state: AuthorizationRequest.newState())
            guard let a = got.authorized, let code = a.parameters.code else { return ProbeVerdict(.skip, got.problem ?? "no code") }
            return ProbeVerdicts.clientAuthRequired(await self.redeem(endpoints, code: code, verifier: a.pkce.verifier.value, state: &state, withoutCredentials: true))
        }
        await probe(ProbeCatalogue.errorHasState, &counts) { await self.errorProbe(endpoints, state.metadata) }
        await probe(ProbeCatalogue.redirectURIExact, &counts) { await self.redirectProbe(endpoints) }
        return finish(counts, start)
    }

    private func finish(_ counts: ProbeCounts, _ start: Date) -> DoctorCompleted {
        let done = DoctorCompleted(counts: counts, elapsedMs: FlowController.ms(since: start, now: clock()))
        publisher.publish(.doctor(.completed(done)))
        return done
    }

    /// One probe: `probe.started`, its hops, `probe.completed`, and a finding when it fails or warns.
    private func probe(_ kind: ProbeKind, _ counts: inout ProbeCounts, _ body: () async -> ProbeVerdict) async {
        publisher.publish(.doctor(.probeStarted(ProbeStarted(probe: kind.id, asks: kind.asks, ref: kind.ref))))
        let verdict: ProbeVerdict
        if let why = notApplicable[kind.id] { verdict = ProbeVerdict(.skip, why) } else { verdict = await body() }
        counts.count(verdict.result)
        if verdict.result == .fail || verdict.result == .warn {
            publisher.publish(.finding(FindingCatalogue.doctorProbe.finding(kind.id, verdict.detail, severity: verdict.result == .fail ? .error : .warn, ref: kind.ref)))
        }
        let fix = verdict.result == .fail || verdict.result == .warn ? kind.meaning : nil
        publisher.publish(.doctor(.probeCompleted(ProbeCompleted(probe: kind.id, result: verdict.result, detail: verdict.detail, ref: kind.ref, fix: fix))))
    }

    // MARK: - What the probes share

    struct RunState {
        var metadata: ProviderMetadata?
        var endpoints: FlowController.Endpoints?
        var endpointsProblem: String?
        /// The Cache-Control of every token response that issued tokens.
        var cacheControl: [String?] = []
        var idTokenAlg: String?
        /// The first refresh token issued, for refresh-rotated.
        var refreshToken: String?
        /// The code's replay was refused, which may have revoked the grant of its first redemption.
        var replayRefused = false
    }

    struct Authorized {
        var parameters: CallbackParameters
        var pkce: PKCE
    }

    struct AuthorizationOutcome {
        var authorized: Authorized?
        var parameters: CallbackParameters?
        var problem: String?
        var answer: AuthorizationAnswer
    }

    /// A state of 120 characters: every unreserved and most visible ASCII characters (RFC 6749 Appendix A.5:
    /// state is VSCHAR), in random order, so truncation or re-encoding shows.
    static func unusualState() -> String {
        let visible = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$'()*+,;=:@/? %[]{}|^`"
        return String(AuthorizationRequest.newState().prefix(32)) + String((0..<88).map { i in visible[visible.index(visible.startIndex, offsetBy: (i * 37) % visible.count)] })
    }

    private func metadataProbe(_ state: inout RunState) async -> ProbeVerdict {
        switch configuration.provider {
        case .issuer(let issuer):
            do throws(FlowFailure) {
                let m = try await client.discover(issuer: issuer, publisher: publisher)
                state.metadata = m
                state.endpoints = FlowController.Endpoints(metadata: m, authorization: m.authorizationEndpoint, token: m.tokenEndpoint, issuer: m.issuer, jwks: m.jwksURI)
                var endpoints: [(name: String, url: URL)] = [("authorization_endpoint", m.authorizationEndpoint), ("token_endpoint", m.tokenEndpoint)]
                for (name, url) in [("jwks_uri", m.jwksURI), ("userinfo_endpoint", m.userinfoEndpoint), ("revocation_endpoint", m.revocationEndpoint), ("introspection_endpoint", m.introspectionEndpoint)] {
                    if let url { endpoints.append((name, url)) }
                }
                var look: ProbeVerdicts.JWKSLook?
                if let j = m.jwksURI { look = await jwksLook(j) }
                return ProbeVerdicts.metadataConsistent(expectedIssuer: issuer, issuer: m.issuer, endpoints: endpoints, jwks: look)
            } catch {
                state.endpointsProblem = error.failed.reason
                return ProbeVerdict(.fail, "discovery failed: \(error.failed.reason)")
            }
        case .metadata(let m):
            state.metadata = m
            state.endpoints = FlowController.Endpoints(metadata: m, authorization: m.authorizationEndpoint, token: m.tokenEndpoint, issuer: m.issuer, jwks: m.jwksURI)
            return ProbeVerdict(.skip, "the metadata was given, not discovered")
        case .endpoints(let a, let t, let i, let j):
            state.endpoints = FlowController.Endpoints(metadata: nil, authorization: a, token: t, issuer: i, jwks: j)
            return ProbeVerdict(.skip, "no discovery: the endpoints were given")
        }
    }

    private func jwksLook(_ url: URL) async -> ProbeVerdicts.JWKSLook {
        let answer = await client.send(HTTPRequestSpec(method: "GET", url: url, headers: [FormField("Accept", "application/json")], body: ""), purpose: .jwks, publisher: publisher)
        guard case .response(let status, _, let body, _) = answer else { return .unreachable(answer.failureReason ?? "no answer") }
        guard (200..<300).contains(status) else { return .unreachable("HTTP \(status)") }
        guard let keys = JSONValue.parse(body)?["keys"]?.arrayValue else { return .unreachable("the body is not a JWK set (no keys array)") }
        return .keys(total: keys.count, withoutKid: keys.filter { $0["kid"]?.stringValue == nil }.count)
    }

    /// One authorization request (S256 PKCE, the given state), the browser sent there, and what came back.
    private func authorize(_ endpoints: FlowController.Endpoints, state: String, responseType: String? = nil, redirectURI: String? = nil, choice: UserChoice = .approve, trigger: String? = nil) async -> AuthorizationOutcome {
        let c = configuration
        let pkce = PKCE.generate(method: .s256)
        let wantsOIDC = c.scope?.split(separator: " ").contains("openid") ?? false
        let request = AuthorizationRequest(endpoint: endpoints.authorization, clientID: c.clientID, redirectURI: redirectURI ?? c.redirectURI, scope: c.scope,
                                           state: state, nonce: wantsOIDC ? AuthorizationRequest.newNonce() : nil, pkce: pkce, extraParameters: c.authorizationParameters)
        var url = request.url
        if let responseType, var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            parts.queryItems = parts.queryItems?.map { $0.name == "response_type" ? URLQueryItem(name: $0.name, value: responseType) : $0 }
            url = parts.url ?? url
        }
        publisher.publish(.urlBuilt(AuthorizationURLBuilt(url: url.absoluteString, params: .object(fields: request.parameters), pkce: .init(method: pkce.method.rawValue, challenge: pkce.challenge), endpoint: endpoints.authorization.absoluteString)))
        switch await agent.authorize(url, choice: choice, state: state, publisher: publisher) {
        case let answer:
            return Self.outcome(answer, pkce: pkce)
        }
    }

    static func outcome(_ answer: AuthorizationAnswer, pkce: PKCE) -> AuthorizationOutcome {
        switch answer {
        case .redirected(let location, let params):
            if params.code != nil { return AuthorizationOutcome(authorized: Authorized(parameters: params, pkce: pkce), parameters: params, problem: nil, answer: answer) }
            return AuthorizationOutcome(authorized: nil, parameters: params, problem: "the provider redirected to \(location) without a code" + (params.error.map { " (error \($0))" } ?? ""), answer: answer)
        case .stayed(let status, let text):
            return AuthorizationOutcome(authorized: nil, parameters: nil, problem: status == 0 ? text : "the provider answered HTTP \(status) and did not redirect" + (text.isEmpty ? "" : ": \(String(text.prefix(200)))"), answer: answer)
        case .failed(let why):
            return AuthorizationOutcome(authorized: nil, parameters: nil, problem: why, answer: answer)
        }
    }

    /// One token request for `code`; notes what every token response that issued tokens showed.
    private func redeem(_ endpoints: FlowController.Endpoints, code: String, verifier: String?, state: inout RunState, withoutCredentials: Bool = false) async -> TokenAttempt {
        let c = configuration
        let credentials = withoutCredentials ? ClientCredentials(clientID: c.clientID, clientSecret: nil, method: .none) : c.credentials
        let builder = TokenRequestBuilder(tokenEndpoint: endpoints.token, credentials: credentials, bodyEncoding: c.tokenBody, extraParameters: c.tokenParameters, extraHeaders: c.tokenHeaders)
        let spec = builder.authorizationCode(code: code, redirectURI: c.omitRedirectURI ? nil : c.redirectURI, codeVerifier: verifier)
        return await send(spec, state: &state)
    }

    private func send(_ spec: HTTPRequestSpec, purpose: HopPurpose = .token, state: inout RunState) async -> (TokenAttempt) {
        let answer = await client.send(spec, purpose: purpose, publisher: publisher)
        guard case .response(let status, let headers, let body, _) = answer else { return .noAnswer(answer.failureReason ?? "no answer") }
        switch TokenResponseParser.parse(status: status, headers: headers, body: body) {
        case .success(let tokens, _):
            state.cacheControl.append(headers.first { $0.name.lowercased() == "cache-control" }?.value)
            if let id = tokens.idToken, state.idTokenAlg == nil { state.idTokenAlg = (try? DecodedJWT(id.value))?.header["alg"]?.stringValue }
            if state.refreshToken == nil, purpose == .token { state.refreshToken = tokens.refreshToken?.value }
            lastTokens.withLock { $0 = tokens }
            return .accepted(status: status)
        case .error(let err, let st, _):
            return .refused(status: st, error: err.error)
        case .invalid(let reason, _, _):
            return (400..<500).contains(status) ? .refused(status: status, error: nil) : .noAnswer(reason)
        }
    }

    /// The tokens of the newest successful token response (the refresh probe reads the new refresh token here).
    private let lastTokens = Mutex<TokenSet?>(nil)

    private func refreshProbe(_ endpoints: FlowController.Endpoints, _ state: inout RunState) async -> ProbeVerdict {
        guard let firstRefresh = state.refreshToken else { return ProbeVerdicts.refreshRotated(hadRefreshToken: false, refresh: nil, rotated: false, oldReplay: nil, publicClient: configuration.clientSecret == nil) }
        let c = configuration
        let builder = TokenRequestBuilder(tokenEndpoint: endpoints.token, credentials: c.credentials, bodyEncoding: c.tokenBody, extraParameters: c.tokenParameters, extraHeaders: c.tokenHeaders)
        lastTokens.withLock { $0 = nil }
        var old = firstRefresh
        var refresh = await send(builder.refresh(refreshToken: old), purpose: .refresh, state: &state)
        if case .refused(_, "invalid_grant") = refresh, state.replayRefused {
            // The replay of its code revoked that grant (as it should): a fresh grant for the refresh.
            let got = await authorize(endpoints, state: AuthorizationRequest.newState())
            guard let a = got.authorized, let code = a.parameters.code else { return ProbeVerdict(.skip, "the first grant was revoked by the code replay, and a fresh authorization failed: \(got.problem ?? "no code")") }
            state.refreshToken = nil
            _ = await redeem(endpoints, code: code, verifier: a.pkce.verifier.value, state: &state)
            guard let fresh = state.refreshToken else { return ProbeVerdicts.refreshRotated(hadRefreshToken: false, refresh: nil, rotated: false, oldReplay: nil, publicClient: c.clientSecret == nil) }
            old = fresh
            lastTokens.withLock { $0 = nil }
            refresh = await send(builder.refresh(refreshToken: old), purpose: .refresh, state: &state)
        }
        let new = lastTokens.withLock { $0 }?.refreshToken?.value
        let rotated = new != nil && new != old
        var replay: TokenAttempt?
        if refresh.isAccepted, rotated { replay = await send(builder.refresh(refreshToken: old), purpose: .refresh, state: &state) }
        return ProbeVerdicts.refreshRotated(hadRefreshToken: true, refresh: refresh, rotated: rotated, oldReplay: replay, publicClient: c.clientSecret == nil)
    }

    private func errorProbe(_ endpoints: FlowController.Endpoints, _ metadata: ProviderMetadata?) async -> ProbeVerdict {
        let advertised = metadata?.issParameterSupported ?? false
        var verdicts: [ProbeVerdict] = []
        for (trigger, responseType, choice) in [("an unsupported response_type", "oauthscope_unsupported" as String?, UserChoice.approve), ("a denial by the user", nil, .deny)] {
            let sent = AuthorizationRequest.newState()
            let got = await authorize(endpoints, state: sent, responseType: responseType, choice: choice)
            if let params = got.parameters, params.code == nil {
                verdicts.append(ProbeVerdicts.errorHasState(trigger: trigger, sent: sent, received: params, issAdvertised: advertised, issuer: endpoints.issuer))
            } else if got.parameters?.code != nil {
                verdicts.append(ProbeVerdict(choice == .deny ? .skip : .warn, "\(trigger) was answered with a code"))
            } else {
                verdicts.append(ProbeVerdict(.skip, "\(trigger): \(got.problem ?? "no redirect")"))
            }
        }
        return ProbeVerdicts.worst(verdicts)
    }

    /// The variants of the redirect URI a provider must refuse. A loopback URI's port is not varied (RFC 8252 §7.3).
    func redirectVariants() -> [(variant: String, uri: String)] {
        guard var parts = URLComponents(string: configuration.redirectURI), let host = parts.host else { return [] }
        var out: [(String, String)] = []
        var extraPath = parts
        extraPath.path = (parts.path.hasSuffix("/") ? parts.path : parts.path + "/") + "extra"
        if let u = extraPath.string { out.append(("an extra path segment", u)) }
        var query = parts
        query.percentEncodedQuery = (parts.percentEncodedQuery.map { $0 + "&" } ?? "") + "injected=1"
        if let u = query.string { out.append(("an added query parameter", u)) }
        var other = parts
        other.host = "attacker.example"
        if RedirectURI.isLoopback(host: host) { other.port = parts.port }
        if let u = other.string { out.append(("another host", u)) }
        if parts.scheme?.lowercased() == "https" {
            parts.scheme = "http"
            if let u = parts.string { out.append(("https to http", u)) }
        }
        return out
    }

    private func redirectProbe(_ endpoints: FlowController.Endpoints) async -> ProbeVerdict {
        guard agent.seesEveryRedirect else {
            return ProbeVerdict(.skip, "a real browser's redirects to other hosts cannot be seen; run it with the simulated browser (--demo, or a loopback provider)")
        }
        var answers: [(variant: String, uri: String, answer: RedirectVariantAnswer)] = []
        // A variant the provider's own documented rule allows (GitHub: a path under the callback) is no fault.
        let rule = configuration.redirectRule
        var allowed: [String] = []
        for (variant, uri) in redirectVariants() {
            if let rule, rule.accepts(uri, registered: configuration.redirectURI) {
                allowed.append(variant)
                continue
            }
            let got = await authorize(endpoints, state: AuthorizationRequest.newState(), redirectURI: uri)
            let answer: RedirectVariantAnswer
            switch got.answer {
            case .redirected(let location, _): answer = .redirected(location)
            case .stayed(let status, let text): answer = status == 0 ? .unknown(text) : .stayed(status: status)
            case .failed(let why): answer = .unknown(why)
            }
            answers.append((variant, uri, answer))
        }
        guard !answers.isEmpty else {
            return ProbeVerdict(.skip, "every variant is allowed by the provider's documented rule, which \(rule?.summary ?? "")")
        }
        var verdict = ProbeVerdicts.redirectURIExact(answers)
        if !allowed.isEmpty {
            verdict.detail += "; not tried, as the provider's documented rule allows them: " + allowed.joined(separator: ", ")
        }
        return verdict
    }
}


extension HopPurpose {
    /// A hop of the doctor's simulated browser at the authorization endpoint (the request, the consent form, the
    /// redirect it stops at).
    public static let authorize: HopPurpose = "authorize"
}

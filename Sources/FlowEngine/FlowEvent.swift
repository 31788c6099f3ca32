import Foundation
import OAuthCore

/// One thing that happened in a flow: the unit of the event bus, of the JSONL output and of recordings.
///
/// On the wire it is one flat JSON object: the envelope `{"v":1,"seq":…,"time":…,"flow":…,"type":…}` followed
/// by the fields of its payload (DESIGN.md, "Event stream"). A field's meaning never changes within `v`.
public struct FlowEvent: Sendable, Hashable {
    public static let schemaVersion = 1

    public var seq: Int
    public var time: Date
    public var flow: String
    public var payload: Payload

    public init(seq: Int, time: Date, flow: String, payload: Payload) {
        self.seq = seq
        self.time = time
        self.flow = flow
        self.payload = payload
    }

    public var type: String { payload.type }
}

extension FlowEvent {
    /// What happened. Each case's associated value holds exactly the fields of that event type.
    public enum Payload: Sendable, Hashable {
        case flowStarted(FlowStarted)
        case listenerStarted(ListenerStarted)
        case discoveryCompleted(DiscoveryCompleted)
        case httpRequest(HTTPRequestCapture)
        case httpResponse(HTTPResponseCapture)
        case urlBuilt(AuthorizationURLBuilt)
        case userRedirected(UserRedirected)
        /// Boxed: a flood publishes one per request, and the event is handed on several times (the bus, the
        /// writer's batch); a box is copied with one retain instead of one per member.
        indirect case callbackReceived(CallbackReceived)
        case codeReceived(CodeReceived)
        case tokenRequest(HTTPRequestCapture)
        case tokenResponse(HTTPResponseCapture)
        case tokenExchanged(TokenExchanged)
        case finding(Finding)
        case stepWaiting(StepWaiting)
        case flowCompleted(FlowCompleted)
        case flowFailed(FlowFailed)
        case busOverflow(BusOverflow)
        case actionCompleted(ActionCompleted)
        /// `doctor.started`, `probe.started`, `probe.completed`, `doctor.completed` (DoctorEvents.swift).
        case doctor(DoctorEvent)
        case lessonStarted(LessonStarted)
        case lessonCompleted(LessonCompleted)
        case requestEdited(RequestEdited)
        /// `device.authorization`, `device.poll` (Grants/DeviceEvents.swift).
        case deviceAuthorization(DeviceAuthorizationIssued)
        case devicePoll(DevicePoll)
        /// `client.assertion` and `authorization.pushed` (ClientAuthEvents.swift).
        case clientAssertion(ClientAssertionBuilt)
        case authorizationPushed(AuthorizationPushed)
        case dpopProof(DPoPProofShown)

        /// The `type` on the wire, from the registry (`Kind`, EventTypes.swift).
        public var type: String { kind.rawValue }
    }
}

// MARK: - Payloads

/// `flow.started`: what this flow will talk to, before anything is sent.
public struct FlowStarted: Sendable, Hashable, Codable {
    /// `demo`, `flow`, `listen` or `replay`.
    public var mode: String
    /// A short label for the provider: a preset name, an issuer, or the authorization endpoint's host.
    public var provider: String
    public var clientID: String?
    public var redirectURI: String
    /// `auto`, `manual` or `never`.
    public var exchange: String
    public var stepMode: Bool
    /// Provider-specific calls offered after the exchange, by the name `FlowCommand.action` takes
    /// (e.g. `accessible-resources`).
    public var followUps: [String]?
    /// The config-file profile this flow came from (`--profile NAME`).
    public var profile: String?
    /// Each setting the flow runs with and where its value came from (`flag`, `env`, `profile`, `preset`,
    /// `default`), secrets redacted.
    public var settings: [SettingOrigin]?
    /// The grant this flow runs, by `GrantDescription.id`; absent means the authorization code (and is how
    /// that grant is written, so older recordings read the same).
    public var grant: String?

    public init(mode: String, provider: String, clientID: String?, redirectURI: String, exchange: String = "auto", stepMode: Bool = false, followUps: [String]? = nil, profile: String? = nil, settings: [SettingOrigin]? = nil, grant: String? = nil) {
        self.mode = mode
        self.provider = provider
        self.clientID = clientID
        self.redirectURI = redirectURI
        self.exchange = exchange
        self.stepMode = stepMode
        self.followUps = followUps
        self.profile = profile
        self.settings = settings
        self.grant = grant
    }

    enum CodingKeys: String, CodingKey {
        case mode, provider, clientID = "client_id", redirectURI = "redirect_uri", exchange, stepMode = "step_mode", followUps = "follow_ups", profile, settings, grant
    }
}

/// One entry of `flow.started`'s `settings`: a setting's name (its config-file key), its value as shown, and the
/// source that gave it, like `git config --show-origin`.
public struct SettingOrigin: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    /// `flag`, `env`, `profile`, `preset` or `default`.
    public var source: String

    public init(name: String, value: String, source: String) {
        self.name = name
        self.value = value
        self.source = source
    }
}

/// `listener.started`: the callback listener is bound and waiting.
public struct ListenerStarted: Sendable, Hashable, Codable {
    /// Bound socket addresses, e.g. `127.0.0.1:8765`, `[::1]:8765`.
    public var addresses: [String]
    public var redirectURI: String
    /// `oauthscope listen`: where this redirect URI's callbacks are forwarded (`--forward`), if anywhere.
    public var forward: String?
    /// `oauthscope listen`: the state this redirect URI's callbacks must carry (`--expect-state`), if one is given.
    public var expectState: String?

    public init(addresses: [String], redirectURI: String, forward: String? = nil, expectState: String? = nil) {
        self.addresses = addresses
        self.redirectURI = redirectURI
        self.forward = forward
        self.expectState = expectState
    }

    enum CodingKeys: String, CodingKey { case addresses, redirectURI = "redirect_uri", forward, expectState = "expect_state" }
}

/// `discovery.completed`: provider metadata fetched and checked.
public struct DiscoveryCompleted: Sendable, Hashable, Codable {
    public var issuer: String
    public var url: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    public var jwksURI: String?
    public var userinfoEndpoint: String?
    public var metadata: JSONValue
    public var elapsedMs: Int

    public init(issuer: String, url: String, authorizationEndpoint: String, tokenEndpoint: String, jwksURI: String?, userinfoEndpoint: String?, metadata: JSONValue, elapsedMs: Int) {
        self.issuer = issuer
        self.url = url
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
        self.userinfoEndpoint = userinfoEndpoint
        self.metadata = metadata
        self.elapsedMs = elapsedMs
    }

    enum CodingKeys: String, CodingKey {
        case issuer, url, authorizationEndpoint = "authorization_endpoint", tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri", userinfoEndpoint = "userinfo_endpoint", metadata, elapsedMs = "elapsed_ms"
    }
}

/// One header as captured, in wire order; its value may be a secret.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: Sensitive

    public init(_ name: String, _ value: Sensitive) {
        self.name = name
        self.value = value
    }

    /// Redacts the value when the header is known to carry a secret.
    public init(captured name: String, _ value: String) {
        self.name = name
        self.value = Redactor.header(name: name, value: value)
    }
}

/// An HTTP request exactly as sent (`token.request`, `http.request`).
public struct HTTPRequestCapture: Sendable, Hashable {
    /// Why it was sent: `token`, `discovery`, `jwks`, `refresh`, `userinfo`, `revoke`, `introspect`, ...
    public var purpose: HopPurpose
    public var method: String
    public var url: String
    public var headers: [HeaderField]
    public var body: Sensitive

    public init(purpose: HopPurpose, method: String, url: String, headers: [HeaderField], body: Sensitive) {
        self.purpose = purpose
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

extension HTTPRequestCapture {
    /// The capture of a request about to be sent: secret headers and body fields redacted (shown with `--reveal`).
    public init(spec: HTTPRequestSpec, purpose: HopPurpose) {
        let contentType = spec.headers.first { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        let body: Sensitive
        if contentType.contains("json") {
            body = Redactor.jsonBody(spec.body)
        } else if contentType.contains("x-www-form-urlencoded") {
            body = Redactor.formBody(spec.body)
        } else {
            body = Redactor.body(spec.body)
        }
        self.init(purpose: purpose, method: spec.method, url: spec.url.absoluteString, headers: spec.headers.map { HeaderField(captured: $0.name, $0.value) }, body: body)
    }
}

/// An HTTP response exactly as received (`token.response`, `http.response`).
public struct HTTPResponseCapture: Sendable, Hashable {
    public var purpose: HopPurpose
    public var status: Int
    public var headers: [HeaderField]
    public var body: Sensitive
    public var elapsedMs: Int

    public init(purpose: HopPurpose, status: Int, headers: [HeaderField], body: Sensitive, elapsedMs: Int) {
        self.purpose = purpose
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsedMs = elapsedMs
    }
}

/// `authorization.url_built`.
public struct AuthorizationURLBuilt: Sendable, Hashable, Codable {
    public struct PKCEInfo: Sendable, Hashable, Codable {
        public var method: String
        public var challenge: String
        public init(method: String, challenge: String) {
            self.method = method
            self.challenge = challenge
        }
    }

    public var url: String
    /// The query parameters, in the order they appear in the URL.
    public var params: JSONValue
    /// Nil when PKCE was turned off (`--pkce none`).
    public var pkce: PKCEInfo?
    public var endpoint: String

    public init(url: String, params: JSONValue, pkce: PKCEInfo?, endpoint: String) {
        self.url = url
        self.params = params
        self.pkce = pkce
        self.endpoint = endpoint
    }
}

/// `user.redirected`: how the user was sent to the authorization URL.
public struct UserRedirected: Sendable, Hashable, Codable {
    /// `browser`, `simulated` or `printed`.
    public var via: RedirectVia
    /// The command that was run, when a browser was launched.
    public var command: String?

    public init(via: RedirectVia, command: String?) {
        self.via = via
        self.command = command
    }
}

/// What the listener decided about one request that reached it.
public enum CallbackVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    case accepted
    case stateMismatch = "state_mismatch"
    case errorResponse = "error_response"
    case stray
    case duplicate
    case malformed
}

/// How an authorization response reached the redirect URI (OAuth 2.0 Multiple Response Type Encoding Practices §2.1,
/// OAuth 2.0 Form Post Response Mode §2).
public enum ResponseMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// In the query string of a GET (the default for `response_type=code`).
    case query
    /// In an `application/x-www-form-urlencoded` POST body.
    case formPost = "form_post"
    /// In the URL fragment, which the browser never sends: the listener's page posted it back.
    case fragment
}

/// `callback.received`: one HTTP request at the listener, parsed and judged.
public struct CallbackReceived: Sendable, Hashable, Codable {
    public var method: String
    public var path: String
    /// Every query (or form_post body) parameter, decoded; sensitive ones redacted.
    public var query: JSONValue
    public var remote: String
    public var verdict: CallbackVerdict
    /// Why the verdict, in words (e.g. which parameter was repeated).
    public var detail: String?
    /// The HTTP status the listener answered with.
    public var status: Int?
    public var headers: JSONValue?
    /// With `--forward`: where the browser was sent on to (the 307's Location).
    public var forwarded: String?
    /// How the parameters came: in the query, a `form_post` body, or a URL fragment the listener's page posted back.
    /// Absent for requests that carried none of these (and in recordings made before the field existed).
    public var responseMode: ResponseMode?
    /// The redirect URI whose listener received the request (`oauthscope listen` may watch several).
    public var redirectURI: String?
    /// `listen --exchange`: the flow (`x1`, `x2`, ...) that redeems this callback's code.
    public var exchange: String?

    public init(method: String, path: String, query: JSONValue, remote: String, verdict: CallbackVerdict, detail: String? = nil, status: Int? = nil, headers: JSONValue? = nil, forwarded: String? = nil,
                responseMode: ResponseMode? = nil, redirectURI: String? = nil, exchange: String? = nil) {
        self.method = method
        self.path = path
        self.query = query
        self.remote = remote
        self.verdict = verdict
        self.detail = detail
        self.status = status
        self.headers = headers
        self.forwarded = forwarded
        self.responseMode = responseMode
        self.redirectURI = redirectURI
        self.exchange = exchange
    }

    enum CodingKeys: String, CodingKey {
        case method, path, query, remote, verdict, detail, status, headers, forwarded, responseMode = "response_mode", redirectURI = "redirect_uri", exchange
    }
}

/// `code.received`: the authorization code, after the callback's checks.
public struct CodeReceived: Sendable, Hashable, Codable {
    public var code: Sensitive
    public var checks: [Check]

    public init(code: Sensitive, checks: [Check]) {
        self.code = code
        self.checks = checks
    }
}

/// The decoded ID token with its checks.
public struct IDTokenSummary: Sendable, Hashable, Codable {
    public var header: JSONValue
    public var claims: JSONValue
    public var checks: [Check]

    public init(header: JSONValue, claims: JSONValue, checks: [Check]) {
        self.header = header
        self.claims = claims
        self.checks = checks
    }
}

/// `token.exchanged`: the tokens, parsed and checked.
public struct TokenExchanged: Sendable, Hashable, Codable {
    public var tokenType: String
    public var expiresIn: Int?
    public var scope: String?
    public var accessToken: Sensitive
    public var refreshToken: Sensitive?
    public var idToken: IDTokenSummary?
    /// Members beyond RFC 6749 §5.1 (BitBadges' `address`, ...), sensitive ones redacted.
    public var extra: JSONValue?
    /// The access token decoded, when it is a JWT (RFC 9068). Its checks are informational: the token is meant
    /// for the API, which is the one that must verify it.
    public var accessTokenJWT: IDTokenSummary?

    public init(tokenType: String, expiresIn: Int?, scope: String?, accessToken: Sensitive, refreshToken: Sensitive?, idToken: IDTokenSummary?, extra: JSONValue?, accessTokenJWT: IDTokenSummary? = nil) {
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.scope = scope
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.idToken = idToken
        self.extra = extra
        self.accessTokenJWT = accessTokenJWT
    }

    enum CodingKeys: String, CodingKey {
        case tokenType = "token_type", expiresIn = "expires_in", scope, accessToken = "access_token"
        case refreshToken = "refresh_token", idToken = "id_token", extra, accessTokenJWT = "access_token_jwt"
    }
}

/// `step.waiting`: step mode paused before a hop.
public struct StepWaiting: Sendable, Hashable, Codable {
    /// The step the paused hop belongs to: `url`, `redirect`, `exchange`.
    public var step: String
    /// What is about to happen, in words.
    public var prompt: String
    /// The hop about to be made: `discovery`, `redirect`, `token`, `jwks`, `refresh`, `userinfo`, `introspect`,
    /// `revoke`, `check-rotation`, or a provider's own follow-up call.
    public var hop: String?
    /// The request exactly as it will be sent (secrets redacted unless `--reveal`); for `redirect`, the GET of
    /// the authorization URL the browser is sent to.
    public var request: HTTPRequestCapture?

    public init(step: String, prompt: String, hop: String? = nil, request: HTTPRequestCapture? = nil) {
        self.step = step
        self.prompt = prompt
        self.hop = hop
        self.request = request
    }
}

/// `request.edited`: an edit typed at a step-mode pause, made to the pending request or refused.
public struct RequestEdited: Sendable, Hashable, Codable {
    /// The hop whose request was edited (`token`, `redirect`, ...).
    public var hop: String
    /// The edit as typed, its value redacted when it names a secret (unless `--reveal`).
    public var edit: Sensitive
    public var ok: Bool
    /// Why the edit was refused; the pause goes on.
    public var error: String?
    /// The request as it now stands, when the edit was made.
    public var request: HTTPRequestCapture?

    public init(hop: String, edit: Sensitive, ok: Bool, error: String? = nil, request: HTTPRequestCapture? = nil) {
        self.hop = hop
        self.edit = edit
        self.ok = ok
        self.error = error
        self.request = request
    }
}

/// `flow.completed`.
public struct FlowCompleted: Sendable, Hashable, Codable {
    public var elapsedMs: Int
    public init(elapsedMs: Int) { self.elapsedMs = elapsedMs }
    enum CodingKeys: String, CodingKey { case elapsedMs = "elapsed_ms" }
}

/// `flow.failed`: the reason in words, the OAuth error code when there is one, and what to do about it.
public struct FlowFailed: Sendable, Hashable, Codable {
    public var reason: String
    public var error: String?
    public var errorDescription: String?
    public var hint: String?
    /// The step that failed: `url`, `redirect`, `callback`, `exchange`.
    public var step: String?

    public init(reason: String, error: String? = nil, errorDescription: String? = nil, hint: String? = nil, step: String? = nil) {
        self.reason = reason
        self.error = error
        self.errorDescription = errorDescription
        self.hint = hint
        self.step = step
    }

    enum CodingKeys: String, CodingKey {
        case reason, error, errorDescription = "error_description", hint, step
    }
}

/// `action.completed`: a follow-up hop after the exchange (`refresh`, `userinfo`, `revoke`, `introspect`,
/// `check-rotation`), with what it showed. Its raw request and response are `http.request`/`http.response` events.
public struct ActionCompleted: Sendable, Hashable, Codable {
    public var action: String
    public var ok: Bool
    /// One line for a person: "the refresh token rotated", "active, expires in 59 min", ...
    public var summary: String
    /// What came back, parsed (userinfo claims, introspection result, new tokens), secrets redacted.
    public var result: JSONValue?
    /// For `refresh`: whether a new refresh token replaced the old one.
    public var rotated: Bool?
    public var accessToken: Sensitive?
    public var refreshToken: Sensitive?
    public var expiresIn: Int?
    /// The OAuth error code the provider answered with, when it refused the hop (`invalid_grant`, ...).
    public var error: String?

    public init(action: String, ok: Bool, summary: String, result: JSONValue? = nil, rotated: Bool? = nil, accessToken: Sensitive? = nil, refreshToken: Sensitive? = nil, expiresIn: Int? = nil, error: String? = nil) {
        self.action = action
        self.ok = ok
        self.summary = summary
        self.result = result
        self.rotated = rotated
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case action, ok, summary, result, rotated, accessToken = "access_token", refreshToken = "refresh_token", expiresIn = "expires_in", error
    }
}

/// `lesson.started`: `demo --lesson NAME` begins a lesson: what it shows, what is staged on purpose, and what the
/// lesson expects to see at the end. Published before `flow.started`.
public struct LessonStarted: Sendable, Hashable, Codable {
    public var name: String
    public var title: String
    /// A short introduction for a person.
    public var intro: String
    /// What the embedded provider or the simulated browser does on purpose, one line each.
    public var staged: [String]
    /// The end the lesson expects: an OAuth error code (`access_denied`), a failed check (`signature`), a
    /// callback verdict (`state_mismatch`) or `flow.completed`.
    public var expected: String
    /// Where the rule is written, e.g. "RFC 6749 §4.1.2.1".
    public var ref: String

    public init(name: String, title: String, intro: String, staged: [String], expected: String, ref: String) {
        self.name = name
        self.title = title
        self.intro = intro
        self.staged = staged
        self.expected = expected
        self.ref = ref
    }
}

/// `lesson.completed`: the lesson's flow ended; what happened and why. Published after `flow.completed` or
/// `flow.failed`.
public struct LessonCompleted: Sendable, Hashable, Codable {
    public var name: String
    /// How the flow ended: `completed` or `failed`.
    public var outcome: String
    /// The OAuth error code, failed check or callback verdict the flow showed (nil for a plain completion).
    public var error: String?
    /// The end the lesson expected (as in `lesson.started`).
    public var expected: String
    /// Whether the flow ended the way the lesson expected.
    public var asExpected: Bool
    /// What happened and why, for a person.
    public var explanation: String
    public var ref: String

    public init(name: String, outcome: String, error: String?, expected: String, asExpected: Bool, explanation: String, ref: String) {
        self.name = name
        self.outcome = outcome
        self.error = error
        self.expected = expected
        self.asExpected = asExpected
        self.explanation = explanation
        self.ref = ref
    }

    enum CodingKeys: String, CodingKey {
        case name, outcome, error, expected, asExpected = "as_expected", explanation, ref
    }
}

/// `bus.overflow`: a subscriber fell behind and this many events were dropped for it.
public struct BusOverflow: Sendable, Hashable, Codable {
    public var dropped: Int
    public init(dropped: Int) { self.dropped = dropped }
}

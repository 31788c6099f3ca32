import Foundation
import OAuthCore

/// A provider-specific call made with the access token after the exchange, e.g. Atlassian's list of accessible
/// resources or GitHub's current user.
public struct FollowUpCall: Sendable, Hashable {
    public var name: String
    public var method: String
    public var url: URL
    /// Headers beside `Authorization: Bearer` (an API key, a User-Agent the API insists on).
    public var headers: [FormField]
    /// Sent as is, e.g. `{}` for an API that wants a JSON body.
    public var body: String?
    public var help: String
    /// Values this call's JSON answer gives to later calls, e.g. Atlassian's cloud id for `{cloudid}`.
    public var captures: [PresetCapture]

    public init(name: String, method: String, url: URL, headers: [FormField] = [], body: String? = nil, help: String, captures: [PresetCapture] = []) {
        self.name = name
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.help = help
        self.captures = captures
    }

    /// The `{name}` placeholders of a URL (written percent-encoded, `%7Bname%7D`, as a URL holds them).
    static func placeholders(in url: String) -> [String] {
        var names: [String] = []
        var rest = Substring(url)
        while let open = rest.range(of: "%7B", options: .caseInsensitive), let close = rest[open.upperBound...].range(of: "%7D", options: .caseInsensitive) {
            let name = String(rest[open.upperBound..<close.lowerBound])
            if !name.isEmpty, !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// The URL with each placeholder replaced by its value.
    static func fill(_ url: String, _ values: [String: String]) -> URL? {
        var out = url
        for (name, value) in values {
            for open in ["%7B", "%7b"] {
                for close in ["%7D", "%7d"] { out = out.replacingOccurrences(of: open + name + close, with: value) }
            }
        }
        return URL(string: out)
    }
}

/// The tokens a flow holds after the exchange, updated by refreshes.
actor TokenVault {
    var current: TokenSet
    /// The refresh token a rotation replaced, kept only to show whether the provider still accepts it.
    var previousRefreshToken: Secret?
    /// Values follow-up answers gave for later calls (`{cloudid}`), each checked to be a plain identifier.
    var captured: [String: String] = [:]

    init(_ tokens: TokenSet) { current = tokens }

    func capture(_ name: String, _ value: String) {
        let plain = value.count <= 128 && !value.isEmpty && value.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }
        if plain, captured.count < 32 || captured[name] != nil { captured[name] = value }
    }

    func replace(with new: TokenSet) -> (rotated: Bool, old: Secret?) {
        let old = current.refreshToken
        var next = new
        // RFC 6749 §6: without a new refresh token in the answer, the old one stays valid.
        if next.refreshToken == nil { next.refreshToken = old }
        let rotated = new.refreshToken != nil && new.refreshToken != old
        if rotated { previousRefreshToken = old }
        current = next
        return (rotated, old)
    }
}

/// What a refreshed ID token must keep from the first one (OIDC Core §12.2).
struct OriginalIDToken: Sendable, Hashable {
    var subject: String?
    var issuer: String?
}

/// What the follow-up hops need from a finished exchange.
struct TokenSession: Sendable {
    let tokens: TokenVault
    let builder: TokenRequestBuilder
    let issuer: String?
    let jwksURI: URL?
    let allowedAlgorithms: [String]
    let originalIDToken: OriginalIDToken?
    let userinfo: URL?
    let revocation: URL?
    let introspection: URL?
    /// Builds the token request that redeemed the code once more, for `replay-code`: afresh each time, as each poll
    /// of the device grant is, since a client assertion's jti may be used once (RFC 7523 §3).
    var codeRequest: (@Sendable () -> HTTPRequestSpec)?
}

extension FlowController {
    /// The follow-up hops a user can ask for after the exchange.
    public static let actionNames = TokenAction.builtIn.map(\.rawValue)

    /// Performs one follow-up hop, publishing its raw request and response and an `action.completed` event.
    func perform(_ action: TokenAction, _ session: TokenSession) async -> ActionCompleted {
        let result: ActionCompleted
        switch action {
        case .refresh: result = await refresh(session)
        case .userinfo: result = await userinfo(session)
        case .introspect: result = await introspect(session)
        case .revoke: result = await revoke(session)
        case .checkRotation: result = await checkRotation(session)
        case .replayCode: result = await replayCode(session)
        default:
            if APICallRequest.isCall(action.rawValue) {
                do throws(APICallError) {
                    result = await apiCall(try APICallRequest.parseAction(action.rawValue, base: configuration.apiBase), session)
                } catch {
                    result = ActionCompleted(action: String(action.rawValue.prefix(200)), ok: false, summary: error.description)
                }
            } else if let call = configuration.followUps.first(where: { $0.name == action.rawValue }) {
                result = await followUp(call, session)
            } else {
                let names = Self.actionNames + configuration.followUps.map(\.name)
                result = ActionCompleted(action: action.rawValue, ok: false, summary: "unknown action; use one of \(names.joined(separator: ", "))")
            }
        }
        publisher.publish(.actionCompleted(result))
        return result
    }

    private func refresh(_ s: TokenSession) async -> ActionCompleted {
        guard let refreshToken = await s.tokens.current.refreshToken else {
            return ActionCompleted(action: "refresh", ok: false, summary: "there is no refresh token (ask for offline_access or the provider's equivalent scope)")
        }
        let spec = s.builder.refresh(refreshToken: refreshToken.value)
        announceAssertion(in: spec, hop: .refresh)
        let outcome = await sendTokenRequest(spec, purpose: .refresh)
        guard case .response(let status, let headers, let body, _) = outcome else {
            return ActionCompleted(action: "refresh", ok: false, summary: outcome.failureReason ?? "the token endpoint did not answer")
        }
        switch TokenResponseParser.parse(status: status, headers: headers, body: body) {
        case .success(let tokens, let findings):
            for f in findings { publisher.publish(.finding(f)) }
            dpopTokenChecks(tokens)
            let (rotated, _) = await s.tokens.replace(with: tokens)
            if let id = tokens.idToken {
                for c in await refreshedIDTokenChecks(id.value, accessToken: tokens.accessToken.value, session: s) where !c.ok {
                    publisher.publish(.finding(FindingCatalogue.refreshIdToken.finding(c.name, c.detail, step: FlowStep.tokenExchanged.key)))
                }
            }
            let summary = rotated
                ? "new access token; the refresh token rotated (the old one should now be rejected: check-rotation shows it)"
                : "new access token; the refresh token did not rotate"
            if !rotated {
                publisher.publish(.finding(FindingCatalogue.refreshNotRotated.finding(step: FlowStep.tokenExchanged.key)))
            }
            return ActionCompleted(action: "refresh", ok: true, summary: summary, rotated: rotated, accessToken: tokens.accessToken.sensitive, refreshToken: tokens.refreshToken?.sensitive, expiresIn: tokens.expiresIn)
        case .error(let e, let st, _):
            return ActionCompleted(action: "refresh", ok: false, summary: "refused: \(e.error) (HTTP \(st))" + (e.description.map { ": \($0)" } ?? "") + ". " + e.hint(during: .refresh), error: e.error)
        case .invalid(let reason, _, _):
            return ActionCompleted(action: "refresh", ok: false, summary: reason)
        }
    }

    /// OIDC Core §12.2: a refreshed ID token gets every check of the first one (signature against the JWKS, iss,
    /// aud, exp, iat, at_hash; no nonce, since none was sent), and its `iss` and `sub` must be the first one's.
    func refreshedIDTokenChecks(_ token: String, accessToken: String, session s: TokenSession) async -> [Check] {
        let jwt: DecodedJWT
        do { jwt = try DecodedJWT(token) } catch { return [Check("decode", ok: false, error.description)] }
        var checks: [Check] = []
        if let sig = await signatureCheck(token, jwksURI: s.jwksURI, issuer: s.issuer, allowedAlgorithms: s.allowedAlgorithms) { checks.append(sig) }
        checks += IDTokenClaimChecks.run(jwt, IDTokenExpectations(issuer: s.issuer, clientID: configuration.clientID, nonce: nil, accessToken: accessToken, now: Date()))
        let sub = jwt.claims["sub"]?.stringValue, iss = jwt.claims["iss"]?.stringValue
        if let original = s.originalIDToken {
            checks.append(sub != nil && sub == original.subject
                ? Check("sub", ok: true, "sub is the first ID token's")
                : Check("sub", ok: false, "sub is \(sub.map { "\"\($0)\"" } ?? "missing"), but the first ID token's was \(original.subject.map { "\"\($0)\"" } ?? "missing"): it must be the same user (OIDC Core §12.2)"))
            checks.append(iss != nil && iss == original.issuer
                ? Check("iss_unchanged", ok: true, "iss is the first ID token's")
                : Check("iss_unchanged", ok: false, "iss is \(iss.map { "\"\($0)\"" } ?? "missing"), but the first ID token's was \(original.issuer.map { "\"\($0)\"" } ?? "missing") (OIDC Core §12.2)"))
        }
        return checks
    }

    private func checkRotation(_ s: TokenSession) async -> ActionCompleted {
        guard let old = await s.tokens.previousRefreshToken else {
            return ActionCompleted(action: "check-rotation", ok: false, summary: "no rotated refresh token to check; run refresh first (and the provider must rotate)")
        }
        let spec = s.builder.refresh(refreshToken: old.value)
        announceAssertion(in: spec, hop: .checkRotation)
        let outcome = await sendTokenRequest(spec, purpose: .checkRotation)
        guard case .response(let status, let headers, let body, _) = outcome else {
            return ActionCompleted(action: "check-rotation", ok: false, summary: outcome.failureReason ?? "the token endpoint did not answer")
        }
        switch TokenResponseParser.parse(status: status, headers: headers, body: body) {
        case .error(let e, _, _) where e.error == "invalid_grant":
            return ActionCompleted(action: "check-rotation", ok: true, summary: "the old refresh token is rejected (invalid_grant), as rotation requires. A provider with replay detection may now also have revoked the newer one (RFC 9700 §4.14.2)", error: e.error)
        case .success:
            publisher.publish(.finding(FindingCatalogue.refreshOldTokenAccepted.finding(step: FlowStep.tokenExchanged.key)))
            return ActionCompleted(action: "check-rotation", ok: false, summary: "the old refresh token was ACCEPTED after rotation")
        case .error(let e, let st, _):
            return ActionCompleted(action: "check-rotation", ok: true, summary: "the old refresh token is rejected (\(e.error), HTTP \(st))", error: e.error)
        case .invalid(let reason, _, _):
            return ActionCompleted(action: "check-rotation", ok: false, summary: reason)
        }
    }

    /// Sends the token request that redeemed the code once more, as a retry or a thief would. A code is single-use:
    /// the provider must refuse it, and should revoke the tokens issued from it (RFC 6749 §4.1.2).
    private func replayCode(_ s: TokenSession) async -> ActionCompleted {
        guard let spec = s.codeRequest?() else {
            return ActionCompleted(action: "replay-code", ok: false, summary: "no code was redeemed in this flow")
        }
        announceAssertion(in: spec, hop: .replayCode)
        // Under --dpop with a proof of its own, as the first redemption had: a code bound to the key (dpop_jkt,
        // RFC 9449 §10) or a client that must use DPoP would be refused for the missing proof, not the reused code.
        let outcome = await sendTokenRequest(spec, purpose: .replayCode)
        guard case .response(let status, let headers, let body, _) = outcome else {
            return ActionCompleted(action: "replay-code", ok: false, summary: outcome.failureReason ?? "the token endpoint did not answer")
        }
        switch TokenResponseParser.parse(status: status, headers: headers, body: body) {
        case .error(let e, let st, _) where e.error == "invalid_grant":
            return ActionCompleted(action: "replay-code", ok: true, summary: "the code was refused the second time (\(e.error), HTTP \(st)), as a single-use code must be; the tokens issued from it should now be revoked (RFC 6749 §4.1.2)", error: e.error)
        case .error(let e, let st, _):
            // RFC 6749 §5.2 names invalid_grant for a used code: another error may be about the request instead.
            return ActionCompleted(action: "replay-code", ok: true, summary: "the code was refused the second time, but with \(e.error) (HTTP \(st)) rather than invalid_grant, the error for a used code (RFC 6749 §5.2): the refusal may be for something else in the request (its client authentication, its DPoP proof), not the reused code", error: e.error)
        case .success:
            return ActionCompleted(action: "replay-code", ok: false, summary: "the provider ACCEPTED the code a second time: a code must be single-use (RFC 6749 §4.1.2)")
        case .invalid(let reason, _, _):
            return ActionCompleted(action: "replay-code", ok: false, summary: reason)
        }
    }

    private func userinfo(_ s: TokenSession) async -> ActionCompleted {
        guard let url = s.userinfo else {
            return ActionCompleted(action: "userinfo", ok: false, summary: "no userinfo endpoint is known (discovery did not give one; pass --userinfo-url)")
        }
        guard mayUse(url, as: .userinfo, issuer: s.issuer) else { return Self.refused("userinfo", url) }
        let access = await s.tokens.current
        let spec = HTTPRequestSpec(method: "GET", url: url, headers: [FormField("Accept", "application/json")], body: "")
        let outcome = await sendResourceRequest(spec, purpose: .userinfo, tokens: access)
        guard case .response(let status, _, let body, _) = outcome else {
            return ActionCompleted(action: "userinfo", ok: false, summary: outcome.failureReason ?? "the userinfo endpoint did not answer")
        }
        guard status == 200 else {
            return ActionCompleted(action: "userinfo", ok: false, summary: "HTTP \(status)" + (status == 401 ? ": the access token was refused (expired, revoked, or missing a scope)" : ""))
        }
        guard let claims = JSONValue.parse(body) else {
            // OIDC Core §5.3.2: the answer may also be a signed JWT.
            return ActionCompleted(action: "userinfo", ok: true, summary: "answered with a non-JSON body (a signed userinfo JWT?)")
        }
        let sub = claims["sub"]?.stringValue
        return ActionCompleted(action: "userinfo", ok: true, summary: "claims for sub \(sub ?? "(missing!)")", result: configuration.reveal ? claims : Redactor.json(claims))
    }

    private func introspect(_ s: TokenSession) async -> ActionCompleted {
        guard let url = s.introspection else {
            return ActionCompleted(action: "introspect", ok: false, summary: "no introspection endpoint is known (pass --introspect-url)")
        }
        guard mayUse(url, as: .introspection, issuer: s.issuer) else { return Self.refused("introspect", url) }
        let token = await s.tokens.current.accessToken
        let spec = s.builder.tokenOperation(endpoint: url, token: token.value, hint: "access_token")
        announceAssertion(in: spec, hop: .introspect)
        let outcome = await client.send(spec, purpose: .introspect, publisher: publisher)
        guard case .response(let status, _, let body, _) = outcome else {
            return ActionCompleted(action: "introspect", ok: false, summary: outcome.failureReason ?? "the introspection endpoint did not answer")
        }
        guard status == 200, let json = JSONValue.parse(body), let active = json["active"]?.boolValue else {
            return ActionCompleted(action: "introspect", ok: false, summary: "HTTP \(status); RFC 7662 §2.2 expects JSON with \"active\"")
        }
        var summary = active ? "the access token is active" : "the access token is not active"
        if active, let exp = NumericDate.read(json["exp"]).date { summary += ", expires \(RelativeTime.describe(seconds: exp.secondsSince1970 - Date().timeIntervalSince1970))" }
        return ActionCompleted(action: "introspect", ok: true, summary: summary, result: configuration.reveal ? json : Redactor.json(json))
    }

    private func revoke(_ s: TokenSession) async -> ActionCompleted {
        guard let url = s.revocation else {
            return ActionCompleted(action: "revoke", ok: false, summary: "no revocation endpoint is known (pass --revoke-url)")
        }
        guard mayUse(url, as: .revocation, issuer: s.issuer) else { return Self.refused("revoke", url) }
        let current = await s.tokens.current
        // RFC 7009 §2.1: revoking the refresh token also ends the access tokens of the same grant.
        let (token, hint) = current.refreshToken.map { ($0, "refresh_token") } ?? (current.accessToken, "access_token")
        let spec = s.builder.tokenOperation(endpoint: url, token: token.value, hint: hint)
        announceAssertion(in: spec, hop: .revoke)
        let outcome = await client.send(spec, purpose: .revoke, publisher: publisher)
        guard case .response(let status, _, let body, _) = outcome else {
            return ActionCompleted(action: "revoke", ok: false, summary: outcome.failureReason ?? "the revocation endpoint did not answer")
        }
        if status == 200 {
            return ActionCompleted(action: "revoke", ok: true, summary: "the \(hint) was revoked (RFC 7009 §2.2: 200 even for an unknown token); introspect to confirm")
        }
        let error = JSONValue.parse(body)?["error"]?.stringValue
        return ActionCompleted(action: "revoke", ok: false, summary: "HTTP \(status)" + (error.map { ": \($0)" } ?? ""))
    }

    private func followUp(_ call: FollowUpCall, _ s: TokenSession) async -> ActionCompleted {
        var url = call.url
        let needed = FollowUpCall.placeholders(in: url.absoluteString)
        if !needed.isEmpty {
            var values = await s.tokens.captured
            for name in needed where values[name] == nil {
                // The value comes from another call of the preset (Atlassian: the cloud id from accessible-resources).
                guard let source = configuration.followUps.first(where: { f in f.name != call.name && f.captures.contains { $0.name == name } }),
                      FollowUpCall.placeholders(in: source.url.absoluteString).isEmpty else {
                    return ActionCompleted(action: call.name, ok: false, summary: "\(call.name) needs {\(name)}, and no call of the preset gives it")
                }
                let first = await followUp(source, s)
                publisher.publish(.actionCompleted(first))
                values = await s.tokens.captured
                guard first.ok, values[name] != nil else {
                    return ActionCompleted(action: call.name, ok: false, summary: "\(call.name) needs {\(name)} from \(source.name), which did not give it: \(first.summary)")
                }
            }
            guard let filled = FollowUpCall.fill(url.absoluteString, values) else {
                return ActionCompleted(action: call.name, ok: false, summary: "\(call.name): the URL with {\(needed.joined(separator: "}, {"))} filled in is not a URL")
            }
            url = filled
        }
        guard mayUse(url, as: .api, issuer: nil) else { return Self.refused(call.name, url) }
        let access = await s.tokens.current
        var headers = [FormField("Accept", "application/json")]
        headers = headers.filter { h in !call.headers.contains { $0.name.lowercased() == h.name.lowercased() } } + call.headers
        if call.body != nil, !headers.contains(where: { $0.name.lowercased() == "content-type" }) { headers.append(FormField("Content-Type", "application/json")) }
        let spec = HTTPRequestSpec(method: call.method, url: url, headers: headers, body: call.body ?? "")
        let outcome = await sendResourceRequest(spec, purpose: HopPurpose(rawValue: call.name), tokens: access)
        let result = resourceAnswer(call.name, shown: "\(call.method) \(url.absoluteString)", outcome, help: call.help)
        if result.ok, case .response(_, _, let body, _) = outcome, let json = JSONValue.parse(body) {
            for c in call.captures {
                let holder = json.arrayValue?.first ?? json
                if let value = holder[c.member]?.stringValue { await s.tokens.capture(c.name, value) }
            }
        }
        return result
    }

    /// `--then call:METHOD:URL` and the TUI's call prompt: any URL, with the access token.
    func apiCall(_ call: APICallRequest, _ s: TokenSession) async -> ActionCompleted {
        let name = call.actionName
        guard mayUse(call.url, as: .api, issuer: nil) else { return Self.refused(name, call.url) }
        let access = await s.tokens.current
        let spec = HTTPRequestSpec(method: call.method, url: call.url, headers: [FormField("Accept", "application/json"), FormField("User-Agent", "oauthscope")], body: "")
        let outcome = await sendResourceRequest(spec, purpose: .api, tokens: access)
        return resourceAnswer(name, shown: call.description, outcome, help: nil)
    }

    /// How a protected resource answered: its JSON, or for a 401/403 the `WWW-Authenticate` challenge explained as
    /// a finding (RFC 6750 §3.1).
    private func resourceAnswer(_ action: String, shown: String, _ outcome: HTTPOutcome, help: String?) -> ActionCompleted {
        guard case .response(let status, let headers, let body, _) = outcome else {
            return ActionCompleted(action: action, ok: false, summary: outcome.failureReason ?? "\(shown) did not answer")
        }
        let json = JSONValue.parse(body)
        let result = json.map { configuration.reveal ? $0 : Redactor.json($0) }
        guard (200..<300).contains(status) else {
            guard status == 401 || status == 403 else {
                return ActionCompleted(action: action, ok: false, summary: "HTTP \(status)", result: result)
            }
            let challenges = headers.filter { $0.name.lowercased() == "www-authenticate" }.flatMap { AuthenticateChallenge.parse($0.value) }
            let challenge = challenges.first { $0.error != nil } ?? challenges.first
            let error = (challenge?.error ?? json?["error"]?.stringValue).map { String($0.prefix(100)) }
            let explanation = AuthenticateChallenge.explain(error: error, status: status)
            var said = " (no WWW-Authenticate challenge)"
            if let c = challenge {
                said = " (WWW-Authenticate: \(c.scheme.prefix(40))" + (c.error.map { " error=\"\($0.prefix(100))\"" } ?? "")
                    + (c.parameter("scope").map { " scope=\"\($0.prefix(200))\"" } ?? "") + ")"
            }
            publisher.publish(.finding(FindingCatalogue.apiRefused.finding(shown, status, said, explanation, step: FlowStep.tokenExchanged.key)))
            return ActionCompleted(action: action, ok: false, summary: "HTTP \(status): \(explanation)", result: result, error: error)
        }
        var summary = "HTTP \(status)"
        if let items = json?.arrayValue { summary += ", \(items.count) item\(items.count == 1 ? "" : "s")" }
        if let help { summary += " — " + help }
        return ActionCompleted(action: action, ok: true, summary: summary, result: result)
    }

    /// A hop not made because its endpoint is plain http where TLS is required (the finding says why).
    static func refused(_ action: String, _ url: URL) -> ActionCompleted {
        ActionCompleted(action: action, ok: false, summary: "not sent: \(url.absoluteString) is plain http where TLS is required (pass --allow-insecure-http to send it anyway)")
    }

    /// RFC 6750 §2.1 names the scheme `Bearer`; a provider's lower-case `bearer` token_type is sent as `Bearer`.
    static func bearerScheme(_ tokenType: String) -> String { tokenType.lowercased() == "bearer" ? "Bearer" : tokenType }
}

extension HTTPOutcome {
    /// Why no answer came (the deadline, the body cap, a refused redirect, the network), for a hop's summary.
    var failureReason: String? {
        if case .failure(let reason, _) = self { return reason }
        return nil
    }
}

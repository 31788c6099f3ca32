import Foundation
import OAuthCore

/// A user agent that can take the user to a device verification page and type the user code there (the demo's
/// simulated user); other agents only open the URI.
public protocol DeviceUserAgent: UserAgent {
    /// Goes to `url` (the complete URI when there is one), enters `userCode` and answers.
    func verify(_ url: URL, userCode: String, redirected: @Sendable (UserRedirected) -> Void) async throws(FlowFailure)
}

// The device authorization grant (RFC 8628): device code issued, user verifies, polling, token exchanged.
extension FlowController {
    func runDeviceGrant() async throws(FlowFailure) -> TokenSession? {
        let c = configuration
        let endpoints = try await resolveEndpoints()
        let fromMetadata = endpoints.metadata?.raw["device_authorization_endpoint"]?.stringValue.flatMap(URL.init(string:))
        guard let deviceURL = c.deviceAuthorizationURL ?? fromMetadata else {
            throw FlowFailure("no device authorization endpoint: the provider's metadata names none (device_authorization_endpoint) and none was given",
                              hint: "Pass --device-authorization-url URL, or use a preset that offers the device grant (github, microsoft, google). (RFC 8628 §4)",
                              step: .deviceCodeIssued)
        }
        for url in [deviceURL, endpoints.token] {
            if let f = EndpointSecurity.finding(for: url, role: .token, issuer: endpoints.issuer, allowInsecureHTTP: c.allowInsecureHTTP) {
                publisher.publish(.finding(f.at(step: FlowStep.deviceCodeIssued.key)))
                if f.severity == .error {
                    throw FlowFailure("refused to use \(url.absoluteString): plain http where TLS is required",
                                      hint: "Nothing was sent there. Use the https URL; for a test server you trust, pass --allow-insecure-http.", step: .deviceCodeIssued)
                }
            }
        }
        let builder = tokenRequestBuilder(endpoints)

        // 1. Device code issued.
        let authorization = try await requestDeviceCode(builder: builder, endpoint: deviceURL)
        let issuedAt = clock()

        // 2. and 3. The user verifies while the device polls.
        var schedule = DevicePollSchedule(authorization: authorization, issuedAt: issuedAt)
        var userSent = false
        if c.deviceUserAfterPolls == 0 {
            try await sendUser(authorization)
            userSent = true
        }
        var next = schedule.first(now: clock())
        while true {
            switch next {
            case .finished:
                // Unreachable: `finished` returns below, with the tokens.
                throw FlowFailure("polling ended without tokens", step: .devicePolling)
            case .stop(let status):
                throw failure(status, schedule: schedule, authorization: authorization, error: nil)
            case .wait(let seconds):
                do {
                    try await sleep(.seconds(seconds))
                } catch {
                    throw FlowFailure("cancelled while polling for the user's approval", step: .devicePolling)
                }
                if Task.isCancelled { throw FlowFailure("cancelled while polling for the user's approval", step: .devicePolling) }
            }
            // Built afresh for every poll: a client assertion's jti may be used once (RFC 7523 §3).
            let spec = builder.deviceCode(authorization.deviceCode.value)
            let answer = await sendTokenRequest(spec, purpose: .devicePoll)
            guard case .response(let status, let headers, let body, _) = answer else {
                if case .failure(let reason, let hint) = answer { throw FlowFailure("a poll of the token endpoint got no answer: \(reason)", hint: hint, step: .devicePolling) }
                throw FlowFailure("a poll of the token endpoint got no answer", step: .devicePolling)
            }
            let outcome = TokenResponseParser.parse(status: status, headers: headers, body: body)
            let pollStatus = DevicePollStatus(outcome)
            next = schedule.record(pollStatus, now: clock())
            var oauthError: OAuthErrorResponse?
            if case .error(let e, _, _) = outcome { oauthError = e }
            publisher.publish(.devicePoll(DevicePoll(attempt: schedule.attempts, status: pollStatus, interval: schedule.interval, error: oauthError?.error)))
            switch outcome {
            case .success(let tokens, let findings):
                let deviceCode = authorization.deviceCode.value
                return try await accept(tokens, findings: findings, builder: builder, request: { builder.deviceCode(deviceCode) }, code: nil, nonce: nil, endpoints: endpoints,
                                        wantsOIDC: c.scope?.split(separator: " ").contains("openid") ?? false)
            case .invalid(let reason, let hint, let findings):
                for f in findings { publisher.publish(.finding(f.at(step: FlowStep.devicePolling.key))) }
                throw FlowFailure(reason, hint: hint, step: .devicePolling)
            case .error(let e, _, let findings):
                for f in findings { publisher.publish(.finding(f.at(step: FlowStep.devicePolling.key))) }
                if pollStatus == .slowDown {
                    publisher.publish(.finding(FindingCatalogue.deviceSlowDown.finding(schedule.attempts, schedule.interval, step: FlowStep.devicePolling.key)))
                }
                if !pollStatus.pollsAgain { throw failure(pollStatus, schedule: schedule, authorization: authorization, error: e) }
            }
            if !userSent, schedule.attempts >= c.deviceUserAfterPolls {
                userSent = true
                try await sendUser(authorization)
            }
        }
    }

    /// The device authorization request (RFC 8628 §3.1) and its answer, read and checked; publishes
    /// `device.authorization` and the deviations found.
    private func requestDeviceCode(builder: TokenRequestBuilder, endpoint: URL) async throws(FlowFailure) -> DeviceAuthorization {
        let request = builder.deviceAuthorization(endpoint: endpoint, scope: configuration.scope)
        let answer = await client.send(request, purpose: .deviceAuthorization, publisher: publisher)
        guard case .response(let status, let headers, let body, _) = answer else {
            if case .failure(let reason, let hint) = answer { throw FlowFailure(reason, hint: hint, step: .deviceCodeIssued) }
            throw FlowFailure("no answer from the device authorization endpoint", step: .deviceCodeIssued)
        }
        switch DeviceAuthorizationParser.parse(status: status, headers: headers, body: body) {
        case .invalid(let reason, let hint, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: FlowStep.deviceCodeIssued.key))) }
            throw FlowFailure(reason, hint: hint, step: .deviceCodeIssued)
        case .error(let e, let st, let findings):
            for f in findings { publisher.publish(.finding(f.at(step: FlowStep.deviceCodeIssued.key))) }
            throw FlowFailure("the device authorization endpoint refused: \(e.error) (HTTP \(st))" + (e.description.map { ": \($0)" } ?? ""),
                              error: e.error, description: e.description, hint: e.hint(during: .codeExchange), step: .deviceCodeIssued)
        case .issued(let a, let findings):
            publisher.publish(.deviceAuthorization(DeviceAuthorizationIssued(a)))
            for f in findings { publisher.publish(.finding(f.at(step: FlowStep.deviceCodeIssued.key))) }
            if let complete = a.verificationURIComplete, (try? QRCode.encode(complete)) == nil {
                publisher.publish(.finding(FindingCatalogue.deviceCompleteUriLong.finding(complete.utf8.count, QRCode.byteCapacity(QRCode.maxVersion, .medium), step: FlowStep.deviceCodeIssued.key)))
            }
            return a
        }
    }

    /// Sends the user to the verification page (the user agent: a browser, the demo's simulated user, or only the
    /// printed URI). Step mode pauses first, as before any hop.
    private func sendUser(_ a: DeviceAuthorization) async throws(FlowFailure) {
        guard let url = URL(string: a.verificationURIComplete ?? a.verificationURI) else { return }
        let sent = try await publisher.beforeSend(HTTPRequestSpec(method: "GET", url: url, headers: [], body: ""), hop: .redirect)
        let publisher = self.publisher
        if let device = userAgent as? any DeviceUserAgent {
            try await device.verify(sent.url, userCode: a.userCode) { publisher.publish(.userRedirected($0)) }
        } else {
            try await userAgent.open(sent.url) { publisher.publish(.userRedirected($0)) }
        }
    }

    /// How polling ended without tokens, in words, naming the step.
    private func failure(_ status: DevicePollStatus, schedule: DevicePollSchedule, authorization a: DeviceAuthorization, error: OAuthErrorResponse?) -> FlowFailure {
        let description = error?.description
        switch status {
        case .denied:
            return FlowFailure("the user denied the request on the verification page (access_denied)", error: error?.error ?? "access_denied", description: description,
                               hint: "Nothing is wrong with the client: run it again and approve at \(a.verificationURI). " + status.explanation, step: .userVerifies)
        case .expired:
            return FlowFailure(error == nil
                               ? "the device code expires (after \(a.expiresIn) s) before the next poll could be made; the user did not approve in time"
                               : "the device code expired before the user approved (expired_token, at poll \(schedule.attempts))",
                               error: error?.error, description: description,
                               hint: "Start again for a new code, and approve within \(a.expiresIn) s. " + status.explanation, step: .userVerifies)
        case .error:
            return FlowFailure("the token endpoint answered a poll with \(error?.error ?? "an error")" + (description.map { ": \($0)" } ?? ""),
                               error: error?.error, description: description,
                               hint: (error?.hint(during: .codeExchange) ?? "") + " " + status.explanation, step: .devicePolling)
        case .pending, .slowDown, .approved:
            return FlowFailure("polling ended after \(schedule.attempts) polls", step: .devicePolling)
        }
    }
}

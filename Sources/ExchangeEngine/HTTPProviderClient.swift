import AsyncHTTPClient
import FlowEngine
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore
import Synchronization

/// Talks to the provider over HTTP with AsyncHTTPClient: discovery, the token request, and every follow-up hop.
/// Each request and response is captured exactly (method, URL, headers, body, status, timing) into events.
/// Redirects are never followed and nothing is retried: a code exchange must happen at most once.
///
/// Every hop has one deadline that covers connecting, the response headers and the whole body, and a cap on the
/// body's size: a provider that stalls, trickles or never stops sending fails that hop with a message that says
/// which of these happened.
public final class HTTPProviderClient: ProviderClient {
    private let http: HTTPClient
    private let timeout: Duration
    private let maxBody: Int
    private let jwksCache = JWKSCache()

    /// The deadline of one hop when nobody says otherwise.
    public static let defaultTimeout: Duration = .seconds(15)
    /// The largest response body read; a longer one fails its hop.
    public static let defaultMaxBodyBytes = 4 * 1024 * 1024

    /// - Parameters:
    ///   - timeout: the deadline for one whole hop: connect, send, response headers and the whole body.
    ///   - maxBodyBytes: the largest response body read; a longer one fails the hop.
    public init(timeout: Duration = HTTPProviderClient.defaultTimeout, maxBodyBytes: Int = HTTPProviderClient.defaultMaxBodyBytes) {
        let connect = min(timeout, .seconds(10))
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: Self.timeAmount(connect)))
        config.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.timeout = timeout
        maxBody = maxBodyBytes
    }

    /// Closes the connection pool. Call once when done.
    public func shutdown() async {
        try? await http.shutdown()
    }

    public func send(_ request: HTTPRequestSpec, purpose: HopPurpose, publisher: FlowPublisher) async -> HTTPOutcome {
        let capture = HTTPRequestCapture(
            purpose: purpose, method: request.method, url: request.url.absoluteString,
            headers: request.headers.map { HeaderField(captured: $0.name, $0.value) },
            body: Self.redactedBody(request.body, contentType: request.headers.first { $0.name.lowercased() == "content-type" }?.value))
        publisher.publish(purpose == .token ? .tokenRequest(capture) : .httpRequest(capture))
        let (outcome, response) = await perform(request, purpose: purpose)
        if let response { publisher.publish(purpose == .token ? .tokenResponse(response) : .httpResponse(response)) }
        if case .response(let status, let headers, _, _) = outcome, (300..<400).contains(status) {
            let (finding, failure) = Self.redirectRefused(status: status, headers: headers, url: request.url, purpose: purpose)
            publisher.publish(.finding(finding))
            return failure
        }
        return outcome
    }

    /// A back-channel request is never redirected: following would send the code, the verifier and the client's
    /// credentials to wherever the `Location` points. The answer is a finding, and the hop fails.
    static func redirectRefused(status: Int, headers: [FormField], url: URL, purpose: HopPurpose) -> (Finding, HTTPOutcome) {
        let what = endpointName(purpose)
        let location = headers.first { $0.name.lowercased() == "location" }?.value
        let target = location.map { "to \($0)" } ?? "without a Location"
        let finding = FindingCatalogue.httpRedirectRefused.finding(what, status, target, step: purpose == .token ? FlowStep.tokenExchanged.id : nil)
        return (finding, .failure(
            reason: "the \(what) at \(hostPort(url)) answered HTTP \(status) \(target); back-channel redirects are not followed",
            hint: "Give the endpoint's final URL (the one that answers without a redirect), or ask the provider why it redirects."))
    }

    /// Sends without publishing (discovery publishes its own summary too).
    func perform(_ request: HTTPRequestSpec, purpose: HopPurpose) async -> (HTTPOutcome, HTTPResponseCapture?) {
        var req = HTTPClientRequest(url: request.url.absoluteString)
        req.method = HTTPMethod(rawValue: request.method)
        for h in request.headers { req.headers.add(name: h.name, value: h.value) }
        if !request.body.isEmpty || request.method == "POST" {
            req.body = .bytes(ByteBuffer(string: request.body))
        }
        let start = ContinuousClock.now
        let progress = HopProgress()
        let prepared = req
        // AsyncHTTPClient's own deadline ends the head phase and reports why it could not connect (refused, TLS);
        // the race's deadline is the one that ends a body that stalls or never stops. Before the headers, the race
        // gives AsyncHTTPClient a moment past the deadline to say why.
        let result = await Self.race(
            deadline: start + timeout,
            grace: { progress.snapshot.headers ? .zero : .seconds(1) },
            fetch: { [http, timeout, maxBody] in await Self.fetch(http, prepared, deadline: start + timeout, maxBody: maxBody, progress: progress) })
        let elapsed = Self.ms(ContinuousClock.now - start)
        switch result {
        case .success(let received):
            let headers = received.headers
            let text = String(buffer: received.body)
            let capture = HTTPResponseCapture(
                purpose: purpose, status: received.status,
                headers: headers.map { HeaderField(captured: $0.name, $0.value) },
                body: Self.redactedBody(text, contentType: headers.first { $0.name.lowercased() == "content-type" }?.value),
                elapsedMs: elapsed)
            return (.response(status: received.status, headers: headers, body: text, elapsedMs: elapsed), capture)
        case .failure(let problem):
            return (Self.failure(problem, progress: progress.snapshot, url: request.url, purpose: purpose, limit: timeout, maxBody: maxBody), nil)
        }
    }

    /// What one hop brought back.
    struct Received: Sendable {
        var status: Int
        var headers: [FormField]
        var body: ByteBuffer
    }

    /// Why a hop brought nothing back.
    enum HopProblem: Error {
        case deadline
        case cancelled
        case bodyTooLarge
        case transport(any Error)
    }

    /// Sends the request and reads the whole body, up to `maxBody` bytes, noting how far it got in `progress`.
    static func fetch(_ http: HTTPClient, _ request: HTTPClientRequest, deadline: ContinuousClock.Instant, maxBody: Int, progress: HopProgress) async -> Result<Received, HopProblem> {
        do {
            let left = deadline - ContinuousClock.now
            let response = try await http.execute(request, timeout: timeAmount(max(left, .zero)))
            progress.headersArrived()
            var body = ByteBuffer()
            for try await part in response.body {
                progress.received(part.readableBytes)
                guard body.readableBytes + part.readableBytes <= maxBody else { return .failure(.bodyTooLarge) }
                body.writeImmutableBuffer(part)
            }
            return .success(Received(status: Int(response.status.code), headers: response.headers.map { FormField($0.name, $0.value) }, body: body))
        } catch is CancellationError {
            return .failure(.cancelled)
        } catch {
            return .failure(.transport(error))
        }
    }

    /// Runs `fetch` until it finishes, the deadline (plus what `grace` says then) passes, or the calling task is
    /// cancelled, whichever comes first; the loser is cancelled and not waited for, so a provider can never hold a
    /// hop past its deadline.
    static func race(deadline: ContinuousClock.Instant, grace: @escaping @Sendable () -> Duration = { .zero }, fetch: @escaping @Sendable () async -> Result<Received, HopProblem>) async -> Result<Received, HopProblem> {
        let race = FirstResult()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.install(continuation)
                race.add(Task { race.finish(await fetch()) })
                race.add(Task {
                    do {
                        try await Task.sleep(until: deadline, clock: .continuous)
                        let extra = grace()
                        if extra > .zero { try await Task.sleep(for: extra) }
                        race.finish(.failure(.deadline))
                    } catch {}
                })
            }
        } onCancel: {
            race.finish(.failure(.cancelled))
        }
    }

    public func discover(issuer: String, publisher: FlowPublisher) async throws(FlowFailure) -> ProviderMetadata {
        var lastProblem = ""
        for url in ProviderMetadata.discoveryURLs(issuer: issuer) {
            let spec = HTTPRequestSpec(method: "GET", url: url, headers: [FormField("Accept", "application/json")], body: "")
            let outcome = await send(spec, purpose: .discovery, publisher: publisher)
            switch outcome {
            case .failure(let reason, let hint):
                throw FlowFailure("discovery failed: \(reason)", hint: hint, step: .urlBuilt)
            case .response(let status, _, let body, let elapsed):
                guard status == 200 else {
                    lastProblem = "\(url.absoluteString) answered HTTP \(status)"
                    continue
                }
                switch ProviderMetadata.parse(body: body, expectedIssuer: issuer) {
                case .failure(let e):
                    throw FlowFailure("discovery failed: \(e.description)", hint: "Check --issuer: it must be exactly the issuer identifier the provider publishes.", step: .urlBuilt)
                case .success(let (metadata, findings)):
                    publisher.publish(.discoveryCompleted(DiscoveryCompleted(
                        issuer: metadata.issuer, url: url.absoluteString,
                        authorizationEndpoint: metadata.authorizationEndpoint.absoluteString, tokenEndpoint: metadata.tokenEndpoint.absoluteString,
                        jwksURI: metadata.jwksURI?.absoluteString, userinfoEndpoint: metadata.userinfoEndpoint?.absoluteString,
                        metadata: metadata.raw, elapsedMs: elapsed)))
                    for f in findings { publisher.publish(.finding(f)) }
                    if url.path.contains("oauth-authorization-server") {
                        publisher.publish(.finding(FindingCatalogue.discoveryRfc8414.finding()))
                    }
                    return metadata
                }
            }
        }
        throw FlowFailure("discovery failed: \(lastProblem)", hint: "Neither /.well-known/openid-configuration nor /.well-known/oauth-authorization-server answered for \(issuer). Check --issuer, or give --authorize-url and --token-url.", step: .urlBuilt)
    }

    public func verifySignature(of token: String, jwksURI: URL?, allowedAlgorithms: [String], publisher: FlowPublisher) async -> Check? {
        guard let jwksURI else {
            return Check("signature", ok: false, "no jwks_uri is known, so the signature cannot be verified; give --issuer for discovery")
        }
        let jwt: DecodedJWT
        do { jwt = try DecodedJWT(token) } catch { return Check("signature", ok: false, error.description) }
        if let rejected = IDTokenSignature.rejectAlgorithm(jwt.algorithm, allowed: allowedAlgorithms) { return rejected }
        // The cached JWKS, else a fresh one; then one more fetch when the kid is unknown (the provider rotated its
        // keys since), and no more, so a token naming a key that never existed cannot make us hammer the provider.
        var jwks = await jwksCache.get(jwksURI)
        if jwks == nil {
            switch await fetchJWKS(jwksURI, publisher: publisher) {
            case .success(let body): jwks = body
            case .failure(let f): return f.check
            }
        }
        if !IDTokenSignature.jwks(jwks ?? "", containsKeyID: jwt.keyID) {
            switch await fetchJWKS(jwksURI, publisher: publisher) {
            case .success(let body): jwks = body
            case .failure(let f): return f.check
            }
        }
        return await IDTokenSignature.verify(token: token, jwksJSON: jwks ?? "", allowedAlgorithms: allowedAlgorithms)
    }

    private func fetchJWKS(_ url: URL, publisher: FlowPublisher) async -> Result<String, JWKSFailure> {
        let spec = HTTPRequestSpec(method: "GET", url: url, headers: [FormField("Accept", "application/json")], body: "")
        switch await send(spec, purpose: .jwks, publisher: publisher) {
        case .response(200, _, let body, _):
            await jwksCache.set(url, body)
            return .success(body)
        case .response(let status, _, _, _):
            return .failure(JWKSFailure(Check("signature", ok: false, "the JWKS at \(url.absoluteString) answered HTTP \(status)")))
        case .failure(let reason, _):
            return .failure(JWKSFailure(Check("signature", ok: false, "the JWKS could not be fetched: \(reason)")))
        }
    }

    static func redactedBody(_ body: String, contentType: String?) -> Sensitive {
        let ct = contentType?.lowercased() ?? ""
        if ct.contains("json") { return Redactor.jsonBody(body) }
        if ct.contains("x-www-form-urlencoded") { return Redactor.formBody(body) }
        return Redactor.body(body)
    }

    static func ms(_ d: Duration) -> Int {
        Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }

    static func timeAmount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// "15 s", "0.5 s": a duration as the user gave it.
    static func seconds(_ d: Duration) -> String {
        let c = d.components
        if c.attoseconds == 0 { return "\(c.seconds) s" }
        let value = Double(c.seconds) + Double(c.attoseconds) / 1e18
        return String(format: "%g s", value)
    }

    /// The endpoint a hop of this purpose goes to, as the messages name it.
    static func endpointName(_ purpose: HopPurpose) -> String {
        switch purpose {
        case .token, .refresh, .checkRotation: return "token endpoint"
        case .introspect: return "introspection endpoint"
        case .revoke: return "revocation endpoint"
        case .jwks: return "JWKS endpoint"
        default: return "\(purpose) endpoint"
        }
    }

    static func hostPort(_ url: URL) -> String {
        url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } ?? url.absoluteString
    }

    static func bytes(_ n: Int) -> String { n == 1 ? "1 byte" : "\(n) bytes" }

    /// "4 MiB", "512 KiB", "100 bytes".
    static func sizeText(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return bytes(n)
    }

    static func failure(_ problem: HopProblem, progress: HopProgress.Snapshot, url: URL, purpose: HopPurpose, limit: Duration, maxBody: Int) -> HTTPOutcome {
        let what = endpointName(purpose)
        let host = hostPort(url)
        switch problem {
        case .deadline:
            return deadlineFailure(progress: progress, what: what, host: host, limit: limit)
        case .cancelled:
            return .failure(reason: "the request to the \(what) at \(host) was cancelled", hint: "It was stopped on request (Ctrl-C or quit) before an answer came.")
        case .bodyTooLarge:
            return .failure(
                reason: "\(what) at \(host): the body is larger than \(sizeText(maxBody)) (received \(bytes(progress.bytes))); oauthscope stopped reading",
                hint: "No OAuth answer comes close to this size: the endpoint sends something else, or never stops sending.")
        case .transport(let error):
            if let e = error as? HTTPClientError, e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
                return deadlineFailure(progress: progress, what: what, host: host, limit: limit)
            }
            return transportFailure(error, url: url, what: what, host: host)
        }
    }

    private static func deadlineFailure(progress: HopProgress.Snapshot, what: String, host: String, limit duration: Duration) -> HTTPOutcome {
        let limit = seconds(duration)
        if progress.headers {
            return .failure(
                reason: "\(what) at \(host): no complete body within \(limit) (received \(bytes(progress.bytes)))",
                hint: "The endpoint sent its headers, then stalled or kept sending. oauthscope never retries a code exchange by itself; --http-timeout sets the limit.")
        }
        return .failure(
            reason: "\(what) at \(host): no response headers within \(limit)",
            hint: "The host may be down, firewalled, or trickling its answer. oauthscope never retries a code exchange by itself; --http-timeout sets the limit.")
    }

    private static func transportFailure(_ error: any Error, url: URL, what: String, host: String) -> HTTPOutcome {
        let text = String(describing: error)
        if let e = error as? HTTPClientError, e == .remoteConnectionClosed {
            return .failure(reason: "the \(what) at \(host) closed the connection without an answer", hint: "Check that the URL's scheme (http/https) and port are right.")
        }
        if text.contains("Connection refused") || text.contains("connectionRefused") || text.contains("ECONNREFUSED") || text.contains("errno: 111") {
            return .failure(reason: "the \(what) at \(host) is unreachable: connection refused", hint: "Nothing listens at \(url.absoluteString). Check the URL, or that the provider is running.")
        }
        if text.contains("NXDOMAIN") || text.contains("nodename nor servname") || text.contains("lookup") || text.contains("resolve") {
            return .failure(reason: "the \(what) host \(host) could not be resolved", hint: "Check the host name in the URL.")
        }
        if text.lowercased().contains("tls") || text.lowercased().contains("ssl") || text.lowercased().contains("certificate") {
            return .failure(reason: "TLS with the \(what) at \(host) failed: \(text)", hint: "The certificate may be self-signed or for another name.")
        }
        return .failure(reason: "the \(what) at \(host) is unreachable: \(text)", hint: "Check the URL and the network. oauthscope never retries a code exchange by itself.")
    }
}

/// How far one hop got, for the message when its deadline passes: whether the headers arrived, how many body
/// bytes came.
final class HopProgress: Sendable {
    struct Snapshot: Sendable {
        var headers = false
        var bytes = 0
    }

    private let state = Mutex(Snapshot())
    func headersArrived() { state.withLock { $0.headers = true } }
    func received(_ n: Int) { state.withLock { $0.bytes += n } }
    var snapshot: Snapshot { state.withLock { $0 } }
}

/// The first of several racing tasks to finish resumes the waiter; the others are cancelled.
final class FirstResult: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Result<HTTPProviderClient.Received, HTTPProviderClient.HopProblem>, Never>?
        var result: Result<HTTPProviderClient.Received, HTTPProviderClient.HopProblem>?
        var tasks: [Task<Void, Never>] = []
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Result<HTTPProviderClient.Received, HTTPProviderClient.HopProblem>, Never>) {
        let ready: Result<HTTPProviderClient.Received, HTTPProviderClient.HopProblem>? = state.withLock { s in
            if let r = s.result { return r }
            s.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func add(_ task: Task<Void, Never>) {
        let done = state.withLock { s in
            if s.result != nil { return true }
            s.tasks.append(task)
            return false
        }
        if done { task.cancel() }
    }

    func finish(_ result: Result<HTTPProviderClient.Received, HTTPProviderClient.HopProblem>) {
        let (continuation, tasks) = state.withLock { s -> (CheckedContinuation<Result<HTTPProviderClient.Received, HTTPProviderClient.HopProblem>, Never>?, [Task<Void, Never>]) in
            guard s.result == nil else { return (nil, []) }
            s.result = result
            defer { s.continuation = nil; s.tasks = [] }
            return (s.continuation, s.tasks)
        }
        for t in tasks { t.cancel() }
        continuation?.resume(returning: result)
    }
}


/// Why the JWKS could not be had, as the failed signature check to report.
struct JWKSFailure: Error {
    let check: Check
    init(_ check: Check) { self.check = check }
}

/// Keeps fetched JWKS documents by URL for the life of the process.
actor JWKSCache {
    private var documents: [URL: String] = [:]
    func get(_ url: URL) -> String? { documents[url] }
    func set(_ url: URL, _ body: String) { documents[url] = body }
}

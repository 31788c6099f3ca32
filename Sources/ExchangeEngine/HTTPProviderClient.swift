import AsyncHTTPClient
import FlowEngine
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore

/// Talks to the provider over HTTP with AsyncHTTPClient: discovery, the token request, and every follow-up hop.
/// Each request and response is captured exactly (method, URL, headers, body, status, timing) into events.
/// Redirects are never followed and nothing is retried: a code exchange must happen at most once.
public final class HTTPProviderClient: ProviderClient {
    private let http: HTTPClient
    private let timeout: TimeAmount
    private let maxBody: Int
    private let jwksCache = JWKSCache()

    /// - Parameter timeout: the limit for one whole request (connect, send, answer).
    public init(timeout: Duration = .seconds(15), maxBodyBytes: Int = 4 * 1024 * 1024) {
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        config.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        maxBody = maxBodyBytes
    }

    /// Closes the connection pool. Call once when done.
    public func shutdown() async {
        try? await http.shutdown()
    }

    public func send(_ request: HTTPRequestSpec, purpose: String, publisher: FlowPublisher) async -> HTTPOutcome {
        let capture = HTTPRequestCapture(
            purpose: purpose, method: request.method, url: request.url.absoluteString,
            headers: request.headers.map { HeaderField(captured: $0.name, $0.value) },
            body: Self.redactedBody(request.body, contentType: request.headers.first { $0.name.lowercased() == "content-type" }?.value))
        publisher.publish(purpose == "token" ? .tokenRequest(capture) : .httpRequest(capture))
        let (outcome, response) = await perform(request, purpose: purpose)
        if let response { publisher.publish(purpose == "token" ? .tokenResponse(response) : .httpResponse(response)) }
        return outcome
    }

    /// Sends without publishing (discovery publishes its own summary too).
    func perform(_ request: HTTPRequestSpec, purpose: String) async -> (HTTPOutcome, HTTPResponseCapture?) {
        var req = HTTPClientRequest(url: request.url.absoluteString)
        req.method = HTTPMethod(rawValue: request.method)
        for h in request.headers { req.headers.add(name: h.name, value: h.value) }
        if !request.body.isEmpty || request.method == "POST" {
            req.body = .bytes(ByteBuffer(string: request.body))
        }
        let start = ContinuousClock.now
        do {
            let response = try await http.execute(req, timeout: timeout)
            let body = try await response.body.collect(upTo: maxBody)
            let elapsed = Self.ms(ContinuousClock.now - start)
            let headers = response.headers.map { FormField($0.name, $0.value) }
            let text = String(buffer: body)
            let capture = HTTPResponseCapture(
                purpose: purpose, status: Int(response.status.code),
                headers: headers.map { HeaderField(captured: $0.name, $0.value) },
                body: Self.redactedBody(text, contentType: headers.first { $0.name.lowercased() == "content-type" }?.value),
                elapsedMs: elapsed)
            return (.response(status: Int(response.status.code), headers: headers, body: text, elapsedMs: elapsed), capture)
        } catch {
            return (Self.failure(error, url: request.url, purpose: purpose, elapsed: Self.ms(ContinuousClock.now - start)), nil)
        }
    }

    public func discover(issuer: String, publisher: FlowPublisher) async throws(FlowFailure) -> ProviderMetadata {
        var lastProblem = ""
        for url in ProviderMetadata.discoveryURLs(issuer: issuer) {
            let spec = HTTPRequestSpec(method: "GET", url: url, headers: [FormField("Accept", "application/json")], body: "")
            let outcome = await send(spec, purpose: "discovery", publisher: publisher)
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
                        publisher.publish(.finding(Finding(.info, "discovery.rfc8414", "No OpenID configuration; the RFC 8414 authorization server metadata was used instead.", ref: "RFC 8414 §3")))
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
        switch await send(spec, purpose: "jwks", publisher: publisher) {
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

    static func failure(_ error: any Error, url: URL, purpose: String, elapsed: Int) -> HTTPOutcome {
        let host = url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } ?? url.absoluteString
        let text = String(describing: error)
        let what = purpose == "token" ? "the token endpoint" : "the \(purpose) endpoint"
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
                return .failure(reason: "\(what) at \(host) did not answer within the time limit (\(elapsed) ms)", hint: "The host may be down or firewalled. oauthscope never retries a code exchange by itself.")
            }
            if e == .remoteConnectionClosed {
                return .failure(reason: "\(what) at \(host) closed the connection without an answer", hint: "Check that the URL's scheme (http/https) and port are right.")
            }
        }
        if text.contains("Connection refused") || text.contains("connectionRefused") || text.contains("ECONNREFUSED") || text.contains("errno: 111") {
            return .failure(reason: "\(what) at \(host) is unreachable: connection refused", hint: "Nothing listens at \(url.absoluteString). Check the URL, or that the provider is running.")
        }
        if text.contains("NXDOMAIN") || text.contains("nodename nor servname") || text.contains("lookup") || text.contains("resolve") {
            return .failure(reason: "\(what) host \(host) could not be resolved", hint: "Check the host name in the URL.")
        }
        if text.lowercased().contains("tls") || text.lowercased().contains("ssl") || text.lowercased().contains("certificate") {
            return .failure(reason: "TLS with \(what) at \(host) failed: \(text)", hint: "The certificate may be self-signed or for another name.")
        }
        return .failure(reason: "\(what) at \(host) is unreachable: \(text)", hint: "Check the URL and the network. oauthscope never retries a code exchange by itself.")
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

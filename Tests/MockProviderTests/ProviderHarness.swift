import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OAuthCore
import Synchronization
import Testing
@testable import MockProvider

/// A running provider and an HTTP client that never follows redirects, so every hop can be inspected.
struct ProviderHarness {
    let server: MockProviderServer
    let issuer: URL
    let client: HTTPClient

    var base: String { issuer.absoluteString }

    /// Runs `body` against a provider started on port 0, then stops both provider and client whatever happens.
    static func with<T>(
        _ configure: (inout MockProviderConfiguration) -> Void = { _ in },
        now: (@Sendable () -> Date)? = nil,
        _ body: (ProviderHarness) async throws -> T
    ) async throws -> T {
        var configuration = MockProviderConfiguration()
        configure(&configuration)
        let server = now.map { MockProviderServer(configuration: configuration, now: $0) } ?? MockProviderServer(configuration: configuration)
        let issuer = try await server.start()
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let harness = ProviderHarness(server: server, issuer: issuer, client: client)
        do {
            let value = try await body(harness)
            try await client.shutdown()
            await server.stop()
            return value
        } catch {
            try? await client.shutdown()
            await server.stop()
            throw error
        }
    }

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var json: JSONValue? { JSONValue.parse(body) }

        /// The query parameters of the `Location` header.
        var locationQuery: [FormField] {
            guard let location = header("location"), let q = location.split(separator: "?", maxSplits: 1).last,
                  location.contains("?") else { return [] }
            return FormURLEncoded.decode(q).fields
        }
    }

    func send(_ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: buffer))
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Reply {
        try await send(.GET, path, headers: headers)
    }

    func postForm(_ path: String, _ fields: [(String, String)], headers: [(String, String)] = []) async throws -> Reply {
        try await send(
            .POST, path,
            headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers,
            body: FormURLEncoded.encode(fields.map { FormField($0.0, $0.1) })
        )
    }

    /// `POST /token` authenticated as the demo client with HTTP Basic (RFC 6749 §2.3.1).
    func token(_ fields: [(String, String)], client: MockClient = .demo) async throws -> Reply {
        var headers: [(String, String)] = []
        var fields = fields
        switch client.authMethod {
        case .clientSecretBasic:
            headers.append(("Authorization", HTTPBasicCredentials.headerValue(clientID: client.id, clientSecret: client.secret ?? "")))
        case .clientSecretPost:
            fields += [("client_id", client.id), ("client_secret", client.secret ?? "")]
        case .none:
            fields.append(("client_id", client.id))
        case .clientSecretJWT, .privateKeyJWT:
            // Assertion tests build their requests themselves (ClientAssertionTests).
            fields.append(("client_id", client.id))
        }
        return try await postForm("/token", fields, headers: headers)
    }

    /// An authorization request as a client builds it, with S256 PKCE.
    struct Authorization {
        var client: MockClient = .demo
        var redirectURI = MockClient.demo.redirectURIs[0]
        var scope = "openid profile email"
        var state = SecureRandom.token(bytes: 16)
        var nonce = SecureRandom.token(bytes: 16)
        var pkce = PKCE.generate()

        var parameters: [(String, String)] {
            [
                ("response_type", "code"), ("client_id", client.id), ("redirect_uri", redirectURI), ("scope", scope),
                ("state", state), ("nonce", nonce), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256"),
            ]
        }

        var query: String { FormURLEncoded.encode(parameters.map { FormField($0.0, $0.1) }) }
    }

    /// `GET /authorize` with an auto-approving provider: returns the code from the redirect, after checking it.
    func code(for authorization: Authorization) async throws -> String {
        let reply = try await get("/authorize?" + authorization.query)
        #expect(reply.status == 302)
        let query = reply.locationQuery
        #expect(query.first("state") == authorization.state)
        #expect(query.first("iss") == base)
        return try #require(query.first("code"))
    }

    /// The authorization code exchange for `authorization`'s code.
    func exchange(_ code: String, _ authorization: Authorization, verifier: String? = nil, redirectURI: String? = nil) async throws -> Reply {
        try await token([
            ("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", redirectURI ?? authorization.redirectURI),
            ("code_verifier", verifier ?? authorization.pkce.verifier.value),
        ], client: authorization.client)
    }

    /// A whole flow: code, then tokens. Returns the token response body.
    func tokens(_ authorization: Authorization = Authorization()) async throws -> JSONValue {
        let code = try await code(for: authorization)
        let reply = try await exchange(code, authorization)
        #expect(reply.status == 200, "token response: \(reply.body)")
        return try #require(reply.json)
    }
}

/// A clock the test moves by hand, so expiry is tested without waiting.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

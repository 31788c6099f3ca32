import Foundation
import OAuthCore

/// A client registered with the mock provider (RFC 6749 §2): its id, its secret, where it may be redirected, and how
/// it authenticates at the token endpoint.
public struct MockClient: Sendable, Hashable {
    /// The `client_id`.
    public var id: String
    /// The client secret; nil for a public client (token endpoint auth method `none`).
    public var secret: String?
    /// The registered redirect URIs. A loopback one matches a requested one on any port (RFC 8252 §7.3).
    public var redirectURIs: [String]
    /// How the client must authenticate at the token, revocation and introspection endpoints.
    public var authMethod: ClientAuthMethod

    /// Registers a client.
    public init(id: String, secret: String?, redirectURIs: [String], authMethod: ClientAuthMethod) {
        self.id = id
        self.secret = secret
        self.redirectURIs = redirectURIs
        self.authMethod = authMethod
    }

    /// The client `oauthscope demo` uses: id `oauthscope-demo`, a fixed secret, redirect
    /// `http://127.0.0.1:8765/callback`, `client_secret_basic`.
    public static let demo = MockClient(
        id: "oauthscope-demo",
        secret: "oauthscope-demo-secret",
        redirectURIs: ["http://127.0.0.1:8765/callback"],
        authMethod: .clientSecretBasic
    )
}

/// The JWS algorithm the provider signs ID tokens with (RFC 7518 §3.1).
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    /// RSASSA-PKCS1-v1_5 with SHA-256, a 2048-bit key.
    case rs256 = "RS256"
    /// ECDSA with P-256 and SHA-256.
    case es256 = "ES256"
}

/// How the embedded provider behaves: where it listens, which clients it knows, and which rules it enforces.
public struct MockProviderConfiguration: Sendable {
    /// The address to listen on; also the host of the issuer URL.
    public var host: String = "127.0.0.1"
    /// The port to listen on; 0 picks any free port.
    public var port: Int = 0
    /// The registered clients.
    public var clients: [MockClient] = [.demo]
    /// The algorithm ID tokens are signed with; a fresh key is generated at each start.
    public var signingAlgorithm: SigningAlgorithm = .es256
    /// When true, `GET /authorize` redirects back at once instead of showing the consent page.
    public var autoApprove: Bool = false
    /// When true, an authorization request without an S256 `code_challenge` is refused (RFC 7636, RFC 9700 §2.1.1).
    public var requirePKCE: Bool = true
    /// How long an authorization code may be redeemed (RFC 6749 §4.1.2 recommends at most 10 minutes).
    public var codeLifetime: Duration = .seconds(60)
    /// The `expires_in` of access tokens, and the lifetime of ID tokens.
    public var accessTokenLifetime: Duration = .seconds(3600)
    /// The users who can sign in; the first one is the subject (`sub`) of every ID token.
    public var users: [String] = ["alice"]
    /// The real provider to imitate: its paths, client authentication, body encodings, response shapes and quirks.
    public var personality: MockPersonality = .oidc
    /// The API key the `bitbadges` personality expects in the `x-api-key` header of its API requests.
    public var apiKey: String = MockProviderConfiguration.demoAPIKey
    /// Defects to inject on purpose (none by default), so that tests and demos can show each client check failing.
    public var faults: Set<MockFault> = []
    /// Grants that exist from the start, as if earlier flows had issued them: their tokens work at once (the demo's
    /// refresh and token-exchange runs, `provider serve`).
    public var seededGrants: [SeededGrant] = []
    /// The audiences a token exchange may ask for (RFC 8693 §2.1); the issuer and the registered client ids count too.
    public var exchangeAudiences: [String] = ["https://api.example.com"]
    /// The resources a token exchange may ask for (RFC 8707 §2).
    public var exchangeResources: [String] = ["https://api.example.com/"]

    /// The defaults: loopback, any free port, the demo client, the `oidc` personality, ES256, consent page, PKCE
    /// required, no faults.
    public init() {}

    /// The `x-api-key` the `bitbadges` personality expects unless told otherwise.
    public static let demoAPIKey = "oauthscope-demo-api-key"
}

extension Duration {
    /// The duration in seconds, for `expires_in` and date arithmetic.
    var timeInterval: TimeInterval {
        let c = components
        return TimeInterval(c.seconds) + TimeInterval(c.attoseconds) / 1e18
    }
}

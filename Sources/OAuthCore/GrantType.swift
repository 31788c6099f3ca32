import Foundation

/// The grants oauthscope runs, as `--grant` and `flow.started.grant` name them. Implicit and hybrid are left out
/// on purpose: they put tokens in the front channel (RFC 9700 §2.1.2).
public enum GrantType: String, Sendable, Hashable, CaseIterable {
    case authorizationCode = "authorization-code"
    case device
    case clientCredentials = "client-credentials"
    case refreshToken = "refresh-token"
    case tokenExchange = "token-exchange"

    /// `grant_type` as the token request sends it.
    public var wireValue: String {
        switch self {
        case .authorizationCode: return "authorization_code"
        case .device: return "urn:ietf:params:oauth:grant-type:device_code"
        case .clientCredentials: return "client_credentials"
        case .refreshToken: return "refresh_token"
        case .tokenExchange: return "urn:ietf:params:oauth:grant-type:token-exchange"
        }
    }

    /// For people.
    public var displayName: String {
        switch self {
        case .authorizationCode: return "authorization code"
        case .device: return "device authorization"
        case .clientCredentials: return "client credentials"
        case .refreshToken: return "refresh token"
        case .tokenExchange: return "token exchange"
        }
    }

    /// The section that defines it.
    public var reference: String {
        switch self {
        case .authorizationCode: return "RFC 6749 §4.1"
        case .device: return "RFC 8628"
        case .clientCredentials: return "RFC 6749 §4.4"
        case .refreshToken: return "RFC 6749 §6"
        case .tokenExchange: return "RFC 8693"
        }
    }

    /// Whether the user's browser comes back to the redirect URI, so a callback listener is needed.
    public var usesRedirect: Bool { self == .authorizationCode }

    /// The grant whose `grant_type` value is `wire`, e.g. from `grant_types_supported`.
    public init?(wireValue wire: String) {
        guard let g = Self.allCases.first(where: { $0.wireValue == wire }) else { return nil }
        self = g
    }
}

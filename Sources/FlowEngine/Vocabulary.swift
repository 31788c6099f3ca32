import Foundation

/// Why an HTTP hop was sent (`http.request.purpose`, `token.request.purpose`). Typed inside, a string on the
/// wire; the set is open, because a provider's own follow-up call (`accessible-resources`) is a purpose by its
/// name, and a recording may hold a purpose this build does not know.
public struct HopPurpose: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    /// The code exchange at the token endpoint: its hop is `token.request`/`token.response`.
    public static let token: HopPurpose = "token"
    public static let discovery: HopPurpose = "discovery"
    public static let jwks: HopPurpose = "jwks"
    public static let refresh: HopPurpose = "refresh"
    public static let checkRotation: HopPurpose = "check-rotation"
    public static let userinfo: HopPurpose = "userinfo"
    public static let introspect: HopPurpose = "introspect"
    public static let revoke: HopPurpose = "revoke"
}

/// How the user was sent to the authorization URL (`user.redirected.via`). Typed inside, a string on the wire;
/// open, so a recording with another value still reads (and is shown as it was written).
public struct RedirectVia: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    /// A browser was launched (`--browser`, `BROWSER`, `xdg-open`).
    public static let browser: RedirectVia = "browser"
    /// The demo's built-in simulated browser followed the URL.
    public static let simulated: RedirectVia = "simulated"
    /// The URL was only shown (`--no-browser`).
    public static let printed: RedirectVia = "printed"
}

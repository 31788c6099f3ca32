import Foundation
import OAuthCore

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
    public static let replayCode: HopPurpose = "replay-code"
    /// A call to a protected resource with the access token (`--then call:METHOD:URL`, the TUI's call prompt).
    public static let api: HopPurpose = "api"
    /// Sending the user to the authorization URL: not an HTTP request of the client, but a hop step mode pauses
    /// before like the others.
    public static let redirect: HopPurpose = "redirect"
    /// The pushed authorization request (RFC 9126 §2), before the user is sent.
    public static let par: HopPurpose = "par"
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

/// A follow-up hop on the tokens after the exchange (`FlowCommand.action`, `--then`, the TUI's token keys).
/// Typed inside, its name on the wire (`action.completed.action`); open, because a provider's own call
/// (`accessible-resources`) is an action by its name.
public struct TokenAction: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }

    public static let refresh: TokenAction = "refresh"
    public static let userinfo: TokenAction = "userinfo"
    public static let introspect: TokenAction = "introspect"
    public static let revoke: TokenAction = "revoke"
    /// Refresh, then replay the old refresh token to see whether it was revoked (RFC 9700 §4.14.2).
    public static let checkRotation: TokenAction = "check-rotation"
    /// Send the redeemed code's token request again: a single-use code must be refused (RFC 6749 §4.1.2).
    public static let replayCode: TokenAction = "replay-code"

    /// A call to an API with the access token: `call:METHOD:URL`.
    public static func call(_ request: APICallRequest) -> TokenAction { TokenAction(rawValue: request.actionName) }

    /// The actions every flow offers, in the order help lists them.
    public static let builtIn: [TokenAction] = [.refresh, .userinfo, .introspect, .revoke, .checkRotation, .replayCode]
}

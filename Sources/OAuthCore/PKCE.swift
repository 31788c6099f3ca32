import Crypto
import Foundation

/// The PKCE code challenge method (RFC 7636 §4.2).
public enum PKCEMethod: String, Sendable, Codable, Hashable {
    case s256 = "S256"
    case plain
}

/// Proof Key for Code Exchange (RFC 7636): a verifier kept by the client, its challenge sent on the
/// authorization request, the verifier sent on the token request.
public struct PKCE: Sendable, Hashable {
    public let verifier: Secret
    public let method: PKCEMethod
    public let challenge: String

    /// A new verifier of 32 random bytes (43 base64url characters, RFC 7636 §4.1) and its S256 challenge.
    /// `plain` is only ever used when asked for by name; nothing downgrades to it silently.
    public static func generate(method: PKCEMethod = .s256) -> PKCE {
        // Force-unwrap-free: a fresh 43-character base64url verifier always satisfies §4.1.
        let verifier = SecureRandom.token(bytes: 32)
        return PKCE(verifier: Secret(verifier), method: method, challenge: challenge(forVerifier: verifier, method: method))
    }

    /// Uses a given verifier (a test vector, or one the user supplied). Throws when it breaks RFC 7636 §4.1.
    public init(verifier: String, method: PKCEMethod = .s256) throws(PKCEError) {
        try PKCE.validateVerifier(verifier)
        self.init(verifier: Secret(verifier), method: method, challenge: PKCE.challenge(forVerifier: verifier, method: method))
    }

    private init(verifier: Secret, method: PKCEMethod, challenge: String) {
        self.verifier = verifier
        self.method = method
        self.challenge = challenge
    }

    /// `S256`: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2); `plain`: the verifier itself.
    public static func challenge(forVerifier verifier: String, method: PKCEMethod) -> String {
        switch method {
        case .plain: return verifier
        case .s256: return Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
        }
    }

    /// RFC 7636 §4.1: 43 to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
    public static func validateVerifier(_ v: String) throws(PKCEError) {
        guard (43...128).contains(v.utf8.count) else { throw .verifierLength(v.utf8.count) }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
        guard v.utf8.allSatisfy(allowed.contains) else { throw .verifierCharacters }
    }

    /// Checks a verifier against a challenge, as an authorization server does at the token endpoint (§4.6).
    public static func verify(verifier: String, challenge: String, method: PKCEMethod) -> Bool {
        constantTimeEquals(PKCE.challenge(forVerifier: verifier, method: method), challenge)
    }
}

public enum PKCEError: Error, Hashable, CustomStringConvertible {
    case verifierLength(Int)
    case verifierCharacters

    public var description: String {
        switch self {
        case .verifierLength(let n):
            return "code_verifier must be 43 to 128 characters long, this one has \(n) (RFC 7636 §4.1)"
        case .verifierCharacters:
            return "code_verifier may only contain A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)"
        }
    }
}

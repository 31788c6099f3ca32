import Foundation

/// Cryptographically secure randomness. `SystemRandomNumberGenerator` reads the kernel's CSPRNG
/// (getrandom(2) on Linux, arc4random on Apple platforms).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
    }

    /// `count` random bytes as base64url text: 16 bytes give 128 bits (22 characters).
    public static func token(bytes count: Int = 32) -> String {
        Base64URL.encode(bytes(count))
    }
}

/// Compares two strings in time that depends only on their lengths, so a wrong `state` guess learns nothing from
/// how long the comparison took.
public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff: UInt8 = x.count == y.count ? 0 : 1
    let n = max(x.count, y.count)
    for i in 0..<n {
        let l = i < x.count ? x[i] : 0
        let r = i < y.count ? y[i] : 0
        diff |= l ^ r
    }
    return diff == 0
}

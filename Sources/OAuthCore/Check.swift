/// One named check and its outcome: `state`, `pkce`, `signature`, `iss`, `aud`, `nonce`, ...
public struct Check: Sendable, Hashable, Codable {
    public var name: String
    public var ok: Bool
    public var detail: String

    public init(_ name: String, ok: Bool, _ detail: String) {
        self.name = name
        self.ok = ok
        self.detail = detail
    }
}

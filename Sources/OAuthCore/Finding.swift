/// How much a finding matters.
public enum Severity: String, Sendable, Codable, Hashable, Comparable, CaseIterable {
    case info, warn, error

    private var rank: Int { self == .info ? 0 : self == .warn ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Something the flow doctor noticed: a deviation from the RFCs, a risky choice, or a fact worth knowing, with
/// the section that says so. Deviations are reported, never hidden, and the flow goes on where that is safe.
public struct Finding: Sendable, Hashable, Codable {
    public var severity: Severity
    /// A stable machine-readable code, e.g. `token.expires_in_string`.
    public var code: String
    /// One or two plain sentences for a person.
    public var message: String
    /// Where the rule comes from, e.g. "RFC 6749 §5.1".
    public var ref: String?
    /// The step it concerns (`url`, `redirect`, `callback`, `exchange`), when the publisher knows it.
    public var step: String?

    public init(_ severity: Severity, _ code: String, _ message: String, ref: String? = nil, step: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.ref = ref
        self.step = step
    }

    /// The same finding, tied to a step.
    public func at(step: String) -> Finding {
        var f = self
        if f.step == nil { f.step = step }
        return f
    }
}

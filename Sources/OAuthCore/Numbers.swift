import Foundation

/// Numbers from the network, a file or a recording, converted with a range check. Swift traps when a `Double`
/// that is NaN, infinite or beyond `Int.max` is converted with `Int(_:)`; a provider that sends
/// `"expires_in": 1e19` must get a finding, not end the process. Every conversion of an outside number goes
/// through here.
public enum Numbers {
    /// `value` as a whole number in `range`, or why it is not one.
    public static func wholeNumber(_ value: Double, in range: ClosedRange<Int>) -> Result<Int, NumberProblem> {
        guard value.isFinite else { return .failure(.notFinite(value)) }
        guard value == value.rounded(.towardZero) else { return .failure(.notWhole(value, range)) }
        // Compare as doubles first: every Int bound is within Double's range, and Int(exactly:) cannot trap.
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound), let n = Int(exactly: value), range.contains(n) else {
            return .failure(.outOfRange(value, range))
        }
        return .success(n)
    }

    /// A JSON number, or a string holding one (some providers quote their numbers), as a whole number in `range`.
    public static func wholeNumber(_ value: JSONValue, in range: ClosedRange<Int>) -> Result<Int, NumberProblem> {
        switch value {
        case .number(let d): return wholeNumber(d, in: range)
        case .string(let s): return wholeNumber(parsing: s, in: range)
        default: return .failure(.notANumber)
        }
    }

    /// Decimal text (surrounding spaces allowed) as a whole number in `range`. Text that is a number but not a
    /// whole one in range (`"1e19"`, `"-5"`, `"nan"`) says so; text that is no number at all is `notANumber`.
    public static func wholeNumber(parsing text: String, in range: ClosedRange<Int>) -> Result<Int, NumberProblem> {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let n = Int(t) { return range.contains(n) ? .success(n) : .failure(.outOfRange(Double(n), range)) }
        // Only plain JSON-like number text counts: Double("0x1p3") and Double("infinity") would read more.
        guard !t.isEmpty, t.utf8.allSatisfy({ "+-0123456789.eE".utf8.contains($0) }), let d = Double(t) else { return .failure(.notANumber) }
        return wholeNumber(d, in: range)
    }

    /// `value` as an Int, saturating at `Int.min`/`Int.max` (NaN is 0). For display code that must show
    /// something for any input, e.g. a duration computed from a recorded number.
    public static func saturatingInt(_ value: Double) -> Int {
        if value.isNaN { return 0 }
        // 2^63 is the first Double above Int.max; everything below it converts exactly after truncation.
        if value >= 9_223_372_036_854_775_808.0 { return .max }
        if value <= -9_223_372_036_854_775_808.0 { return .min }
        return Int(exactly: value.rounded(.towardZero)) ?? 0
    }

    /// A number as it would be written in JSON, short: `3600`, `-5`, `1e19`, `0.5`, `nan`.
    public static func describe(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == value.rounded(), abs(value) < 1e15, let n = Int64(exactly: value) { return String(n) }
        return String(value).replacingOccurrences(of: "e+", with: "e")
    }
}

/// Why an outside number was not taken.
public enum NumberProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a number at all (a string of letters, an object, ...).
    case notANumber
    /// NaN or infinite (`1e999` parses as infinity).
    case notFinite(Double)
    /// Has a fraction where a whole number is needed.
    case notWhole(Double, ClosedRange<Int>)
    /// Whole, but outside the accepted range.
    case outOfRange(Double, ClosedRange<Int>)

    public var description: String {
        switch self {
        case .notANumber: return "is not a number"
        case .notFinite(let d): return "\(Numbers.describe(d)) is not a finite number"
        case .notWhole(let d, let r): return "\(Numbers.describe(d)) is not a whole number in \(r.lowerBound)…\(r.upperBound)"
        case .outOfRange(let d, let r): return "\(Numbers.describe(d)) is outside \(r.lowerBound)…\(r.upperBound)"
        }
    }
}

/// A JWT NumericDate (RFC 7519 §2): seconds since 1970-01-01T00:00:00Z, possibly fractional. Only finite values
/// from year 1 to year 9999 are accepted, so every date can be shown and compared without overflow.
public struct NumericDate: Sendable, Hashable, Comparable {
    /// 0001-01-01T00:00:00Z.
    public static let earliest: Double = -62_135_596_800
    /// 9999-12-31T23:59:59Z.
    public static let latest: Double = 253_402_300_799

    public let secondsSince1970: Double

    /// Nil when `seconds` is NaN, infinite or outside years 1–9999.
    public init?(secondsSince1970 seconds: Double) {
        guard seconds.isFinite, seconds >= Self.earliest, seconds <= Self.latest else { return nil }
        secondsSince1970 = seconds
    }

    public var date: Date { Date(timeIntervalSince1970: secondsSince1970) }

    public static func < (a: NumericDate, b: NumericDate) -> Bool { a.secondsSince1970 < b.secondsSince1970 }

    /// What a claim holds, read as a NumericDate.
    public enum Reading: Sendable, Hashable {
        case absent
        case valid(NumericDate)
        /// Present but not a NumericDate: why, e.g. `1e19 is not a valid NumericDate`.
        case invalid(String)

        /// The detail of a failed check or a finding: `exp 1e19 is not a valid NumericDate (RFC 7519 §2)`.
        public func message(claim: String) -> String? {
            guard case .invalid(let why) = self else { return nil }
            return "\(claim) \(why) (RFC 7519 §2)"
        }

        /// The date, when the claim held a valid one.
        public var date: NumericDate? { if case .valid(let d) = self { return d } else { return nil } }
    }

    /// Reads a claim (`exp`, `iat`, `nbf`, `auth_time`); JSON `null` counts as absent.
    public static func read(_ value: JSONValue?) -> Reading {
        let kind: String
        switch value {
        case nil, .null?: return .absent
        case .number(let d)?: return NumericDate(secondsSince1970: d).map(Reading.valid) ?? .invalid("\(Numbers.describe(d)) is not a valid NumericDate")
        case .string?: kind = "a string"
        case .bool?: kind = "a boolean"
        case .array?: kind = "an array"
        case .object?: kind = "an object"
        }
        return .invalid("is \(kind), not a valid NumericDate")
    }
}

import Foundation
import OAuthCore

extension HTTPRequestCapture: Codable {
    enum CodingKeys: String, CodingKey { case purpose, method, url, headers, body }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        purpose = try c.decodeIfPresent(HopPurpose.self, forKey: .purpose) ?? .token
        method = try c.decode(String.self, forKey: .method)
        url = try c.decode(String.self, forKey: .url)
        headers = try HeaderField.decodeList(c.decodeIfPresent(JSONValue.self, forKey: .headers))
        body = try c.decodeIfPresent(Sensitive.self, forKey: .body) ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(purpose, forKey: .purpose)
        try c.encode(method, forKey: .method)
        try c.encode(url, forKey: .url)
        try HeaderField.encodeList(headers, into: &c, forKey: .headers)
        try c.encode(body, forKey: .body)
    }
}

extension HTTPResponseCapture: Codable {
    enum CodingKeys: String, CodingKey { case purpose, status, headers, body, elapsedMs = "elapsed_ms" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        purpose = try c.decodeIfPresent(HopPurpose.self, forKey: .purpose) ?? .token
        status = try c.decode(Int.self, forKey: .status)
        headers = try HeaderField.decodeList(c.decodeIfPresent(JSONValue.self, forKey: .headers))
        body = try c.decodeIfPresent(Sensitive.self, forKey: .body) ?? ""
        elapsedMs = try c.decodeIfPresent(Int.self, forKey: .elapsedMs) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(purpose, forKey: .purpose)
        try c.encode(status, forKey: .status)
        try HeaderField.encodeList(headers, into: &c, forKey: .headers)
        try c.encode(body, forKey: .body)
        try c.encode(elapsedMs, forKey: .elapsedMs)
    }
}

extension HeaderField {
    /// Headers go on the wire as one JSON object (DESIGN.md); a repeated header name becomes an array.
    static func encodeList<K: CodingKey>(_ headers: [HeaderField], into c: inout KeyedEncodingContainer<K>, forKey key: K) throws {
        var sub = c.nestedContainer(keyedBy: AnyHeaderKey.self, forKey: key)
        var seen: [String: [Sensitive]] = [:]
        var order: [String] = []
        for h in headers {
            if seen[h.name] == nil { order.append(h.name) }
            seen[h.name, default: []].append(h.value)
        }
        for name in order {
            guard let values = seen[name] else { continue }
            if values.count == 1 { try sub.encode(values[0], forKey: AnyHeaderKey(name)) } else { try sub.encode(values, forKey: AnyHeaderKey(name)) }
        }
    }

    static func decodeList(_ v: JSONValue?) -> [HeaderField] {
        guard let members = v?.objectValue else { return [] }
        var out: [HeaderField] = []
        for (name, value) in members {
            switch value {
            case .string(let s): out.append(HeaderField(name, Sensitive(public: s)))
            case .array(let a): out += a.compactMap(\.stringValue).map { HeaderField(name, Sensitive(public: $0)) }
            default: break
            }
        }
        return out
    }
}

struct AnyHeaderKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Errors reading a recorded or streamed event.
public enum FlowEventDecodingError: Error, CustomStringConvertible {
    case unsupportedVersion(Int)
    case unknownType(String)
    /// Not one JSON value, or one nested deeper than the JSON reader's limit (512).
    case notJSON

    public var description: String {
        switch self {
        case .notJSON: return "not a JSON object (or nested more than 512 deep)"
        case .unsupportedVersion(let v): return "event schema version \(v) is not supported (this build reads v\(FlowEvent.schemaVersion))"
        case .unknownType(let t): return "unknown event type \"\(t)\""
        }
    }
}

extension FlowEvent: Codable {
    enum EnvelopeKeys: String, CodingKey { case v, seq, time, flow, type }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: EnvelopeKeys.self)
        let v = try c.decode(Int.self, forKey: .v)
        guard v == FlowEvent.schemaVersion else { throw FlowEventDecodingError.unsupportedVersion(v) }
        seq = try c.decode(Int.self, forKey: .seq)
        let timeText = try c.decode(String.self, forKey: .time)
        guard let t = EventTime.parse(timeText) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "not an RFC 3339 time: \(timeText)")
        }
        time = t
        flow = try c.decode(String.self, forKey: .flow)
        let type = try c.decode(String.self, forKey: .type)
        guard let kind = FlowEvent.Payload.Kind(rawValue: type) else { throw FlowEventDecodingError.unknownType(type) }
        payload = try kind.decode(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: EnvelopeKeys.self)
        try c.encode(FlowEvent.schemaVersion, forKey: .v)
        try c.encode(seq, forKey: .seq)
        try c.encode(EventTime.format(time), forKey: .time)
        try c.encode(flow, forKey: .flow)
        try c.encode(type, forKey: .type)
        try PayloadOnly(payload: payload).encode(to: encoder)
    }

    /// One JSONL line (no trailing newline): the envelope first, in the order of DESIGN.md, then the payload's
    /// fields in the order they are declared. Secrets are redacted unless `reveal`.
    public func jsonLine(reveal: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(384)
        writeJSONLine(into: &out, reveal: reveal)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `jsonLine(reveal:)` to `out` as UTF-8 (no newline): writers put a whole batch of lines in one buffer
    /// and one `write`, without a `String` per line.
    public func writeJSONLine(into out: inout [UInt8], reveal: Bool = false) {
        if case .callbackReceived = payload {
            var line = JSONLineBuffer(capacity: 512)
            writeJSONLine(into: &line, reveal: reveal)
            line.withBytes { out.append(contentsOf: $0) }
            return
        }
        var members: [(String, JSONValue)] = [
            ("v", .number(Double(FlowEvent.schemaVersion))), ("seq", .number(Double(seq))),
            ("time", .string(EventTime.format(time))), ("flow", .string(flow)), ("type", .string(type)),
        ]
        if case .object(let fields)? = try? JSONValueEncoder(userInfo: [.revealSecrets: reveal]).encode(PayloadOnly(payload: payload)) {
            members += fields
        } else {
            members.append(("encoding_error", .bool(true)))
        }
        JSONValue.object(members).serialize(into: &out)
    }

    /// `writeJSONLine(into:reveal:)` into a `JSONLineBuffer`, the JSONL writer's buffer.
    public func writeJSONLine(into out: inout JSONLineBuffer, reveal: Bool = false) {
        guard case .callbackReceived(let c) = payload else {
            var line: [UInt8] = []
            writeJSONLine(into: &line, reveal: reveal)
            out.append(line)
            return
        }
        // The flood's event, one per request: written straight into the buffer, without the general encoder.
        out.append(literal: #"{"v":"#)
        out.append(integer: FlowEvent.schemaVersion)
        out.append(literal: #","seq":"#)
        out.append(integer: seq)
        out.append(literal: #","time":""#)
        EventTime.withText(time) { out.append($0) }
        out.append(literal: #"","flow":"#)
        out.append(jsonString: flow)
        out.append(literal: #","type":"callback.received""#)
        c.writeJSONMembers(into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// Parses one JSONL line, keeping the order of headers and parameters as they were written.
    public static func parse(jsonLine: String) throws -> FlowEvent {
        // Foundation's decoder traps, instead of throwing, on a line of 513 "[" (found by the json fuzz target);
        // our own reader refuses anything nested that deep first.
        guard case .object? = JSONValue.parse(jsonLine) else { throw FlowEventDecodingError.notJSON }
        var event = try JSONDecoder().decode(FlowEvent.self, from: Data(jsonLine.utf8))
        event.restoreMemberOrder(from: jsonLine)
        return event
    }
}

/// Encodes only a payload's fields (the envelope is written by `jsonLine`).
private struct PayloadOnly: Encodable {
    let payload: FlowEvent.Payload
    func encode(to encoder: any Encoder) throws {
        try payload.parts.fields.encode(to: encoder)
    }
}

/// RFC 3339 times with milliseconds in UTC, e.g. `2026-11-22T02:47:05.123Z`. The milliseconds are rounded and
/// written as integers, so a time survives any number of write/read round trips unchanged.
public enum EventTime {
    public static func format(_ date: Date) -> String {
        withText(date) { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with `format(date)` as UTF-8 bytes, made on the stack: every event is stamped, so plain
    /// arithmetic here keeps a flood of callbacks cheap to write.
    static func withText<R>(_ date: Date, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let ms = Int64(Numbers.saturatingInt((date.timeIntervalSince1970 * 1000).rounded()))
        let secs = ms.floorDiv(1000)
        let days = secs.floorDiv(86_400)
        let (y, m, d) = civil(fromDays: days)
        guard (1583...9999).contains(y) else {
            // Before the Gregorian calendar (the general formatter counts Julian days there) and past four-digit
            // years, the general formatter decides.
            let base = Date(timeIntervalSince1970: TimeInterval(secs)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
            let frac = String(ms.floorMod(1000))
            var text = String(base.dropLast()) + "." + String(repeating: "0", count: 3 - frac.count) + frac + "Z"
            return text.withUTF8(body)
        }
        let inDay = secs.floorMod(86_400)
        // `YYYY-MM-DDTHH:MM:SS.mmmZ`: 24 bytes.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out -> R in
            var n = 0
            func put(_ b: UInt8) {
                out[n] = b
                n += 1
            }
            func digits(_ v: Int64, _ count: Int) {
                var v = v
                for i in stride(from: n + count - 1, through: n, by: -1) {
                    out[i] = UInt8(48 + v % 10)
                    v /= 10
                }
                n += count
            }
            digits(y, 4); put(45); digits(m, 2); put(45); digits(d, 2); put(84)
            digits(inDay / 3600, 2); put(58); digits(inDay / 60 % 60, 2); put(58); digits(inDay % 60, 2)
            put(46); digits(ms.floorMod(1000), 3); put(90)
            return body(UnsafeBufferPointer(rebasing: out[..<n]))
        }
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = z.floorDiv(146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func parse(_ s: String) -> Date? {
        guard s.hasSuffix("Z") || s.contains("+") || s.dropFirst(19).contains("-") else { return nil }
        if let dot = s.firstIndex(of: "."), let end = s[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let digits = s[s.index(after: dot)..<end]
            let whole = String(s[..<dot]) + String(s[end...])
            guard let base = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(whole), let fraction = Double("0." + digits) else { return nil }
            let ms = (fraction * 1000).rounded()
            return Date(timeIntervalSince1970: base.timeIntervalSince1970 + ms / 1000)
        }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(s)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ d: Int64) -> Int64 { (self >= 0 ? self : self - d + 1) / d }
    fileprivate func floorMod(_ d: Int64) -> Int64 { self - floorDiv(d) * d }
}

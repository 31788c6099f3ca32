/// A growable byte buffer for writing JSON lines (`--output jsonl`): every `callback.received` of a flood is
/// written through one, so an append is a bounds check and a copy, without the uniqueness and capacity checks,
/// the generic paths and the per-byte appends of an `Array`. What it writes is byte for byte what `JSONValue`'s
/// serializer writes (`JSONValue.writeString` stays the one place that escapes; its rare slow path is used here).
public struct JSONLineBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0

    public init(capacity: Int = 1_024) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    private mutating func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        var c = capacity * 2
        while c < count + n { c *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        grown.initialize(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = c
    }

    public mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Fixed text as it is (a member name with its quotes and colon, `,"path":`).
    public mutating func append(literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }

    /// `s` as a JSON string, quoted and escaped exactly as `JSONValue.serialize(string:into:)` writes it.
    public mutating func append(jsonString s: String) {
        // A native string's bytes as they are; a small one's copied to the stack by `withUTF8`.
        let plain = s.utf8.withContiguousStorageIfAvailable { appendIfPlain($0) } ?? {
            var s = s
            return s.withUTF8 { appendIfPlain($0) }
        }()
        if plain { return }
        var escaped: [UInt8] = []
        JSONValue.serialize(string: s, into: &escaped)
        append(escaped)
    }

    /// Appends `bytes` quoted when no byte needs an escape; false (nothing written) otherwise.
    private mutating func appendIfPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard JSONValue.isPlain(bytes) else { return false }
        reserve(bytes.count + 2)
        base[count] = UInt8(ascii: "\"")
        if let source = bytes.baseAddress { (base + count + 1).initialize(from: source, count: bytes.count) }
        base[count + 1 + bytes.count] = UInt8(ascii: "\"")
        count += bytes.count + 2
        return true
    }

    /// An integer exactly as `JSONValue.serialize(integer:into:)` writes it.
    public mutating func append(integer v: Int) {
        guard v >= 0, v < 1_000_000_000_000_000 else {
            var other: [UInt8] = []
            JSONValue.serialize(integer: v, into: &other)
            append(other)
            return
        }
        var digits = 1, m = v
        while m >= 10 {
            m /= 10
            digits += 1
        }
        reserve(digits)
        m = v
        for i in stride(from: count + digits - 1, through: count, by: -1) {
            base[i] = UInt8(truncatingIfNeeded: m % 10) + UInt8(ascii: "0")
            m /= 10
        }
        count += digits
    }

    /// A JSON value exactly as `JSONValue.serialize(into:)` writes it; an object whose members are all strings
    /// (a callback's parameters and headers) is written here, anything else by the general serializer.
    public mutating func append(json v: JSONValue) {
        if case .object(let members) = v, members.allSatisfy({ if case .string = $0.1 { true } else { false } }) {
            append(UInt8(ascii: "{"))
            for i in members.indices {
                if i > 0 { append(UInt8(ascii: ",")) }
                append(jsonString: members[i].0)
                append(UInt8(ascii: ":"))
                if case .string(let s) = members[i].1 { append(jsonString: s) }
            }
            append(UInt8(ascii: "}"))
            return
        }
        var other: [UInt8] = []
        v.serialize(into: &other)
        append(other)
    }

    /// The bytes written so far.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

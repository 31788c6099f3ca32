import Foundation

/// Encodes any `Encodable` straight into a `JSONValue`, keeping object members in the order they were encoded.
/// It replaces a `JSONEncoder` → bytes → parse round trip where speed matters (one JSONL line per callback
/// under a flood). Nil optionals are left out, as `JSONEncoder` does.
public struct JSONValueEncoder {
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    public func encode(_ value: some Encodable) throws -> JSONValue {
        let root = Slot()
        try Slot.encode(value, into: root, codingPath: [], userInfo: userInfo)
        return root.materialize()
    }
}

/// One place a value is being built; containers write into slots of their own.
private final class Slot {
    enum Kind {
        case unset
        case value(JSONValue)
        case object([(String, Slot)])
        case array([Slot])
    }

    var kind: Kind = .unset

    func makeObject() {
        if case .object = kind { return }
        kind = .object([])
    }

    func makeArray() {
        if case .array = kind { return }
        kind = .array([])
    }

    /// The member slot for `key`, reused when the key is encoded again.
    func member(_ key: String) -> Slot {
        makeObject()
        guard case .object(var members) = kind else { return Slot() }
        if let existing = members.first(where: { $0.0 == key })?.1 { return existing }
        let slot = Slot()
        members.append((key, slot))
        kind = .object(members)
        return slot
    }

    func appendElement() -> Slot {
        makeArray()
        guard case .array(var items) = kind else { return Slot() }
        let slot = Slot()
        items.append(slot)
        kind = .array(items)
        return slot
    }

    func materialize() -> JSONValue {
        switch kind {
        case .unset: return .object([])
        case .value(let v): return v
        case .object(let members): return .object(members.map { ($0.0, $0.1.materialize()) })
        case .array(let items): return .array(items.map { $0.materialize() })
        }
    }

    /// Primitives directly; everything else through its own `encode(to:)`.
    static func encode(_ value: some Encodable, into slot: Slot, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) throws {
        switch value {
        case let v as String: slot.kind = .value(.string(v))
        case let v as Bool: slot.kind = .value(.bool(v))
        case let v as Int: slot.kind = .value(.number(Double(v)))
        case let v as Double: slot.kind = .value(.number(v))
        case let v as JSONValue: slot.kind = .value(v)
        default: try value.encode(to: SlotEncoder(slot: slot, codingPath: codingPath, userInfo: userInfo))
        }
    }
}

private struct SlotEncoder: Encoder {
    let slot: Slot
    var codingPath: [any CodingKey]
    let userInfoStorage: [CodingUserInfoKey: any Sendable]
    var userInfo: [CodingUserInfoKey: Any] { userInfoStorage }

    init(slot: Slot, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.slot = slot
        self.codingPath = codingPath
        userInfoStorage = userInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.makeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<Key>(slot: slot, codingPath: codingPath, userInfo: userInfoStorage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        slot.makeArray()
        return UnkeyedSlotContainer(slot: slot, codingPath: codingPath, userInfo: userInfoStorage)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleSlotContainer(slot: slot, codingPath: codingPath, userInfo: userInfoStorage)
    }
}

private struct KeyedSlotContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    var codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: any Sendable]

    mutating func encodeNil(forKey key: Key) throws { slot.member(key.stringValue).kind = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try Slot.encode(value, into: slot.member(key.stringValue), codingPath: codingPath + [key], userInfo: userInfo)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = slot.member(key.stringValue)
        child.makeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: child, codingPath: codingPath + [key], userInfo: userInfo))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = slot.member(key.stringValue)
        child.makeArray()
        return UnkeyedSlotContainer(slot: child, codingPath: codingPath + [key], userInfo: userInfo)
    }

    mutating func superEncoder() -> any Encoder { SlotEncoder(slot: slot.member("super"), codingPath: codingPath, userInfo: userInfo) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SlotEncoder(slot: slot.member(key.stringValue), codingPath: codingPath + [key], userInfo: userInfo) }
}

private struct UnkeyedSlotContainer: UnkeyedEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: any Sendable]

    var count: Int {
        if case .array(let items) = slot.kind { return items.count }
        return 0
    }

    mutating func encodeNil() throws { slot.appendElement().kind = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try Slot.encode(value, into: slot.appendElement(), codingPath: codingPath, userInfo: userInfo)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = slot.appendElement()
        child.makeObject()
        return KeyedEncodingContainer(KeyedSlotContainer<NestedKey>(slot: child, codingPath: codingPath, userInfo: userInfo))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = slot.appendElement()
        child.makeArray()
        return UnkeyedSlotContainer(slot: child, codingPath: codingPath, userInfo: userInfo)
    }

    mutating func superEncoder() -> any Encoder { SlotEncoder(slot: slot.appendElement(), codingPath: codingPath, userInfo: userInfo) }
}

private struct SingleSlotContainer: SingleValueEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: any Sendable]

    mutating func encodeNil() throws { slot.kind = .value(.null) }
    mutating func encode(_ value: Bool) throws { slot.kind = .value(.bool(value)) }
    mutating func encode(_ value: String) throws { slot.kind = .value(.string(value)) }
    mutating func encode(_ value: Double) throws { slot.kind = .value(.number(value)) }
    mutating func encode(_ value: Float) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: Int8) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: Int16) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: Int32) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: Int64) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: UInt) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: UInt8) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: UInt16) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: UInt32) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode(_ value: UInt64) throws { slot.kind = .value(.number(Double(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try Slot.encode(value, into: slot, codingPath: codingPath, userInfo: userInfo)
    }
}

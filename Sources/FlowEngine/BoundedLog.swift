/// A window of the newest `capacity` items, with a count of all items ever appended. Appending is O(1) and memory
/// stays bounded however many items arrive (a flood of callbacks, a long session's event log).
public struct BoundedLog<Element: Sendable>: Sendable, RandomAccessCollection {
    public let capacity: Int
    private var storage: [Element] = []
    private var head = 0  // index in storage of the oldest retained element, once full
    /// Every item ever appended, including the ones that fell out of the window.
    public private(set) var totalAppended = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a bounded log needs room for at least one item")
        self.capacity = capacity
    }

    /// How many items fell out of the window.
    public var dropped: Int { totalAppended - storage.count }

    public mutating func append(_ e: consuming Element) {
        totalAppended += 1
        if storage.count < capacity {
            storage.append(e)
        } else {
            storage[head] = e
            head = (head + 1) % capacity
        }
    }

    /// Every retained item, oldest first, leaving the log as new (empty, nothing appended or dropped). Hands
    /// over the storage itself when it never wrapped, so taking a batch copies nothing; `reusing` gives the log
    /// an emptied array whose capacity the next items fill.
    public mutating func removeAll(reusing spare: [Element] = []) -> [Element] {
        var taken = spare
        taken.removeAll(keepingCapacity: true)
        swap(&taken, &storage)
        totalAppended = 0
        if head != 0 {
            taken = Array(taken[head...] + taken[..<head])
            head = 0
        }
        return taken
    }

    /// Replaces the newest item (for updating the last row in place).
    public mutating func updateLast(_ body: (inout Element) -> Void) {
        guard !storage.isEmpty else { return }
        let i = storage.count < capacity ? storage.count - 1 : (head + capacity - 1) % capacity
        body(&storage[i])
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    public subscript(i: Int) -> Element {
        storage.count < capacity ? storage[i] : storage[(head + i) % capacity]
    }
}

import Foundation

/// Writes every event of a session to a JSONL file (`--record FILE`), one line each, flushed as it goes so a
/// crash loses nothing already seen. Secrets are redacted unless `reveal`.
public final class Recorder: Sendable {
    public let path: String
    private let handle: FileHandle
    private let reveal: Bool

    /// - Parameter header: the first line of the file (`RecordingHeader`), when given.
    public init(path: String, reveal: Bool, header: RecordingHeader? = nil) throws(RecordingError) {
        self.path = path
        self.reveal = reveal
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw .cannotWrite(path)
        }
        handle = h
        if let header { h.write(Data((header.jsonLine() + "\n").utf8)) }
    }

    public func write(_ event: FlowEvent) {
        handle.write(Data((event.jsonLine(reveal: reveal) + "\n").utf8))
    }

    /// Consumes a bus subscription until it ends, one write per batch.
    public func record(_ batches: EventBatches) async {
        while let batch = await batches.next() {
            handle.write(Data(batch.map { $0.jsonLine(reveal: reveal) + "\n" }.joined().utf8))
        }
        try? handle.close()
    }
}

public enum RecordingError: Error, Hashable, CustomStringConvertible {
    case cannotWrite(String)
    case cannotRead(String)
    case badLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let p): return "--record \(p): cannot create the file (check the folder exists and is writable)"
        case .cannotRead(let p): return "\(p): cannot read the recording"
        case .badLine(let p, let n, let r): return "\(p):\(n): not a recorded event: \(r)"
        }
    }
}

/// Reads a recording back. Lines that cannot be read are reported with their number, and the rest still plays.
public enum RecordingReader {
    public static func read(path: String) throws(RecordingError) -> (events: [FlowEvent], problems: [RecordingError]) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .cannotRead(path) }
        var events: [FlowEvent] = []
        var problems: [RecordingError] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            // The header line (docs/recording-format.md) is not an event; `load` returns it.
            if i == 0, RecordingHeader.parse(jsonLine: text) != nil { continue }
            do {
                events.append(try FlowEvent.parse(jsonLine: text))
            } catch {
                problems.append(.badLine(path: path, line: i + 1, reason: String(describing: error)))
            }
        }
        return (events, problems)
    }

    /// Publishes recorded events on `bus` with their original spacing (divided by `speed`, each pause capped at
    /// `maxPause`), so the fronts cannot tell a replay from a live flow.
    public static func replay(_ events: [FlowEvent], on bus: EventBus, speed: Double = 1, maxPause: Duration = .seconds(2)) async {
        var previous: Date?
        for e in events {
            if let p = previous, speed > 0 {
                let gap = max(0, e.time.timeIntervalSince(p)) / speed
                let pause = min(Duration.milliseconds(Int64(gap * 1000)), maxPause)
                try? await Task.sleep(for: pause)
            }
            if Task.isCancelled { return }
            previous = e.time
            bus.republish(e)
        }
    }
}

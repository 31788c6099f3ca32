import Foundation
import OAuthCore

/// Writes every event of a session to a JSONL file (`--record FILE`), one line each. With `--reveal` it holds
/// tokens, so it is a `PrivateFile` from the first byte. Each batch of events is one `write`, so after a crash or
/// `kill -9` the file is valid JSONL up to the last complete event.
public final class Recorder: Sendable {
    public let path: String
    private let fd: Int32
    private let reveal: Bool

    /// - Parameter header: the first line of the file (`RecordingHeader`), when given.
    public init(path: String, reveal: Bool, header: RecordingHeader? = nil) throws(RecordingError) {
        self.path = path
        self.reveal = reveal
        do { fd = try PrivateFile.create(path) } catch {
            switch error {
            case .symbolicLink: throw .symbolicLink(path)
            case .notRegularFile: throw .notRegularFile(path)
            case .cannotCreate(let reason): throw .cannotWrite(path, reason: reason)
            }
        }
        if let header { _ = FileDescriptor.writeAll(fd, Array((header.jsonLine() + "\n").utf8)[...]) }
    }

    public func write(_ event: FlowEvent) { write(batch: [event]) }

    /// One batch of events, in one write.
    public func write(batch: [FlowEvent]) {
        guard !batch.isEmpty else { return }
        var bytes: [UInt8] = []
        for e in batch {
            e.writeJSONLine(into: &bytes, reveal: reveal)
            bytes.append(0x0A)
        }
        // A full disk loses the rest of the recording, never the flow.
        _ = FileDescriptor.writeAll(fd, bytes[...])
    }

    /// Consumes a bus subscription until it ends, one write per batch.
    public func record(_ batches: EventBatches) async {
        while let batch = await batches.next() { write(batch: batch) }
        close(fd)
    }
}

public enum RecordingError: Error, Hashable, CustomStringConvertible {
    case cannotWrite(String, reason: String)
    case symbolicLink(String)
    case notRegularFile(String)
    case cannotRead(String)
    case badLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotWrite(let p, let r): return "--record \(p): cannot create the file: \(r) (check the folder exists and is writable)"
        case .symbolicLink(let p): return "--record \(p) is a symbolic link; a recording may hold tokens, so it is never written through a link. Give the real path"
        case .notRegularFile(let p): return "--record \(p) exists and is not a regular file; give a new file name"
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
                // A tiny speed makes the gap infinite: cap it in seconds before it becomes an integer.
                let gap = min(max(0, e.time.timeIntervalSince(p)) / speed, Double(maxPause.components.seconds) + 1)
                let pause = min(Duration.milliseconds(Numbers.saturatingInt(gap * 1000)), maxPause)
                try? await Task.sleep(for: pause)
            }
            if Task.isCancelled { return }
            previous = e.time
            bus.republish(e)
        }
    }
}

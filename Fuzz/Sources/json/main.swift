import Foundation
import FlowEngine
import FuzzSupport
import OAuthCore

/// The order-keeping JSON reader (every response body, every JWT part) and the recording reader (a crafted
/// `.jsonl` file given to `replay`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(Fuzz.bytes(data, size))
    if let value = JSONValue.parse(bytes) {
        // Serializing is stable: what we write reads back to what we wrote (infinities become null once).
        let once = value.serialized()
        guard let again = JSONValue.parse(once) else {
            Fuzz.require(false, "serialized JSON does not parse: \(once.prefix(200))")
            return 0
        }
        Fuzz.require(again.serialized() == once, "serialize → parse → serialize changed the text")
        let pretty = value.serialized(pretty: true)
        Fuzz.require(JSONValue.parse(pretty)?.serialized() == once, "pretty output reads differently from compact output")
        Fuzz.require(!once.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }, "raw control character in serialized JSON")
        _ = Redactor.json(value)
        // The JSONL writer's buffer writes exactly what the serializer writes.
        var buffer = JSONLineBuffer(capacity: 16)
        buffer.append(json: value)
        Fuzz.require(buffer.withBytes { Array($0) } == Array(once.utf8), "the line buffer and the serializer wrote different bytes")
    }
    // A recording's header line reads back as written.
    if let header = RecordingHeader.parse(jsonLine: Fuzz.text(data, size)) {
        let written = header.jsonLine()
        Fuzz.require(RecordingHeader.parse(jsonLine: written)?.jsonLine() == written, "header write → read → write changed the line")
    }
    // A recording line: parse, print, re-encode. Nothing here may trap on a crafted number or string.
    let line = Fuzz.text(data, size)
    if let event = try? FlowEvent.parse(jsonLine: line) {
        var printer = PlainPrinter(reveal: false, verbose: true, unicode: true)
        _ = printer.lines(for: event)
        var state = FlowState()
        state.apply(event)
        let written = event.jsonLine(reveal: true)
        guard let back = try? FlowEvent.parse(jsonLine: written) else {
            Fuzz.require(false, "a recorded event does not read back after writing: \(written.prefix(300))")
            return 0
        }
        Fuzz.require(back.jsonLine(reveal: true) == written, "event write → read → write changed the line")
    }
    return 0
}

exit(Fuzz.run(fuzzJSON))

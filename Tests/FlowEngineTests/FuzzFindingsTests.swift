import FlowEngine
import Foundation
import OAuthCore
import Testing

/// Inputs the fuzz targets (Fuzz/, scripts/fuzz.sh) found, kept so the fix stays. Each names its target.
@Suite("Fuzz findings: recordings")
struct RecordingFuzzFindingsTests {
    @Test("json: a recording line of 513 \"[\" is a bad line, not a trap in the JSON decoder")
    func deeplyNestedLine() throws {
        let line = String(repeating: "[", count: 513)
        #expect(throws: FlowEventDecodingError.self) { try FlowEvent.parse(jsonLine: line) }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oauthscope-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("crafted.jsonl")
        let good = #"{"v":1,"seq":1,"time":"2026-01-01T12:00:00.000Z","flow":"f","type":"flow.completed","elapsed_ms":5}"#
        try Data((line + "\n" + good + "\n").utf8).write(to: file)
        let (events, problems) = try RecordingReader.read(path: file.path)
        #expect(events.count == 1)
        #expect(problems == [.badLine(path: file.path, line: 1, reason: "not a JSON object (or nested more than 512 deep)")])
    }
}

import FlowEngine
import Foundation
import OAuthCore
import Testing

/// What reaches a terminal through the plain printer and `TerminalWriter`: the cases of hostile values that once
/// came through raw (a provider's `token_type`, a token chosen to start with an escape, the step prompt, a
/// crafted recording).
@Suite("Terminal boundary: plain output and stderr")
struct TerminalBoundaryTests {
    static let oscTitle = "\u{1b}]0;owned\u{07}"
    static let osc52 = "\u{1b}]52;c;ZWNobyBvd25lZA==\u{07}"
    static let osc8 = "\u{1b}]8;;https://evil.example/\u{1b}\\click me\u{1b}]8;;\u{1b}\\"
    static let clear = "\u{1b}[2J"

    /// Fails with the offending byte when `bytes` holds anything a terminal could act on: a C0 control other
    /// than the newline that ends each line, DEL, a C1 control (raw or UTF-8 encoded), or ESC.
    static func expectTerminalSafe(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        for (i, b) in bytes.enumerated() {
            let bad = (b < 0x20 && b != 0x0A) || b == 0x7F || (0x80...0x9F).contains(b) && (i == 0 || bytes[i - 1] == 0xC2)
            #expect(!bad, "byte 0x\(String(b, radix: 16)) at \(i) reached the output", sourceLocation: sourceLocation)
            if bad { return }
        }
        #expect(String(validating: bytes, as: UTF8.self) != nil, "the output is not UTF-8", sourceLocation: sourceLocation)
    }

    static func written(_ lines: [String]) -> [UInt8] { TerminalWriter.bytes(lines: lines) }

    static func printed(_ payloads: [FlowEvent.Payload], reveal: Bool = false) -> [String] {
        var printer = PlainPrinter(reveal: reveal, verbose: true, unicode: true)
        return payloads.enumerated().flatMap { i, p in printer.lines(for: FlowEvent(seq: i + 1, time: Date(timeIntervalSince1970: 1_000 + Double(i)), flow: "f", payload: p)) }
    }

    @Test("the writer escapes C0, DEL, C1 and ESC in every line and ends each with one newline")
    func writerEscapes() {
        let hostile = ["a\u{1b}]2;t\u{07}b", "tab\there", "nul\u{0}", "del\u{7f}", "c1\u{9b}31m", "two\nlines", "cr\rreturn", Self.osc52]
        let bytes = Self.written(hostile)
        Self.expectTerminalSafe(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == hostile.count + 1, "one output line per line given")
        #expect(text.contains(#"a\x1b]2;t\x07b"#), "what was escaped stays readable")
        #expect(text.contains(#"two\x0alines"#))
        #expect(Self.written(["plain ✓ text"]) == Array("plain ✓ text\n".utf8), "printable text is written unchanged")
    }

    @Test("the writer writes the escaped bytes to its file descriptor")
    func writerWritesToDescriptor() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        TerminalWriter(fd: fds[1]).write(lines: ["x\(Self.oscTitle)y", "second"])
        close(fds[1])
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            got += buffer[0..<n]
        }
        Self.expectTerminalSafe(got)
        #expect(got == Self.written(["x\(Self.oscTitle)y", "second"]))
    }

    @Test("JSONL lines are written as their encoder made them: every control and invisible character is a \\u escape")
    func jsonLinesAreEscapedByTheEncoder() throws {
        let nasty = "t\u{1b}]52;c;x\u{07}\u{7f}\u{85}\u{9b}\u{2028}\u{2029}\u{202e}\u{200b}\u{0}"
        let event = FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 0), flow: "f", payload: .finding(Finding(.warn, "x", nasty)))
        let line = event.jsonLine()
        Self.expectTerminalSafe(Array(line.utf8))
        for scalar in line.unicodeScalars {
            #expect(!TerminalSafeText.needsEscape(scalar) && scalar != "\u{2028}" && scalar != "\u{2029}", "U+\(String(scalar.value, radix: 16)) left raw")
        }
        #expect(line.contains(#"\u001b]52"#) && line.contains(#"\u0085"#) && line.contains(#"\u2028"#) && line.contains(#"\u202e"#))
        let back = try FlowEvent.parse(jsonLine: line)
        guard case .finding(let f) = back.payload else { Issue.record("not a finding"); return }
        #expect(f.message == nasty, "the JSON escapes read back as the raw value")
    }

    @Test("a token_type carrying an OSC title change and an OSC 52 clipboard write is shown escaped")
    func tokenType() {
        let x = TokenExchanged(tokenType: "Bearer" + Self.oscTitle + Self.osc52, expiresIn: 60, scope: "openid" + Self.clear, accessToken: "at", refreshToken: nil, idToken: nil, extra: nil)
        let lines = Self.printed([.tokenExchanged(x)])
        #expect(lines.contains { $0.contains(Self.osc52) }, "the printer keeps raw values; the writer is the boundary")
        let bytes = Self.written(lines)
        Self.expectTerminalSafe(bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"Bearer\x1b]0;owned\x07\x1b]52;c;"#))
    }

    @Test("a token chosen to start with ESC [2J keeps no escape in its redacted prefix")
    func redactedPrefix() {
        let token = Secret(Self.clear + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        #expect(!token.redacted.contains("\u{1b}") && !token.redacted.contains("["), "\(token.redacted)")
        let x = TokenExchanged(tokenType: "Bearer", expiresIn: nil, scope: nil, accessToken: token.sensitive, refreshToken: Secret("\u{9b}2J\u{7}xxxxxxxxxxxxxxxxxx").sensitive, idToken: nil, extra: nil)
        let lines = Self.printed([.tokenExchanged(x), .codeReceived(CodeReceived(code: token.sensitive, checks: []))])
        for l in lines { #expect(!l.unicodeScalars.contains { TerminalSafeText.needsEscape($0) }, "redacted values are safe before any escaping: \(l)") }
        Self.expectTerminalSafe(Self.written(lines))
    }

    @Test("the step prompt is escaped")
    func stepPrompt() {
        let lines = Self.printed([.stepWaiting(StepWaiting(step: "exchange", prompt: "Press c" + Self.osc8 + Self.clear))])
        #expect(lines.count == 1)
        let bytes = Self.written(lines)
        Self.expectTerminalSafe(bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"Press c\x1b]8;;https://evil.example/"#))
    }

    @Test("every printed event of a crafted recording is escaped, and so is each problem with its lines (unknown type, OSC 8)")
    func craftedRecording() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oauthscope-boundary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("crafted.jsonl").path
        func line(_ seq: Int, _ type: String, _ fields: String) -> String {
            #"{"v":1,"seq":\#(seq),"time":"2026-01-01T00:00:0\#(seq).000Z","flow":"f","type":"\#(type)"\#(fields)}"#
        }
        let osc8 = #"\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\"#
        let lines = [
            line(1, "flow.started", #","mode":"demo\u001b[2J","provider":"p\#(osc8)","client_id":"c\u009b1m","redirect_uri":"http://127.0.0.1/cb\u0007","exchange":"auto","step_mode":false"#),
            line(2, "finding", #","severity":"error","code":"x","message":"see \#(osc8)","ref":"RFC \u001b]0;t\u0007""#),
            line(3, #"evil\u001b]0;owned\u0007.type"#, ""),
            line(4, "step.waiting", #","step":"exchange","prompt":"\u001b]52;c;ZXZpbA==\u0007""#),
            line(5, "flow.failed", #","reason":"r\u001b[31m","hint":"h\u007f""#),
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let read = try RecordingReader.read(path: path)
        #expect(read.events.count == 4)
        #expect(read.problems.count == 1)
        let stderr = Self.written(read.problems.map { "oauthscope: \($0.description)" })
        Self.expectTerminalSafe(stderr)
        #expect(String(decoding: stderr, as: UTF8.self).contains(#"evil\x1b]0;owned\x07.type"#), "the unknown type is named, escaped")
        let stdout = Self.written(Self.printed(read.events.map(\.payload)))
        Self.expectTerminalSafe(stdout)
        #expect(String(decoding: stdout, as: UTF8.self).contains(#"\x1b]8;;https://evil.example/"#))
    }
}

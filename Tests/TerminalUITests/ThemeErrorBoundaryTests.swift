import FlowEngine
import Foundation
import OAuthCore
import Testing

@testable import TerminalUI

/// A theme file is a file from anywhere: its errors quote its keys and values, and go to stderr through the
/// one writer, which escapes them.
@Suite struct ThemeErrorBoundaryTests {
    @Test func hostileThemeErrorsReachStderrEscaped() throws {
        let files = ThemeFiles(read: { path in
            path == "/t/evil.toml" ? #"""
            "\u001b]52;c;ZXZpbA==\u0007" = "red"
            [palette]
            "x\u001b[2J" = "\u009b31m"
            bad = "\u001b]8;;https://evil.example/\u001b\\link"
            """# : nil
        }, list: { _ in [] })
        let (_, problems) = ThemeCatalog.load("/t/evil.toml", environment: [:], files: files)
        #expect(problems.count >= 3, "\(problems.map(\.description))")
        #expect(problems.contains { $0.description.contains("\u{1b}]52") }, "the problems quote the raw key; escaping is the writer's job")
        let bytes = TerminalWriter.bytes(lines: problems.map { "oauthscope: \($0.description)" })
        for b in bytes { #expect(b >= 0x20 && b != 0x7F || b == 0x0A, "byte 0x\(String(b, radix: 16)) reached stderr") }
        #expect(!String(decoding: bytes, as: UTF8.self).unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"\x1b]52;c;ZXZpbA==\x07"#))
    }
}

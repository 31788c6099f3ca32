import Foundation
import OAuthCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one boundary between text and a terminal outside the ncurses screen: every line of plain output on
/// stdout and every message on stderr is escaped with `TerminalSafeText` here, as it is written. Events and
/// messages carry raw values (a provider's `token_type`, a callback's `error_description`, a recording's
/// fields, a theme file's name); none of them can retitle the terminal, write its clipboard or draw a link,
/// because nothing reaches the file descriptor except through `bytes(lines:)`.
///
/// Whole lines are written in one system call so a pipe reader sees each as it happens; when the reader has
/// gone (`oauthscope ... | head`), output stops quietly.
public struct TerminalWriter: Sendable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    public static let standardOutput = TerminalWriter(fd: STDOUT_FILENO)
    public static let standardError = TerminalWriter(fd: STDERR_FILENO)

    /// The bytes written for `lines`: each escaped, newlines inside a line included, and ended by `\n`.
    public static func bytes(lines: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
        for line in lines {
            out.append(contentsOf: TerminalSafeText.escape(line).utf8)
            out.append(0x0A)
        }
        return out
    }

    /// One line, escaped.
    public func write(_ line: String) { write(lines: [line]) }

    /// Several lines, escaped, in one write.
    public func write(lines: [String]) {
        guard !lines.isEmpty else { return }
        writeAll(Self.bytes(lines: lines)[...])
    }

    /// JSONL lines as they are: `JSONValue.serialized` writes every character `TerminalSafeText` would escape
    /// as a `\u` escape, so the line is terminal-safe and still the JSON a reader expects.
    public func write(jsonLines: [String]) {
        guard !jsonLines.isEmpty else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(jsonLines.reduce(0) { $0 + $1.utf8.count + 1 })
        for l in jsonLines {
            bytes.append(contentsOf: l.utf8)
            bytes.append(0x0A)
        }
        writeAll(bytes[...])
    }

    /// Events as JSONL lines, in one write: each line is written straight into one buffer
    /// (`FlowEvent.writeJSONLine`), with no `String` per line, since a flood of callbacks passes here.
    public func write(jsonEvents events: [FlowEvent], reveal: Bool) {
        guard !events.isEmpty else { return }
        // A callback's line with its headers is often longer than 512 bytes: room for that (up to a bound), so
        // the buffer rarely grows while it is written.
        var buffer = JSONLineBuffer(capacity: min(1_024 * events.count, 1 << 20))
        // By index: iterating the events as values would copy (retain and release) every one.
        for i in events.indices {
            events[i].writeJSONLine(into: &buffer, reveal: reveal)
            buffer.append(0x0A)
        }
        buffer.withBytes { _ = FileDescriptor.writeAll(fd, $0) }
    }

    /// A screen already drawn from a cell grid (`themes preview`): the grid escaped its text when it was
    /// written into it, and the escape sequences in `rendered` are the grid's own colours.
    public func write(renderedGrid rendered: String) {
        writeAll(Array((rendered + "\n").utf8)[...])
    }

    /// The terminal bell (`--bell`): one BEL byte, the only control character this writer sends unescaped, and
    /// only through this call.
    public func bell() {
        writeAll([CallbackBell.byte][...])
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>) {
        // EPIPE and friends: nobody is reading any more, and losing output must never end a flow.
        _ = FileDescriptor.writeAll(fd, bytes)
    }
}

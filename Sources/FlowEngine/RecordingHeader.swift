import Foundation
import OAuthCore

/// The first line of a recording (`--record FILE`): which format the file is in, which oauthscope wrote it and
/// the command line that ran, with its secrets redacted. See docs/recording-format.md.
///
/// It carries the event envelope (`v`, `seq` 0, `time`, `flow` "", `type` "recording.header") so line-by-line
/// JSONL readers can skip it like any event type they do not know. Recordings without it are read as before.
public struct RecordingHeader: Sendable, Hashable {
    public static let type = "recording.header"
    /// The recording format's version: 1 is the v1 event stream below this header.
    public static let currentFormat = 1
    /// The version of this build, written in the header of every recording it makes.
    public static let programVersion = "0.1.0"

    public var format: Int
    public var oauthscope: String
    /// The command line, `argv` with secrets redacted.
    public var command: [String]
    public var time: Date

    public init(format: Int = RecordingHeader.currentFormat, oauthscope: String = RecordingHeader.programVersion, command: [String], time: Date = Date()) {
        self.format = format
        self.oauthscope = oauthscope
        self.command = command
        self.time = time
    }

    /// A header for this run: `arguments` (usually `CommandLine.arguments`) with its secrets redacted.
    /// The program's own path is shortened to its name: where it was installed is nobody's business.
    public init(arguments: [String], time: Date = Date()) {
        var args = arguments
        if let first = args.first { args[0] = URL(fileURLWithPath: first).lastPathComponent }
        self.init(command: Self.redactedCommandLine(args), time: time)
    }

    public func jsonLine() -> String {
        JSONValue.object([
            ("v", .number(Double(FlowEvent.schemaVersion))), ("seq", .number(0)), ("time", .string(EventTime.format(time))),
            ("flow", .string("")), ("type", .string(Self.type)), ("format", .number(Double(format))),
            ("oauthscope", .string(oauthscope)), ("command", .array(command.map(JSONValue.string))),
        ]).serialized()
    }

    /// The header in `line`, or nil when the line is not one (an event, or not JSON).
    public static func parse(jsonLine line: String) -> RecordingHeader? {
        // Cheap test first: most lines are events.
        guard line.contains("\"recording.header\""), let v = JSONValue.parse(line), v["type"]?.stringValue == type else { return nil }
        let format = v["format"]?.numberValue.flatMap { $0 >= 0 && $0 < 1_000_000 ? Int($0) : nil } ?? 0
        let command = (v["command"]?.arrayValue ?? []).prefix(1_000).compactMap(\.stringValue)
        let time = v["time"]?.stringValue.flatMap(EventTime.parse) ?? Date(timeIntervalSince1970: 0)
        return RecordingHeader(format: format, oauthscope: v["oauthscope"]?.stringValue ?? "unknown", command: Array(command), time: time)
    }

    /// Flags whose value is a secret.
    static let secretFlags: Set<String> = ["--client-secret"]
    /// Flags whose value is `NAME=VALUE` or `Name: value`, a secret when the name is one.
    static let pairFlags: Set<String> = ["--param", "--token-param", "--token-header"]

    /// `argv` with the value of `--client-secret`, of `--param`/`--token-param` pairs with a secret name (`code`,
    /// `client_secret`, ...), of `--token-header` with a secret header, and of any `name=value` word with a secret
    /// name, redacted.
    public static func redactedCommandLine(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var previous = ""
        for arg in arguments {
            var word = arg
            if secretFlags.contains(previous) {
                word = Secret.redact(arg)
            } else if let eq = arg.firstIndex(of: "="), arg.hasPrefix("--") {
                let flag = String(arg[..<eq])
                let value = String(arg[arg.index(after: eq)...])
                if secretFlags.contains(flag) { word = flag + "=" + Secret.redact(value) } else if pairFlags.contains(flag) { word = flag + "=" + redactPair(value) }
            } else if pairFlags.contains(previous) || !arg.hasPrefix("-") {
                word = redactPair(arg)
            }
            out.append(word)
            previous = arg
        }
        return out
    }

    private static func redactPair(_ text: String) -> String {
        if let eq = text.firstIndex(of: "="), Redactor.isSensitive(name: String(text[..<eq])) {
            return text[...eq] + Secret.redact(String(text[text.index(after: eq)...]))
        }
        if let colon = text.firstIndex(of: ":") {
            let name = text[..<colon].trimmingCharacters(in: .whitespaces)
            if Redactor.sensitiveHeaders.contains(name.lowercased()) {
                return name + ": " + ExportRedaction.header(name: name, value: text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
        }
        return text
    }
}

/// A recording read back: its header, when it has one, its events and the lines that could not be read.
public struct Recording: Sendable {
    public var header: RecordingHeader?
    public var events: [FlowEvent]
    public var problems: [RecordingError]
}

extension RecordingReader {
    /// Reads a recording with its header line (recordings made before the header existed have none).
    public static func load(path: String) throws(RecordingError) -> Recording {
        let (events, problems) = try read(path: path)
        var header: RecordingHeader?
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            // The header is the first line; 64 KiB holds any command line worth keeping.
            let head = (try? handle.read(upToCount: 65_536)) ?? Data()
            if let first = String(decoding: head, as: UTF8.self).split(separator: "\n", maxSplits: 1).first {
                header = RecordingHeader.parse(jsonLine: String(first))
            }
        }
        return Recording(header: header, events: events, problems: problems)
    }
}

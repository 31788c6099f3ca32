import ArgumentParser
import FlowEngine
import Foundation
import Settings

extension ExportFormat: ExpressibleByArgument {}

/// `oauthscope export FILE --format har|curl|markdown`: turns a recording into something another tool or person
/// reads.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a recording (from --record) into HAR 1.2, a curl script or a Markdown report.",
        discussion: "Secrets are redacted, even when the recording was made with --reveal, unless --reveal is given here too.")

    @Argument(help: "The JSONL recording.")
    var file: String

    @Option(help: "har, curl or markdown.")
    var format: ExportFormat

    @Flag(help: "Write the secrets the recording holds in clear.")
    var reveal = false

    @Option(name: .customLong("output"), help: ArgumentHelp("Write to this file (created with mode 0600) instead of stdout.", valueName: "PATH"))
    var outputPath: String?

    func run() throws {
        let recording: Recording
        do { recording = try RecordingReader.load(path: file) } catch { throw UsageError(error.description) }
        // A file that is no recording at all would fail on every line: a few say enough.
        let shown = recording.events.isEmpty ? 3 : 20
        for p in recording.problems.prefix(shown) { StandardOutput.error("oauthscope: \(p.description)") }
        if recording.problems.count > shown { StandardOutput.error("oauthscope: \(file): \(recording.problems.count - shown) more lines could not be read") }
        guard !recording.events.isEmpty else {
            throw UsageError("\(file): no events to export (give a JSONL file written by --record)")
        }
        let text = format.render(recording.events, reveal: reveal, toolVersion: RecordingHeader.programVersion)
        if let path = outputPath {
            do { try ExportFile.write(text, to: path) } catch { throw UsageError("--output \(error.description)") }
        } else {
            // Each line through the terminal boundary on its own, so the document keeps its line breaks.
            let body = text.hasSuffix("\n") ? String(text.dropLast()) : text
            StandardOutput.write(lines: body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        }
    }
}

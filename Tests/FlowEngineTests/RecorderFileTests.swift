import FlowEngine
import Foundation
import OAuthCore
import Testing

/// `--record FILE` may hold tokens (`--reveal`): the file is private, never written through a link, and valid
/// JSONL after any crash.
@Suite("Recorder files")
struct RecorderFileTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oauthscope-rec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func mode(_ path: String) throws -> Int {
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attrs[.posixPermissions] as? Int)
    }

    func inode(_ path: String) throws -> UInt64 {
        var st = stat()
        try #require(lstat(path, &st) == 0)
        return UInt64(st.st_ino)
    }

    static func event(_ seq: Int) -> FlowEvent {
        FlowEvent(seq: seq, time: Date(timeIntervalSince1970: 1_000 + Double(seq)), flow: "f", payload: .finding(Finding(.info, "n\(seq)", "event \(seq)")))
    }

    @Test("a new recording is created with mode 0600, whatever the umask")
    func newFileIsPrivate() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/new.jsonl"
        let old = umask(0)
        defer { umask(old) }
        let r = try Recorder(path: path, reveal: true)
        r.write(Self.event(1))
        #expect(try mode(path) == 0o600)
    }

    @Test("an existing file is replaced by a new 0600 file, not rewritten in place")
    func replacementIsPrivate() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.jsonl"
        try Data("old content that must go\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let before = try inode(path)
        let r = try Recorder(path: path, reveal: false)
        r.write(batch: [Self.event(1), Self.event(2)])
        #expect(try mode(path) == 0o600)
        #expect(try inode(path) != before, "a new file was renamed over the old one")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("old content"))
        #expect(text.split(separator: "\n").count == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "no temporary file is left beside it: \(leftovers)")
    }

    @Test("a symbolic link is refused, and neither it nor its target changes")
    func symlinkRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/target.txt"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: target))
        let link = dir + "/link.jsonl"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(throws: RecordingError.symbolicLink(link)) { try Recorder(path: link, reveal: true) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)

        let dangling = dir + "/dangling.jsonl"
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: dir + "/would-be-created")
        #expect(throws: RecordingError.symbolicLink(dangling)) { try Recorder(path: dangling, reveal: true) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/would-be-created"), "a dangling link must not create its target")
    }

    @Test("a path that is a folder or a FIFO is refused, and an export replaces a 0644 file with a 0600 one")
    func otherKindsAndExports() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: PrivateFile.Failure.notRegularFile) { try PrivateFile.create(dir) }
        let fifo = dir + "/fifo"
        try #require(mkfifo(fifo, 0o644) == 0)
        #expect(throws: PrivateFile.Failure.notRegularFile) { try PrivateFile.create(fifo) }
        let export = dir + "/flow.har"
        try Data("old".utf8).write(to: URL(fileURLWithPath: export))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: export)
        try ExportFile.write("{}\n", to: export)
        #expect(try mode(export) == 0o600)
        #expect(try String(contentsOfFile: export, encoding: .utf8) == "{}\n")
    }

    @Test("a folder that does not exist is a usage error naming the flag")
    func missingFolder() {
        #expect {
            try Recorder(path: dir + "/no/such/folder/rec.jsonl", reveal: false)
        } throws: { error in
            (error as? RecordingError)?.description.hasPrefix("--record ") == true
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test("each batch is on disk as whole lines once written, before the recorder is closed, so a crash leaves valid JSONL")
    func batchesAreWholeLines() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/live.jsonl"
        let r = try Recorder(path: path, reveal: false)
        for b in 0..<5 {
            r.write(batch: (0..<10).map { Self.event(b * 10 + $0) })
            // Read while the recorder is still open: nothing is buffered in the process.
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasSuffix("\n"), "the file ends with a whole line")
            let lines = text.split(separator: "\n")
            #expect(lines.count == (b + 1) * 10)
            for l in lines { #expect(throws: Never.self) { try FlowEvent.parse(jsonLine: String(l)) } }
        }
    }
}

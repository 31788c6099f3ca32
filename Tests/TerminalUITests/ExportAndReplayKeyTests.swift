import FlowEngine
import Foundation
import OAuthCore
import Testing
@testable import TerminalUI

@Suite struct ExportAndReplayKeyTests {
    @Test func xThenALetterExportsInThatFormat() {
        let done = Fixture.success.state
        for (letter, format) in [("h", ExportFormat.har), ("c", .curl), ("m", .markdown)] {
            var ui = UIState.test
            #expect(ui.handle(.char("x"), state: done).isEmpty)
            #expect(ui.choosingExport)
            #expect(ui.notice?.contains("h HAR") == true)
            #expect(ui.handle(.char(Character(letter)), state: done) == [.export(format)])
            #expect(!ui.choosingExport)
        }
        var ui = UIState.test
        _ = ui.handle(.char("x"), state: done)
        #expect(ui.handle(.char("z"), state: done).isEmpty)
        #expect(ui.notice == "Export cancelled")
        // The key after a cancelled choice means what it always means.
        #expect(ui.handle(.char("c"), state: done).isEmpty)
        #expect(!ui.choosingExport)
    }

    @Test func replayKeysSendTheirControlsAndSayWhatHappened() {
        let state = Fixture.success.state
        var ui = UIState.test
        ui.replay = ReplayStatus(paused: false, speed: 1)
        #expect(ui.handle(.char(" "), state: state) == [.send(.replay(.togglePause))])
        #expect(ui.replay?.paused == true)
        #expect(ui.handle(.char("."), state: state) == [.send(.replay(.step))])
        #expect(ui.handle(.char("+"), state: state) == [.send(.replay(.faster))])
        #expect(ui.replay?.speed == 2)
        #expect(ui.notice == "Replay speed ×2")
        _ = ui.handle(.char("-"), state: state)
        _ = ui.handle(.char("-"), state: state)
        #expect(ui.replay?.summary == "replay paused")
        #expect(ui.replay?.speed == 0.5)
        #expect(ui.handle(.char("G"), state: state) == [.send(.replay(.end))])
        #expect(ui.replay?.summary == "replay at its end")
        // The footer lists the replay keys.
        let hints = ui.keymap.hints(for: .timeline, waiting: false, replay: ui.replay).map(\.action)
        #expect(hints.contains("play") && hints.contains("step") && hints.contains("speed") && hints.contains("end"))
        #expect(render(state, ui).text.contains("replay at its end"))
    }

    @Test func replayKeysOutsideAReplayOnlyExplain() {
        var ui = UIState.test
        let state = Fixture.success.state
        #expect(ui.handle(.char("."), state: state).isEmpty)
        #expect(ui.notice?.contains("Only a replay") == true)
        #expect(ui.handle(.char("G"), state: state).isEmpty)
        let hints = ui.keymap.hints(for: .timeline, waiting: false).map(\.action)
        #expect(!hints.contains("speed") && !hints.contains("play") && !hints.contains("pause"))
    }

    @Test func theSessionIsWrittenToAPrivateFileNamedOnTheStatusLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("x-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = SessionState(single: Fixture.success.state)
        let notice = SessionExport.write(.markdown, session: session, reveal: false, directory: dir.path, toolVersion: "t")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(file.hasSuffix(".md"))
        #expect(notice == "Exported \(dir.appendingPathComponent(file).path) (Markdown report)")
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(file).path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        #expect(text.contains("```mermaid\nsequenceDiagram"))
        #expect(SessionExport.write(.har, session: SessionState(), reveal: false, directory: dir.path, toolVersion: "t") == "Nothing to export yet.")
        #expect(SessionExport.write(.har, session: session, reveal: false, directory: dir.appendingPathComponent("missing").path, toolVersion: "t").hasPrefix("Export failed: "))
    }
}

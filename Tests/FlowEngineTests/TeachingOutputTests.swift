import Foundation
import OAuthCore
import Testing

@testable import FlowEngine

@Suite("--explain and --bell outside the terminal UI")
struct TeachingOutputTests {
    static func event(_ payload: FlowEvent.Payload) -> FlowEvent {
        FlowEvent(seq: 1, time: Date(timeIntervalSince1970: 1_767_268_800), flow: "f", payload: payload)
    }

    @Test("each step's event brings its 'what just happened, and why' text, wrapped and indented; other events none")
    func explanations() {
        let steps: [(FlowEvent.Payload, Glossary.Step)] = [
            (.urlBuilt(AuthorizationURLBuilt(url: "http://127.0.0.1:9/authorize?x=1", params: .object([]), pkce: nil, endpoint: "http://127.0.0.1:9/authorize")), .urlBuilt),
            (.userRedirected(UserRedirected(via: "browser", command: "chromium")), .userRedirected),
            (.codeReceived(CodeReceived(code: Sensitive(Secret("abc")), checks: [])), .codeReceived),
            (.tokenExchanged(TokenExchanged(tokenType: "Bearer", expiresIn: 60, scope: nil, accessToken: Sensitive(Secret("at")), refreshToken: nil, idToken: nil, extra: nil)), .tokenExchanged),
        ]
        for (payload, step) in steps {
            let lines = PlainPrinter.explanation(for: Self.event(payload), width: 80)
            #expect(lines.count > 2)
            #expect(lines.allSatisfy { $0.hasPrefix("    ") && $0.count <= 80 }, "\(lines)")
            let words = lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            #expect(words == Glossary.stepExplanation(step).split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " "))
        }
        #expect(PlainPrinter.explanation(for: Self.event(.flowCompleted(FlowCompleted(elapsedMs: 3)))).isEmpty)
        let denied = PlainPrinter.explanation(for: Self.event(.flowFailed(FlowFailed(reason: "refused", error: "access_denied", step: "callback"))))
        #expect(denied.joined(separator: " ").contains("access_denied: The user or the server refused the request. See RFC 6749 §4.1.2.1."))
        #expect(PlainPrinter.explanation(for: Self.event(.flowFailed(FlowFailed(reason: "no callback", step: "callback")))).isEmpty)
    }

    @Test("a word longer than the line gets a line of its own, never cut")
    func wrapsLongWords() {
        let long = String(repeating: "x", count: 120)
        #expect(PlainPrinter.wrap("a \(long) b", width: 40, indent: "  ") == ["  a", "  " + long, "  b"])
    }

    @Test("callbacks ring the bell, strays do not; the bell writer sends one BEL and nothing else")
    func bell() throws {
        func callback(_ verdict: CallbackVerdict) -> FlowEvent {
            Self.event(.callbackReceived(CallbackReceived(method: "GET", path: "/callback", query: .object([]), remote: "127.0.0.1:1", verdict: verdict)))
        }
        #expect(CallbackBell.rings(callback(.accepted)))
        #expect(CallbackBell.rings(callback(.errorResponse)))
        #expect(CallbackBell.rings(callback(.stateMismatch)))
        #expect(!CallbackBell.rings(callback(.stray)))
        #expect(!CallbackBell.rings(Self.event(.flowCompleted(FlowCompleted(elapsedMs: 1)))))
        var state = FlowState()
        for v in [CallbackVerdict.stray, .accepted, .duplicate, .stray] { state.apply(callback(v)) }
        #expect(CallbackBell.heard(in: state) == 2)

        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        TerminalWriter(fd: fds[1]).bell()
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = read(fds[0], &buffer, buffer.count)
        close(fds[0])
        #expect(Array(buffer.prefix(max(0, n))) == [0x07])
    }
}

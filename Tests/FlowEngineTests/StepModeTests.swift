import FlowEngine
import Foundation
import OAuthCore
import Synchronization
import Testing

/// Step mode: the controller pauses before every hop, shows the request, takes edits, and sends a hop again.
@Suite("step mode")
struct StepModeTests {
    /// Answers each `step.waiting` with the next of `replies` for that hop (default: send), and records the pauses.
    static func driver(_ r: Run, _ commands: CommandChannel, replies: [String: [FlowCommand]], provider: ScriptedProvider? = nil, sentAtPause: PauseLog? = nil) -> Task<[StepWaiting], Never> {
        let events = r.bus.subscribe(bufferSize: 10_000)
        return Task {
            var left = replies
            var seen: [StepWaiting] = []
            for await e in events {
                switch e.payload {
                case .stepWaiting(let w):
                    seen.append(w)
                    if let provider, let sentAtPause { sentAtPause.hops.withLock { $0[w.hop ?? ""] = provider.purposes.map(\.rawValue) } }
                    let hop = w.hop ?? ""
                    for c in left[hop] ?? [] { commands.send(c) }
                    left[hop] = nil
                    commands.send(.proceed)
                case .flowCompleted, .flowFailed:
                    return seen
                default: continue
                }
            }
            return seen
        }
    }

    @Test("pauses before the redirect, the token request and each follow-up, showing the request; nothing leaves before its pause")
    func pausesAtEveryHop() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in okToken }
        var c = r.config(then: ["refresh", "userinfo"])
        c.stepMode = true
        c.userinfoURL = URL(string: "https://as.example/userinfo")
        let sentAtPause = PauseLog()
        let driver = Self.driver(r, commands, replies: [:], provider: provider, sentAtPause: sentAtPause)
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=the-code&state=\($0)" }, commands: commands)
        let pauses = await driver.value
        #expect(result == .completed)
        #expect(pauses.compactMap { $0.hop } == ["redirect", "token", "refresh", "userinfo"])
        #expect(provider.purposes == ["token", "refresh", "userinfo"])
        let token = try #require(pauses.first { $0.hop == "token" }?.request)
        #expect(token.method == "POST" && token.url == "https://as.example/token")
        #expect(token.body.display(reveal: false).contains("code=" + Secret.redact("the-code")), "the code is shown redacted")
        #expect(!token.body.display(reveal: false).contains("code=the-code"))
        #expect(token.body.display(reveal: true).contains("code=the-code"))
        // Each pause comes before its hop leaves.
        #expect(sentAtPause.hops.withLock { $0 } == ["redirect": [], "token": [], "refresh": ["token"], "userinfo": ["token", "refresh"]])
        let types = events.map(\.type)
        let redirectPause = try #require(events.firstIndex { if case .stepWaiting(let w) = $0.payload { return w.hop == "redirect" } else { return false } })
        #expect(redirectPause < (types.firstIndex(of: "user.redirected") ?? -1))
    }

    @Test("an edit changes what is sent and is an event; a bad line is refused and the pause goes on")
    func editsAndRefusals() async throws {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in okToken }
        var c = r.config()
        c.stepMode = true
        let driver = Self.driver(r, commands, replies: ["token": [.edit("set code_verifier=wrong"), .edit("set"), .edit("header X-Trace: 1")]])
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        let sent = try #require(provider.sent.withLock { $0.first { $0.purpose == "token" }?.spec })
        #expect(FormURLEncoded.decode(sent.body).fields.first("code_verifier") == "wrong")
        #expect(sent.headers.contains(FormField("X-Trace", "1")))
        let edits = events.compactMap { if case .requestEdited(let e) = $0.payload { return e } else { return nil } }
        #expect(edits.map(\.ok) == [true, false, true])
        #expect(edits[0].edit.display(reveal: false) != "set code_verifier=wrong", "a secret's new value is redacted in the event")
        #expect(edits[0].edit.display(reveal: true) == "set code_verifier=wrong")
        #expect(edits[1].error?.contains("NAME=VALUE") == true)
    }

    @Test("again at a pause sends the last hop once more, exactly as it was sent")
    func againResends() async throws {
        let r = Run()
        let commands = CommandChannel()
        let spent = Mutex(false)
        // The second use of a code is refused, as a real provider does.
        let provider = ScriptedProvider { purpose, _ in
            guard purpose == "token" else { return okToken }
            let used = spent.withLock { s in defer { s = true }; return s }
            return used ? ScriptedProvider.json(#"{"error":"invalid_grant","error_description":"code already used"}"#, status: 400) : okToken
        }
        var c = r.config(then: ["refresh"])
        c.stepMode = true
        let driver = Self.driver(r, commands, replies: ["refresh": [.again]])
        let (result, events) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        _ = await driver.value
        #expect(result == .completed)
        #expect(provider.purposes == ["token", "token", "refresh"])
        let specs = provider.sent.withLock { $0.filter { $0.purpose == "token" }.map(\.spec) }
        #expect(specs.count == 2 && specs[0] == specs[1])
        let again = try #require(events.compactMap { if case .actionCompleted(let a) = $0.payload, a.action == "again" { return a } else { return nil } }.first)
        #expect(!again.ok)
        #expect(again.summary.contains("invalid_grant"))
    }

    @Test("quitting at a pause fails the flow and sends nothing")
    func cancelAtPause() async {
        let r = Run()
        let commands = CommandChannel()
        let provider = ScriptedProvider { _, _ in okToken }
        var c = r.config()
        c.stepMode = true
        let events = r.bus.subscribe(bufferSize: 100)
        let quitter = Task {
            for await e in events where e.type == "step.waiting" {
                commands.send(.cancel)
                return
            }
        }
        let (result, _) = await r.run(c, provider: provider, agent: InstantRedirect(registry: r.registry, bus: r.bus) { "code=c&state=\($0)" }, commands: commands)
        await quitter.value
        guard case .failed(let f) = result else { Issue.record("\(result)"); return }
        #expect(f.reason.contains("cancelled"))
        #expect(provider.purposes.isEmpty)
    }
}

/// What the provider had been sent when each pause came, by hop.
final class PauseLog: Sendable {
    let hops = Mutex<[String: [String]]>([:])
}

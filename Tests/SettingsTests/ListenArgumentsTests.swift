import Foundation
import Settings
import Testing

@Suite("listen: per-redirect-URI options and code verifiers")
struct ListenArgumentsTests {
    let a = "http://127.0.0.1:9000/cb"
    let b = "http://127.0.0.1:9001/return"

    @Test("URI=VALUE goes to that redirect URI, a plain value to every other one")
    func routing() throws {
        let routes = try ListenArguments.routes(redirectURIs: [a, b], forwards: ["\(a)=http://127.0.0.1:3000/cb", "http://127.0.0.1:4000/other?x=1"],
                                                expectStates: ["\(b)=state-b", "plain"])
        #expect(routes.map(\.redirectURI) == [a, b])
        #expect(routes[0].forward?.absoluteString == "http://127.0.0.1:3000/cb")
        #expect(routes[1].forward?.absoluteString == "http://127.0.0.1:4000/other?x=1")
        #expect(routes[0].expectState == "plain")
        #expect(routes[1].expectState == "state-b")
    }

    @Test("a single plain --forward with a single redirect URI keeps working; nothing given means nothing applies")
    func single() throws {
        let one = try ListenArguments.routes(redirectURIs: [a], forwards: ["http://127.0.0.1:3000/cb"], expectStates: [])
        #expect(one == [ListenRoute(redirectURI: a, forward: URL(string: "http://127.0.0.1:3000/cb"), expectState: nil)])
        let none = try ListenArguments.routes(redirectURIs: [a, b], forwards: [], expectStates: [])
        #expect(none.allSatisfy { $0.forward == nil && $0.expectState == nil })
    }

    @Test("a value whose URI is a prefix of another redirect URI goes to the longer one it names")
    func longestPrefix() throws {
        let short = "http://127.0.0.1:9000/cb", long = "http://127.0.0.1:9000/cb2"
        let routes = try ListenArguments.routes(redirectURIs: [short, long], forwards: [], expectStates: ["\(long)=L", "\(short)=S"])
        #expect(routes.map(\.expectState) == ["S", "L"])
    }

    @Test("mistakes are usage errors naming the flag and what to write", arguments: [
        ([], ["http://127.0.0.1:1/x=http://127.0.0.1:2/y"], [String](), "is not one of the redirect URIs"),
        ([], ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"], [], "URI=VALUE"),
        ([], ["ftp://example.com/x"], [], "not an absolute http(s) URL"),
        ([], ["not a url"], [], "not an absolute http(s) URL"),
        ([], [], ["A", "B"], "--expect-state is given twice without a redirect URI"),
        (["dup"], [], [], "given twice"),
    ] as [([String], [String], [String], String)])
    func errors(extra: [String], forwards: [String], states: [String], says: String) {
        var uris = [a, b]
        if !extra.isEmpty { uris = [a, a] }
        #expect {
            _ = try ListenArguments.routes(redirectURIs: uris, forwards: forwards, expectStates: states)
        } throws: { error in
            (error as? UsageError)?.description.contains(says) == true
        }
    }

    @Test("two values for one redirect URI are refused")
    func twiceForOne() {
        #expect(throws: UsageError.self) { try ListenArguments.routes(redirectURIs: [a], forwards: [], expectStates: ["\(a)=x", "\(a)=y"]) }
    }

    @Test("--code-verifier: one plain verifier serves every code; STATE=VERIFIER picks by state; mixing is refused")
    func verifierFlags() throws {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  // RFC 7636 Appendix B
        let single = try CodeVerifiers.parse(flags: [v])
        #expect(single.choose(state: "anything") == .verifier(v))
        #expect(single.choose(state: nil) == .verifier(v))
        let keyed = try CodeVerifiers.parse(flags: ["s=1=\(v)", "two=abc.DEF_~-9"])
        #expect(keyed.byState == ["s=1": v, "two": "abc.DEF_~-9"], "the last = splits: a verifier has none")
        #expect(keyed.choose(state: "two") == .verifier("abc.DEF_~-9"))
        #expect(keyed.choose(state: "three") == .unknownState("three"))
        #expect(keyed.choose(state: nil) == .unknownState(nil))
        #expect(CodeVerifiers().choose(state: "x") == .none)
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(flags: [v, "s=\(v)"]) }
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(flags: ["s=\(v)", "s=\(v)"]) }
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(flags: ["s=has space"]) }
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(flags: ["=\(v)"]) }
    }

    @Test("a verifier file is lines 'STATE VERIFIER' or a JSON object; errors name the file and line")
    func verifierFileText() throws {
        let lines = try CodeVerifiers.parse(fileText: "# state verifier\n\nflow-1 aaaa\r\nflow-2\tbbbb\n", path: "v.txt")
        #expect(lines == ["flow-1": "aaaa", "flow-2": "bbbb"])
        let json = try CodeVerifiers.parse(fileText: " {\"flow-1\": \"aaaa\", \"flow-2\": \"bbbb\"}", path: "v.json")
        #expect(json == lines)
        #expect { try CodeVerifiers.parse(fileText: "flow-1 aaaa\nflow-2\n", path: "v.txt") } throws: { ($0 as? UsageError)?.description.hasPrefix("v.txt:2:") == true }
        #expect { try CodeVerifiers.parse(fileText: "a x\na y\n", path: "v.txt") } throws: { ($0 as? UsageError)?.description.contains("given twice") == true }
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(fileText: "{\"a\": 1}", path: "v.json") }
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(fileText: "{\"a\": ", path: "v.json") }
        #expect(throws: UsageError.self) { try CodeVerifiers.parse(fileText: String(repeating: "[", count: 600), path: "v.json") }
    }

    @Test("reading a verifier file: bounded, warned about when others can read it")
    func verifierFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verifiers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v").path
        try "s1 aaaa\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let tight = try CodeVerifiers.read(path: path)
        #expect(tight.verifiers == ["s1": "aaaa"] && tight.looseMode == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(try CodeVerifiers.read(path: path).looseMode == "644")
        let big = dir.appendingPathComponent("big").path
        try String(repeating: "s aaaa\n", count: CodeVerifiers.maxFileBytes / 7 + 10).write(toFile: big, atomically: true, encoding: .utf8)
        #expect { try CodeVerifiers.read(path: big) } throws: { ($0 as? UsageError)?.description.contains("limit") == true }
        #expect(throws: UsageError.self) { try CodeVerifiers.read(path: dir.path) }
        #expect(throws: UsageError.self) { try CodeVerifiers.read(path: dir.appendingPathComponent("missing").path) }
    }
}

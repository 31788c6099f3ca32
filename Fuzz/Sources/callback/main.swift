import Foundation
import FlowEngine
import FuzzSupport
import OAuthCore

/// Callback query parsing and judging: what any local process or web page can send to the listener.
/// The input is `METHOD PATH?QUERY` on its first line (what the listener hands the registry); a bare first line
/// is used as the query of a GET to the callback path. Further lines are headers, `Name: value` (the `Host` and
/// `Sec-Fetch-*` checks and header redaction judge them).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCallback(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let all = Fuzz.text(data, size)
    let lines = all.split(separator: "\n", maxSplits: 64, omittingEmptySubsequences: false)
    let text = String(lines.first ?? "")
    let headers = lines.dropFirst().compactMap { line -> FormField? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return FormField(String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
    }
    var method = "GET", path = "/callback", query = text
    if let space = text.firstIndex(of: " "), text[..<space].allSatisfy(\.isUppercase), !text[..<space].isEmpty {
        method = String(text[..<space])
        let target = text[text.index(after: space)...]
        if let q = target.firstIndex(of: "?") {
            path = String(target[..<q])
            query = String(target[target.index(after: q)...])
        } else {
            path = String(target)
            query = ""
        }
    }

    // Form decoding keeps every field, and encoding what was decoded reads back the same.
    let params = CallbackParameters(query: query)
    let reencoded = FormURLEncoded.encode(params.fields)
    let again = FormURLEncoded.decode(reencoded)
    Fuzz.require(again.fields == params.fields, "decode → encode → decode changed the fields")
    Fuzz.require(again.problems.isEmpty, "our own encoding has problems: \(again.problems)")

    // The decision never accepts a state that was not expected, nor an empty code.
    let expected = "af0ifjsldkj-Q3"
    switch CallbackValidator.decide(params, expectedStates: [expected]) {
    case .accepted(let code, let state):
        Fuzz.require(state == expected, "accepted a state that was not sent")
        Fuzz.require(!code.isEmpty, "accepted an empty code")
        Fuzz.require(params.fields.values("code").count == 1 && params.fields.values("state").count == 1, "accepted a repeated code or state")
    case .errorResponse(_, let state, let missing):
        Fuzz.require(missing == (state == nil), "stateMissing disagrees with the state")
        if let state { Fuzz.require(state == expected, "tied an error to a state that was not sent") }
    case .stateMismatch(let received):
        Fuzz.require(received != expected, "a matching state was called a mismatch")
    case .malformed(let why):
        Fuzz.require(!why.isEmpty, "malformed without a reason")
    }

    // The registry: one flow waiting; the judgement's event must be writable as a JSONL line.
    let registry = CallbackRegistry(callbackPath: "/callback")
    _ = registry.expect(flowID: "f-1", state: expected)
    let hosts = ["127.0.0.1:8765", "localhost:8765"]
    let incoming = IncomingCallback(method: method, path: path, rawQuery: query, remote: "127.0.0.1:50000", headers: headers)
    let judged = registry.judge(incoming, expectedHosts: headers.isEmpty ? nil : hosts)
    if judged.success {
        Fuzz.require(judged.event.verdict == .accepted, "success without an accepted verdict")
        Fuzz.require(method == "GET" || method == "POST", "a \(method) request succeeded")
        Fuzz.require(path == "/callback", "a request to \(path) succeeded")
        if !headers.isEmpty {
            let host = incoming.header("Host")
            Fuzz.require(host.map { h in hosts.contains { $0.lowercased() == h.lowercased() } } == true, "a request with Host \(host ?? "none") succeeded")
            if let dest = incoming.header("Sec-Fetch-Dest") {
                Fuzz.require(dest.lowercased() == "document", "a sub-resource load (Sec-Fetch-Dest \(dest)) succeeded")
            }
        }
    }
    // Secret headers never reach the event in full.
    for h in headers where ["authorization", "cookie", "x-api-key"].contains(h.name.lowercased()) && h.value.count >= 24 && !h.value.contains(" ") {
        Fuzz.require(judged.event.headers?[h.name]?.stringValue != h.value, "the \(h.name) header appears unredacted in the event")
    }
    let line = FlowEvent(seq: 1, time: .init(timeIntervalSince1970: 0), flow: judged.flowID, payload: .callbackReceived(judged.event)).jsonLine()
    Fuzz.require(!line.contains("\n"), "a JSONL line contains a newline")
    Fuzz.require((try? FlowEvent.parse(jsonLine: line)) != nil, "the callback event does not read back: \(line.prefix(300))")
    // Unless revealed, a code is never in the event in full.
    if let code = params.code, code.count >= 24, params.fields.values("code").count == 1 {
        Fuzz.require(judged.event.query["code"]?.stringValue != code, "a code appears unredacted in the event")
    }
    return 0
}

exit(Fuzz.run(fuzzCallback))

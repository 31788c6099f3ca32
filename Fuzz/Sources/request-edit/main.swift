import Foundation
import FuzzSupport
import OAuthCore

/// The step-mode edit language (`set`, `header`, `unset`): lines typed or pasted at a pause. Every line is either
/// refused with a message or gives an edit that reads back the same; an applied edit never puts a control
/// character in a header, and leaves the request saying what the edit said.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestEdit(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    guard let first = bytes.first else { return 0 }
    var request = base(first)
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
        guard case .edit(let typed) = PauseInput.read(String(line)) else { continue }
        let edit: RequestEdit
        do {
            edit = try RequestEdit.parse(typed)
        } catch {
            Fuzz.require(!error.description.isEmpty, "a refusal without a message")
            continue
        }
        Fuzz.require(!edit.name.isEmpty && edit.name.utf8.count <= RequestEdit.maxNameLength, "name \(edit.name.debugDescription)")
        let again = try? RequestEdit.parse(edit.description)
        Fuzz.require(again == edit, "\(edit.description.debugDescription) reads back as \(String(describing: again))")
        do {
            let edited = try edit.apply(to: request)
            for h in edited.headers {
                Fuzz.require(!isHeaderBreaking(h), "header \(h.name.debugDescription): \(h.value.debugDescription)")
            }
            let names = RequestEdit.candidates(in: edited)
            switch edit {
            case .set(let n, _):
                Fuzz.require(names.contains("set \(n)="), "set \(n) but the request has no such field: \(names)")
            case .header(let n, let v):
                let matching = edited.headers.filter { $0.name.lowercased() == n.lowercased() }
                Fuzz.require(matching.count == 1 && matching[0].value == v, "header \(n) is \(matching)")
            case .unset(let n):
                Fuzz.require(!names.contains("set \(n)="), "unset \(n) but it is still there: \(names)")
            }
            request = edited
        } catch {
            Fuzz.require(!error.description.isEmpty, "a refusal without a message")
        }
    }
    return 0
}

/// CR, LF and NUL split or end a header on the wire (RFC 9110 §5.5).
private func isHeaderBreaking(_ h: FormField) -> Bool {
    (h.name + h.value).unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
}

/// The requests step mode pauses before: a form token request, a JSON one, a GET with a query.
private func base(_ selector: UInt8) -> HTTPRequestSpec {
    let url = URL(string: "https://id.example/token?x=1") ?? URL(fileURLWithPath: "/")
    switch selector % 3 {
    case 0:
        return HTTPRequestSpec(method: "POST", url: url, headers: [FormField("Content-Type", "application/x-www-form-urlencoded")],
                               body: "grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback")
    case 1:
        return HTTPRequestSpec(method: "POST", url: url, headers: [FormField("Content-Type", "application/json")],
                               body: #"{"grant_type":"authorization_code","code":"abc","max_age":60,"nested":{"a":[1,2]}}"#)
    default:
        return HTTPRequestSpec(method: "GET", url: url, headers: [FormField("Accept", "application/json")], body: "")
    }
}

exit(Fuzz.run(fuzzRequestEdit))

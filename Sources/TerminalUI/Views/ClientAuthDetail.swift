import FlowEngine
import Foundation
import OAuthCore

// The detail pane's parts for the pushed authorization request (RFC 9126) and the client assertion (RFC 7523).
extension DetailView {
    /// The push's request and answer, and what the user is sent with.
    func pushedRequest(_ doc: inout Document) {
        if let hop = state.hops.last(where: { $0.request.purpose == .par }) {
            doc.heading("Pushed authorization request (back channel, RFC 9126 §2.1)")
            request(&doc, hop.request, bodyContext: .authorizationRequest)
            if let r = hop.response {
                doc.heading("Answer (RFC 9126 §2.2, errors §2.3)")
                response(&doc, r)
            }
        }
        guard let pushed = lastEvent(where: { if case .authorizationPushed = $0 { return true } else { return false } }),
              case .authorizationPushed(let p) = pushed.payload else { return }
        doc.heading("What the browser carries now (RFC 9126 §4)")
        doc.table(ParamTable(rows: [
            ParamTable.Row(name: "request_uri", value: [Span(p.requestURI, .jsonString)], purpose: "Stands for the pushed parameters; single-use, bound to this client.", ref: "RFC 9126 §2.2"),
            ParamTable.Row(name: "expires_in", value: [Span(p.expiresIn.map { "\($0) s" } ?? "(unknown)", .jsonNumber)], purpose: "How long the request_uri can be used.", ref: "RFC 9126 §2.2"),
        ]))
        doc.line([Span("URL ", .jsonKey), Span(p.url, .text)], indent: 4)
    }

    /// The decoded client assertions of this step's requests, newest first.
    func clientAssertions(_ doc: inout Document) {
        guard let e = lastEvent(where: { payload in
            guard case .clientAssertion(let a) = payload else { return false }
            return state.grant.step(forPurpose: HopPurpose(rawValue: a.hop)) == step
        }), case .clientAssertion(let a) = e.payload else { return }
        doc.heading("Client assertion (\(a.method), \(a.ref)) of the \(a.hop) request")
        doc.text(a.explanation, .text)
        func table(_ value: JSONValue) -> ParamTable {
            ParamTable(rows: (value.objectValue ?? []).map { name, v in
                var spans = [Span(Format.inline(v), .jsonString)]
                if ["exp", "iat"].contains(name), case .valid(let date) = NumericDate.read(v) { spans.append(Span(" = " + Format.epoch(date), .muted)) }
                let meaning = ClientAssertion.memberMeanings[name]
                return ParamTable.Row(name: name, value: spans, purpose: meaning?.purpose ?? "Not defined for client assertions; sent as given.", ref: meaning?.ref ?? "")
            })
        }
        doc.line(Span("Header:", .title))
        doc.table(table(a.header))
        doc.line(Span("Claims:", .title))
        doc.table(table(a.claims))
    }

    private func lastEvent(where matches: (FlowEvent.Payload) -> Bool) -> FlowEvent? {
        state.log.last { matches($0.payload) }
    }
}

import OAuthCore

extension CallbackReceived {
    /// Appends the members `jsonLine` writes for this event (each preceded by a comma: they follow the envelope),
    /// written directly rather than through the general encoder: `callback.received` is the event a flood of
    /// requests produces, one per request, and the general encoder cost more than all the rest of the listener's own
    /// work per request (benchmarks/RESULTS.md). The same members in the same order as the `Codable` encoding, which
    /// a test checks; nothing here is a secret (the query and the headers were redacted when the event was made), so
    /// `reveal` changes nothing.
    func writeJSONMembers(into out: inout JSONLineBuffer) {
        out.append(literal: #","method":"#)
        out.append(jsonString: method)
        out.append(literal: #","path":"#)
        out.append(jsonString: path)
        out.append(literal: #","query":"#)
        out.append(json: query)
        out.append(literal: #","remote":"#)
        out.append(jsonString: remote)
        out.append(literal: #","verdict":"#)
        out.append(jsonString: verdict.rawValue)
        func member(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            out.append(literal: name)
            out.append(jsonString: value)
        }
        member(#","detail":"#, detail)
        if let status {
            out.append(literal: #","status":"#)
            out.append(integer: status)
        }
        if let headers {
            out.append(literal: #","headers":"#)
            out.append(json: headers)
        }
        member(#","forwarded":"#, forwarded)
        member(#","response_mode":"#, responseMode?.rawValue)
        member(#","redirect_uri":"#, redirectURI)
        member(#","exchange":"#, exchange)
    }
}

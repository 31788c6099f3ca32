import OAuthCore

extension CallbackReceived {
    /// Appends the members `jsonLine` writes for this event (each preceded by a comma: they follow the envelope),
    /// written directly rather than through the general encoder: `callback.received` is the event a flood of
    /// requests produces, one per request, and the general encoder cost more than all the rest of the listener's own
    /// work per request (benchmarks/RESULTS.md). The same members in the same order as the `Codable` encoding, which
    /// a test checks; nothing here is a secret (the query and the headers were redacted when the event was made), so
    /// `reveal` changes nothing.
    func writeJSONMembers(into out: inout [UInt8]) {
        out.append(contentsOf: #","method":"#.utf8)
        JSONValue.serialize(string: method, into: &out)
        out.append(contentsOf: #","path":"#.utf8)
        JSONValue.serialize(string: path, into: &out)
        out.append(contentsOf: #","query":"#.utf8)
        query.serialize(into: &out)
        out.append(contentsOf: #","remote":"#.utf8)
        JSONValue.serialize(string: remote, into: &out)
        out.append(contentsOf: #","verdict":"#.utf8)
        JSONValue.serialize(string: verdict.rawValue, into: &out)
        if let detail {
            out.append(contentsOf: #","detail":"#.utf8)
            JSONValue.serialize(string: detail, into: &out)
        }
        if let status {
            out.append(contentsOf: #","status":"#.utf8)
            JSONValue.serialize(integer: status, into: &out)
        }
        if let headers {
            out.append(contentsOf: #","headers":"#.utf8)
            headers.serialize(into: &out)
        }
        if let forwarded {
            out.append(contentsOf: #","forwarded":"#.utf8)
            JSONValue.serialize(string: forwarded, into: &out)
        }
    }
}

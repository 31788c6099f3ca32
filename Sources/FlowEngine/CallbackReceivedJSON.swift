import OAuthCore

extension CallbackReceived {
    /// Appends the members `jsonLine` writes for this event (each preceded by a comma: they follow the envelope),
    /// written directly rather than through the general encoder: `callback.received` is the event a flood of
    /// requests produces, one per request, and the general encoder cost more than all the rest of the listener's own
    /// work per request (benchmarks/RESULTS.md). The same members in the same order as the `Codable` encoding, which
    /// a test checks; nothing here is a secret (the query and the headers were redacted when the event was made), so
    /// `reveal` changes nothing.
    func writeJSONMembers(into out: inout [UInt8]) {
        JSONValue.serialize(literal: #","method":"#, into: &out)
        JSONValue.serialize(string: method, into: &out)
        JSONValue.serialize(literal: #","path":"#, into: &out)
        JSONValue.serialize(string: path, into: &out)
        JSONValue.serialize(literal: #","query":"#, into: &out)
        query.serialize(into: &out)
        JSONValue.serialize(literal: #","remote":"#, into: &out)
        JSONValue.serialize(string: remote, into: &out)
        JSONValue.serialize(literal: #","verdict":"#, into: &out)
        JSONValue.serialize(string: verdict.rawValue, into: &out)
        if let detail {
            JSONValue.serialize(literal: #","detail":"#, into: &out)
            JSONValue.serialize(string: detail, into: &out)
        }
        if let status {
            JSONValue.serialize(literal: #","status":"#, into: &out)
            JSONValue.serialize(integer: status, into: &out)
        }
        if let headers {
            JSONValue.serialize(literal: #","headers":"#, into: &out)
            headers.serialize(into: &out)
        }
        if let forwarded {
            JSONValue.serialize(literal: #","forwarded":"#, into: &out)
            JSONValue.serialize(string: forwarded, into: &out)
        }
        if let responseMode {
            JSONValue.serialize(literal: #","response_mode":"#, into: &out)
            JSONValue.serialize(string: responseMode.rawValue, into: &out)
        }
        if let redirectURI {
            JSONValue.serialize(literal: #","redirect_uri":"#, into: &out)
            JSONValue.serialize(string: redirectURI, into: &out)
        }
        if let exchange {
            JSONValue.serialize(literal: #","exchange":"#, into: &out)
            JSONValue.serialize(string: exchange, into: &out)
        }
    }
}

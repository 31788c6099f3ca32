import OAuthCore

extension CallbackReceived {
    /// The fields `jsonLine` writes for this event, built directly rather than through the general encoder:
    /// `callback.received` is the event a flood of requests produces, one per request, and the general encoder
    /// cost more than all the rest of the listener's own work per request (benchmarks/RESULTS.md). The same
    /// members in the same order as the `Codable` encoding, which a test checks; nothing here is a secret (the
    /// query and the headers were redacted when the event was made), so `reveal` changes nothing.
    var jsonMembers: [(String, JSONValue)] {
        var m: [(String, JSONValue)] = [
            ("method", .string(method)), ("path", .string(path)), ("query", query), ("remote", .string(remote)),
            ("verdict", .string(verdict.rawValue)),
        ]
        m.reserveCapacity(12)
        if let detail { m.append(("detail", .string(detail))) }
        if let status { m.append(("status", .number(Double(status)))) }
        if let headers { m.append(("headers", headers)) }
        if let forwarded { m.append(("forwarded", .string(forwarded))) }
        if let responseMode { m.append(("response_mode", .string(responseMode.rawValue))) }
        if let redirectURI { m.append(("redirect_uri", .string(redirectURI))) }
        if let exchange { m.append(("exchange", .string(exchange))) }
        return m
    }
}

import Foundation
import OAuthCore

extension ProviderCore {
    /// What `MockFault.serverError` answers: HTTP 500 with an HTML page, as a crashed application behind a proxy does.
    static var serverErrorPage: HTTPReply {
        HTTPReply(
            status: 500,
            headers: [HTTPReply.Header(name: "Content-Type", value: "text/html; charset=utf-8")] + HTTPReply.noStore,
            body: HTML.page(title: "500 Internal Server Error", body: """
            <h1>Internal Server Error</h1>
            <p>The server encountered an unexpected condition and could not complete the request.</p>
            """)
        )
    }

    /// What the transport faults answer instead of a token response, without looking at the request (the code is
    /// not spent): a redirect, a body nested too deep, a body that stalls or never ends. Nil without such a fault.
    func hostileTokenReply() -> HTTPReply? {
        let faults = configuration.faults
        let json = [HTTPReply.Header(name: "Content-Type", value: "application/json")] + HTTPReply.noStore
        if faults.contains(.redirectFromTokenEndpoint) {
            var reply = HTTPReply.redirect(to: MockFault.redirectTarget)
            reply.body = "moved to \(MockFault.redirectTarget)"
            return reply
        }
        if faults.contains(.deepJSON) {
            return HTTPReply(status: 200, headers: json, body: String(repeating: "[", count: MockFault.deepJSONDepth))
        }
        if faults.contains(.stalledBody) { return HTTPReply(status: 200, headers: json, body: "{", delivery: .stallAfterBody) }
        if faults.contains(.endlessBody) { return HTTPReply(status: 200, headers: json, body: "{\"access_token\":\"", delivery: .endless) }
        return nil
    }

    /// Reshapes a token endpoint answer as the configured faults say: errors with HTTP 200, `expires_in` as a
    /// string or beyond any integer, terminal escapes in its strings, a form-encoded body. Answers that are not
    /// JSON objects are left alone.
    func applyTokenResponseFaults(_ reply: HTTPReply) -> HTTPReply {
        let faults = configuration.faults.intersection([.tokenErrorWith200, .expiresInString, .formEncodedTokenResponse, .hugeNumbers, .escapeSequences])
        guard !faults.isEmpty, case .object(var members)? = JSONValue.parse(reply.body) else { return reply }
        var reply = reply

        if faults.contains(.tokenErrorWith200) {
            if !members.contains(where: { $0.0 == "error" }) {
                // A request that would have succeeded still has to show the defect, so it fails; the tokens it
                // would have carried are revoked, as nobody will ever see them.
                if let access = members.first(where: { $0.0 == "access_token" })?.1.stringValue {
                    store.withLock { store in
                        if let grant = store.accessTokens[access]?.grantID { store.revokeGrant(grant) }
                    }
                }
                members = [
                    ("error", .string(OAuthErrorCode.invalidGrant.rawValue)),
                    ("error_description", .string("the token request failed; this error comes with HTTP 200 because the provider runs with the fault \(MockFault.tokenErrorWith200.rawValue) (RFC 6749 §5.2 asks for 400)")),
                ]
            }
            reply.status = 200
            reply.headers.removeAll { $0.name.lowercased() == "www-authenticate" }
        }

        if faults.contains(.expiresInString), let i = members.firstIndex(where: { $0.0 == "expires_in" }), case .number(let n) = members[i].1 {
            members[i].1 = .string(String(Int(n)))
        }

        if faults.contains(.hugeNumbers), let i = members.firstIndex(where: { $0.0 == "expires_in" }) {
            members[i].1 = .number(MockFault.hugeNumber)
        }

        if faults.contains(.escapeSequences) {
            for i in members.indices {
                switch members[i].0 {
                case "token_type", "scope", "error_description":
                    members[i].1 = .string((members[i].1.stringValue ?? "") + MockFault.hostileText)
                default:
                    break
                }
            }
            reply.headers.append(HTTPReply.Header(name: "X-Provider-Note", value: MockFault.hostileHeaderValue))
        }

        if faults.contains(.formEncodedTokenResponse) {
            let fields = members.map { name, value in FormField(name, value.stringValue ?? value.serialized()) }
            reply.body = FormURLEncoded.encode(fields)
            reply.setHeader("Content-Type", "application/x-www-form-urlencoded")
        } else {
            reply.body = JSONValue.object(members).serialized()
        }
        return reply
    }
}

extension HTTPReply {
    /// Replaces every header of that name (case-insensitively) with one value.
    mutating func setHeader(_ name: String, _ value: String) {
        let lower = name.lowercased()
        headers.removeAll { $0.name.lowercased() == lower }
        headers.append(Header(name: name, value: value))
    }
}

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

    /// Reshapes a token endpoint answer as the configured faults say: errors with HTTP 200, `expires_in` as a
    /// string, a form-encoded body. Answers that are not JSON objects are left alone.
    func applyTokenResponseFaults(_ reply: HTTPReply) -> HTTPReply {
        let faults = configuration.faults.intersection([.tokenErrorWith200, .expiresInString, .formEncodedTokenResponse])
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

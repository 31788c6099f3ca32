import Foundation
import OAuthCore

extension ProviderCore {
    /// How long a `request_uri` may be used (RFC 9126 §2.2 suggests 5 to 600 seconds).
    static let pushedRequestLifetime: TimeInterval = 60
    /// The URN prefix of the `request_uri`s this provider issues (RFC 9126 §2.2).
    static let requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

    /// `POST /par` (RFC 9126 §2): authenticates the client, checks the parameters as the authorization endpoint
    /// would, and answers 201 with a single-use `request_uri` bound to the client.
    func pushedAuthorization(_ request: IncomingRequest) -> HTTPReply {
        let client: MockClient
        let params: [FormField]
        switch authenticate(request) {
        case .failure(let f): return f.reply
        case .success(let (c, p)): (client, params) = (c, p)
        }
        let authentication: Set<String> = ["client_secret", "client_assertion", "client_assertion_type"]
        var fields = params.filter { !authentication.contains($0.name) }
        if fields.first("request_uri") != nil {
            return .oauthError(ProtocolError(.invalidRequest, "request_uri may not be pushed; push the parameters themselves (RFC 9126 §2.1)"))
        }
        if let id = fields.first("client_id"), id != client.id {
            return .oauthError(ProtocolError(.invalidRequest, "client_id \(id) is not the client that authenticated, \(client.id) (RFC 9126 §2.1)"))
        }
        if fields.first("client_id") == nil { fields.append(FormField("client_id", client.id)) }
        switch checkAuthorization(fields) {
        case .refuse(let title, let message):
            return .oauthError(ProtocolError(.invalidRequest, "\(title): \(message)"))
        case .redirectError(_, _, let error):
            return .oauthError(error)
        case .redirectMismatch(_, _, let message):
            return .oauthError(ProtocolError(.invalidRequest, message))
        case .valid:
            break
        }
        let now = self.now()
        let uri = Self.requestURIPrefix + SecureRandom.token(bytes: 24)
        let record = PushedRequestRecord(clientID: client.id, parameters: fields, expiresAt: now.addingTimeInterval(Self.pushedRequestLifetime))
        store.withLock { store in
            store.sweep(now: now)
            store.pushedRequests[uri] = record
        }
        return .json(.object([("request_uri", .string(uri)), ("expires_in", .number(Self.pushedRequestLifetime))]),
                     status: configuration.faults.contains(.parStatus200) ? 200 : 201)
    }

    /// The parameters of an authorization request: those pushed, when it carries a `request_uri` (RFC 9126 §4),
    /// else its own. An unknown, expired, used or foreign `request_uri` is a page that says so: nothing in it can
    /// be trusted to redirect to. `consume` spends the `request_uri` (once the user has decided).
    func resolvePushed(_ fields: [FormField], consume: Bool) -> PushedResolution {
        guard let uri = fields.first("request_uri") else { return .fields(fields) }
        func refuse(_ title: String, _ message: String) -> PushedResolution {
            .refused(.html(HTML.errorPage(title: title, message: message), status: 400))
        }
        let now = self.now()
        let clientID = fields.first("client_id")
        let found = store.withLock { store -> PushedRequestRecord? in
            guard let record = store.pushedRequests[uri] else { return nil }
            // Spent only by a request that may use it: its own client, in time.
            if consume, !record.used, record.expiresAt > now, record.clientID == clientID { store.pushedRequests[uri]?.used = true }
            return record
        }
        guard let record = found else {
            return refuse("Unknown request_uri", "The request_uri \(uri) was not issued by this server's pushed authorization request endpoint, or was forgotten long ago (RFC 9126 §4).")
        }
        guard record.clientID == fields.first("client_id") else {
            return refuse("request_uri of another client", "The request_uri was pushed by client \(record.clientID), but the request names client_id \(fields.first("client_id") ?? "(none)"); they must be the same (RFC 9126 §4).")
        }
        guard record.expiresAt > now else {
            return refuse("Expired request_uri", "The request_uri expired \(Int(now.timeIntervalSince(record.expiresAt))) s ago; a pushed request lives \(Int(Self.pushedRequestLifetime)) s here. Push the request again (RFC 9126 §2.2).")
        }
        guard !record.used else {
            return refuse("request_uri already used", "The request_uri was already used; it is single-use. Push the request again (RFC 9126 §4).")
        }
        return .fields(record.parameters)
    }

    /// Under `require_pushed_authorization_requests`: the error for a request that was not pushed.
    var pushedRequestRequiredError: ProtocolError {
        ProtocolError(.invalidRequest, "this server requires pushed authorization requests: push the parameters to its PAR endpoint first and send only client_id and request_uri (require_pushed_authorization_requests, RFC 9126 §5)")
    }
}

/// The parameters an authorization request stands for, or the page that refuses its `request_uri`.
enum PushedResolution {
    case fields([FormField])
    case refused(HTTPReply)
}

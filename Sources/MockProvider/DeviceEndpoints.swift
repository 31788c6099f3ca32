import Foundation
import OAuthCore

/// A device authorization (RFC 8628 §3.2): the codes, who asked, and what the user decided.
struct DeviceCodeRecord: Sendable {
    enum Decision: Sendable { case pending, approved, denied }

    var deviceCode: String
    var userCode: String
    var clientID: String
    var scopes: [String]
    var issuer: String
    var refreshable: Bool
    var expiresAt: Date
    /// The interval the client must keep; `slow_down` raises it by 5 s (§3.5).
    var interval: Int
    var lastPoll: Date?
    var polls = 0
    var decision = Decision.pending
    var decidedAt: Date?
    /// A device code is redeemed once: after tokens (or a denial) it is spent.
    var used = false
}

/// The device authorizations in flight, by device code; the user code finds its device code.
struct DeviceStore: Sendable {
    /// At most this many at once, so a client that asks in a loop cannot fill memory.
    static let capacity = 1_000
    var byDeviceCode: [String: DeviceCodeRecord] = [:]
    var byUserCode: [String: String] = [:]

    mutating func sweep(now: Date) {
        for (code, r) in byDeviceCode where r.expiresAt.addingTimeInterval(300) <= now {
            byDeviceCode[code] = nil
            byUserCode[r.userCode] = nil
        }
    }
}

extension ProviderCore {
    /// The user-code alphabet of RFC 8628 §6.1: consonants only, no vowels (no words), no look-alikes.
    static let userCodeAlphabet = Array("BCDFGHJKLMNPQRSTVWXZ")
    /// How long device codes live here.
    static let deviceCodeLifetime = 600

    /// A fresh user code such as `BCDF-GHJK`: 8 characters of the §6.1 alphabet (34 bits).
    static func newUserCode() -> String {
        let bytes = SecureRandom.bytes(8)
        let chars = bytes.map { userCodeAlphabet[Int($0) % userCodeAlphabet.count] }
        return String(chars[0..<4]) + "-" + String(chars[4..<8])
    }

    /// The user code as typed: case, spaces and dashes do not matter (§6.1).
    static func normalizedUserCode(_ typed: String) -> String {
        let letters = typed.uppercased().filter { userCodeAlphabet.contains($0) }
        guard letters.count == 8 else { return String(typed.prefix(64)) }
        return String(letters.prefix(4)) + "-" + String(letters.suffix(4))
    }

    /// Where the user goes (the personality's page).
    var verificationURI: String {
        switch personality {
        case .github: return issuer + "/login/device"
        case .google: return issuer + "/device"
        case .microsoft: return issuer + "/devicelogin"
        default: return issuer + "/device"
        }
    }

    /// The device authorization endpoint (RFC 8628 §3.1): authenticates the client as the token endpoint does,
    /// checks the scope, issues a device code and a user code, and answers in the personality's shape.
    func deviceAuthorization(_ request: IncomingRequest) -> HTTPReply {
        let client: MockClient, params: [FormField]
        switch authenticate(request) {
        case .failure(let f): return f.reply
        case .success(let (c, p)): (client, params) = (c, p)
        }
        let separators = rules.scopeSeparators
        var scopes = (params.first("scope") ?? "").split(whereSeparator: { separators.contains($0) }).map(String.init)
        if scopes.isEmpty { scopes = rules.defaultScopes }
        if case .known(let supported) = rules.scopePolicy {
            let unknown = scopes.filter { !supported.contains($0) }
            if !unknown.isEmpty {
                return .oauthError(ProtocolError(.invalidScope, "unknown scope \(unknown.joined(separator: " ")); supported: \(supported.joined(separator: " ")) (RFC 8628 §3.1, RFC 6749 §3.3)"))
            }
        }
        let refreshable: Bool
        switch rules.refresh {
        case .always: refreshable = true
        case .never: refreshable = false
        case .withScope(let scope): refreshable = scopes.contains(scope)
        case .withParameter: refreshable = true
        }
        let now = self.now()
        let interval = configuration.deviceInterval
        let lifetime = Self.deviceCodeLifetime
        let record = DeviceCodeRecord(
            deviceCode: SecureRandom.token(bytes: 32), userCode: Self.newUserCode(), clientID: client.id, scopes: scopes,
            issuer: issuer(tenant: request.tenant), refreshable: refreshable,
            expiresAt: now.addingTimeInterval(TimeInterval(lifetime)), interval: interval)
        let stored = devices.withLock { store -> Bool in
            store.sweep(now: now)
            guard store.byDeviceCode.count < DeviceStore.capacity, store.byUserCode[record.userCode] == nil else { return false }
            store.byDeviceCode[record.deviceCode] = record
            store.byUserCode[record.userCode] = record.deviceCode
            return true
        }
        guard stored else {
            return .oauthError(ProtocolError(.serverError, "too many device authorizations in flight; try again in a few minutes"), status: 503)
        }
        let uri = verificationURI
        let complete = uri + "?user_code=" + FormURLEncoded.encodeComponent(record.userCode)
        var members: [(String, JSONValue)] = [("device_code", .string(record.deviceCode)), ("user_code", .string(record.userCode))]
        switch personality {
        case .google:
            // Google names it verification_url (a draft's spelling) and sends no complete URI.
            members.append(("verification_url", .string(uri)))
        case .github, .microsoft:
            members.append(("verification_uri", .string(uri)))
        default:
            members += [("verification_uri", .string(uri)), ("verification_uri_complete", .string(complete))]
        }
        members += [("expires_in", .number(Double(lifetime))), ("interval", .number(Double(interval)))]
        if personality == .microsoft {
            members.append(("message", .string("To sign in, use a web browser to open the page \(uri) and enter the code \(record.userCode) to authenticate.")))
        }
        if personality == .github, !(request.header("accept")?.lowercased().contains("application/json") ?? false) {
            // GitHub answers form-encoded unless asked for JSON.
            let fields = members.map { name, value -> FormField in
                if case .number(let n) = value { return FormField(name, String(Int(n))) }
                return FormField(name, value.stringValue ?? "")
            }
            return HTTPReply(status: 200, headers: [HTTPReply.Header(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")] + HTTPReply.noStore,
                             body: FormURLEncoded.encode(fields))
        }
        return .json(.object(members))
    }

    /// The verification page (RFC 8628 §3.3): the user types the user code (pre-filled from
    /// `verification_uri_complete`) and approves or denies.
    func deviceVerificationPage(_ request: IncomingRequest) -> HTTPReply {
        let typed = FormURLEncoded.decode(request.query).fields.first("user_code") ?? ""
        return .html(HTML.deviceVerificationPage(userCode: String(typed.prefix(64)), user: user, action: request.path, server: personality.displayName))
    }

    /// The user's answer on the verification page. A code that is unknown or expired says so and changes nothing.
    func deviceVerificationDecision(_ request: IncomingRequest) -> HTTPReply {
        let fields = FormURLEncoded.decode(request.body).fields
        let typed = fields.first("user_code") ?? ""
        let code = Self.normalizedUserCode(typed)
        var approve = fields.first("decision") == "approve"
        if configuration.faults.contains(.deviceDenied) { approve = false }
        let now = self.now()
        let result = devices.withLock { store -> (client: String, scopes: [String])? in
            guard let device = store.byUserCode[code], var r = store.byDeviceCode[device], r.expiresAt > now, r.decision == .pending, !r.used else { return nil }
            r.decision = approve ? .approved : .denied
            r.decidedAt = now
            store.byDeviceCode[device] = r
            return (r.clientID, r.scopes)
        }
        guard let result else {
            return .html(HTML.deviceVerificationPage(userCode: String(typed.prefix(64)), user: user, action: request.path, server: personality.displayName,
                                                     problem: "The code \(String(typed.prefix(64))) is not one waiting here: it is mistyped, expired, or already answered. Check the code on the device."),
                         status: 400)
        }
        return .html(HTML.deviceDecisionPage(approved: approve, clientID: result.client, scopes: result.scopes))
    }

    /// The token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5):
    /// `authorization_pending` until the user decides, `slow_down` to a client that polls faster than the interval,
    /// `expired_token`, `access_denied`, then tokens once; the device code is spent after tokens or a denial.
    func deviceCodeGrant(client: MockClient, params: [FormField]) -> Issuance {
        guard let deviceCode = params.first("device_code"), !deviceCode.isEmpty else {
            return .failure(ProtocolError(.invalidRequest, "device_code is missing (RFC 8628 §3.4)"))
        }
        let now = self.now()
        let faults = configuration.faults
        enum Answer { case refuse(ProtocolError), grant(DeviceCodeRecord) }
        let answer = devices.withLock { store -> Answer in
            guard var r = store.byDeviceCode[deviceCode] else {
                return .refuse(ProtocolError(.invalidGrant, "the device code is unknown (RFC 8628 §3.5)"))
            }
            guard r.clientID == client.id else {
                return .refuse(ProtocolError(.invalidGrant, "the device code was issued to another client (RFC 8628 §3.4)"))
            }
            if r.used {
                return .refuse(ProtocolError(.invalidGrant, "the device code was already redeemed or denied; a device code is single-use (RFC 8628 §3.5)"))
            }
            let previous = r.lastPoll
            r.lastPoll = now
            r.polls += 1
            defer { store.byDeviceCode[deviceCode] = r }
            if r.expiresAt <= now || faults.contains(.deviceExpired) {
                r.used = true
                return .refuse(ProtocolError(.expiredToken, "the device code expired before the user approved; start the device flow again (RFC 8628 §3.5)"))
            }
            let tooSoon = previous.map { now.timeIntervalSince($0) + 0.25 < TimeInterval(r.interval) } ?? false
            if tooSoon || (faults.contains(.deviceSlowDown) && r.polls == 1) {
                r.interval += 5
                return .refuse(ProtocolError(.slowDown, "polled sooner than the interval; wait \(r.interval) s between polls from now on (RFC 8628 §3.5)"))
            }
            switch r.decision {
            case .pending:
                return .refuse(ProtocolError(.authorizationPending, "the user has not yet entered the code and approved (RFC 8628 §3.5)"))
            case .denied:
                r.used = true
                return .refuse(ProtocolError(.accessDenied, "the user denied the request on the verification page (RFC 8628 §3.5)"))
            case .approved:
                r.used = true
                return .grant(r)
            }
        }
        switch answer {
        case .refuse(let e): return .failure(e)
        case .grant(let r):
            let prefixes = tokenPrefixes
            let accessLifetime = configuration.accessTokenLifetime.timeInterval
            let authTime = r.decidedAt ?? now
            let grantUser = user
            return store.withLock { store -> Issuance in
                let tokens = store.issueTokens(
                    grantID: SecureRandom.token(bytes: 12), clientID: client.id, scopes: r.scopes, grantScopes: r.scopes,
                    user: grantUser, authTime: authTime, now: now, accessTokenLifetime: accessLifetime,
                    issuer: r.issuer, refresh: r.refreshable ? .new : .none,
                    accessTokenPrefix: prefixes.access, refreshTokenPrefix: prefixes.refresh)
                return .success(access: tokens.access, refresh: tokens.refresh, kept: false, authTime: authTime, nonce: nil, issuer: r.issuer)
            }
        }
    }
}

extension HTML {
    /// The verification page: where the user types the code shown on the device, and approves or denies.
    static func deviceVerificationPage(userCode: String, user: String, action: String, server: String, problem: String? = nil) -> String {
        page(title: "Connect a device", body: """
        <p><small>\(escape(server))</small></p>
        <h1>Connect a device</h1>
        \(problem.map { "<p><strong>\(escape($0))</strong></p>" } ?? "")
        <p>A device (a TV, a command-line tool) asked this <strong>authorization server</strong> for access and shows a \
        short code. Type that code here to let it in (RFC 8628 §3.3). Only enter a code you see on your own device: \
        a code someone sent you would connect <em>their</em> device to your account (RFC 8628 §5.4).</p>
        <p>Signed in as <strong>\(escape(user))</strong>.</p>
        <form method="post" action="\(escape(action))">
        <p><label>Code <input name="user_code" value="\(escape(userCode))" autocomplete="off" autocapitalize="characters" spellcheck="false"></label></p>
        <button type="submit" name="decision" value="approve">Approve</button>
        <button type="submit" name="decision" value="deny">Deny</button>
        </form>
        """)
    }

    /// What the user sees after deciding: the device learns it at its next poll.
    static func deviceDecisionPage(approved: Bool, clientID: String, scopes: [String]) -> String {
        page(title: approved ? "Device connected" : "Request denied", body: """
        <h1>\(approved ? "Device connected" : "Request denied")</h1>
        <p>\(approved
            ? "You approved <code>\(escape(clientID))</code> for <code>\(escape(scopes.joined(separator: " ")))</code>. The device gets its tokens at its next poll of the token endpoint (RFC 8628 §3.5); you can close this page."
            : "You denied <code>\(escape(clientID))</code>. Its next poll gets <code>access_denied</code> and it stops (RFC 8628 §3.5).")</p>
        """)
    }
}

extension PersonalityRoutes {
    /// The device grant's routes (RFC 8628): the device authorization endpoint at the personality's path, and the
    /// verification page where the user types the code.
    static func device(_ personality: MockPersonality) -> [PersonalityRoute] {
        let authorize: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, request in core.deviceAuthorization(request) }
        let page: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, request in core.deviceVerificationPage(request) }
        let decide: @Sendable (ProviderCore, IncomingRequest) async -> HTTPReply = { core, request in core.deviceVerificationDecision(request) }
        let (endpoint, verification): (String, String)
        switch personality {
        case .github: (endpoint, verification) = ("/login/device/code", "/login/device")
        case .google: (endpoint, verification) = ("/device/code", "/device")
        case .microsoft: (endpoint, verification) = ("/:tenant/oauth2/v2.0/devicecode", "/devicelogin")
        case .oidc: (endpoint, verification) = ("/device_authorization", "/device")
        default: return []
        }
        return [
            PersonalityRoute(method: "POST", path: endpoint, handle: authorize),
            PersonalityRoute(method: "GET", path: verification, handle: page),
            PersonalityRoute(method: "POST", path: verification, handle: decide),
        ]
    }
}

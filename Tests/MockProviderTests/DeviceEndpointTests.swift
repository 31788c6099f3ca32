import Foundation
import OAuthCore
import Testing
@testable import MockProvider

/// The embedded provider's device grant (RFC 8628 §3.1–3.5), in process, with a manual clock.
@Suite("Device authorization endpoints")
struct DeviceEndpointTests {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var t = Date(timeIntervalSince1970: 1_800_000_000)
        var now: Date { lock.withLock { t } }
        func advance(_ s: TimeInterval) { lock.withLock { t = t.addingTimeInterval(s) } }
    }

    static func core(_ personality: MockPersonality = .oidc, faults: Set<MockFault> = [], clock: Clock) async throws -> ProviderCore {
        var c = MockProviderConfiguration()
        c.personality = personality
        c.faults = faults
        c.deviceInterval = 5
        c.clients = [MockClient(id: "tv", secret: nil, redirectURIs: ["http://127.0.0.1/cb"], authMethod: .none)]
        return ProviderCore(configuration: c, keys: try await SigningKeys.generate(.es256), issuer: "http://127.0.0.1:1", now: { clock.now })
    }

    static func post(_ fields: [FormField], path: String = "/token", accept: String? = "application/json") -> IncomingRequest {
        var headers = [(name: "Content-Type", value: "application/x-www-form-urlencoded")]
        if let accept { headers.append((name: "Accept", value: accept)) }
        return IncomingRequest(method: "POST", path: path, headers: headers, body: FormURLEncoded.encode(fields))
    }

    static func authorize(_ core: ProviderCore, scope: String = "openid") -> JSONValue? {
        JSONValue.parse(core.deviceAuthorization(post([FormField("client_id", "tv"), FormField("scope", scope)], path: "/device_authorization")).body)
    }

    static func poll(_ core: ProviderCore, _ deviceCode: String) async -> (Int, JSONValue?) {
        let reply = await core.token(post([FormField("grant_type", GrantType.device.wireValue), FormField("device_code", deviceCode), FormField("client_id", "tv")]))
        return (reply.status, JSONValue.parse(reply.body))
    }

    @Test("§3.2: the codes, a §6.1 user code, the verification URIs, expires_in and interval; the metadata names the endpoint")
    func issues() async throws {
        let clock = Clock()
        let core = try await Self.core(clock: clock)
        let a = try #require(Self.authorize(core))
        let user = try #require(a["user_code"]?.stringValue)
        #expect(user.range(of: "^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$", options: .regularExpression) != nil)
        #expect((a["device_code"]?.stringValue?.count ?? 0) >= 32)
        #expect(a["verification_uri"]?.stringValue == "http://127.0.0.1:1/device")
        #expect(a["verification_uri_complete"]?.stringValue == "http://127.0.0.1:1/device?user_code=" + user)
        #expect(a["interval"] == .number(5) && a["expires_in"] == .number(Double(ProviderCore.deviceCodeLifetime)))
        #expect(core.discoveryDocument()["device_authorization_endpoint"]?.stringValue == "http://127.0.0.1:1/device_authorization")
        #expect(core.discoveryDocument()["grant_types_supported"]?.arrayValue?.contains(.string(GrantType.device.wireValue)) == true)
        // An unknown scope is refused.
        let bad = core.deviceAuthorization(Self.post([FormField("client_id", "tv"), FormField("scope", "admin")], path: "/device_authorization"))
        #expect(bad.status == 400 && JSONValue.parse(bad.body)?["error"]?.stringValue == "invalid_scope")
    }

    @Test("§3.5: pending, slow_down when polled sooner than the interval (which then grows by 5 s), approval once, then spent")
    func polling() async throws {
        let clock = Clock()
        let core = try await Self.core(clock: clock)
        let a = try #require(Self.authorize(core))
        let device = try #require(a["device_code"]?.stringValue), user = try #require(a["user_code"]?.stringValue)
        #expect(await Self.poll(core, device).1?["error"]?.stringValue == "authorization_pending")
        clock.advance(2)
        let tooSoon = await Self.poll(core, device)
        #expect(tooSoon.0 == 400 && tooSoon.1?["error"]?.stringValue == "slow_down")
        clock.advance(6)
        // 6 s is no longer enough: the interval is 10 s now.
        #expect(await Self.poll(core, device).1?["error"]?.stringValue == "slow_down")
        clock.advance(15)
        #expect(await Self.poll(core, device).1?["error"]?.stringValue == "authorization_pending")
        // The user types the code in lower case with a space: still the same code (§6.1).
        let typed = user.lowercased().replacingOccurrences(of: "-", with: " ")
        let page = core.deviceVerificationDecision(Self.post([FormField("user_code", typed), FormField("decision", "approve")], path: "/device", accept: nil))
        #expect(page.status == 200 && page.body.contains("Device connected"))
        clock.advance(16)
        let granted = await Self.poll(core, device)
        #expect(granted.0 == 200 && granted.1?["access_token"]?.stringValue != nil && granted.1?["id_token"]?.stringValue != nil)
        clock.advance(16)
        #expect(await Self.poll(core, device).1?["error"]?.stringValue == "invalid_grant")
    }

    @Test("§3.5: access_denied after a denial, expired_token after the lifetime, an unknown code is invalid_grant")
    func endings() async throws {
        let clock = Clock()
        let core = try await Self.core(clock: clock)
        let a = try #require(Self.authorize(core))
        let device = try #require(a["device_code"]?.stringValue), user = try #require(a["user_code"]?.stringValue)
        _ = core.deviceVerificationDecision(Self.post([FormField("user_code", user), FormField("decision", "deny")], path: "/device", accept: nil))
        #expect(await Self.poll(core, device).1?["error"]?.stringValue == "access_denied")
        let b = try #require(Self.authorize(core))
        clock.advance(TimeInterval(ProviderCore.deviceCodeLifetime + 1))
        #expect(await Self.poll(core, try #require(b["device_code"]?.stringValue)).1?["error"]?.stringValue == "expired_token")
        #expect(await Self.poll(core, "no-such-code").1?["error"]?.stringValue == "invalid_grant")
        // A code nobody issued changes nothing on the verification page.
        let wrong = core.deviceVerificationDecision(Self.post([FormField("user_code", "BBBB-BBBB"), FormField("decision", "approve")], path: "/device", accept: nil))
        #expect(wrong.status == 400)
    }

    @Test("the verification page: strict CSP, the code pre-filled from verification_uri_complete and escaped")
    func page() async throws {
        let core = try await Self.core(clock: Clock())
        let reply = core.deviceVerificationPage(IncomingRequest(method: "GET", path: "/device", query: "user_code=%3Cb%3EBCDF-GHJK"))
        #expect(reply.status == 200)
        #expect(reply.header("content-security-policy")?.contains("default-src 'none'") == true)
        #expect(reply.body.contains("value=\"&lt;b&gt;BCDF-GHJK\""))
        #expect(reply.body.contains("<form method=\"post\" action=\"/device\">"))
    }

    @Test("faults: device-slow-down, device-expired, device-denied")
    func faults() async throws {
        let clock = Clock()
        let slow = try await Self.core(faults: [.deviceSlowDown], clock: clock)
        let s = try #require(Self.authorize(slow)?["device_code"]?.stringValue)
        #expect(await Self.poll(slow, s).1?["error"]?.stringValue == "slow_down")
        let expired = try await Self.core(faults: [.deviceExpired], clock: clock)
        #expect(await Self.poll(expired, try #require(Self.authorize(expired)?["device_code"]?.stringValue)).1?["error"]?.stringValue == "expired_token")
        let denied = try await Self.core(faults: [.deviceDenied], clock: clock)
        let d = try #require(Self.authorize(denied))
        _ = denied.deviceVerificationDecision(Self.post([FormField("user_code", try #require(d["user_code"]?.stringValue)), FormField("decision", "approve")], path: "/device", accept: nil))
        #expect(await Self.poll(denied, try #require(d["device_code"]?.stringValue)).1?["error"]?.stringValue == "access_denied")
    }

    @Test("personalities: GitHub answers form-encoded without Accept: application/json; Google says verification_url")
    func personalities() async throws {
        let clock = Clock()
        let github = try await Self.core(.github, clock: clock)
        let form = github.deviceAuthorization(Self.post([FormField("client_id", "tv")], path: "/login/device/code", accept: nil))
        #expect(form.header("content-type")?.hasPrefix("application/x-www-form-urlencoded") == true)
        #expect(FormURLEncoded.decode(form.body).fields.first("verification_uri")?.hasSuffix("/login/device") == true)
        let json = github.deviceAuthorization(Self.post([FormField("client_id", "tv")], path: "/login/device/code"))
        #expect(JSONValue.parse(json.body)?["user_code"] != nil)
        let google = try await Self.core(.google, clock: clock)
        let g = try #require(JSONValue.parse(google.deviceAuthorization(Self.post([FormField("client_id", "tv"), FormField("scope", "openid")], path: "/device/code")).body))
        #expect(g["verification_url"] != nil && g["verification_uri"] == nil && g["verification_uri_complete"] == nil)
        #expect(PersonalityRoutes.device(.bitbucket).isEmpty)
    }
}

import Foundation
import OAuthCore
import Testing

@Suite("Device authorization (RFC 8628)")
struct DeviceAuthorizationTests {
    static let json = [FormField("Content-Type", "application/json")]

    static func issued(_ body: String, headers: [FormField] = json, status: Int = 200) -> (DeviceAuthorization, [String])? {
        guard case .issued(let a, let findings) = DeviceAuthorizationParser.parse(status: status, headers: headers, body: body) else { return nil }
        return (a, findings.map(\.code))
    }

    @Test("RFC 8628 §3.2's example response reads as given, with no findings")
    func example() throws {
        // RFC 8628 §3.2, the example response.
        let body = """
        {"device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS", "user_code": "WDJB-MJHT", "verification_uri": "https://example.com/device",
         "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT", "expires_in": 1800, "interval": 5}
        """
        let (a, codes) = try #require(Self.issued(body))
        #expect(a.userCode == "WDJB-MJHT")
        #expect(a.deviceCode.value == "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS")
        #expect(a.verificationURI == "https://example.com/device")
        #expect(a.verificationURIComplete == "https://example.com/device?user_code=WDJB-MJHT")
        #expect(a.expiresIn == 1800 && a.interval == 5)
        #expect(codes.isEmpty)
        // The device code is a secret: its redacted form never shows it.
        #expect(!a.deviceCode.redacted.contains("GmRhmhcxhwAzkoEq"))
    }

    @Test("deviations are findings with the section: Google's verification_url, GitHub's form body, no interval, no complete URI")
    func deviations() throws {
        let google = #"{"device_code":"d1","user_code":"ABCD-EFGH","verification_url":"https://www.google.com/device","expires_in":1800,"interval":5}"#
        let (g, gCodes) = try #require(Self.issued(google))
        #expect(g.verificationURI == "https://www.google.com/device")
        #expect(gCodes.contains(FindingCatalogue.deviceVerificationUrl.code))
        #expect(gCodes.contains(FindingCatalogue.deviceNoCompleteUri.code))

        let github = "device_code=3584d83&user_code=WDJB-MJHT&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=900&interval=5"
        let (h, hCodes) = try #require(Self.issued(github, headers: [FormField("Content-Type", "application/x-www-form-urlencoded")]))
        #expect(h.expiresIn == 900 && h.verificationURI == "https://github.com/login/device")
        #expect(hCodes.contains(FindingCatalogue.deviceFormEncoded.code))

        let noInterval = #"{"device_code":"d","user_code":"U","verification_uri":"https://p.example/d","verification_uri_complete":"https://p.example/d?c=U","expires_in":600}"#
        let (n, nCodes) = try #require(Self.issued(noInterval))
        #expect(n.interval == DeviceAuthorization.defaultInterval)
        #expect(nCodes == [FindingCatalogue.deviceIntervalDefault.code])
        #expect(FindingCatalogue.deviceIntervalDefault.ref == "RFC 8628 §3.2")
    }

    @Test("absurd numbers are bounded with a finding; a missing expires_in is assumed, never a crash")
    func ranges() throws {
        func read(_ members: String) throws -> (DeviceAuthorization, [String]) {
            try #require(Self.issued(#"{"device_code":"d","user_code":"U","verification_uri":"https://p.example/d","verification_uri_complete":"https://p.example/d?u=U",\#(members)}"#))
        }
        let (zero, z) = try read(#""expires_in":600,"interval":0"#)
        #expect(zero.interval == DeviceAuthorization.intervalRange.lowerBound)
        #expect(z.contains(FindingCatalogue.deviceIntervalRange.code))
        let (huge, h) = try read(#""expires_in":1e19,"interval":1e300"#)
        #expect(huge.interval == DeviceAuthorization.intervalRange.upperBound)
        #expect(huge.expiresIn == DeviceAuthorization.expiresInRange.upperBound)
        #expect(h.contains(FindingCatalogue.deviceExpiresIn.code) && h.contains(FindingCatalogue.deviceIntervalRange.code))
        let (nan, n) = try read(#""expires_in":"soon","interval":2.5"#)
        #expect(nan.expiresIn == DeviceAuthorization.defaultExpiresIn && nan.interval == DeviceAuthorization.defaultInterval)
        #expect(n.filter { $0.hasPrefix("device.") }.count == 2)
        let (missing, m) = try read(#""interval":3"#)
        #expect(missing.expiresIn == DeviceAuthorization.defaultExpiresIn && m == [FindingCatalogue.deviceExpiresIn.code])
    }

    @Test("unusable answers: missing codes, a long code, a non-http URI, an error body, an HTML page")
    func unusable() {
        func outcome(_ body: String, status: Int = 200, headers: [FormField] = DeviceAuthorizationTests.json) -> DeviceAuthorizationOutcome {
            DeviceAuthorizationParser.parse(status: status, headers: headers, body: body)
        }
        if case .invalid(let reason, _, _) = outcome(#"{"user_code":"U","verification_uri":"https://p.example/d","expires_in":600}"#) {
            #expect(reason.contains("device_code is missing"))
        } else { Issue.record("missing device_code accepted") }
        let long = String(repeating: "c", count: DeviceAuthorization.maxCodeLength + 1)
        if case .invalid(let reason, _, _) = outcome(#"{"device_code":"\#(long)","user_code":"U","verification_uri":"https://p.example/d"}"#) {
            #expect(reason.contains("more than"))
        } else { Issue.record("over-long device_code accepted") }
        if case .invalid = outcome(#"{"device_code":"d","user_code":"U","verification_uri":"javascript:alert(1)"}"#) {} else { Issue.record("javascript: URI accepted") }
        if case .error(let e, let status, _) = outcome(#"{"error":"invalid_client","error_description":"no such client"}"#, status: 401) {
            #expect(e.error == "invalid_client" && status == 401)
        } else { Issue.record("error body not read as an error") }
        if case .invalid = outcome("<html>login</html>", headers: [FormField("Content-Type", "text/html")]) {} else { Issue.record("HTML accepted") }
    }

    static func authorization(expiresIn: Int = 60, interval: Int = 5) -> DeviceAuthorization {
        DeviceAuthorization(deviceCode: Secret("d"), userCode: "U", verificationURI: "https://p.example/d", verificationURIComplete: nil, expiresIn: expiresIn, interval: interval)
    }

    @Test("polling: pending keeps the interval, slow_down adds 5 s to it for good, approval finishes")
    func schedule() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var s = DevicePollSchedule(authorization: Self.authorization(expiresIn: 120, interval: 5), issuedAt: t0)
        #expect(s.first(now: t0) == .wait(seconds: 5))
        #expect(s.record(.pending, now: t0.addingTimeInterval(5)) == .wait(seconds: 5))
        #expect(s.record(.slowDown, now: t0.addingTimeInterval(10)) == .wait(seconds: 10))
        #expect(s.record(.pending, now: t0.addingTimeInterval(20)) == .wait(seconds: 10))
        #expect(s.record(.slowDown, now: t0.addingTimeInterval(30)) == .wait(seconds: 15))
        #expect(s.interval == 15)
        #expect(s.record(.approved, now: t0.addingTimeInterval(45)) == .finished)
        #expect(s.attempts == 5)
    }

    @Test("polling stops at expiry, on access_denied and expired_token, and on any other error")
    func stops() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var s = DevicePollSchedule(authorization: Self.authorization(expiresIn: 12, interval: 5), issuedAt: t0)
        #expect(s.record(.pending, now: t0.addingTimeInterval(5)) == .wait(seconds: 5))
        // The next poll would come at 15 s, after the code expired at 12 s: no poll is sent.
        #expect(s.record(.pending, now: t0.addingTimeInterval(10)) == .stop(.expired))
        for status in [DevicePollStatus.denied, .expired, .error] {
            var fresh = DevicePollSchedule(authorization: Self.authorization(), issuedAt: t0)
            #expect(fresh.record(status, now: t0) == .stop(status))
        }
        // slow_down's raise is bounded like any interval.
        var slow = DevicePollSchedule(authorization: Self.authorization(expiresIn: 86_400, interval: DeviceAuthorization.intervalRange.upperBound), issuedAt: t0)
        _ = slow.record(.slowDown, now: t0)
        #expect(slow.interval == DeviceAuthorization.intervalRange.upperBound)
    }

    @Test("a poll's status comes from the token endpoint's answer")
    func statusOfAnswer() {
        func status(_ body: String, _ code: Int = 400) -> DevicePollStatus {
            DevicePollStatus(TokenResponseParser.parse(status: code, headers: [FormField("Content-Type", "application/json")], body: body))
        }
        #expect(status(#"{"error":"authorization_pending"}"#) == .pending)
        #expect(status(#"{"error":"slow_down"}"#) == .slowDown)
        #expect(status(#"{"error":"access_denied"}"#) == .denied)
        #expect(status(#"{"error":"expired_token"}"#) == .expired)
        #expect(status(#"{"error":"invalid_grant"}"#) == .error)
        #expect(status("<html>", 502) == .error)
        #expect(status(#"{"access_token":"a","token_type":"Bearer"}"#, 200) == .approved)
    }

    @Test("the requests: client authentication as at the token endpoint, the scope, the device_code grant")
    func requests() throws {
        let token = try #require(URL(string: "https://p.example/token"))
        let device = try #require(URL(string: "https://p.example/device"))
        let publicClient = TokenRequestBuilder(tokenEndpoint: token, credentials: ClientCredentials(clientID: "tv", clientSecret: nil, method: .none))
        let r = publicClient.deviceAuthorization(endpoint: device, scope: "openid profile")
        #expect(r.url == device && r.method == "POST")
        #expect(r.body == "scope=openid+profile&client_id=tv" || r.body == "scope=openid%20profile&client_id=tv")
        let poll = publicClient.deviceCode("dc1")
        #expect(poll.url == token)
        #expect(poll.body.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code") && poll.body.contains("device_code=dc1"))
        let confidential = TokenRequestBuilder(tokenEndpoint: token, credentials: ClientCredentials(clientID: "c", clientSecret: Secret("s"), method: .clientSecretBasic))
        #expect(confidential.deviceAuthorization(endpoint: device, scope: nil).headers.contains { $0.name == "Authorization" && $0.value.hasPrefix("Basic ") })
    }
}

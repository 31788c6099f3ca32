import Foundation
import FuzzSupport
import OAuthCore

/// Device authorization answers (RFC 8628 §3.2) as they really come: JSON, GitHub's form-encoded body, Google's
/// `verification_url`; then the token endpoint's answers to the polls (§3.5) driving the poll schedule.
/// The first two bytes pick the status and the content type; the rest is the body, then one poll answer after each
/// NUL (its first byte picks its status).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDeviceAuthorization(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Fuzz.bytes(data, size)
    let statuses = [200, 201, 400, 401, 403, 500, 502, 302, 204, 299]
    let types = ["application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded",
                 "application/x-www-form-urlencoded; charset=utf-8", "text/html", "text/plain", ""]
    let status = bytes.first.map { statuses[Int($0) % statuses.count] } ?? 200
    let type = bytes.dropFirst().first.map { types[Int($0) % types.count] } ?? "application/json"
    let parts = Array(bytes.dropFirst(2)).split(separator: 0, maxSplits: 64, omittingEmptySubsequences: false)
    let body = String(decoding: parts.first ?? [], as: UTF8.self)
    let headers = type.isEmpty ? [] : [FormField("Content-Type", type)]

    switch DeviceAuthorizationParser.parse(status: status, headers: headers, body: body) {
    case .issued(let a, let findings):
        Fuzz.requireWellFormed(findings)
        Fuzz.require((200..<300).contains(status), "codes issued with HTTP \(status)")
        Fuzz.require(!a.deviceCode.value.isEmpty && a.deviceCode.value.utf8.count <= DeviceAuthorization.maxCodeLength, "device_code of \(a.deviceCode.value.utf8.count) bytes")
        Fuzz.require(!a.userCode.isEmpty && a.userCode.utf8.count <= DeviceAuthorization.maxUserCodeLength, "user_code of \(a.userCode.utf8.count) bytes")
        let codes = Set(findings.map(\.code))
        Fuzz.require(codes.contains(FindingCatalogue.deviceUserCodeLong.code) == (a.userCode.count > DeviceAuthorization.longUserCode),
                     "long user code finding and a user code of \(a.userCode.count) characters disagree")
        Fuzz.require(isWebURL(a.verificationURI, needsHost: true), "verification URI \(a.verificationURI.debugDescription) is not an http(s) URL with a host")
        if let c = a.verificationURIComplete {
            Fuzz.require(c.utf8.count <= DeviceAuthorization.maxURILength && isWebURL(c, needsHost: false), "verification_uri_complete \(c.debugDescription)")
        }
        Fuzz.require(DeviceAuthorization.expiresInRange.contains(a.expiresIn), "expires_in \(a.expiresIn) out of range")
        Fuzz.require(DeviceAuthorization.intervalRange.contains(a.interval), "interval \(a.interval) out of range")
        _ = a.deviceCode.redacted
        poll(a, answers: parts.dropFirst())
    case .error(let error, let s, let findings):
        Fuzz.requireWellFormed(findings)
        Fuzz.require(s == status, "error with status \(s), answered \(status)")
        Fuzz.require(error.error.count <= 200 && (error.description?.count ?? 0) <= 1_000 && (error.uri?.count ?? 0) <= 1_000, "an error member longer than its bound")
        _ = error.hint
    case .invalid(let reason, let hint, let findings):
        Fuzz.requireWellFormed(findings)
        Fuzz.require(!reason.isEmpty && !hint.isEmpty, "invalid without reason or hint")
    }
    return 0
}

private func isWebURL(_ s: String, needsHost: Bool) -> Bool {
    guard let u = URL(string: s), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return false }
    return !needsHost || u.host != nil
}

/// The polls after the codes were issued: each answer read as a token response, its status driving the schedule.
/// The schedule waits within the interval range, raises the interval by 5 s on slow_down only, stops when the
/// answer says so, and never schedules a poll after the device code expired.
private func poll(_ a: DeviceAuthorization, answers: ArraySlice<ArraySlice<UInt8>>) {
    let statuses = [400, 200, 401, 429, 500, 503]
    let issuedAt = Date(timeIntervalSince1970: 1_800_000_000)
    var schedule = DevicePollSchedule(authorization: a, issuedAt: issuedAt)
    Fuzz.require(schedule.deadline == issuedAt.addingTimeInterval(TimeInterval(a.expiresIn)), "deadline is not expires_in after issue")
    var now = issuedAt
    var next = schedule.first(now: now)
    for answer in answers {
        guard case .wait(let seconds) = next else {
            // Before any answer the only reason not to poll is a device code that expires first.
            Fuzz.require(schedule.attempts > 0 || next == .stop(.expired), "the first poll is \(next)")
            return
        }
        Fuzz.require(seconds == schedule.interval && DeviceAuthorization.intervalRange.contains(seconds), "waits \(seconds) s at interval \(schedule.interval)")
        now = now.addingTimeInterval(TimeInterval(seconds))
        Fuzz.require(now <= schedule.deadline, "a poll after the device code expired")
        let status = answer.first.map { statuses[Int($0) % statuses.count] } ?? 400
        let outcome = TokenResponseParser.parse(status: status, headers: [FormField("Content-Type", "application/json")],
                                                body: String(decoding: answer.dropFirst(), as: UTF8.self))
        let said = DevicePollStatus(outcome)
        if case .success = outcome { Fuzz.require(said == .approved, "tokens read as \(said)") } else { Fuzz.require(said != .approved, "no tokens read as approved") }
        Fuzz.require(said.pollsAgain == (said == .pending || said == .slowDown) && !said.explanation.isEmpty, "poll status \(said)")
        let before = schedule.interval, attempts = schedule.attempts
        next = schedule.record(said, now: now)
        Fuzz.require(schedule.attempts == attempts + 1, "attempts did not count the poll")
        let expected = said == .slowDown ? min(before + 5, DeviceAuthorization.intervalRange.upperBound) : before
        Fuzz.require(schedule.interval == expected, "interval \(before) became \(schedule.interval) after \(said)")
        switch said {
        case .approved: Fuzz.require(next == .finished, "approved, then \(next)")
        case .denied, .expired, .error: Fuzz.require(next == .stop(said), "\(said), then \(next)")
        case .pending, .slowDown:
            let late = now.addingTimeInterval(TimeInterval(schedule.interval)) > schedule.deadline
            Fuzz.require(next == (late ? .stop(.expired) : .wait(seconds: schedule.interval)), "\(said) at \(now), then \(next)")
        }
    }
}

exit(Fuzz.run(fuzzDeviceAuthorization))

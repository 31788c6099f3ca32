import Foundation
import OAuthCore
import Testing

/// Numbers from a hostile provider or a crafted file: each case here used to end the process with "Double value
/// cannot be converted to Int" or a stack overflow.
@Suite("Numbers from outside are range-checked")
struct NumbersTests {
    let json = [FormField("Content-Type", "application/json"), FormField("Cache-Control", "no-store")]

    @Test("whole numbers are taken only when finite, whole and in range")
    func wholeNumbers() {
        #expect(Numbers.wholeNumber(3600, in: 0...10_000) == .success(3600))
        #expect(Numbers.wholeNumber(1e19, in: 0...Int.max) == .failure(.outOfRange(1e19, 0...Int.max)))
        // 2^63 is one past Int.max: the classic trap.
        #expect(Numbers.wholeNumber(9_223_372_036_854_775_808.0, in: Int.min...Int.max) == .failure(.outOfRange(9_223_372_036_854_775_808.0, Int.min...Int.max)))
        #expect(Numbers.wholeNumber(-5, in: 0...100) == .failure(.outOfRange(-5, 0...100)))
        if case .failure(.notFinite) = Numbers.wholeNumber(.nan, in: 0...100) {} else { Issue.record("NaN was taken as a number") }
        #expect(Numbers.wholeNumber(.infinity, in: 0...100) == .failure(.notFinite(.infinity)))
        #expect(Numbers.wholeNumber(1.5, in: 0...100) == .failure(.notWhole(1.5, 0...100)))
        #expect(Numbers.wholeNumber(.string(" 42 "), in: 0...100) == .success(42))
        #expect(Numbers.wholeNumber(.string("1e19"), in: 0...100) == .failure(.outOfRange(1e19, 0...100)))
        #expect(Numbers.wholeNumber(.string("99999999999999999999"), in: 0...100) == .failure(.outOfRange(1e20, 0...100)))
        #expect(Numbers.wholeNumber(.string("soon"), in: 0...100) == .failure(.notANumber))
        #expect(Numbers.wholeNumber(.string("infinity"), in: 0...100) == .failure(.notANumber))
        #expect(Numbers.wholeNumber(.bool(true), in: 0...100) == .failure(.notANumber))
    }

    @Test("saturating conversion gives an Int for every Double")
    func saturating() {
        #expect(Numbers.saturatingInt(1e19) == Int.max)
        #expect(Numbers.saturatingInt(-1e19) == Int.min)
        #expect(Numbers.saturatingInt(.infinity) == Int.max)
        #expect(Numbers.saturatingInt(.nan) == 0)
        #expect(Numbers.saturatingInt(-2.9) == -2)
        #expect(Numbers.describe(1e19) == "1e19")
        #expect(Numbers.describe(-5) == "-5")
        #expect(Numbers.describe(0.5) == "0.5")
    }

    @Test("expires_in 1e19, -5, 1e999 and 3600.5 become a token.expires_in_range finding, not a crash")
    func expiresInOutOfRange() {
        for (raw, shown) in [("1e19", "1e19"), ("-5", "-5"), ("1e999", "inf"), ("3600.5", "3600.5"), ("9223372036854775808", "9.223372036854776e18")] {
            let body = #"{"access_token":"a","token_type":"Bearer","expires_in":\#(raw)}"#
            guard case .success(let t, let findings) = TokenResponseParser.parse(status: 200, headers: json, body: body) else { Issue.record("not success for \(raw)"); continue }
            #expect(t.expiresIn == nil, "expires_in \(raw)")
            let f = findings.first { $0.code == "token.expires_in_range" }
            #expect(f?.severity == .warn, "expires_in \(raw)")
            #expect(f?.ref == "RFC 6749 §5.1")
            #expect(f?.message.contains(shown) == true, "\(f?.message ?? "no finding") should show \(shown)")
        }
    }

    @Test("expires_in as a numeric string out of range is both a string deviation and out of range")
    func expiresInStringOutOfRange() {
        let body = #"{"access_token":"a","token_type":"Bearer","expires_in":"1e19"}"#
        guard case .success(let t, let findings) = TokenResponseParser.parse(status: 200, headers: json, body: body) else { Issue.record("not success"); return }
        #expect(t.expiresIn == nil)
        #expect(findings.contains { $0.code == "token.expires_in_string" })
        #expect(findings.contains { $0.code == "token.expires_in_range" })
        // A string that is a number in range is still read, with the string deviation only.
        guard case .success(let t2, let f2) = TokenResponseParser.parse(status: 200, headers: json, body: #"{"access_token":"a","token_type":"Bearer","expires_in":"3600"}"#) else { Issue.record("not success"); return }
        #expect(t2.expiresIn == 3600)
        #expect(f2.contains { $0.code == "token.expires_in_string" })
        #expect(!f2.contains { $0.code == "token.expires_in_range" })
    }

    func token(_ claims: String) -> String {
        Base64URL.encode(Data(#"{"alg":"RS256"}"#.utf8)) + "." + Base64URL.encode(Data(claims.utf8)) + ".c2ln"
    }

    @Test("an exp of 1e19 fails the exp check as not a NumericDate (RFC 7519 §2)")
    func expOutOfRange() throws {
        let e = IDTokenExpectations(issuer: nil, clientID: "c", nonce: nil, now: Date(timeIntervalSince1970: 1_000_000))
        let jwt = try DecodedJWT(token(#"{"aud":"c","exp":1e19,"iat":-1e300}"#))
        let checks = IDTokenClaimChecks.run(jwt, e)
        let exp = checks.first { $0.name == "exp" }
        #expect(exp?.ok == false)
        #expect(exp?.detail == "exp 1e19 is not a valid NumericDate (RFC 7519 §2)")
        #expect(checks.first { $0.name == "iat" }?.detail == "iat -1e300 is not a valid NumericDate (RFC 7519 §2)")
    }

    @Test("nbf and auth_time out of range, or of the wrong type, fail their checks")
    func nbfAndAuthTime() throws {
        let e = IDTokenExpectations(issuer: nil, clientID: "c", nonce: nil, now: Date(timeIntervalSince1970: 1_000_000))
        let jwt = try DecodedJWT(token(#"{"aud":"c","exp":1003600,"iat":999990,"nbf":1e400,"auth_time":"yesterday"}"#))
        let checks = IDTokenClaimChecks.run(jwt, e)
        #expect(checks.first { $0.name == "nbf" }?.detail == "nbf inf is not a valid NumericDate (RFC 7519 §2)")
        #expect(checks.first { $0.name == "auth_time" }?.detail == "auth_time is a string, not a valid NumericDate (RFC 7519 §2)")
        #expect(checks.first { $0.name == "exp" }?.ok == true)

        // A valid nbf in the future beyond the skew fails; valid values add no failing check.
        let early = try DecodedJWT(token(#"{"aud":"c","exp":1003600,"iat":999990,"nbf":1001000,"auth_time":999000}"#))
        let earlyChecks = IDTokenClaimChecks.run(early, e)
        #expect(earlyChecks.first { $0.name == "nbf" }?.ok == false)
        #expect(earlyChecks.first { $0.name == "auth_time" } == nil)
        let fine = try DecodedJWT(token(#"{"aud":"c","exp":1003600,"iat":999990,"nbf":999990}"#))
        #expect(IDTokenClaimChecks.run(fine, e).allSatisfy { $0.ok })
    }

    @Test("NumericDate accepts years 1 to 9999 only")
    func numericDate() {
        #expect(NumericDate(secondsSince1970: 0) != nil)
        #expect(NumericDate(secondsSince1970: 253_402_300_799) != nil)
        #expect(NumericDate(secondsSince1970: 253_402_300_800) == nil)
        #expect(NumericDate(secondsSince1970: .nan) == nil)
        #expect(NumericDate.read(.null) == .absent)
        #expect(NumericDate.read(.number(1_700_000_000)).date?.secondsSince1970 == 1_700_000_000)
    }

    @Test("relative times are text for any number of seconds")
    func relativeTime() {
        #expect(RelativeTime.describe(seconds: 30) == "in 30 s")
        #expect(RelativeTime.describe(seconds: -7200) == "2 h ago")
        #expect(RelativeTime.describe(seconds: 1e19).hasPrefix("in "))
        #expect(RelativeTime.describe(seconds: -1e300).hasSuffix(" ago"))
        #expect(RelativeTime.describe(seconds: 9_223_372_036_854_775_807).hasPrefix("in "))
        #expect(RelativeTime.describe(seconds: .nan) == "at an unknown time")
    }
}

@Suite("TOML nesting depth")
struct TOMLDepthTests {
    @Test("200 000 nested arrays end in an error with a line number, not a stack overflow")
    func deepArrays() {
        let text = "title = \"x\"\nroles = " + String(repeating: "[", count: 200_000)
        do {
            _ = try TOML.parse(text)
            Issue.record("a 200 000 deep array was accepted")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("nested more than 512 deep"))
        }
    }

    @Test("deep inline tables and long dotted keys are refused the same way")
    func deepTablesAndKeys() {
        for text in ["a = " + String(repeating: "{b = ", count: 100_000),
                     String(repeating: "a.", count: 100_000) + "b = 1",
                     "[" + String(repeating: "a.", count: 100_000) + "b]"] {
            do {
                _ = try TOML.parse(text)
                Issue.record("accepted: \(text.prefix(20))")
            } catch {
                #expect(error.line == 1)
                #expect(error.message.contains("512"))
            }
        }
    }

    @Test("nesting up to the limit is read")
    func atTheLimit() throws {
        let depth = TOML.maxDepth
        let t = try TOML.parse("a = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        var v = t["a"]
        var levels = 0
        while let inner = v?.arrayValue {
            levels += 1
            v = inner.first
        }
        #expect(levels == depth)
        #expect(throws: TOMLError.self) { try TOML.parse("a = " + String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)) }
    }
}

@Suite("Terminal-safe text: invisible and line-breaking characters")
struct TerminalSafeTextClassTests {
    @Test("each class is escaped", arguments: [
        (0x2028, "\\u2028"), (0x2029, "\\u2029"), (0x00AD, "\\xad"), (0xE0001, "\\U000e0001"), (0xE0041, "\\U000e0041"),
        (0xE007F, "\\U000e007f"), (0xFE00, "\\ufe00"), (0xFE0F, "\\ufe0f"), (0xE0100, "\\U000e0100"), (0xE01EF, "\\U000e01ef"),
        (0x115F, "\\u115f"), (0x1160, "\\u1160"), (0x3164, "\\u3164"), (0xFFA0, "\\uffa0"), (0x2065, "\\u2065"),
        (0x206A, "\\u206a"), (0x206F, "\\u206f"),
    ])
    func escaped(code: UInt32, shown: String) throws {
        let scalar = try #require(Unicode.Scalar(code))
        var hostile = "a"
        hostile.unicodeScalars.append(scalar)
        hostile += "b"
        #expect(TerminalSafeText.needsEscape(scalar))
        #expect(!TerminalSafeText.isPlain(hostile))
        #expect(TerminalSafeText.escape(hostile) == "a" + shown + "b")
    }

    @Test("neighbours of the escaped ranges are kept")
    func neighbours() {
        for code: UInt32 in [0x00AC, 0x00AE, 0x2027, 0x202F, 0xFDFF, 0xFE10, 0x3165, 0xFFA1, 0xE0080, 0xE01F0] {
            guard let s = Unicode.Scalar(code) else { continue }
            #expect(!TerminalSafeText.needsEscape(s), "U+\(String(code, radix: 16))")
        }
    }
}

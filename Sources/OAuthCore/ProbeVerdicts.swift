import Foundation

/// A probe's verdict: the result and one line saying what was sent and what came back.
public struct ProbeVerdict: Sendable, Hashable {
    public var result: ProbeResult
    public var detail: String

    public init(_ result: ProbeResult, _ detail: String) {
        self.result = result
        self.detail = detail
    }
}

/// How the token endpoint answered one request, as far as a probe cares.
public enum TokenAttempt: Sendable, Hashable {
    /// Tokens were issued.
    case accepted(status: Int)
    /// An OAuth error (or another refusal): the status and the error code when there was one.
    case refused(status: Int, error: String?)
    /// No answer at all: unreachable, timed out, a body that is not a token response.
    case noAnswer(String)

    public var isAccepted: Bool { if case .accepted = self { return true } else { return false } }

    /// `HTTP 400 invalid_grant`, `HTTP 200 with tokens`, or why there was no answer.
    public var said: String {
        switch self {
        case .accepted(let s): return "HTTP \(s) with tokens"
        case .refused(let s, let e): return "HTTP \(s)" + (e.map { " \($0)" } ?? "")
        case .noAnswer(let why): return "no answer (\(why))"
        }
    }
}

/// What the browser saw after an authorization request that should be refused.
public enum RedirectVariantAnswer: Sendable, Hashable {
    /// The provider showed a page and did not redirect: the right answer for an unregistered redirect URI.
    case stayed(status: Int)
    /// The provider redirected to this URL.
    case redirected(String)
    /// Nothing could be seen.
    case unknown(String)
}

/// The verdict of each probe, from plain values: what was sent and what came back. No I/O; the runner in FlowEngine
/// gathers the values.
public enum ProbeVerdicts {
    /// `pkce-verifier-checked`: a token request with a wrong verifier.
    public static func pkceVerifierChecked(_ wrong: TokenAttempt) -> ProbeVerdict {
        switch wrong {
        case .accepted: return ProbeVerdict(.fail, "a wrong code_verifier was accepted: \(wrong.said); PKCE is not enforced")
        case .refused: return ProbeVerdict(.pass, "a wrong code_verifier was refused: \(wrong.said)")
        case .noAnswer: return ProbeVerdict(.skip, "the token endpoint gave \(wrong.said)")
        }
    }

    /// `pkce-required`: a token request without a verifier for a code issued with a challenge.
    public static func pkceRequired(_ missing: TokenAttempt) -> ProbeVerdict {
        switch missing {
        case .accepted: return ProbeVerdict(.fail, "a token request without code_verifier was accepted: \(missing.said), although the code was issued for a code_challenge")
        case .refused: return ProbeVerdict(.pass, "a token request without code_verifier was refused: \(missing.said)")
        case .noAnswer: return ProbeVerdict(.skip, "the token endpoint gave \(missing.said)")
        }
    }

    /// `client-auth-required`: a confidential client's token request without credentials. Nil `attempt` for a
    /// public client, which has none to leave out.
    public static func clientAuthRequired(_ attempt: TokenAttempt?) -> ProbeVerdict {
        guard let attempt else { return ProbeVerdict(.skip, "the client is public (no client secret): it has no credentials to leave out") }
        switch attempt {
        case .accepted: return ProbeVerdict(.fail, "a token request without the client's credentials was accepted: \(attempt.said)")
        case .refused: return ProbeVerdict(.pass, "a token request without the client's credentials was refused: \(attempt.said)")
        case .noAnswer: return ProbeVerdict(.skip, "the token endpoint gave \(attempt.said)")
        }
    }

    /// `code-single-use`: the code redeemed once successfully, then again.
    public static func codeSingleUse(first: TokenAttempt, replay: TokenAttempt) -> ProbeVerdict {
        guard first.isAccepted else { return ProbeVerdict(.skip, "the code could not be redeemed even once (\(first.said))") }
        switch replay {
        case .accepted: return ProbeVerdict(.fail, "the same code was redeemed twice: the second redemption got \(replay.said)")
        case .refused: return ProbeVerdict(.pass, "a second redemption of the code was refused: \(replay.said)")
        case .noAnswer: return ProbeVerdict(.skip, "the second redemption got \(replay.said)")
        }
    }

    /// `code-single-use`, with what userinfo said about the first redemption's access token after the refused
    /// replay: 401 shows it revoked (RFC 6749 §4.1.2 SHOULD); 2xx shows it still valid, a warning.
    public static func firstTokensAfterReplay(_ verdict: ProbeVerdict, userinfoStatus: Int) -> ProbeVerdict {
        guard verdict.result == .pass else { return verdict }
        if userinfoStatus == 401 || userinfoStatus == 403 {
            return ProbeVerdict(.pass, verdict.detail + ", and the first redemption's access token was then revoked (userinfo HTTP \(userinfoStatus))")
        }
        if (200..<300).contains(userinfoStatus) {
            return ProbeVerdict(.warn, verdict.detail + ", but the first redemption's access token still works at userinfo (HTTP \(userinfoStatus)): the tokens of a replayed code should be revoked")
        }
        return verdict
    }

    /// `token-no-store`: the `Cache-Control` header of each successful token response.
    public static func tokenNoStore(cacheControl: [String?]) -> ProbeVerdict {
        guard !cacheControl.isEmpty else { return ProbeVerdict(.skip, "no token response with tokens to look at") }
        let missing = cacheControl.filter { value in
            !(value ?? "").lowercased().split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "no-store" }
        }
        if missing.isEmpty { return ProbeVerdict(.pass, "every token response with tokens (\(cacheControl.count)) carries Cache-Control: no-store") }
        let shown = missing.first.flatMap { $0.map { "Cache-Control: \($0)" } } ?? "no Cache-Control header"
        return ProbeVerdict(.fail, "\(missing.count) of \(cacheControl.count) token responses lack Cache-Control: no-store (\(shown))")
    }

    /// `state-echoed`: the state sent and the one that came back (nil: none).
    public static func stateEchoed(sent: String, received: String?) -> ProbeVerdict {
        guard let received else { return ProbeVerdict(.fail, "the callback carries no state; \(sent.count) characters were sent") }
        if received == sent { return ProbeVerdict(.pass, "a \(sent.count)-character state with unusual characters came back byte for byte") }
        let common = zip(sent, received).prefix { $0 == $1 }.count
        return ProbeVerdict(.fail, "the state came back altered: \(received.count) characters, the first difference at character \(common + 1) of \(sent.count)")
    }

    /// `iss-parameter`: the callback's `iss` against the issuer, and whether the metadata advertises it.
    public static func issParameter(advertised: Bool, received: String?, issuer: String?) -> ProbeVerdict {
        switch (advertised, received) {
        case (true, nil):
            return ProbeVerdict(.fail, "the metadata advertises authorization_response_iss_parameter_supported, but the callback has no iss")
        case (_, let iss?):
            guard let issuer else { return ProbeVerdict(.warn, "the callback carries iss \(iss), but the issuer is not known to compare it with") }
            if iss == issuer { return ProbeVerdict(.pass, "the callback's iss equals the issuer \(issuer)" + (advertised ? "" : " (not advertised in the metadata)")) }
            return ProbeVerdict(.fail, "the callback's iss is \(iss), not the issuer \(issuer): a mix-up")
        case (false, nil):
            return ProbeVerdict(.warn, "no iss on the callback, and the metadata does not advertise it: a client of several providers cannot tell which one answered")
        }
    }

    /// `error-has-state`: one error redirect (its `error`, `state`, `iss`) against the state sent.
    public static func errorHasState(trigger: String, sent: String, received: CallbackParameters, issAdvertised: Bool, issuer: String?) -> ProbeVerdict {
        let error = received.error ?? "(no error code)"
        guard let state = received.state else {
            return ProbeVerdict(.fail, "the error redirect for \(trigger) (\(error)) carries no state")
        }
        guard state == sent else { return ProbeVerdict(.fail, "the error redirect for \(trigger) (\(error)) carries another state") }
        if issAdvertised, received.iss == nil {
            return ProbeVerdict(.fail, "the error redirect for \(trigger) (\(error)) carries state but no iss, which the metadata advertises")
        }
        if issAdvertised, let issuer, let iss = received.iss, iss != issuer {
            return ProbeVerdict(.fail, "the error redirect for \(trigger) (\(error)) carries iss \(iss), not the issuer \(issuer)")
        }
        return ProbeVerdict(.pass, "the error redirect for \(trigger) (\(error)) carries the state" + (issAdvertised ? " and iss" : ""))
    }

    /// The worst of several verdicts of one probe (fail over warn over pass over skip), details joined.
    public static func worst(_ verdicts: [ProbeVerdict]) -> ProbeVerdict {
        let rank: [ProbeResult: Int] = [.skip: 0, .pass: 1, .warn: 2, .fail: 3]
        guard let top = verdicts.max(by: { (rank[$0.result] ?? 0) < (rank[$1.result] ?? 0) }) else { return ProbeVerdict(.skip, "nothing was tried") }
        let shown = top.result == .skip ? verdicts : verdicts.filter { $0.result == top.result }
        return ProbeVerdict(top.result, shown.map(\.detail).joined(separator: "; "))
    }

    /// `redirect-uri-exact`: what each variant (name, URI) got. Loopback variants that differ only in the port are
    /// not sent: RFC 8252 §7.3 lets them through.
    public static func redirectURIExact(_ answers: [(variant: String, uri: String, answer: RedirectVariantAnswer)]) -> ProbeVerdict {
        guard !answers.isEmpty else { return ProbeVerdict(.skip, "no variant of the redirect URI applies") }
        var accepted: [String] = []
        var unknown: [String] = []
        for a in answers {
            switch a.answer {
            case .stayed: continue
            case .redirected(let to):
                // Sending anything to the variant (even an error) is the failure (RFC 6749 §4.1.2.1); an error sent back
                // to the registered URI instead (GitHub's redirect_uri_mismatch) is a refusal, a code anywhere is not.
                if to.hasPrefix(a.uri) || CallbackParameters(query: URLComponents(string: to)?.percentEncodedQuery ?? "").code != nil {
                    accepted.append("\(a.variant) (\(a.uri))")
                }
            case .unknown(let why): unknown.append("\(a.variant): \(why)")
            }
        }
        if !accepted.isEmpty { return ProbeVerdict(.fail, "the provider redirected to \(accepted.count) unregistered variant\(accepted.count == 1 ? "" : "s"): " + accepted.joined(separator: ", ")) }
        if !unknown.isEmpty, unknown.count == answers.count { return ProbeVerdict(.skip, "no variant could be observed: " + unknown.joined(separator: "; ")) }
        return ProbeVerdict(.pass, "all \(answers.count - unknown.count) variants were refused (" + answers.map(\.variant).joined(separator: ", ") + ")")
    }

    /// `refresh-rotated`: the refresh, whether it returned a new refresh token, and what the old one got afterwards.
    public static func refreshRotated(hadRefreshToken: Bool, refresh: TokenAttempt?, rotated: Bool, oldReplay: TokenAttempt?, publicClient: Bool) -> ProbeVerdict {
        guard hadRefreshToken, let refresh else { return ProbeVerdict(.skip, "no refresh token was issued") }
        guard refresh.isAccepted else { return ProbeVerdict(.skip, "the refresh itself was refused (\(refresh.said))") }
        guard rotated else {
            let text = "a refresh returned no new refresh token: the old one stays valid"
            return publicClient ? ProbeVerdict(.fail, text + " for a public client, which must rotate or sender-constrain it") : ProbeVerdict(.warn, text)
        }
        switch oldReplay {
        case .accepted?: return ProbeVerdict(.fail, "a new refresh token came back, but the old one was still accepted: \(oldReplay?.said ?? "")")
        case .refused?: return ProbeVerdict(.pass, "a new refresh token came back and the old one was then refused: \(oldReplay?.said ?? "")")
        case .noAnswer(let why)?: return ProbeVerdict(.skip, "the replay of the old refresh token got no answer (\(why))")
        case nil: return ProbeVerdict(.pass, "a new refresh token came back")
        }
    }

    /// `id-token-alg-allowed`: the advertised algorithms (nil: no metadata) and the one an ID token used.
    public static func idTokenAlgAllowed(advertised: [String]?, used: String?) -> ProbeVerdict {
        func weak(_ a: String) -> Bool { a.lowercased() == "none" || a.uppercased().hasPrefix("HS") }
        if let used, weak(used) { return ProbeVerdict(.fail, "an ID token was signed with \(used)") }
        let bad = (advertised ?? []).filter(weak)
        if bad.contains(where: { $0.lowercased() == "none" }) { return ProbeVerdict(.fail, "the metadata advertises alg none for ID tokens") }
        if !bad.isEmpty { return ProbeVerdict(.warn, "the metadata advertises \(bad.joined(separator: ", ")) (symmetric) for ID tokens") }
        if advertised == nil, used == nil { return ProbeVerdict(.skip, "no metadata and no ID token to look at") }
        let parts = [advertised.map { "advertised: \($0.isEmpty ? "(none listed)" : $0.joined(separator: ", "))" }, used.map { "used: \($0)" }].compactMap { $0 }
        return ProbeVerdict(.pass, "only asymmetric algorithms; " + parts.joined(separator: ", "))
    }

    /// `pkce-s256-advertised`: `code_challenge_methods_supported` (nil: no metadata).
    public static func pkceS256Advertised(_ methods: [String]?) -> ProbeVerdict {
        guard let methods else { return ProbeVerdict(.skip, "no discovery metadata (endpoints were given)") }
        if methods.contains("S256") { return ProbeVerdict(.pass, "code_challenge_methods_supported lists S256 (\(methods.joined(separator: ", ")))") }
        if methods.isEmpty { return ProbeVerdict(.warn, "the metadata has no code_challenge_methods_supported: clients cannot tell whether PKCE is supported") }
        return ProbeVerdict(.fail, "code_challenge_methods_supported lists only \(methods.joined(separator: ", ")), not S256")
    }

    /// `metadata-consistent`: the issuer asked for and the one in the metadata, each endpoint, and the JWKS.
    public static func metadataConsistent(expectedIssuer: String, issuer: String, endpoints: [(name: String, url: URL)], jwks: JWKSLook?) -> ProbeVerdict {
        var fails: [String] = []
        var warns: [String] = []
        func trimmed(_ s: String) -> String { s.hasSuffix("/") ? String(s.dropLast()) : s }
        if trimmed(issuer) != trimmed(expectedIssuer) { fails.append("issuer \(issuer) is not the discovery base \(expectedIssuer)") }
        for (name, url) in endpoints {
            let scheme = url.scheme?.lowercased()
            if scheme == "https" { continue }
            if scheme == "http", let host = url.host, RedirectURI.isLoopback(host: host) { continue }
            fails.append("\(name) \(url.absoluteString) is not https")
        }
        switch jwks {
        case nil: warns.append("no jwks_uri")
        case .unreachable(let why)?: fails.append("the JWKS could not be fetched: \(why)")
        case .keys(let total, let withoutKid)?:
            if total == 0 { fails.append("the JWKS has no keys") }
            if withoutKid > 0 { warns.append("\(withoutKid) of \(total) JWKS keys have no kid") }
        }
        if !fails.isEmpty { return ProbeVerdict(.fail, (fails + warns).joined(separator: "; ")) }
        if !warns.isEmpty { return ProbeVerdict(.warn, warns.joined(separator: "; ")) }
        let keys: String
        if case .keys(let n, _)? = jwks { keys = ", JWKS with \(n) key\(n == 1 ? "" : "s"), each with a kid" } else { keys = "" }
        return ProbeVerdict(.pass, "issuer equals the discovery base, \(endpoints.count) endpoints https or loopback" + keys)
    }

    /// What fetching the JWKS showed.
    public enum JWKSLook: Sendable, Hashable {
        case unreachable(String)
        case keys(total: Int, withoutKid: Int)
    }
}

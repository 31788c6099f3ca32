import Foundation
import OAuthCore
import Synchronization

/// `dpop.proof`: a DPoP proof just built for a hop (RFC 9449 §4), decoded, with what each member is for.
public struct DPoPProofShown: Sendable, Hashable, Codable {
    /// The hop the proof goes with (`token`, `refresh`, `api`, ...).
    public var hop: String
    /// The RFC 7638 thumbprint of this run's key: what a bound token's `cnf.jkt` must name.
    public var thumbprint: String
    public var header: JSONValue
    public var claims: JSONValue
    /// One line per member: `name: what it is for`.
    public var explanation: [String]
    /// True when this proof answers a server's `use_dpop_nonce`.
    public var retry: Bool

    public init(hop: String, thumbprint: String, header: JSONValue, claims: JSONValue, explanation: [String], retry: Bool) {
        self.hop = hop
        self.thumbprint = thumbprint
        self.header = header
        self.claims = claims
        self.explanation = explanation
        self.retry = retry
    }
}

extension DPoPProofShown: EventPayload {
    public func summary(reveal: Bool) -> String {
        let htm = claims["htm"]?.stringValue ?? "?"
        let htu = claims["htu"]?.stringValue ?? "?"
        var t = "\(hop): proof for \(htm) \(htu), key \(thumbprint)"
        if claims["nonce"] != nil { t += ", with the server's nonce" }
        if claims["ath"] != nil { t += ", ath binds the access token" }
        return t
    }
}

/// The DPoP state of one flow: the run's key, and the last nonce each server gave (the authorization server's and
/// each resource server's apart, RFC 9449 §8 and §9).
final class DPoPSession: Sendable {
    let key: DPoPKey
    private let nonces = Mutex<[String: String]>([:])
    /// The hops sent with a proof, so that one sent again at a pause gets a fresh proof too.
    private let signedHops = Mutex<Set<HopPurpose>>([])

    init(key: DPoPKey = DPoPKey()) { self.key = key }

    func nonce(for server: String) -> String? { nonces.withLock { $0[server] } }

    func remember(_ nonce: String, for server: String) {
        // Bounded: a hostile server cannot grow this without end.
        guard nonce.count <= 1024 else { return }
        nonces.withLock { n in
            if n.count >= 64, n[server] == nil { n.removeAll() }
            n[server] = nonce
        }
    }
}

extension DPoPSession {
    /// `request` with a fresh proof for it as it stands (RFC 9449 §4.2): its method, its URL, and for `ath` the
    /// access token its `Authorization: DPoP` header carries (else `accessToken`), published as `dpop.proof`. A DPoP
    /// header already there was typed by the user at a pause, and goes as typed.
    func signing(_ request: HTTPRequestSpec, hop: HopPurpose, nonce: String?, accessToken: String?, retry: Bool, publisher: FlowPublisher) -> HTTPRequestSpec {
        signedHops.withLock { _ = $0.insert(hop) }
        guard !request.headers.contains(where: { $0.name.lowercased() == "dpop" }) else { return request }
        let sentToken = request.headers.first { $0.name.lowercased() == "authorization" }.flatMap { h -> String? in
            let v = h.value.trimmingCharacters(in: .whitespaces)
            guard v.count > 5, v.prefix(5).lowercased() == "dpop " else { return nil }
            return String(v.dropFirst(5)).trimmingCharacters(in: .whitespaces)
        }
        let token = accessToken == nil ? nil : (sentToken ?? accessToken)
        let proof = key.proof(method: request.method, url: request.url, nonce: nonce, accessToken: token)
        let present = Set(proof.header.objectValue?.map(\.0) ?? []).union(proof.claims.objectValue?.map(\.0) ?? [])
        let explanation = DPoPKey.explanations.filter { present.contains($0.0) }.map { "\($0.0): \($0.1)" }
        publisher.publish(.dpopProof(DPoPProofShown(hop: hop.rawValue, thumbprint: key.thumbprint, header: proof.header, claims: proof.claims, explanation: explanation, retry: retry)))
        var sent = request
        sent.headers.append(FormField("DPoP", proof.jwt))
        return sent
    }

    /// Whether `hop` went with a proof.
    func signs(_ hop: HopPurpose) -> Bool { signedHops.withLock { $0.contains(hop) } }

    /// The nonce to send to the server of `request`: the resource server's when it carries an access token.
    func nonce(for request: HTTPRequestSpec, resource: Bool) -> String? {
        nonce(for: (resource ? "rs " : "as ") + FlowController.origin(request.url))
    }
}

extension FlowController {
    /// Sends a request to the token endpoint: as it is, or with a DPoP proof under `--dpop`, answering one
    /// `use_dpop_nonce` demand with a proof that carries the server's nonce (RFC 9449 §8).
    func sendTokenRequest(_ spec: HTTPRequestSpec, purpose: HopPurpose) async -> HTTPOutcome {
        guard let dpop else { return await client.send(spec, purpose: purpose, publisher: publisher) }
        return await sendWithProof(spec, purpose: purpose, dpop: dpop, accessToken: nil)
    }

    /// Sends a request to a protected resource with the access token: `Authorization: Bearer`, or under `--dpop`
    /// with a DPoP-bound token `Authorization: DPoP` and a proof with `ath` (RFC 9449 §7.1), the nonce handshake
    /// answered once.
    func sendResourceRequest(_ spec: HTTPRequestSpec, purpose: HopPurpose, tokens: TokenSet) async -> HTTPOutcome {
        var spec = spec
        spec.headers.removeAll { $0.name.lowercased() == "authorization" }
        if let dpop, tokens.tokenType.lowercased() == "dpop" {
            spec.headers.insert(FormField("Authorization", "DPoP \(tokens.accessToken.value)"), at: 0)
            return await sendWithProof(spec, purpose: purpose, dpop: dpop, accessToken: tokens.accessToken.value)
        }
        spec.headers.insert(FormField("Authorization", "\(Self.bearerScheme(tokens.tokenType)) \(tokens.accessToken.value)"), at: 0)
        return await client.send(spec, purpose: purpose, publisher: publisher)
    }

    private func sendWithProof(_ spec: HTTPRequestSpec, purpose: HopPurpose, dpop: DPoPSession, accessToken: String?) async -> HTTPOutcome {
        let server = (accessToken == nil ? "as " : "rs ") + Self.origin(spec.url)
        var outcome = await sendOnce(spec, purpose: purpose, dpop: dpop, nonce: dpop.nonce(for: server), accessToken: accessToken, retry: false)
        for attempt in 0..<2 {
            guard case .response(let status, let headers, let body, _) = outcome else { return outcome }
            let given = headers.first { $0.name.lowercased() == "dpop-nonce" }?.value
            if let given { dpop.remember(given, for: server) }
            guard Self.wantsDPoPNonce(status: status, headers: headers, body: body) else { return outcome }
            let step = FlowStep.tokenExchanged.key
            if attempt == 1 {
                publisher.publish(.finding(FindingCatalogue.dpopNonceAgain.finding(purpose.rawValue, step: step)))
                return outcome
            }
            guard let given else {
                publisher.publish(.finding(FindingCatalogue.dpopNonceMissing.finding(purpose.rawValue, step: step)))
                return outcome
            }
            publisher.publish(.finding(FindingCatalogue.dpopNonce.finding(purpose.rawValue, step: step)))
            outcome = await sendOnce(spec, purpose: purpose, dpop: dpop, nonce: given, accessToken: accessToken, retry: true)
        }
        return outcome
    }

    /// One try: step mode's pause first (it may hold the request for minutes, and its edits may change the query or
    /// the access token sent), then a proof signed for the request exactly as it leaves, shown as `dpop.proof`.
    private func sendOnce(_ spec: HTTPRequestSpec, purpose: HopPurpose, dpop: DPoPSession, nonce: String?, accessToken: String?, retry: Bool) async -> HTTPOutcome {
        var request = spec
        request.headers.removeAll { $0.name.lowercased() == "dpop" }
        do throws(FlowFailure) {
            request = try await publisher.beforeSend(request, hop: purpose)
        } catch {
            return .failure(reason: error.failed.reason, hint: "Nothing was sent.")
        }
        let sent = dpop.signing(request, hop: purpose, nonce: nonce, accessToken: accessToken, retry: retry, publisher: publisher)
        // The pause is behind: the request goes as signed.
        return await client.send(sent, purpose: purpose, publisher: publisher.ungated)
    }

    /// `use_dpop_nonce` from the token endpoint (400 with the error in the body) or from a resource (401 with
    /// `WWW-Authenticate: DPoP error="use_dpop_nonce"`), RFC 9449 §8 and §9.
    static func wantsDPoPNonce(status: Int, headers: [FormField], body: String) -> Bool {
        if status == 400 || status == 401, JSONValue.parse(String(body.prefix(65536)))?["error"]?.stringValue == "use_dpop_nonce" { return true }
        guard status == 401 else { return false }
        return headers.filter { $0.name.lowercased() == "www-authenticate" }
            .flatMap { AuthenticateChallenge.parse($0.value) }
            .contains { $0.scheme.lowercased() == "dpop" && $0.error == "use_dpop_nonce" }
    }

    /// Under `--dpop`, `dpop_jkt` for the authorization request (RFC 9449 §10): the code is bound to this run's key,
    /// so only a token request with a proof of that key can redeem it. Nothing when the user set it themselves.
    func dpopKeyBinding(_ given: [FormField]) -> [FormField] {
        guard let dpop, !given.contains(where: { $0.name == "dpop_jkt" }) else { return [] }
        return [FormField("dpop_jkt", dpop.key.thumbprint)]
    }

    static func origin(_ url: URL) -> String {
        (url.scheme?.lowercased() ?? "") + "://" + (url.host?.lowercased() ?? "") + (url.port.map { ":\($0)" } ?? "")
    }

    /// Under `--dpop`, what the token response must show (RFC 9449 §5, §6.1): `token_type` DPoP, and a JWT access
    /// token's `cnf.jkt` naming this run's key.
    func dpopTokenChecks(_ tokens: TokenSet) {
        guard let dpop else { return }
        let step = FlowStep.tokenExchanged.key
        if tokens.tokenType.lowercased() != "dpop" {
            publisher.publish(.finding(FindingCatalogue.dpopTokenType.finding(tokens.tokenType, "; API calls go out as Bearer, without proofs", step: step)))
        }
        guard let jwt = try? DecodedJWT(tokens.accessToken.value) else { return }
        if let jkt = jwt.claims["cnf"]?["jkt"]?.stringValue {
            if jkt != dpop.key.thumbprint {
                publisher.publish(.finding(FindingCatalogue.dpopJktMismatch.finding(String(jkt.prefix(100)), dpop.key.thumbprint, step: step)))
            }
        } else if tokens.tokenType.lowercased() == "dpop" {
            publisher.publish(.finding(FindingCatalogue.dpopNotBound.finding(dpop.key.thumbprint, step: step)))
        }
    }
}

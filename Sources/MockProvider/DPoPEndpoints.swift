import Foundation
import OAuthCore

/// What the DPoP header of a request came to.
enum DPoPOutcome: Sendable {
    /// No DPoP header.
    case absent
    /// A valid proof with a nonce this provider gave, signed by the key with this thumbprint.
    case proven(thumbprint: String)
    /// Refused; the reply says why (and carries a fresh `DPoP-Nonce` when a nonce is what was missing).
    case refused(HTTPReply)
}

/// The embedded provider's side of DPoP (RFC 9449): it checks proofs at the token endpoint and the resource
/// endpoints, requires a nonce it gave (so every client meets the handshake on first use), refuses replayed
/// proofs, and binds access tokens to the proof's key with `cnf.jkt`.
extension ProviderCore {
    /// A nonce stays good this long (RFC 9449 §8 leaves it to the server).
    static let dpopNonceLifetime: TimeInterval = 300
    /// At most this many nonces and jtis are remembered; the oldest go first.
    static let dpopMemory = 4096

    /// A new nonce, remembered.
    func newDPoPNonce() -> String {
        let nonce = SecureRandom.token(bytes: 16)
        let now = self.now()
        store.withLock { s in
            s.dpopNonces = s.dpopNonces.filter { now.timeIntervalSince($0.value) < Self.dpopNonceLifetime }
            if s.dpopNonces.count >= Self.dpopMemory, let oldest = s.dpopNonces.min(by: { $0.value < $1.value }) { s.dpopNonces[oldest.key] = nil }
            s.dpopNonces[nonce] = now
        }
        return nonce
    }

    /// The URL a request was sent to, as a proof's `htu` must name it: this server's origin and the path.
    func requestURL(_ request: IncomingRequest) -> String { issuer + request.path }

    /// Checks the request's DPoP proof. `accessToken` is the token sent with a resource request (the proof's `ath`
    /// must hash it); `resource` shapes the refusal as a resource server's (401 with `WWW-Authenticate: DPoP`)
    /// instead of the token endpoint's (400 with an error body).
    func checkDPoP(_ request: IncomingRequest, accessToken: String?, resource: Bool) -> DPoPOutcome {
        let proofs = request.headers.filter { $0.name.lowercased() == "dpop" }
        guard let proof = proofs.first?.value else { return .absent }
        func refuse(_ error: OAuthErrorCode, _ description: String, nonce: Bool = false) -> DPoPOutcome {
            var headers: [HTTPReply.Header] = []
            if nonce { headers.append(HTTPReply.Header(name: "DPoP-Nonce", value: newDPoPNonce())) }
            let safe = description.replacingOccurrences(of: "\"", with: "'")
            if resource {
                headers.append(HTTPReply.Header(name: "WWW-Authenticate", value: "DPoP error=\"\(error.rawValue)\", error_description=\"\(safe)\", algs=\"\(DPoP.algorithm)\""))
                return .refused(.oauthError(ProtocolError(error, description), status: 401, headers: headers))
            }
            return .refused(.oauthError(ProtocolError(error, description), status: 400, headers: headers))
        }
        guard proofs.count == 1 else { return refuse(.invalidDPoPProof, "more than one DPoP header (RFC 9449 §4.3 step 1)") }
        let now = self.now()
        let verified: VerifiedDPoPProof
        switch DPoPProofVerifier.verify(proof, method: request.method, url: requestURL(request), accessToken: accessToken, now: now) {
        case .failure(let e): return refuse(.invalidDPoPProof, e.description)
        case .success(let v): verified = v
        }
        guard let nonce = verified.nonce else {
            return refuse(.useDPoPNonce, DPoPProofError.missingNonce.description, nonce: true)
        }
        let fresh = store.withLock { s in s.dpopNonces[nonce].map { now.timeIntervalSince($0) < Self.dpopNonceLifetime } ?? false }
        guard fresh else { return refuse(.useDPoPNonce, DPoPProofError.wrongNonce.description, nonce: true) }
        let replayed = store.withLock { s -> Bool in
            s.dpopJTIs = s.dpopJTIs.filter { now.timeIntervalSince($0.value) < DPoP.iatWindow * 2 }
            if s.dpopJTIs[verified.jti] != nil { return true }
            if s.dpopJTIs.count >= Self.dpopMemory, let oldest = s.dpopJTIs.min(by: { $0.value < $1.value }) { s.dpopJTIs[oldest.key] = nil }
            s.dpopJTIs[verified.jti] = now
            return false
        }
        if replayed { return refuse(.invalidDPoPProof, DPoPProofError.replayed.description) }
        return .proven(thumbprint: verified.thumbprint)
    }

    /// Binds a freshly issued access token to the proof's key: it becomes a JWT (RFC 9068) with `cnf.jkt`
    /// (RFC 9449 §6.1), stored under its new value. Nil when `dpop-bearer` leaves it unbound; `dpop-wrong-jkt`
    /// names another key.
    func bindToDPoPKey(_ access: AccessTokenRecord, thumbprint: String) -> AccessTokenRecord? {
        if configuration.faults.contains(.dpopBearer) { return nil }
        let jkt = configuration.faults.contains(.dpopWrongJkt) ? Self.otherThumbprint : thumbprint
        let claims = JSONValue.object([
            ("iss", .string(issuer)),
            ("sub", .string(access.user)),
            ("aud", .string(issuer + "/api")),
            ("client_id", .string(access.clientID)),
            ("scope", .string(access.scopes.joined(separator: " "))),
            ("iat", .number(Double(Int(access.issuedAt.timeIntervalSince1970)))),
            ("exp", .number(Double(Int(access.expiresAt.timeIntervalSince1970)))),
            ("jti", .string(SecureRandom.token(bytes: 12))),
            ("cnf", .object([("jkt", .string(jkt))])),
        ])
        let key = keys.current
        var header = JWS.header(alg: key.algorithm.rawValue, kid: key.kid)
        if case .object(let members) = header {
            header = .object(members.map { $0.0 == "typ" ? ("typ", .string("at+jwt")) : $0 })
        }
        guard let jwt = try? JWS.compact(header: header, claims: claims, signer: key.signature(over:)) else { return nil }
        var bound = access
        bound.token = jwt
        bound.jkt = jkt
        store.withLock { s in
            s.accessTokens[access.token] = nil
            s.accessTokens[jwt] = bound
        }
        return bound
    }

    /// The thumbprint `dpop-wrong-jkt` binds tokens to: RFC 7638 §3.1's example key, which no client holds.
    static let otherThumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

    /// The token of `Authorization: DPoP <token>` with its proof checked and its binding compared (RFC 9449 §7.1):
    /// the record, or the 401 to answer with.
    func dpopResourceLookup(_ request: IncomingRequest, token: String) -> Result<AccessTokenRecord, Refusal> {
        func invalid(_ description: String) -> Refusal {
            let safe = description.replacingOccurrences(of: "\"", with: "'")
            return Refusal(reply: .oauthError(ProtocolError(.invalidToken, description), status: 401, headers: [
                HTTPReply.Header(name: "WWW-Authenticate", value: "DPoP error=\"invalid_token\", error_description=\"\(safe)\", algs=\"\(DPoP.algorithm)\""),
            ]))
        }
        switch checkDPoP(request, accessToken: token, resource: true) {
        case .absent: return .failure(invalid("Authorization: DPoP needs a DPoP proof header (RFC 9449 §7.1)"))
        case .refused(let reply): return .failure(Refusal(reply: reply))
        case .proven(let thumbprint):
            let now = self.now()
            guard let record = store.withLock({ $0.accessTokens[token] }), record.expiresAt > now else {
                return .failure(invalid("the access token is unknown, expired or revoked"))
            }
            guard let jkt = record.jkt else { return .failure(invalid("the access token is not DPoP-bound; send it as Bearer (RFC 9449 §7.1)")) }
            guard jkt == thumbprint else {
                return .failure(invalid("the access token is bound to key \(jkt), but the proof is signed by key \(thumbprint) (RFC 9449 §7.1)"))
            }
            return .success(record)
        }
    }

    // MARK: - The generic API of `demo`

    /// `GET /api/me`: who the access token stands for, as a resource server sees it. Takes Bearer or DPoP
    /// (RFC 6750 §2.1, RFC 9449 §7.1); errors carry `WWW-Authenticate` (RFC 6750 §3).
    func apiMe(_ request: IncomingRequest) -> HTTPReply {
        switch resourceToken(request) {
        case .failure(let refusal): return refusal.reply
        case .success(let record):
            var members: [(String, JSONValue)] = [
                ("sub", .string(record.user)),
                ("name", .string(UserProfile.name(record.user))),
                ("client_id", .string(record.clientID)),
                ("scope", .string(record.scopes.joined(separator: " "))),
                ("token_type", .string(record.jkt == nil ? "Bearer" : "DPoP")),
            ]
            if let jkt = record.jkt { members.append(("cnf", .object([("jkt", .string(jkt))]))) }
            return .json(.object(members))
        }
    }

    /// `GET /api/admin`: needs the `admin` scope, which the demo client is never granted, so it shows the 403
    /// `insufficient_scope` challenge (RFC 6750 §3.1).
    func apiAdmin(_ request: IncomingRequest) -> HTTPReply {
        switch resourceToken(request) {
        case .failure(let refusal): return refusal.reply
        case .success(let record):
            guard record.scopes.contains("admin") else {
                let scheme = record.jkt == nil ? "Bearer" : "DPoP"
                return .oauthError(ProtocolError(.insufficientScope, "this call needs the admin scope"), status: 403, headers: [
                    HTTPReply.Header(name: "WWW-Authenticate", value: "\(scheme) error=\"insufficient_scope\", error_description=\"this call needs the admin scope\", scope=\"admin\""),
                ])
            }
            return .json(.object([("admin", .bool(true))]))
        }
    }

    /// The access token of a resource request, Bearer or DPoP, checked; or the RFC 6750 §3 / RFC 9449 §7.1 refusal.
    func resourceToken(_ request: IncomingRequest) -> Result<AccessTokenRecord, Refusal> {
        func challenge(_ status: Int, _ error: ProtocolError?) -> Refusal {
            var value = "Bearer realm=\"oauthscope\", DPoP algs=\"\(DPoP.algorithm)\""
            if let error {
                value = "Bearer error=\"\(error.code.rawValue)\", error_description=\"\(error.description.replacingOccurrences(of: "\"", with: "'"))\""
            }
            let header = HTTPReply.Header(name: "WWW-Authenticate", value: value)
            guard let error else { return Refusal(reply: HTTPReply(status: status, headers: [header] + HTTPReply.noStore)) }
            return Refusal(reply: .oauthError(error, status: status, headers: [header]))
        }
        guard let authorization = request.header("authorization") else { return .failure(challenge(401, nil)) }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else {
            return .failure(challenge(401, ProtocolError(.invalidRequest, "the Authorization header must be Bearer <token> or DPoP <token> (RFC 6750 §2.1)")))
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "dpop":
            return dpopResourceLookup(request, token: token)
        case "bearer":
            let now = self.now()
            guard let record = store.withLock({ $0.accessTokens[token] }), record.expiresAt > now else {
                return .failure(challenge(401, ProtocolError(.invalidToken, "the access token is unknown, expired or revoked")))
            }
            if record.jkt != nil {
                return .failure(challenge(401, ProtocolError(.invalidToken, "the access token is DPoP-bound: send it as Authorization: DPoP with a proof (RFC 9449 §7.2)")))
            }
            return .success(record)
        default:
            return .failure(challenge(401, ProtocolError(.invalidRequest, "the Authorization scheme must be Bearer or DPoP (RFC 6750 §2.1)")))
        }
    }
}

import Foundation
import OAuthCore

/// One redirect URI that `oauthscope listen` watches, with what applies to it: where its callbacks are forwarded
/// (`--forward`) and the state they must carry (`--expect-state`).
public struct ListenRoute: Sendable, Hashable {
    public var redirectURI: String
    public var forward: URL?
    public var expectState: String?

    public init(redirectURI: String, forward: URL? = nil, expectState: String? = nil) {
        self.redirectURI = redirectURI
        self.forward = forward
        self.expectState = expectState
    }
}

/// The per-redirect-URI options of `oauthscope listen`, checked and matched to their redirect URIs.
///
/// `--forward` and `--expect-state` take `URI=VALUE` for one redirect URI (the value starts with one of the
/// `--redirect-uri` values and `=`), or a plain `VALUE` for every redirect URI without one of its own.
public enum ListenArguments {
    /// `(uri, value)` when `text` is `URI=VALUE` for one of `uris` (the longest that fits, so one URI that is a
    /// prefix of another cannot take its values); nil for the plain form.
    public static func keyed(_ text: String, uris: [String]) -> (uri: String, value: String)? {
        let match = uris.filter { text.hasPrefix($0 + "=") }.max { $0.count < $1.count }
        return match.map { ($0, String(text.dropFirst($0.count + 1))) }
    }

    /// The routes, one per redirect URI in the order given.
    /// - Throws: `UsageError` naming the flag: a value for a redirect URI that is not listened on, two values for
    ///   one redirect URI, two plain values, a forward target that is not an absolute http(s) URL.
    public static func routes(redirectURIs: [String], forwards: [String], expectStates: [String]) throws(UsageError) -> [ListenRoute] {
        var seen = Set<String>()
        for uri in redirectURIs where !seen.insert(uri).inserted {
            throw UsageError("--redirect-uri \(uri) is given twice")
        }
        let forwardValues = try assign(forwards, flag: "--forward", uris: redirectURIs)
        let stateValues = try assign(expectStates, flag: "--expect-state", uris: redirectURIs)
        var routes: [ListenRoute] = []
        for uri in redirectURIs {
            var route = ListenRoute(redirectURI: uri, expectState: stateValues[uri])
            if let f = forwardValues[uri] {
                guard let url = URL(string: f), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                    throw UsageError("--forward \(f) is not an absolute http(s) URL like http://127.0.0.1:3000/callback")
                }
                route.forward = url
            }
            if let s = route.expectState, s.isEmpty { throw UsageError("--expect-state for \(uri) is empty") }
            routes.append(route)
        }
        return routes
    }

    /// Each redirect URI's value: its own (`URI=VALUE`), else the plain one.
    static func assign(_ values: [String], flag: String, uris: [String]) throws(UsageError) -> [String: String] {
        var own: [String: String] = [:]
        var plain: String?
        for text in values {
            if let (uri, value) = keyed(text, uris: uris) {
                guard own[uri] == nil else { throw UsageError("\(flag) is given twice for \(uri); give one value per redirect URI") }
                own[uri] = value
            } else if let (other, _) = unknownURI(text) {
                throw UsageError("\(flag) \(text): \(other) is not one of the redirect URIs listened on (\(uris.joined(separator: ", "))); give it with --redirect-uri too")
            } else {
                guard plain == nil else {
                    throw UsageError("\(flag) is given twice without a redirect URI; with several redirect URIs write \(flag) URI=VALUE for each (\(uris.joined(separator: ", ")))")
                }
                plain = text
            }
        }
        var result: [String: String] = [:]
        for uri in uris { result[uri] = own[uri] ?? plain }
        return result
    }

    /// `URI=VALUE` whose URI is an http(s) URL, for the error that it is not listened on.
    static func unknownURI(_ text: String) -> (uri: String, value: String)? {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        // The URI ends where `=` is followed by the value; a forward target is itself a URL.
        for marker in ["=http://", "=https://"] {
            if let r = text.range(of: marker, options: .caseInsensitive) {
                let uri = String(text[..<r.lowerBound])
                if !uri.contains("?") { return (uri, String(text[text.index(after: r.lowerBound)...])) }
            }
        }
        return nil
    }
}

/// The PKCE `code_verifier` of each flow whose code `listen --exchange` redeems, by the flow's `state`.
public struct CodeVerifiers: Sendable, Hashable {
    /// `--code-verifier V`: the one verifier of a single flow, used for every code.
    public var single: String?
    /// `--code-verifier STATE=VERIFIER` and `--code-verifier-file`: each flow's verifier by its state.
    public var byState: [String: String] = [:]

    public init(single: String? = nil, byState: [String: String] = [:]) {
        self.single = single
        self.byState = byState
    }

    public var isEmpty: Bool { single == nil && byState.isEmpty }

    /// The largest verifier file read (a few thousand flows' verifiers).
    public static let maxFileBytes = 256 * 1024

    /// What to do with a code that arrived with `state`.
    public enum Choice: Sendable, Hashable {
        case verifier(String)
        /// No verifier is known at all (a provider that enforces PKCE refuses the exchange).
        case none
        /// Verifiers are given by state, and this state has none (or the callback has no state): not exchanged.
        case unknownState(String?)
    }

    /// The verifier for a code that arrived with `state`: by state when verifiers are given by state, else the
    /// single one.
    public func choose(state: String?) -> Choice {
        guard !byState.isEmpty else { return single.map(Choice.verifier) ?? .none }
        guard let state, let v = byState[state] else { return .unknownState(state) }
        return .verifier(v)
    }

    /// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`. Only the alphabet is enforced (a wrong length is
    /// the provider's to refuse, and worth watching), and at most 1024 characters are taken.
    static func check(_ verifier: String, from origin: String) throws(UsageError) {
        let allowed = verifier.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
        }
        guard !verifier.isEmpty, verifier.utf8.count <= 1024, allowed else {
            throw UsageError("\(origin): a code_verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)")
        }
    }

    /// Reads `--code-verifier` values: `VERIFIER` (one flow) or `STATE=VERIFIER` (a verifier has no `=`, so the
    /// last `=` splits).
    public static func parse(flags: [String]) throws(UsageError) -> CodeVerifiers {
        var result = CodeVerifiers()
        for text in flags {
            if let eq = text.lastIndex(of: "=") {
                let state = String(text[..<eq]), verifier = String(text[text.index(after: eq)...])
                guard !state.isEmpty else { throw UsageError("--code-verifier \(text): the state before = is empty") }
                try check(verifier, from: "--code-verifier \(state)=…")
                guard result.byState[state] == nil else { throw UsageError("--code-verifier: state \(state) is given twice") }
                result.byState[state] = verifier
            } else {
                try check(text, from: "--code-verifier")
                guard result.single == nil else {
                    throw UsageError("--code-verifier is given twice without a state; for several flows write --code-verifier STATE=VERIFIER for each")
                }
                result.single = text
            }
        }
        if result.single != nil, !result.byState.isEmpty {
            throw UsageError("--code-verifier: give either one VERIFIER for a single flow or STATE=VERIFIER for each flow, not both")
        }
        return result
    }

    /// Reads a verifier file's text: a JSON object `{"STATE": "VERIFIER", ...}`, or lines `STATE VERIFIER` (blank
    /// lines and lines starting with `#` are skipped). Errors name the file and the line.
    public static func parse(fileText text: String, path: String) throws(UsageError) -> [String: String] {
        var result: [String: String] = [:]
        if text.drop(while: { $0.isWhitespace }).first == "{" {
            guard let value = JSONValue.parse(text), let members = value.objectValue else {
                throw UsageError("\(path): not a JSON object of state to code_verifier")
            }
            for (state, v) in members {
                guard let verifier = v.stringValue else { throw UsageError("\(path): the verifier of state \(state) is not a string") }
                guard !state.isEmpty else { throw UsageError("\(path): a state is empty") }
                try check(verifier, from: "\(path): state \(state)")
                guard result[state] == nil else { throw UsageError("\(path): state \(state) is given twice") }
                result[state] = verifier
            }
            return result
        }
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count == 2 else { throw UsageError("\(path):\(i + 1): expected STATE VERIFIER (two words)") }
            let state = String(words[0])
            try check(String(words[1]), from: "\(path):\(i + 1)")
            guard result[state] == nil else { throw UsageError("\(path):\(i + 1): state \(state) is given twice") }
            result[state] = String(words[1])
        }
        return result
    }

    /// Reads `--code-verifier-file PATH` (at most `maxFileBytes`). Returns the verifiers and, when the file can be
    /// read by its group or by everyone, its permission bits for a warning.
    public static func read(path: String) throws(UsageError) -> (verifiers: [String: String], looseMode: String?) {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch { throw UsageError("--code-verifier-file \(path): cannot read it (\(error.localizedDescription))") }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else { throw UsageError("--code-verifier-file \(path): not a regular file") }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxFileBytes else { throw UsageError("--code-verifier-file \(path): \(size) bytes, over the \(maxFileBytes / 1024) KB limit") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw UsageError("--code-verifier-file \(path): cannot open it") }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxFileBytes + 1)) ?? Data()
        guard data.count <= maxFileBytes else { throw UsageError("--code-verifier-file \(path): over the \(maxFileBytes / 1024) KB limit") }
        guard let text = String(data: data, encoding: .utf8) else { throw UsageError("--code-verifier-file \(path): not UTF-8 text") }
        let verifiers = try parse(fileText: text, path: path)
        guard !verifiers.isEmpty else { throw UsageError("--code-verifier-file \(path): no verifiers in it") }
        let mode = ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o777
        return (verifiers, mode & 0o077 != 0 ? String(mode, radix: 8) : nil)
    }
}

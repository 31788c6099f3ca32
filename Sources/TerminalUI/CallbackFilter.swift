import FlowEngine
import Foundation
import OAuthCore

/// What `/` narrows the callback list of `oauthscope listen` to. Pure: `matches` looks at one callback only.
///
/// The query is words, all of which must match (any case):
/// * a verdict (`stray`, `accepted`, `state_mismatch` or `state-mismatch`, ...): callbacks with that verdict;
/// * `name=value`: a parameter `name` whose value contains `value` (`state=abc`); `name=` alone: the parameter
///   is there, with any value;
/// * `verdict:`, `path:`, `param:`, `value:`, `remote:`, `method:` followed by text: only in that field;
/// * `uri:` a redirect URI (the whole URI, or a part of it), `mode:` `query`, `form_post` or `fragment`,
///   `exchange:` an exchange flow (`exchange:` alone: every callback whose code was handed to an exchange);
/// * any other word: in the path, a parameter's name or value, the verdict, the remote address or the method
///   (`favicon`, `access_denied`);
/// * a word starting with `!` or `-` matches what the rest does not (`!stray` hides the noise).
public struct CallbackFilter: Sendable, Hashable {
    /// One word of the query.
    public enum Term: Sendable, Hashable {
        /// A verdict name: that verdict only.
        case verdict(CallbackVerdict)
        /// `name=value`: a parameter `name` whose value contains `value` (any value when empty).
        case parameter(name: String, value: String)
        /// `path:`, `param:`, `value:`, `remote:`, `method:` followed by text.
        case path(String)
        case parameterName(String)
        case parameterValue(String)
        case remote(String)
        case method(String)
        /// `uri:`, `mode:`, `exchange:` followed by text (`oauthscope listen`).
        case redirectURI(String)
        case responseMode(String)
        case exchange(String)
        /// Any other word: in the path, a parameter's name or value, the verdict, the remote or the method.
        case anywhere(String)
        /// `!word` or `-word`: what `word` does not match.
        indirect case not(Term)
    }

    /// The query as typed.
    public let query: String
    /// Its words, lowercased.
    public let terms: [Term]

    /// Reads `query` as typed after `/`.
    public init(_ query: String) {
        self.query = query
        terms = query.split(whereSeparator: \.isWhitespace).compactMap { Self.term(String($0)) }
    }

    /// True when the query has no words: every callback matches.
    public var isEmpty: Bool { terms.isEmpty }

    static func term(_ word: String) -> Term? {
        if word.count > 1, let first = word.first, first == "!" || first == "-" {
            return Self.term(String(word.dropFirst())).map(Term.not)
        }
        let w = word.lowercased()
        if let v = verdict(named: w) { return .verdict(v) }
        if let colon = w.firstIndex(of: ":"), colon != w.startIndex {
            let field = String(w[..<colon])
            let text = String(w[w.index(after: colon)...])
            switch field {
            case "verdict": return verdict(named: text).map(Term.verdict) ?? .anywhere(w)
            case "path": return .path(text)
            case "param", "name": return .parameterName(text)
            case "value": return .parameterValue(text)
            case "remote", "from": return .remote(text)
            case "method": return .method(text)
            case "uri", "redirect": return .redirectURI(text)
            case "mode": return .responseMode(text.replacingOccurrences(of: "-", with: "_"))
            case "exchange": return .exchange(text)
            default: break
            }
        }
        if let eq = w.firstIndex(of: "="), eq != w.startIndex {
            return .parameter(name: String(w[..<eq]), value: String(w[w.index(after: eq)...]))
        }
        return .anywhere(w)
    }

    /// A verdict by its name, with `-` or `_` between the words.
    static func verdict(named w: String) -> CallbackVerdict? {
        CallbackVerdict(rawValue: w.replacingOccurrences(of: "-", with: "_"))
    }

    /// Whether `callback` passes every word of the query.
    public func matches(_ callback: CallbackReceived) -> Bool {
        guard !terms.isEmpty else { return true }
        let params = (callback.query.objectValue ?? []).map { ($0.0.lowercased(), Format.inline($0.1).lowercased()) }
        return terms.allSatisfy { Self.matches($0, callback, params) }
    }

    private static func matches(_ term: Term, _ c: CallbackReceived, _ params: [(String, String)]) -> Bool {
        switch term {
        case .verdict(let v): return c.verdict == v
        case .parameter(let name, let value): return params.contains { $0.0 == name && (value.isEmpty || $0.1.contains(value)) }
        case .path(let t): return c.path.lowercased().contains(t)
        case .parameterName(let t): return params.contains { $0.0.contains(t) }
        case .parameterValue(let t): return params.contains { $0.1.contains(t) }
        case .remote(let t): return c.remote.lowercased().contains(t)
        case .method(let t): return c.method.lowercased() == t
        case .redirectURI(let t):
            // A whole URI names that redirect URI only (not one that merely starts with it); a part matches any.
            guard let uri = c.redirectURI?.lowercased() else { return false }
            return t.hasPrefix("http") ? uri == t : uri.contains(t)
        case .responseMode(let t): return (c.responseMode?.rawValue ?? "none") == t
        case .exchange(let t): return c.exchange.map { t.isEmpty || $0 == t } ?? false
        case .anywhere(let t):
            return c.path.lowercased().contains(t) || c.verdict.rawValue.contains(t) || c.remote.lowercased().contains(t)
                || c.method.lowercased() == t || params.contains { $0.0.contains(t) || $0.1.contains(t) }
        case .not(let inner): return !matches(inner, c, params)
        }
    }
}

/// The callbacks that pass a filter, kept up to date incrementally: each update looks only at the callbacks that
/// arrived since the last one (by `seq`), and forgets matches that fell out of the bounded window. So a frame
/// during a flood costs the new arrivals, never the 2 000 kept or the millions seen.
public struct CallbackFilterCache: Sendable, Hashable {
    /// The flow whose callbacks these are.
    public private(set) var flowID: String
    /// The filter the matches pass.
    public private(set) var filter: CallbackFilter
    /// The `seq` of every kept callback that matches, oldest first; `matches[head...]` are live.
    private var matchSeqs: [Int] = []
    private var head = 0
    /// The newest `seq` looked at.
    public private(set) var scannedThrough = -1
    /// How many callbacks the last `update` looked at (what tests assert on, instead of wall time).
    public private(set) var lastScanned = 0

    /// An empty cache: the first `update` reads the whole kept window.
    public init(flowID: String, filter: CallbackFilter) {
        self.flowID = flowID
        self.filter = filter
    }

    /// The seqs that match, oldest first.
    public var matches: ArraySlice<Int> { matchSeqs[head...] }

    /// Whether this cache is for `filter` over `state`'s callbacks and has seen all of them.
    public func isCurrent(for filter: CallbackFilter, in state: FlowState) -> Bool {
        flowID == state.flowID && self.filter == filter && scannedThrough == (state.callbacks.last?.seq ?? -1)
    }

    /// Brings the matches up to date with `callbacks`: drops the ones that left the window, looks at the new ones.
    public mutating func update(with callbacks: BoundedLog<CallbackRecord>) {
        lastScanned = 0
        if let oldest = callbacks.first?.seq {
            while head < matchSeqs.count, matchSeqs[head] < oldest { head += 1 }
            // Compact now and then, so the dead prefix never outgrows the live part.
            if head > 1_024, head * 2 > matchSeqs.count {
                matchSeqs.removeFirst(head)
                head = 0
            }
        }
        guard let newest = callbacks.last?.seq, newest > scannedThrough else { return }
        var i = callbacks.firstIndex(afterSeq: scannedThrough)
        while i < callbacks.count {
            let record = callbacks[i]
            lastScanned += 1
            if filter.matches(record.callback) { matchSeqs.append(record.seq) }
            i += 1
        }
        scannedThrough = newest
    }

    /// A cache for `filter` over `state`'s callbacks, filled.
    public static func build(_ filter: CallbackFilter, for state: FlowState) -> CallbackFilterCache {
        var cache = CallbackFilterCache(flowID: state.flowID, filter: filter)
        cache.update(with: state.callbacks)
        return cache
    }
}

extension BoundedLog where Element == CallbackRecord {
    /// The index of the first record whose `seq` is greater than `seq` (`count` when there is none).
    func firstIndex(afterSeq seq: Int) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].seq <= seq { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The index of the first record whose `seq` is at least `seq`, clamped to the log; nil when it is empty.
    func index(atOrAfterSeq seq: Int) -> Int? {
        guard !isEmpty else { return nil }
        return Swift.min(firstIndex(afterSeq: seq - 1), count - 1)
    }
}

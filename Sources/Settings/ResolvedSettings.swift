import FlowEngine
import OAuthCore

/// The layers merged: each setting takes its value from the highest source that gave one (flag > env > profile >
/// preset > default). Pairs (`--param`, `--token-header`, ...) add up across layers, a higher layer's value winning
/// for the same name; a group (the client secret's sources) is taken whole from the highest layer that gives any of it.
public struct ResolvedSettings: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var value: SettingValue
        public var source: SettingSource
    }

    public private(set) var entries: [Setting: Entry] = [:]

    public init(_ layers: [SettingsLayer]) {
        // Stable: layers of the same source keep their order, the later one winning.
        let ordered = layers.enumerated().sorted { ($0.element.source, $0.offset) < ($1.element.source, $1.offset) }.map(\.element)
        for layer in ordered {
            let groups = Set(layer.values.keys.compactMap(\.description.group))
            if !groups.isEmpty {
                entries = entries.filter { entry in entry.key.description.group.map { !groups.contains($0) } ?? true }
            }
            for (setting, value) in layer.values {
                if case .pairs(let caseInsensitive) = setting.description.kind, case .pairs(let lower)? = entries[setting]?.value, case .pairs(let upper) = value {
                    entries[setting] = Entry(value: .pairs(Self.merge(lower, upper, caseInsensitive: caseInsensitive)), source: layer.source)
                } else {
                    entries[setting] = Entry(value: value, source: layer.source)
                }
            }
        }
    }

    /// `upper` laid over `lower`: same-named entries replaced in place, new ones appended.
    static func merge(_ lower: [FormField], _ upper: [FormField], caseInsensitive: Bool) -> [FormField] {
        func same(_ x: String, _ y: String) -> Bool { caseInsensitive ? x.lowercased() == y.lowercased() : x == y }
        var out = lower
        for f in upper {
            if let i = out.firstIndex(where: { same($0.name, f.name) }) { out[i] = f } else { out.append(f) }
        }
        return out
    }

    public subscript(_ setting: Setting) -> SettingValue? { entries[setting]?.value }
    public func source(of setting: Setting) -> SettingSource? { entries[setting]?.source }
    /// True when a source above the preset gave the setting: the user asked for it.
    public func givenByUser(_ setting: Setting) -> Bool { (source(of: setting) ?? .default) > .preset }

    public func text(_ s: Setting) -> String? { self[s]?.text }
    public func number(_ s: Setting) -> Int? { self[s]?.number }
    public func decimal(_ s: Setting) -> Double? { self[s]?.decimal }
    /// `http_timeout` as a duration; nil when nothing (not even the default) gave one.
    public var httpTimeout: Duration? { decimal(.httpTimeout).map { .milliseconds(Int64(($0 * 1000).rounded())) } }
    public func list(_ s: Setting) -> [String]? { self[s]?.list }
    public func pairs(_ s: Setting) -> [FormField] { self[s]?.pairs ?? [] }
    public func flag(_ s: Setting) -> Bool { self[s]?.flag ?? false }
    /// A choice setting as its `ExpressibleByArgument` enum (values were checked when the layer was read).
    public func choice<E: RawRepresentable>(_ s: Setting, as: E.Type) -> E? where E.RawValue == String {
        text(s).flatMap { E(rawValue: $0.lowercased()) }
    }

    /// Where each value came from, in the table's order, secrets redacted unless `reveal`: `flow.started`'s
    /// `settings`.
    public func origins(reveal: Bool) -> [SettingOrigin] {
        Setting.allCases.compactMap { s in
            guard let e = entries[s] else { return nil }
            let d = s.description
            return SettingOrigin(name: d.name, value: e.value.display(secret: d.secret, reveal: reveal, headers: s == .tokenHeaders), source: e.source.rawValue)
        }
    }
}

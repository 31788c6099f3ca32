import FlowEngine

/// The symbols the screen is drawn with: Unicode box drawing on a UTF-8 terminal, plain ASCII otherwise.
public struct Glyphs: Sendable, Hashable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var waiting, inProgress, done, failed: String
    public var ok, info, warn, fail: String
    public var selected, ellipsis, separator, paused, wrapMark: String
    /// True for the ASCII set; the grid then also spells outside text in ASCII.
    public var asciiOnly: Bool

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        waiting: "○", inProgress: "◐", done: "✓", failed: "✗",
        ok: "✓", info: "•", warn: "!", fail: "✗",
        selected: "▸", ellipsis: "…", separator: "·", paused: "‖", wrapMark: "↩", asciiOnly: false)

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        waiting: "o", inProgress: "~", done: "+", failed: "x",
        ok: "+", info: "*", warn: "!", fail: "x",
        selected: ">", ellipsis: "...", separator: "|", paused: "||", wrapMark: "\\", asciiOnly: true)

    public func status(_ s: StepStatus) -> String {
        switch s {
        case .waiting: return waiting
        case .inProgress: return inProgress
        case .done: return done
        case .failed: return failed
        }
    }

    public func substep(_ k: SubStep.Kind) -> String {
        switch k {
        case .ok: return ok
        case .info: return info
        case .warn: return warn
        case .fail: return fail
        }
    }
}

extension StepStatus {
    /// The role that colours a step in this state.
    var role: ThemeRole {
        switch self {
        case .waiting: return .stepWaiting
        case .inProgress: return .stepInProgress
        case .done: return .stepDone
        case .failed: return .stepFailed
        }
    }

    /// The state in words.
    var words: String {
        switch self {
        case .waiting: return "waiting"
        case .inProgress: return "in progress"
        case .done: return "done"
        case .failed: return "failed"
        }
    }
}

extension SubStep.Kind {
    var role: ThemeRole {
        switch self {
        case .ok: return .stepDone
        case .info: return .findingInfo
        case .warn: return .findingWarn
        case .fail: return .findingError
        }
    }
}

import Foundation

/// A browser command (`--browser CMD`, `$BROWSER`) made into an argument vector, never a shell line: the URL, which
/// may come from a provider's discovery document, is always exactly one argument, so `$(...)`, `;` or a quote in it
/// is only text. Words are split on blanks; single and double quotes group a word and a backslash takes the next
/// character literally. Nothing is expanded.
public struct BrowserCommand: Sendable, Hashable {
    /// The words of the command, `{url}` still in them.
    public var words: [String]

    public init(parsing command: String) throws(BrowserCommandError) {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for ch in command {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true; inWord = true
            case "'", "\"": quote = ch; inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default: current.append(ch); inWord = true
            }
        }
        if quote != nil || escaped { throw .unbalanced(command) }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw .empty }
        self.words = words
    }

    /// The argument vector for `url`: every `{url}` replaced by it, or the URL appended as the last argument.
    public func arguments(for url: String) -> [String] {
        if words.contains(where: { $0.contains("{url}") }) {
            return words.map { $0.replacingOccurrences(of: "{url}", with: url) }
        }
        return words + [url]
    }

    /// The program to run: a path as given, else the first executable of that name on `PATH`.
    public static func executable(_ name: String, path: String?) -> String? {
        if name.contains("/") { return name }
        for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue, FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}

public enum BrowserCommandError: Error, Hashable, CustomStringConvertible {
    case empty
    case unbalanced(String)

    public var description: String {
        switch self {
        case .empty: return "the browser command is empty; pass --browser CMD or --no-browser"
        case .unbalanced(let c): return "the browser command \"\(c)\" has an unclosed quote or a trailing backslash"
        }
    }
}

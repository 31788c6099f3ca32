/// Text from outside (query parameters, headers, bodies, JWT claims) made safe to put on a terminal: control
/// characters, DEL, C1 controls, bidirectional overrides and zero-width characters are shown as escapes
/// (`\x1b`, `\u202e`) instead of being interpreted. A callback carrying `\x1b]2;owned\x07` cannot retitle the
/// terminal, and `\u202e` cannot reverse what the user reads.
public enum TerminalSafeText {
    /// Escapes everything but printable characters. `keepNewlines` lets multi-line bodies keep their lines
    /// (and tabs); everything else is always escaped.
    public static func escape(_ s: String, keepNewlines: Bool = false) -> String {
        if isPlain(s) { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            if keepNewlines, scalar == "\n" || scalar == "\t" {
                out.unicodeScalars.append(scalar)
            } else if needsEscape(scalar) {
                out += escapeSequence(scalar)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// True when nothing in `s` needs escaping (the fast path for the common ASCII case).
    public static func isPlain(_ s: String) -> Bool {
        for b in s.utf8 where b < 0x20 || b >= 0x7F {
            if b >= 0x80 { return !s.unicodeScalars.contains(where: needsEscape) }
            return false
        }
        return true
    }

    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        switch v {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true  // C0, DEL, C1
        case 0x200B...0x200F: return true  // zero-width space/joiners, LRM, RLM
        case 0x202A...0x202E: return true  // bidi embeddings and overrides
        case 0x2060...0x2064, 0x2066...0x2069: return true  // word joiner, invisible operators, bidi isolates
        case 0xFEFF: return true  // zero-width no-break space / BOM
        case 0x061C: return true  // Arabic letter mark
        case 0xFFF9...0xFFFB: return true  // interlinear annotation controls
        default: return false
        }
    }

    private static func escapeSequence(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16)
        if u.value <= 0xFF { return "\\x" + (hex.count < 2 ? "0" + hex : hex) }
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

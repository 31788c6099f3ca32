import Foundation

/// Why a QR code could not be made.
public enum QRCodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// More bytes than the largest version this encoder makes holds at the error-correction level.
    case tooLong(bytes: Int, capacity: Int)
    /// A version or mask outside the standard's range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .tooLong(let n, let cap): return "\(n) bytes do not fit in a QR code here (at most \(cap))"
        case .invalidParameter(let what): return what
        }
    }
}

/// A QR code (ISO/IEC 18004) in byte mode: versions 1 to 20, error correction L or M, the mask chosen by the
/// standard's penalty rules unless one is given. Pure: it makes a matrix of modules; `QRCodeText` draws it.
public struct QRCode: Sendable, Hashable {
    /// Error-correction level: L recovers about 7 % of the codewords, M about 15 %.
    public enum ErrorCorrection: String, Sendable, Hashable, CaseIterable {
        case low = "L", medium = "M"

        /// The two bits of the format information (ISO/IEC 18004 Table 12).
        var formatBits: Int { self == .low ? 1 : 0 }
    }

    public let version: Int
    public let errorCorrection: ErrorCorrection
    public let mask: Int
    /// Modules per side: 17 + 4 × version.
    public let size: Int
    /// Row-major, true for a dark module.
    public let modules: [Bool]
    /// The symbol's penalty score (ISO/IEC 18004 §7.8.3); the mask chosen is the one with the lowest.
    public let penalty: Int

    /// The largest version made here (97 × 97 modules): 666 bytes at M, enough for any verification URI.
    public static let maxVersion = 20

    /// Whether the module at column `x`, row `y` is dark; outside the symbol (the quiet zone) it is light.
    public subscript(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// Encodes `text` as UTF-8 bytes in the smallest version that holds it.
    public static func encode(_ text: String, errorCorrection: ErrorCorrection = .medium, version: Int? = nil, mask: Int? = nil) throws(QRCodeError) -> QRCode {
        try encode(bytes: Array(text.utf8), errorCorrection: errorCorrection, version: version, mask: mask)
    }

    /// Encodes `bytes` (byte mode). A given `version` must hold them; a given `mask` (0–7) skips the penalty rules.
    public static func encode(bytes: [UInt8], errorCorrection ec: ErrorCorrection = .medium, version forced: Int? = nil, mask forcedMask: Int? = nil) throws(QRCodeError) -> QRCode {
        if let m = forcedMask, !(0...7).contains(m) { throw .invalidParameter("mask \(m) is not 0 to 7") }
        if let v = forcedVersion(forced) { throw .invalidParameter(v) }
        func fits(_ v: Int) -> Bool { 4 + countBits(v) + 8 * bytes.count <= dataCodewords(v, ec) * 8 }
        let version: Int
        if let forced {
            guard fits(forced) else { throw .tooLong(bytes: bytes.count, capacity: byteCapacity(forced, ec)) }
            version = forced
        } else {
            guard let v = (1...maxVersion).first(where: fits) else { throw .tooLong(bytes: bytes.count, capacity: byteCapacity(maxVersion, ec)) }
            version = v
        }
        let codewords = interleave(data: dataCodewords(bytes: bytes, version: version, ec: ec), version: version, ec: ec)
        var m = Matrix(version: version)
        m.drawFunctionPatterns(ec: ec)
        m.drawCodewords(codewords)
        let chosen: Int
        if let forcedMask {
            chosen = forcedMask
        } else {
            var best = (mask: 0, penalty: Int.max)
            for candidate in 0..<8 {
                var trial = m
                trial.apply(mask: candidate)
                trial.drawFormatBits(ec: ec, mask: candidate)
                let p = trial.penalty()
                if p < best.penalty { best = (candidate, p) }
            }
            chosen = best.mask
        }
        m.apply(mask: chosen)
        m.drawFormatBits(ec: ec, mask: chosen)
        return QRCode(version: version, errorCorrection: ec, mask: chosen, size: m.size, modules: m.modules, penalty: m.penalty())
    }

    private static func forcedVersion(_ v: Int?) -> String? {
        guard let v, !(1...maxVersion).contains(v) else { return nil }
        return "version \(v) is not 1 to \(maxVersion)"
    }

    /// How many bytes a version holds in byte mode.
    public static func byteCapacity(_ version: Int, _ ec: ErrorCorrection) -> Int {
        (dataCodewords(version, ec) * 8 - 4 - countBits(version)) / 8
    }

    // MARK: - Data

    /// ISO/IEC 18004 Table 9, versions 1–20: error-correction codewords per block, and the groups of blocks
    /// (how many, data codewords in each).
    private static let blocks: [ErrorCorrection: [(ec: Int, groups: [(count: Int, data: Int)])]] = [
        .low: [(7, [(1, 19)]), (10, [(1, 34)]), (15, [(1, 55)]), (20, [(1, 80)]), (26, [(1, 108)]), (18, [(2, 68)]), (20, [(2, 78)]), (24, [(2, 97)]), (30, [(2, 116)]), (18, [(2, 68), (2, 69)]), (20, [(4, 81)]), (24, [(2, 92), (2, 93)]), (26, [(4, 107)]), (30, [(3, 115), (1, 116)]), (22, [(5, 87), (1, 88)]), (24, [(5, 98), (1, 99)]), (28, [(1, 107), (5, 108)]), (30, [(5, 120), (1, 121)]), (28, [(3, 113), (4, 114)]), (28, [(3, 107), (5, 108)])],
        .medium: [(10, [(1, 16)]), (16, [(1, 28)]), (26, [(1, 44)]), (18, [(2, 32)]), (24, [(2, 43)]), (16, [(4, 27)]), (18, [(4, 31)]), (22, [(2, 38), (2, 39)]), (22, [(3, 36), (2, 37)]), (26, [(4, 43), (1, 44)]), (30, [(1, 50), (4, 51)]), (22, [(6, 36), (2, 37)]), (22, [(8, 37), (1, 38)]), (24, [(4, 40), (5, 41)]), (24, [(5, 41), (5, 42)]), (28, [(7, 45), (3, 46)]), (28, [(10, 46), (1, 47)]), (26, [(9, 43), (4, 44)]), (26, [(3, 44), (11, 45)]), (26, [(3, 41), (13, 42)])],
    ]

    private static func table(_ version: Int, _ ec: ErrorCorrection) -> (ec: Int, groups: [(count: Int, data: Int)]) {
        blocks[ec]?[version - 1] ?? (0, [])
    }

    static func dataCodewords(_ version: Int, _ ec: ErrorCorrection) -> Int {
        table(version, ec).groups.reduce(0) { $0 + $1.count * $1.data }
    }

    /// The character count indicator's width in byte mode (Table 3).
    static func countBits(_ version: Int) -> Int { version < 10 ? 8 : 16 }

    /// Mode, count, the bytes, the terminator and the pad codewords (§7.4).
    static func dataCodewords(bytes: [UInt8], version: Int, ec: ErrorCorrection) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, countBits(version))
        for b in bytes { append(Int(b), 8) }
        let capacity = dataCodewords(version, ec) * 8
        append(0, min(4, capacity - bits.count))
        if bits.count % 8 != 0 { append(0, 8 - bits.count % 8) }
        var out: [UInt8] = []
        for i in stride(from: 0, to: bits.count, by: 8) {
            var b: UInt8 = 0
            for j in 0..<8 where bits[i + j] { b |= 1 << (7 - j) }
            out.append(b)
        }
        var pad: UInt8 = 0xEC
        while out.count < capacity / 8 {
            out.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return out
    }

    /// Splits the data into blocks, adds each block's Reed–Solomon codewords, and interleaves both (§7.6).
    static func interleave(data: [UInt8], version: Int, ec: ErrorCorrection) -> [UInt8] {
        let t = table(version, ec)
        let generator = ReedSolomon.generator(degree: t.ec)
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for g in t.groups {
            for _ in 0..<g.count {
                dataBlocks.append(Array(data[offset..<offset + g.data]))
                offset += g.data
            }
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, generator: generator) }
        var out: [UInt8] = []
        let longest = dataBlocks.map(\.count).max() ?? 0
        for i in 0..<longest {
            for b in dataBlocks where i < b.count { out.append(b[i]) }
        }
        for i in 0..<t.ec {
            for b in ecBlocks { out.append(b[i]) }
        }
        return out
    }
}

/// Reed–Solomon over GF(256) with the polynomial x⁸ + x⁴ + x³ + x² + 1 (ISO/IEC 18004 §7.5.2).
enum ReedSolomon {
    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var x = Int(a), y = Int(b), r = 0
        while y > 0 {
            if y & 1 == 1 { r ^= x }
            x <<= 1
            if x & 0x100 != 0 { x ^= 0x11D }
            y >>= 1
        }
        return UInt8(r)
    }

    /// The generator polynomial of `degree`, highest coefficient first, the leading 1 left out.
    static func generator(degree: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: degree)
        guard degree > 0 else { return result }
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                result[j] = multiply(result[j], root)
                if j + 1 < degree { result[j] ^= result[j + 1] }
            }
            root = multiply(root, 2)
        }
        return result
    }

    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        guard !generator.isEmpty else { return result }
        for b in data {
            let factor = b ^ result[0]
            result.removeFirst()
            result.append(0)
            for i in 0..<result.count { result[i] ^= multiply(generator[i], factor) }
        }
        return result
    }
}

/// The symbol being drawn: modules, and which of them are function patterns (never masked).
private struct Matrix {
    let version: Int
    let size: Int
    var modules: [Bool]
    var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        modules = [Bool](repeating: false, count: size * size)
        isFunction = modules
    }

    subscript(x: Int, y: Int) -> Bool {
        get { modules[y * size + x] }
        set { modules[y * size + x] = newValue }
    }

    mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    /// Annex E: the centres of the alignment patterns, versions 2–20.
    static let alignment: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
        [6, 30, 54], [6, 32, 58], [6, 34, 62], [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78],
        [6, 30, 56, 82], [6, 30, 58, 86], [6, 34, 62, 90],
    ]

    mutating func drawFunctionPatterns(ec: QRCode.ErrorCorrection) {
        for i in 0..<size {
            setFunction(6, i, i % 2 == 0)
            setFunction(i, 6, i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx, y = cy + dy
                    guard x >= 0, y >= 0, x < size, y < size else { continue }
                    let d = max(abs(dx), abs(dy))
                    setFunction(x, y, d != 2 && d != 4)
                }
            }
        }
        let centres = Self.alignment[version - 1]
        let last = centres.count - 1
        for (i, cx) in centres.enumerated() {
            for (j, cy) in centres.enumerated() {
                // The three corners where a finder pattern is.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormatBits(ec: ec, mask: 0)
        if version >= 7 {
            var rem = version
            for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
            let bits = version << 12 | rem
            for i in 0..<18 {
                let dark = (bits >> i) & 1 == 1
                let a = size - 11 + i % 3, b = i / 3
                setFunction(a, b, dark)
                setFunction(b, a, dark)
            }
        }
    }

    /// The 15 format bits (EC level and mask, BCH-protected, §7.9), both copies, and the dark module.
    mutating func drawFormatBits(ec: QRCode.ErrorCorrection, mask: Int) {
        let data = ec.formatBits << 3 | mask
        var rem = data
        for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
        let bits = (data << 10 | rem) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { setFunction(8, i, bit(i)) }
        setFunction(8, 7, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(7, 8, bit(8))
        for i in 9..<15 { setFunction(14 - i, 8, bit(i)) }
        for i in 0..<8 { setFunction(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { setFunction(8, size - 15 + i, bit(i)) }
        setFunction(8, size - 8, true)
    }

    /// Places the codewords in the two-module-wide zigzag from the bottom right (§7.7.3).
    mutating func drawCodewords(_ data: [UInt8]) {
        var i = 0
        let total = data.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vert in 0..<size {
                for j in 0..<2 {
                    let x = right - j
                    let upward = (right + 1) & 2 == 0
                    let y = upward ? size - 1 - vert : vert
                    if !isFunction[y * size + x], i < total {
                        self[x, y] = (data[i >> 3] >> (7 - UInt8(i & 7))) & 1 == 1
                        i += 1
                    }
                }
            }
            right -= 2
        }
    }

    /// XORs the data modules with mask pattern `mask` (Table 10; x is the column, y the row).
    mutating func apply(mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] {
                let invert: Bool
                switch mask {
                case 0: invert = (x + y) % 2 == 0
                case 1: invert = y % 2 == 0
                case 2: invert = x % 3 == 0
                case 3: invert = (x + y) % 3 == 0
                case 4: invert = (x / 3 + y / 2) % 2 == 0
                case 5: invert = x * y % 2 + x * y % 3 == 0
                case 6: invert = (x * y % 2 + x * y % 3) % 2 == 0
                default: invert = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if invert { self[x, y].toggle() }
            }
        }
    }

    /// The penalty of §7.8.3 (Table 11): runs of five or more, 2 × 2 blocks, 1:1:3:1:1 finder-like patterns with
    /// four light modules (or the light quiet zone) on one side, and the dark/light balance.
    func penalty() -> Int {
        var score = 0
        let pattern: [Bool] = [true, false, true, true, true, false, true]
        for horizontal in [true, false] {
            for a in 0..<size {
                let line = (0..<size).map { b in horizontal ? self[b, a] : self[a, b] }
                var run = 1
                for b in 1..<size {
                    if line[b] == line[b - 1] {
                        run += 1
                    } else {
                        if run >= 5 { score += run - 2 }
                        run = 1
                    }
                }
                if run >= 5 { score += run - 2 }
                var i = 0
                while i + 7 <= size {
                    guard (0..<7).allSatisfy({ line[i + $0] == pattern[$0] }) else {
                        i += 1
                        continue
                    }
                    let lightBefore = !line[max(i - 4, 0)..<i].contains(true)
                    let lightAfter = !line[(i + 7)..<min(i + 11, size)].contains(true)
                    if i == 0 || i == size - 7 || lightBefore || lightAfter {
                        score += 40
                        i += 7
                    } else {
                        i += 4
                    }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let c = self[x, y]
                if c == self[x + 1, y], c == self[x, y + 1], c == self[x + 1, y + 1] { score += 3 }
            }
        }
        let dark = modules.filter { $0 }.count
        let percent = Double(dark) * 100 / Double(modules.count)
        score += 10 * Int(abs(percent - 50) / 5)
        return score
    }
}

/// A QR code as terminal text: two module rows per line with half blocks, or two characters per module in ASCII.
/// Light modules are drawn with ink, so the code reads on the usual light-on-dark terminal (scanners read an
/// inverted code too); the quiet zone is `quietZone` light modules on every side.
public enum QRCodeText {
    public static let quietZone = 2

    /// The lines, each of `size + 2 × quietZone` cells (ASCII: twice that).
    public static func lines(_ code: QRCode, ascii: Bool = false) -> [String] {
        let q = quietZone
        let range = -q..<(code.size + q)
        var out: [String] = []
        if ascii {
            for y in range {
                out.append(String(range.map { x -> String in code[x, y] ? "  " : "##" }.joined()))
            }
            return out
        }
        for y in stride(from: -q, to: code.size + q, by: 2) {
            var line = ""
            for x in range {
                let top = !code[x, y], bottom = y + 1 < code.size + q ? !code[x, y + 1] : false
                switch (top, bottom) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            out.append(line)
        }
        return out
    }
}

import Foundation
import OAuthCore
import Testing

/// The QR encoder against an independent one: Fixtures/qr-segno.json holds matrices segno made
/// (scripts/qr-fixtures.py) for the same text, version, error-correction level and mask.
@Suite("QR code")
struct QRCodeTests {
    struct Case: Decodable {
        var text: String
        var ec: String
        var version: Int
        var mask: Int
        var chosen: Bool
        var rows: [String]
    }

    struct Fixture: Decodable {
        var generator: String
        var cases: [Case]
    }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/qr-segno.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func rows(_ q: QRCode) -> [String] {
        (0..<q.size).map { y in String((0..<q.size).map { x in q[x, y] ? "1" : "0" }) }
    }

    @Test("every module equals segno's for the same version, level and mask")
    func matchesSegno() throws {
        let f = try Self.fixture()
        #expect(f.cases.count >= 8)
        for c in f.cases {
            let ec: QRCode.ErrorCorrection = c.ec == "L" ? .low : .medium
            let q = try QRCode.encode(c.text, errorCorrection: ec, version: c.version, mask: c.mask)
            #expect(q.size == c.rows.count)
            let ours = Self.rows(q)
            let differing = zip(ours, c.rows).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            #expect(differing.isEmpty, "\(c.text.prefix(40)) v\(c.version)-\(c.ec) mask \(c.mask): rows \(differing.prefix(5)) differ")
        }
    }

    /// The mask is chosen by the penalty rules on the finished symbol (format bits included); segno scores before
    /// placing them, so the two may pick different masks for the same text, each a valid symbol.
    @Test("the smallest version that holds the text is used, and the chosen mask has the lowest penalty")
    func automaticChoices() throws {
        for c in try Self.fixture().cases where c.chosen {
            let ec: QRCode.ErrorCorrection = c.ec == "L" ? .low : .medium
            let q = try QRCode.encode(c.text, errorCorrection: ec)
            #expect(q.version == c.version, "\(c.text): version \(q.version), segno \(c.version)")
            let penalties = try (0..<8).map { try QRCode.encode(c.text, errorCorrection: ec, mask: $0).penalty }
            #expect(penalties[q.mask] == penalties.min())
        }
    }

    @Test("capacity: 300-byte URLs fit; longer than version 20 holds is refused, not truncated")
    func capacity() throws {
        let url = "https://verify.example/device?user_code=BCDF-GHJK&pad=" + String(repeating: "x", count: 250)
        #expect(url.utf8.count >= 300)
        let q = try QRCode.encode(url, errorCorrection: .medium)
        #expect(q.version <= QRCode.maxVersion)
        #expect(QRCode.byteCapacity(q.version, .medium) >= url.utf8.count)
        if q.version > 1 { #expect(QRCode.byteCapacity(q.version - 1, .medium) < url.utf8.count) }
        let tooLong = String(repeating: "y", count: QRCode.byteCapacity(QRCode.maxVersion, .medium) + 1)
        #expect(throws: QRCodeError.self) { try QRCode.encode(tooLong) }
        #expect(throws: QRCodeError.self) { try QRCode.encode("a", mask: 8) }
        #expect(throws: QRCodeError.self) { try QRCode.encode("a", version: 21) }
    }

    @Test("half blocks: two module rows per line, a light quiet zone all round; ASCII: two characters per module")
    func text() throws {
        let q = try QRCode.encode("HELLO", errorCorrection: .low, version: 1, mask: 0)
        let lines = QRCodeText.lines(q)
        let side = q.size + 2 * QRCodeText.quietZone
        #expect(lines.count == (side + 1) / 2)
        #expect(lines.allSatisfy { $0.count == side })
        // The quiet zone is light: drawn with ink, so the first line is all full blocks.
        #expect(lines[0] == String(repeating: "█", count: side))
        // Decoding the text back gives the matrix: top half and bottom half of each cell.
        for (i, line) in lines.enumerated() {
            for (x, ch) in line.enumerated() {
                let top = ch == "█" || ch == "▀", bottom = ch == "█" || ch == "▄"
                let mx = x - QRCodeText.quietZone, my = 2 * i - QRCodeText.quietZone
                #expect(top == !q[mx, my])
                if my + 1 < q.size + QRCodeText.quietZone { #expect(bottom == !q[mx, my + 1]) }
            }
        }
        let ascii = QRCodeText.lines(q, ascii: true)
        #expect(ascii.count == side)
        #expect(ascii.allSatisfy { $0.count == 2 * side && $0.allSatisfy { $0 == "#" || $0 == " " } })
    }
}

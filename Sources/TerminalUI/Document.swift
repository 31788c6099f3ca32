import Foundation

/// A run of text in one role.
struct Span: Sendable, Hashable {
    var text: String
    var role: ThemeRole

    init(_ text: String, _ role: ThemeRole = .text) {
        self.text = text
        self.role = role
    }
}

/// One logical line: spans, and how far its wrapped continuation rows are indented.
struct StyledLine: Sendable, Hashable {
    var spans: [Span]
    var indent: Int

    init(_ spans: [Span], indent: Int = 0) {
        self.spans = spans
        self.indent = indent
    }

    var width: Int { spans.reduce(0) { $0 + CellGrid.columns($1.text) } }
}

/// A parameter table: name, value, what it is for, and the section that defines it.
struct ParamTable: Sendable, Hashable {
    struct Row: Sendable, Hashable {
        var name: String
        var value: [Span]
        var purpose: String
        var ref: String
    }

    var rows: [Row]
}

/// Scrollable text for the detail pane and the help overlay, laid out for a width only when drawn. Long values
/// wrap (prose at spaces, URLs and tokens anywhere) so nothing is cut off.
struct Document: Sendable {
    enum Block: Sendable {
        case line(StyledLine)
        case table(ParamTable)
    }

    private(set) var blocks: [Block] = []

    mutating func line(_ spans: [Span], indent: Int = 0) { blocks.append(.line(StyledLine(spans, indent: indent))) }
    mutating func line(_ spans: Span..., indent: Int = 0) { line(spans, indent: indent) }

    /// Text that may hold newlines: one line per line of text.
    mutating func text(_ s: String, _ role: ThemeRole = .text, indent: Int = 0, hanging: Int = 0) {
        for part in s.split(separator: "\n", omittingEmptySubsequences: false) {
            line([Span(String(repeating: " ", count: indent) + String(part), role)], indent: indent + hanging)
        }
    }

    mutating func blank() {
        if case .line(let l)? = blocks.last, l.spans.isEmpty { return }
        if blocks.isEmpty { return }
        blocks.append(.line(StyledLine([])))
    }

    mutating func heading(_ s: String) {
        blank()
        line(Span(s, .title))
    }

    mutating func table(_ t: ParamTable) { if !t.rows.isEmpty { blocks.append(.table(t)) } }

    mutating func append(_ other: Document) { blocks += other.blocks }

    /// The document as rows no wider than `width`.
    func layout(width: Int, asciiOnly: Bool) -> [StyledLine] {
        guard width > 0 else { return [] }
        var out: [StyledLine] = []
        for block in blocks {
            switch block {
            case .line(let l): out += Wrap.wrap(l, width: width, asciiOnly: asciiOnly)
            case .table(let t): out += Wrap.table(t, width: width, asciiOnly: asciiOnly)
            }
        }
        return out
    }
}

/// Word wrapping over styled spans, measured in terminal columns after escaping.
enum Wrap {
    struct Unit {
        var ch: Character
        var width: Int
        var role: ThemeRole
    }

    static func units(_ spans: [Span], asciiOnly: Bool) -> [Unit] {
        var out: [Unit] = []
        for span in spans {
            for ch in CellGrid.displayable(span.text, asciiOnly: asciiOnly) {
                out.append(Unit(ch: ch, width: CellGrid.columns(of: ch), role: span.role))
            }
        }
        return out
    }

    static func spans(_ units: ArraySlice<Unit>) -> [Span] {
        var out: [Span] = []
        for u in units {
            if let last = out.last, last.role == u.role {
                out[out.count - 1].text.append(u.ch)
            } else {
                out.append(Span(String(u.ch), u.role))
            }
        }
        return out
    }

    /// Splits a line into rows of at most `width` columns: at the last space when there is one, else anywhere.
    /// Continuation rows start with the line's hanging indent.
    static func wrap(_ line: StyledLine, width: Int, asciiOnly: Bool) -> [StyledLine] {
        let all = units(line.spans, asciiOnly: asciiOnly)
        if all.isEmpty { return [StyledLine([])] }
        let indent = min(line.indent, width / 2)
        var rows: [StyledLine] = []
        var start = 0
        var first = true
        while start < all.count {
            let avail = first ? width : width - indent
            var w = 0
            var end = start
            var lastSpace: Int?
            while end < all.count, w + all[end].width <= avail {
                if all[end].ch == " " { lastSpace = end }
                w += all[end].width
                end += 1
            }
            if end < all.count {
                if all[end].ch == " " {
                    lastSpace = end
                }
                if let sp = lastSpace, sp > start {
                    end = sp
                } else if end == start {
                    end = start + 1  // a character wider than the row: show it anyway
                }
            }
            var rowUnits = all[start..<end]
            while let l = rowUnits.last, l.ch == " ", end < all.count { rowUnits = rowUnits.dropLast() }
            var spans = spans(rowUnits)
            if !first, indent > 0 { spans.insert(Span(String(repeating: " ", count: indent), .text), at: 0) }
            rows.append(StyledLine(spans))
            start = end
            // A break at a space swallows the spaces, so the next row starts with a word.
            while start < all.count, all[start].ch == " ", !rows.isEmpty { start += 1 }
            first = false
        }
        return rows
    }

    static func pad(_ line: StyledLine, to width: Int) -> [Span] {
        let w = line.width
        return w < width ? line.spans + [Span(String(repeating: " ", count: width - w))] : line.spans
    }

    /// A parameter table: four columns when wide, three (purpose and section together) when middling, and one
    /// entry per parameter stacked over two lines when narrow.
    static func table(_ t: ParamTable, width: Int, asciiOnly: Bool) -> [StyledLine] {
        let nameW = min(22, max(9, t.rows.map { CellGrid.columns($0.name, asciiOnly: asciiOnly) }.max() ?? 0))
        let valueNatural = max(5, t.rows.map { StyledLine($0.value).width }.max() ?? 0)
        func line(_ spans: [Span]) -> [StyledLine] { [StyledLine(spans)] }
        if width >= 110 {
            let refW = min(18, max(10, t.rows.map { CellGrid.columns($0.ref, asciiOnly: asciiOnly) }.max() ?? 0))
            let rest = width - nameW - refW - 6
            let valueW = min(valueNatural, rest * 45 / 100)
            let widths = [nameW, valueW, rest - valueW, refW]
            var out = grid([line([Span("Parameter", .title)]), line([Span("Value", .title)]), line([Span("What it is for", .title)]), line([Span("Defined in", .title)])], widths: widths, asciiOnly: asciiOnly)
            for r in t.rows {
                out += grid([line([Span(r.name, .jsonKey)]), line(r.value), line([Span(r.purpose, .muted)]), line([Span(r.ref, .findingInfo)])], widths: widths, asciiOnly: asciiOnly)
            }
            return out
        }
        if width >= 60 {
            let rest = width - nameW - 4
            let valueW = min(valueNatural, rest * 40 / 100)
            let widths = [nameW, valueW, rest - valueW]
            var out = grid([line([Span("Parameter", .title)]), line([Span("Value", .title)]), line([Span("What it is for", .title)])], widths: widths, asciiOnly: asciiOnly)
            for r in t.rows {
                // The section goes on its own line so that "RFC 6749 §4.1.1" is never split across two.
                var purpose = [StyledLine([Span(r.purpose, .muted)])]
                if !r.ref.isEmpty { purpose.append(StyledLine([Span(r.ref, .findingInfo)])) }
                out += grid([line([Span(r.name, .jsonKey)]), line(r.value), purpose], widths: widths, asciiOnly: asciiOnly)
            }
            return out
        }
        var out: [StyledLine] = []
        for r in t.rows {
            out += wrap(StyledLine([Span(r.name, .jsonKey), Span(" ")] + r.value, indent: 4), width: width, asciiOnly: asciiOnly)
            var purpose = [Span("  " + r.purpose, .muted)]
            if !r.ref.isEmpty { purpose.append(Span(" " + r.ref, .findingInfo)) }
            out += wrap(StyledLine(purpose, indent: 2), width: width, asciiOnly: asciiOnly)
        }
        return out
    }

    /// One table row: each cell wrapped in its column, the row as tall as its tallest cell.
    static func grid(_ cells: [[StyledLine]], widths: [Int], asciiOnly: Bool) -> [StyledLine] {
        let wrapped = zip(cells, widths).map { cell, w in cell.flatMap { wrap($0, width: max(1, w), asciiOnly: asciiOnly) } }
        let height = wrapped.map(\.count).max() ?? 0
        var out: [StyledLine] = []
        for row in 0..<height {
            var spans: [Span] = []
            for (i, col) in wrapped.enumerated() {
                let line = row < col.count ? col[row] : StyledLine([])
                if i == wrapped.count - 1 {
                    spans += line.spans
                } else {
                    spans += pad(line, to: widths[i]) + [Span("  ")]
                }
            }
            out.append(StyledLine(spans))
        }
        return out
    }
}

extension CellGrid {
    /// Draws one laid-out line from (x, y), clipped at `limit`. Returns the column after it.
    @discardableResult
    mutating func draw(_ line: StyledLine, x: Int, y: Int, limit: Int) -> Int {
        var col = x
        for span in line.spans { col = write(span.text, x: col, y: y, role: span.role, limit: limit) }
        return col
    }
}

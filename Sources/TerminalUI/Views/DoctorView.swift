import FlowEngine
import Foundation
import OAuthCore

extension ScreenRenderer {
    /// `oauthscope doctor`: the report card (one row per probe: mark, id, one-line verdict) on top; below it the
    /// shown probe's evidence (its hops) beside what its result means, how to fix it and the rule. Live: the
    /// running probe is shown while it runs; afterwards the first that failed (else warned, else the last).
    func drawDoctorBody(_ grid: inout CellGrid, _ body: Rect, report: DoctorReport) {
        let total = max(report.rows.count, report.plan?.probes.count ?? ProbeCatalogue.all.count)
        let cardHeight = min(body.height / 2 + 1, total + 2)
        let card = Rect(x: body.x, y: body.y, width: body.width, height: max(3, cardHeight))
        var title = "Doctor report card"
        if let c = report.completed {
            title += " \(glyphs.separator) " + DoctorCompleted.countsLine(c.counts)
        } else if let plan = report.plan {
            title += " \(glyphs.separator) \(report.rows.filter { $0.result != nil }.count)/\(plan.probes.count) probes, \(plan.approvals) approvals (\(plan.user))"
        }
        drawBox(&grid, card, title: title, focused: true)
        // A probe picked with the move keys, else the running one (then the first that failed).
        let shown = ui.doctorSelection.map { min($0, max(0, report.rows.count - 1)) } ?? report.defaultSelection
        let inner = card.inner
        let idWidth = min(inner.width / 2, max(10, (report.rows.map(\.probe.count).max() ?? 10) + 1))
        let firstRow = max(0, (shown ?? 0) - inner.height + 1)
        for (k, row) in report.rows.enumerated().dropFirst(firstRow).prefix(inner.height) {
            let y = inner.y + k - firstRow
            let (mark, role) = Self.mark(row.result, glyphs: glyphs)
            if k == shown { grid.fill(x: inner.x, y: y, width: inner.width, height: 1, role: .selection) }
            var x = grid.write(k == shown ? glyphs.selected : " ", x: inner.x, y: y, role: .selection, limit: inner.maxX)
            x = grid.write(mark + " ", x: x, y: y, role: role, limit: inner.maxX)
            x = grid.write(row.probe.padding(toLength: idWidth, withPad: " ", startingAt: 0) + " ", x: x, y: y, role: .text, limit: inner.maxX)
            _ = grid.write(row.result == nil ? "running: " + row.asks : row.detail, x: x, y: y, role: row.result == nil ? .stepInProgress : .muted, limit: inner.maxX)
        }

        let lower = Rect(x: body.x, y: card.y + card.height, width: body.width, height: body.height - card.height)
        guard lower.height >= 3, let index = shown, index < report.rows.count else { return }
        let row = report.rows[index]
        let evidenceWidth = lower.width >= 100 ? lower.width * 11 / 20 : lower.width / 2
        let evidence = Rect(x: lower.x, y: lower.y, width: evidenceWidth, height: lower.height)
        let meaning = Rect(x: lower.x + evidenceWidth, y: lower.y, width: lower.width - evidenceWidth, height: lower.height)

        drawBox(&grid, evidence, title: "Evidence \(glyphs.separator) \(row.probe)", focused: false)
        var lines: [(String, ThemeRole)] = []
        for e in row.evidence {
            switch e.payload {
            case .httpRequest(let r), .tokenRequest(let r):
                lines.append(("\(glyphs.asciiOnly ? ">" : "→") \(r.method) \(r.url)", .httpMethod))
                for h in r.headers { lines.append(("    \(h.name): \(h.value.display(reveal: ui.revealByDefault))", .muted)) }
                if !r.body.display(reveal: false).isEmpty { lines.append(("    " + r.body.display(reveal: ui.revealByDefault), .muted)) }
            case .httpResponse(let r), .tokenResponse(let r):
                lines.append(("\(glyphs.asciiOnly ? "<" : "←") HTTP \(r.status) (\(r.purpose), \(r.elapsedMs) ms)", ThemeRole.httpStatus(r.status)))
                for h in r.headers { lines.append(("    \(h.name): \(h.value.display(reveal: ui.revealByDefault))", .muted)) }
                let b = r.body.display(reveal: ui.revealByDefault)
                if !b.isEmpty, r.purpose != .authorize { lines.append(("    " + b, .muted)) }
            case .urlBuilt(let u):
                lines.append(("authorization request: \(u.url)", .text))
            case .callbackReceived(let c):
                lines.append(("callback \(c.method) \(c.path): \(c.verdict.rawValue)", .text))
            case .finding:
                continue
            default:
                lines.append((e.payload.kind.rawValue, .muted))
            }
        }
        if lines.isEmpty { lines.append((row.result == nil ? "waiting for the first hop" : "no hops: the verdict comes from what earlier probes saw", .muted)) }
        drawWrapped(&grid, evidence.inner, lines)

        drawBox(&grid, meaning, title: "What this means, how to fix it", focused: false)
        let kind = ProbeCatalogue.kind(id: row.probe)
        var text: [(String, ThemeRole)] = [(row.asks.isEmpty ? (kind?.asks ?? row.probe) : row.asks, .title)]
        if let r = row.result {
            let (_, role) = Self.mark(r, glyphs: glyphs)
            text.append(("\(r.rawValue.uppercased()): \(row.detail)", role))
        }
        text.append(("Reference: \(row.ref)", .muted))
        if let fix = row.fix ?? (row.result == .pass ? nil : kind?.meaning) { text.append((fix, .text)) }
        drawWrapped(&grid, meaning.inner, text)
    }

    /// The doctor's status line: which probe runs, or the counts once done, and the keys that apply.
    func drawDoctorStatus(_ grid: inout CellGrid, _ r: Rect, report: DoctorReport) {
        grid.fill(x: r.x, y: r.y, width: r.width, height: 1, role: .muted)
        let text: String
        let role: ThemeRole
        if let c = report.completed {
            text = " doctor finished \(glyphs.separator) " + DoctorCompleted.countsLine(c.counts)
            role = c.counts.fail > 0 ? .stepFailed : .stepDone
        } else if let i = report.running {
            text = " doctor \(glyphs.separator) running \(report.rows[i].probe) (\(i + 1)/\(report.plan?.probes.count ?? report.rows.count))"
            role = .stepInProgress
        } else {
            text = " doctor \(glyphs.separator) starting"
            role = .stepInProgress
        }
        let x = grid.write(text, x: r.x, y: r.y, role: role, limit: r.maxX)
        let keys = "\(glyphs.asciiOnly ? "up/down" : "↑↓") pick a probe  ? help  q quit "
        if r.maxX - keys.count > x + 1 { _ = grid.write(keys, x: r.maxX - keys.count, y: r.y, role: .keyHint, limit: r.maxX) }
    }

    static func mark(_ result: ProbeResult?, glyphs: Glyphs) -> (String, ThemeRole) {
        switch result {
        case .pass?: return (glyphs.asciiOnly ? "+" : "✓", .stepDone)
        case .fail?: return (glyphs.asciiOnly ? "x" : "✗", .stepFailed)
        case .warn?: return ("!", .findingWarn)
        case .skip?: return ("-", .muted)
        case nil: return (glyphs.asciiOnly ? "*" : "…", .stepInProgress)
        }
    }

    /// Lines wrapped at word boundaries into `r`, one blank row between paragraphs when there is room.
    func drawWrapped(_ grid: inout CellGrid, _ r: Rect, _ paragraphs: [(String, ThemeRole)]) {
        guard r.width > 2, r.height > 0 else { return }
        var y = r.y
        let width = r.width - 1
        for (text, role) in paragraphs {
            var line = ""
            for word in text.split(separator: " ", omittingEmptySubsequences: false) {
                var w = String(word)
                while w.count > width {
                    if !line.isEmpty { guard y < r.y + r.height else { return }; _ = grid.write(line, x: r.x + 1, y: y, role: role, limit: r.maxX); y += 1; line = "" }
                    guard y < r.y + r.height else { return }
                    _ = grid.write(String(w.prefix(width)), x: r.x + 1, y: y, role: role, limit: r.maxX)
                    y += 1
                    w = String(w.dropFirst(width))
                }
                if line.count + w.count + (line.isEmpty ? 0 : 1) > width {
                    guard y < r.y + r.height else { return }
                    _ = grid.write(line, x: r.x + 1, y: y, role: role, limit: r.maxX)
                    y += 1
                    line = w
                } else {
                    line += (line.isEmpty ? "" : " ") + w
                }
            }
            guard y < r.y + r.height else { return }
            if !line.isEmpty { _ = grid.write(line, x: r.x + 1, y: y, role: role, limit: r.maxX); y += 1 }
        }
    }
}

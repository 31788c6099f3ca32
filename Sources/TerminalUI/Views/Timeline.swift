import FlowEngine
import Foundation

/// The grant's steps with their state glyph, time and duration, and under each its sub-steps (the newest that fit;
/// a line says how many earlier ones the detail pane holds).
struct TimelineView {
    var state: FlowState
    var ui: UIState
    var glyphs: Glyphs
    var now: Date

    /// How many sub-step rows each step gets: everyone gets what they need when it fits; otherwise the room is
    /// shared out evenly, and the step on display gets whatever is left over.
    func allowances(rows: Int) -> [Int] {
        let needs = state.steps.map { $0.substeps.count + ($0.substeps.dropped > 0 ? 1 : 0) }
        var room = max(0, rows - state.steps.count)
        var give = Array(repeating: 0, count: needs.count)
        var open = needs.indices.filter { needs[$0] > 0 }
        while !open.isEmpty, room > 0 {
            let share = room / open.count
            if share == 0 { break }
            let satisfiable = open.filter { needs[$0] - give[$0] <= share }
            if satisfiable.isEmpty {
                for i in open { give[i] += share }
                room -= share * open.count
                break
            }
            for i in satisfiable {
                room -= needs[i] - give[i]
                give[i] = needs[i]
            }
            open.removeAll { satisfiable.contains($0) }
        }
        let shown = state.steps.firstIndex { $0.step == ui.displayedStep(in: state) } ?? 0
        for i in [shown] + needs.indices.filter({ $0 != shown }) where room > 0 {
            let more = min(room, needs[i] - give[i])
            give[i] += more
            room -= more
        }
        return give
    }

    /// Draws the steps and returns which step each drawn row belongs to (for mouse clicks).
    @discardableResult
    func draw(into grid: inout CellGrid, _ r: Rect) -> [Int: FlowStep] {
        var rows: [Int: FlowStep] = [:]
        guard r.width > 0, r.height > 0 else { return rows }
        let give = allowances(rows: r.height)
        let shown = ui.displayedStep(in: state)
        var y = r.y
        let showMillis = r.width >= 38
        for (index, s) in state.steps.enumerated() {
            guard y < r.y + r.height else { break }
            drawStepLine(&grid, s, x: r.x, y: y, width: r.width, selected: s.step == shown, millis: showMillis)
            rows[y] = s.step
            y += 1
            let allowance = give[index]
            let subs = s.substeps
            guard allowance > 0, !subs.isEmpty else { continue }
            let hiddenHere = subs.count + (subs.dropped > 0 ? 1 : 0) > allowance
            let visibleCount = hiddenHere ? allowance - 1 : subs.count
            let earlier = subs.dropped + (subs.count - visibleCount)
            if earlier > 0, y < r.y + r.height {
                rows[y] = s.step
                grid.write("  \(glyphs.ellipsis) \(Format.count(earlier)) earlier", x: r.x, y: y, role: .muted, limit: r.maxX)
                y += 1
            }
            for sub in subs.suffix(max(0, visibleCount)) {
                guard y < r.y + r.height else { break }
                rows[y] = s.step
                var x = grid.write("  " + glyphs.substep(sub.kind) + " ", x: r.x, y: y, role: sub.kind.role, limit: r.maxX)
                x = grid.write(Text.truncate(sub.text, to: r.maxX - x, ellipsis: glyphs.ellipsis, asciiOnly: glyphs.asciiOnly), x: x, y: y, role: sub.kind == .fail ? .findingError : .text, limit: r.maxX)
                y += 1
            }
        }
        if state.started == nil, state.log.isEmpty, y + 1 < r.y + r.height {
            grid.write("Waiting for the flow to start…", x: r.x + 1, y: y + 1, role: .muted, limit: r.maxX)
        }
        return rows
    }

    func drawStepLine(_ grid: inout CellGrid, _ s: StepState, x: Int, y: Int, width: Int, selected: Bool, millis: Bool) {
        let role = s.status.role
        var col = grid.write(glyphs.status(s.status) + " ", x: x, y: y, role: role)
        let labelRole: ThemeRole = selected ? .selection : (s.status == .waiting ? .muted : .text)
        let timeWidth = millis ? 12 : 8
        let durWidth = 5
        let labelWidth = max(1, width - 2 - timeWidth - durWidth - 2)
        col = grid.write(Text.pad(s.step.label, to: labelWidth), x: col, y: y, role: labelRole, limit: x + width)
        if selected { grid.restyle(x: x + 2, y: y, width: width - 2, role: .selection) }
        let at: Date? = s.status == .done || s.status == .failed ? (s.finishedAt ?? s.startedAt) : s.startedAt
        let time = at.map { Format.clock($0, zone: ui.timeZone, millis: millis) } ?? ""
        let dur = (s.status == .waiting ? nil : s.duration(now: now)).map(Format.duration) ?? ""
        col = grid.write(" " + Text.pad(time, to: timeWidth), x: col, y: y, role: selected ? .selection : .muted, limit: x + width)
        let durText = String(repeating: " ", count: max(0, durWidth - dur.count)) + dur
        grid.write(" " + durText, x: col, y: y, role: selected ? .selection : (s.status == .inProgress ? .stepInProgress : .muted), limit: x + width)
    }
}

/// `--bell`: which events ring the terminal bell. A callback that arrived is worth a sound for someone waiting on
/// a slow provider; a stray request (a browser's `/favicon.ico`, a probe) is not.
public enum CallbackBell {
    /// The terminal bell, BEL (the only control character the bell writers send).
    public static let byte: UInt8 = 0x07

    /// Whether `event` rings the bell: a `callback.received` that is not a stray.
    public static func rings(_ event: FlowEvent) -> Bool {
        guard case .callbackReceived(let c) = event.payload else { return false }
        return c.verdict != .stray
    }

    /// How many callbacks that ring the bell `state` has heard, over its whole life (not only what its bounded log
    /// still holds).
    public static func heard(in state: FlowState) -> Int {
        state.callbackCounts.reduce(0) { $0 + ($1.key == .stray ? 0 : $1.value) }
    }
}

import Foundation
import OAuthCore

extension FlowEvent {
    /// Foundation's decoder does not keep the order of an object's members, and `JSONValue` sorts them to stay
    /// stable. Where the order is part of what happened (headers in wire order, a callback's parameters as they
    /// came), it is read again from the line itself with the order-keeping `JSONValue.parse`.
    mutating func restoreMemberOrder(from line: String) {
        let needs: Bool
        switch payload {
        case .httpRequest, .httpResponse, .tokenRequest, .tokenResponse, .callbackReceived, .urlBuilt: needs = true
        default: needs = false
        }
        guard needs, let ordered = JSONValue.parse(line) else { return }
        func headers(_ current: [HeaderField]) -> [HeaderField] {
            let list = HeaderField.decodeList(ordered["headers"])
            return list.count == current.count ? list : current
        }
        switch payload {
        case .httpRequest(var r):
            r.headers = headers(r.headers)
            payload = .httpRequest(r)
        case .tokenRequest(var r):
            r.headers = headers(r.headers)
            payload = .tokenRequest(r)
        case .httpResponse(var r):
            r.headers = headers(r.headers)
            payload = .httpResponse(r)
        case .tokenResponse(var r):
            r.headers = headers(r.headers)
            payload = .tokenResponse(r)
        case .callbackReceived(var c):
            if let q = ordered["query"], q.objectValue?.count == c.query.objectValue?.count { c.query = q }
            if let h = ordered["headers"], c.headers != nil, h.objectValue?.count == c.headers?.objectValue?.count { c.headers = h }
            payload = .callbackReceived(c)
        case .urlBuilt(var u):
            if let p = ordered["params"], p.objectValue?.count == u.params.objectValue?.count { u.params = p }
            payload = .urlBuilt(u)
        default:
            break
        }
    }
}

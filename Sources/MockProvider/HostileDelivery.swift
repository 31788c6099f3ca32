import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Set when the provider stops, so that answers which hold a connection open on purpose (a stalled or endless
/// body, trickling headers) let go at once instead of keeping the shutdown waiting.
final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    var isSet: Bool { stopped.load(ordering: .acquiring) }
    func set() { stopped.store(true, ordering: .releasing) }

    /// The longest any hostile answer holds a connection, whatever the client does.
    static let longestHold: Duration = .seconds(600)

    /// Sleeps in short steps until the provider stops or `longestHold` has passed.
    func hold() async {
        let end = ContinuousClock.now + Self.longestHold
        while !isSet, ContinuousClock.now < end {
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
        }
    }
}

/// Why a hostile answer ended its connection without finishing the response.
struct HostileDeliveryEnded: Error {}

/// Serves `MockFault.slowHeaders`: a loopback TCP port where every connection gets a status line and then header
/// lines, one byte at a time, that never end. HTTP servers cannot send a head piecemeal, hence plain sockets.
final class SlowHeadersServer: Sendable {
    /// The bound port.
    let port: Int
    private let listening: Int32
    private let stop = StopSignal()
    /// How long to wait between two bytes.
    static let interval: Duration = .milliseconds(100)

    private init(port: Int, listening: Int32) {
        self.port = port
        self.listening = listening
    }

    /// Binds an IPv4 or IPv6 literal `host` on any free port and starts accepting.
    static func start(host: String) throws -> SlowHeadersServer {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw MockProviderError.listenFailed(host: host, port: 0, reason: "socket() failed: errno \(errno)") }
        var bound: Int32
        if v6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            guard inet_pton(AF_INET6, host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), &addr.sin6_addr) == 1 else {
                close(fd)
                throw MockProviderError.listenFailed(host: host, port: 0, reason: "slow-headers needs an IP address to listen on")
            }
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
                close(fd)
                throw MockProviderError.listenFailed(host: host, port: 0, reason: "slow-headers needs an IP address to listen on")
            }
            bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = "bind/listen failed: errno \(errno)"
            close(fd)
            throw MockProviderError.listenFailed(host: host, port: 0, reason: reason)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port: Int = withUnsafePointer(to: &storage) { p in
            v6 ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        let server = SlowHeadersServer(port: port, listening: fd)
        Thread.detachNewThread { server.acceptLoop() }
        return server
    }

    /// Stops accepting and ends every trickle within one interval.
    func end() {
        stop.set()
        // Wakes the thread blocked in accept(); it closes the socket on its way out.
        _ = shutdown(listening, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(listening) }
        while !stop.isSet {
            let client = accept(listening, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            if stop.isSet {
                close(client)
                return
            }
            Thread.detachNewThread { self.trickle(to: client) }
        }
    }

    /// What goes out, byte by byte: a status line, then header lines without end.
    static func headBytes(line n: Int) -> [UInt8] {
        n == 0 ? Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".utf8) : Array("X-Trickle-\(n): slow\r\n".utf8)
    }

    private func trickle(to client: Int32) {
        defer { close(client) }
        // The request is read and ignored: whatever was asked, the answer is the same.
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        _ = scratch.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
        let end = ContinuousClock.now + StopSignal.longestHold
        var line = 0
        while !stop.isSet, ContinuousClock.now < end {
            for byte in Self.headBytes(line: line) {
                var b = byte
                guard send(client, &b, 1, Int32(MSG_NOSIGNAL)) == 1, !stop.isSet else { return }
                let c = Self.interval.components
                usleep(useconds_t(c.seconds * 1_000_000 + c.attoseconds / 1_000_000_000_000))
            }
            line += 1
        }
    }
}

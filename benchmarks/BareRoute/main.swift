// The baseline of benchmarks/listener_throughput.sh: a bare Hummingbird route on loopback answering every request
// with a static page of the size the callback listener sends, and nothing else (no judging, events or output), so
// the benchmark can say what our per-callback work costs on top of the framework. The response is the listener's
// byte for byte in size and headers (the four safety headers every callback page carries: no caching, a strict
// content security policy, no referrer, no sniffing), so the difference is only the listener's own work per
// callback (judging, the event, the bus, the JSONL line), not what the browser is sent.
// Usage: bare-route PORT
import HTTPTypes
import Hummingbird
import Logging

let port = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 8080
let page = ByteBuffer(string: """
    <!doctype html><html><head><meta charset="utf-8"><title>oauthscope: Sign-in did not complete</title>
    <style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;color:#222}</style></head>
    <body><h1>Sign-in did not complete</h1><p>oauthscope received this response but could not use it. The terminal says why. You can close this tab.</p></body></html>
    """)
let router = Router()
var headers: HTTPFields = [
    .cacheControl: "no-store",
    .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
    .contentType: "text/html; charset=utf-8",
]
for (name, value) in [("Referrer-Policy", "no-referrer"), ("X-Content-Type-Options", "nosniff")] {
    if let n = HTTPField.Name(name) { headers[n] = value }
}
let pageHeaders = headers
router.get("cb") { _, _ -> Response in
    Response(status: .ok, headers: pageHeaders, body: .init(byteBuffer: page))
}
var logger = Logger(label: "bare-route")
logger.logLevel = .critical
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()

// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer targets for the parsers that read hostile input (SECURITY.md). Built apart from the main package,
// with -sanitize=fuzzer,address, by scripts/fuzz.sh; one executable per target.
//
// A path dependency's identity is the name of its folder, which is whatever the clone is called: read it from
// where this manifest lives instead of assuming "oauthscope".
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootPackage = root.lastPathComponent.lowercased()

let targets = ["callback", "token-response", "jwt", "json", "toml", "terminal-text", "request-edit"]

let package = Package(
    name: "oauthscope-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver", .product(name: "OAuthCore", package: rootPackage)]),
    ] + targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [
                "FuzzSupport",
                .product(name: "OAuthCore", package: rootPackage),
                .product(name: "FlowEngine", package: rootPackage),
            ],
            path: "Sources/\(name)"
        )
    }
)

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

// One target per folder of Sources/ but the two support modules: the one list, which scripts/fuzz.sh reads too.
let support: Set = ["CFuzzerDriver", "FuzzSupport"]
let sources = root.appendingPathComponent("Fuzz/Sources").path
let targets = ((try? FileManager.default.contentsOfDirectory(atPath: sources)) ?? []).filter { !support.contains($0) && !$0.hasPrefix(".") }.sorted()

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

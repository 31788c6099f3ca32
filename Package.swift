// swift-tools-version:6.0
import PackageDescription

// The module table of DESIGN.md: each target imports only what is listed here.
let package = Package(
    name: "oauthscope",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "oauthscope", targets: ["oauthscope"]),
        // For the fuzz targets in Fuzz/ (scripts/fuzz.sh), which depend on this package by path.
        .library(name: "OAuthCore", targets: ["OAuthCore"]),
        .library(name: "FlowEngine", targets: ["FlowEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "OAuthCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .target(name: "FlowEngine", dependencies: ["OAuthCore"]),
        .target(
            name: "CallbackListener",
            dependencies: [
                "OAuthCore", "FlowEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ExchangeEngine",
            dependencies: [
                "OAuthCore", "FlowEngine",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "MockProvider",
            dependencies: [
                "OAuthCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Settings",
            dependencies: ["OAuthCore", "FlowEngine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The lessons of `demo --lesson`: data that stages a failure on the embedded provider and judges the flow.
        .target(name: "Lessons", dependencies: ["OAuthCore", "FlowEngine", "MockProvider"]),
        .systemLibrary(name: "CNCursesW", path: "Sources/CNCursesW"),
        .target(name: "TerminalUI", dependencies: ["OAuthCore", "FlowEngine", "CNCursesW"]),
        .executableTarget(
            name: "oauthscope",
            dependencies: [
                "OAuthCore", "FlowEngine", "Settings", "CallbackListener", "ExchangeEngine", "MockProvider", "TerminalUI", "Lessons",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["BuildInfo"]
        ),
        // The baseline of benchmarks/listener_throughput.sh: a bare Hummingbird route, built beside the listener.
        .executableTarget(
            name: "bare-route",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "benchmarks/BareRoute"
        ),
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .testTarget(name: "OAuthCoreTests", dependencies: ["OAuthCore", .product(name: "Crypto", package: "swift-crypto")], exclude: ["Fixtures"]),
        .testTarget(name: "FlowEngineTests", dependencies: ["FlowEngine", "OAuthCore"]),
        .testTarget(name: "CallbackListenerTests", dependencies: [
            "CallbackListener", "FlowEngine", "OAuthCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "ExchangeEngineTests", dependencies: [
            "ExchangeEngine", "FlowEngine", "OAuthCore", "MockProvider",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "MockProviderTests", dependencies: [
            "MockProvider", "OAuthCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "FlowEngine", "OAuthCore"], exclude: ["Snapshots"]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings", "FlowEngine", "OAuthCore"]),
        .testTarget(name: "IntegrationTests", dependencies: [
            "OAuthCore", "FlowEngine", "CallbackListener", "ExchangeEngine", "MockProvider", "Lessons",
        ]),
    ]
)

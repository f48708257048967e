// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "github-sidecar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "github-sidecar", targets: ["github-sidecar"]),
        .executable(name: "fake-github", targets: ["fake-github"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-algorithms.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
    ],
    targets: [
        // C client library of MariaDB, from Debian's libmariadb-dev.
        .systemLibrary(
            name: "CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        // Redis client library, from Debian's libhiredis-dev (Frappe's cache and realtime events).
        // No pkgConfig: its cflags carry -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a
        // warning; the header is in the default include path anyway.
        .systemLibrary(
            name: "CHiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // Plain values both sides share: JSON and naive (zone-less) dates and times.
        .target(name: "CoreValues"),
        .target(
            name: "MariaDB",
            dependencies: [
                "CMariaDB", "CoreValues",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Frappe",
            dependencies: [
                "MariaDB", "CHiredis", "CoreValues",
                .product(name: "Algorithms", package: "swift-algorithms"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "GitHub",
            dependencies: [
                "CoreValues",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Integration",
            dependencies: [
                "Frappe", "GitHub",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Server",
            dependencies: [
                "Integration", "Frappe",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "FakeGitHub",
            dependencies: [
                "GitHub",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "github-sidecar",
            dependencies: [
                "Server", "Integration", "Frappe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "fake-github",
            dependencies: [
                "FakeGitHub",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "SyncBenchmark",
            dependencies: ["Frappe", "MariaDB", "GitHub", "Integration"],
            path: "Benchmarks/SyncBenchmark"
        ),
        .executableTarget(
            name: "WebhookBenchmark",
            dependencies: [
                "Frappe", "MariaDB", "GitHub", "Integration", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            path: "Benchmarks/WebhookBenchmark"
        ),
        .executableTarget(
            name: "TemplateSyncBenchmark",
            dependencies: ["Frappe", "MariaDB", "GitHub", "Integration", "FakeGitHub",
                           .product(name: "_CryptoExtras", package: "swift-crypto")],
            path: "Benchmarks/TemplateSyncBenchmark"
        ),
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["Frappe", "MariaDB"],
            path: "Benchmarks/StoreBenchmark"
        ),
        .target(name: "TestSupport", dependencies: ["MariaDB", "Frappe"], path: "Tests/TestSupport"),
        .testTarget(name: "MariaDBTests", dependencies: ["MariaDB", "TestSupport"]),
        .testTarget(name: "FrappeTests", dependencies: ["Frappe", "MariaDB", "TestSupport", "Integration"]),
        .testTarget(
            name: "GitHubTests",
            dependencies: [
                "GitHub", "FakeGitHub", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Integration", "Frappe", "TestSupport", "FakeGitHub",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Integration", "Frappe", "GitHub", "FakeGitHub", "Server", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

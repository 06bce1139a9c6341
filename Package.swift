// swift-tools-version:6.0
// Whistle: one dispatch flow for every channel of citizen demands (街道吹哨、部门报到).
import PackageDescription

let package = Package(
    name: "whistle",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "intake", targets: ["intake"]),
        .executable(name: "dispatcher", targets: ["dispatcher"]),
        .executable(name: "notifier", targets: ["notifier"]),
        .executable(name: "evaluator", targets: ["evaluator"]),
        .executable(name: "whistlectl", targets: ["whistlectl"]),
        .executable(name: "whistle-bench", targets: ["whistle-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // C libraries, wrapped only by WhistleAMQP and WhistlePostgres.
        .systemLibrary(
            name: "CRabbitMQ", path: "Shared/CRabbitMQ", pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),

        .target(
            name: "WhistleConcurrency",
            dependencies: [
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/WhistleConcurrency"),
        .target(
            name: "WhistleAMQP",
            dependencies: [
                "CRabbitMQ", "WhistleConcurrency", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/WhistleAMQP"),
        .target(
            name: "WhistlePostgres",
            dependencies: [
                "CLibPQ", "WhistleConcurrency", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/WhistlePostgres"),
        .target(name: "WhistleMessages", path: "Shared/WhistleMessages"),
        .target(name: "WhistleDomain", dependencies: ["WhistleMessages"], path: "Shared/WhistleDomain"),
        .target(
            name: "WhistleRuntime",
            dependencies: [
                "WhistleMessages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/WhistleRuntime"),
        .target(
            name: "WhistleReliability",
            dependencies: [
                "WhistleAMQP", "WhistlePostgres", "WhistleMessages", "WhistleRuntime", "WhistleDomain",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/WhistleReliability",
            resources: [.copy("Migrations")]),

        // Services: a library with the testable build function, and a thin executable.
        .target(name: "IntakeService", dependencies: ["WhistleReliability", "WhistleDomain"], path: "Services/intake/Sources"),
        .executableTarget(name: "intake", dependencies: ["IntakeService"], path: "Services/intake/Main"),
        .target(name: "DispatcherService", dependencies: ["WhistleReliability", "WhistleDomain"], path: "Services/dispatcher/Sources"),
        .executableTarget(name: "dispatcher", dependencies: ["DispatcherService"], path: "Services/dispatcher/Main"),
        .target(
            name: "NotifierService",
            dependencies: [
                "WhistleReliability", "WhistleDomain", .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/notifier/Sources", resources: [.copy("Templates")]),
        .executableTarget(name: "notifier", dependencies: ["NotifierService"], path: "Services/notifier/Main"),
        .target(
            name: "EvaluatorService",
            dependencies: [
                "WhistleReliability", "WhistleDomain", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Services/evaluator/Sources"),
        .executableTarget(name: "evaluator", dependencies: ["EvaluatorService"], path: "Services/evaluator/Main"),
        .executableTarget(
            name: "whistlectl",
            dependencies: [
                "WhistleReliability", "WhistleDomain", "WhistleAMQP", "WhistlePostgres", "WhistleMessages", "EvaluatorService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Services/whistlectl"),
        .executableTarget(
            name: "whistle-bench",
            dependencies: [
                "WhistleReliability", "WhistleDomain", "EvaluatorService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/whistle-bench"),

        .testTarget(
            name: "UnitTests",
            dependencies: [
                "WhistleDomain", "WhistleMessages", "WhistleReliability", "WhistleAMQP", "WhistlePostgres", "WhistleRuntime",
                "WhistleConcurrency", "NotifierService", "EvaluatorService",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/UnitTests"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "WhistleReliability", "WhistleDomain", "WhistleAMQP", "WhistlePostgres", "WhistleMessages", "WhistleRuntime",
                "IntakeService", "DispatcherService", "NotifierService", "EvaluatorService",
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/IntegrationTests"),
    ]
)

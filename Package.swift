// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "AzFuse",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AzFuse", targets: ["AzFuse"]),
        .executable(name: "azfuse", targets: ["azfuse"]),
    ],
    targets: [
        // The layers, bottom up (each target states its contract at the top of its main file): AzFuseSystem
        // (Syscall.swift: POSIX calls and their errors), AzFuseYAML (YAMLReader.swift) and AzFuseBlobClient
        // (BlobClient.swift, the Blob REST client) on it, and the AzFuse library on all three. A layer that imports
        // one above it does not compile.
        .target(
            name: "AzFuseSystem",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "AzFuseYAML",
            dependencies: ["AzFuseSystem"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "AzFuseBlobClient",
            dependencies: ["AzFuseSystem"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "AzFuse",
            dependencies: ["AzFuseSystem", "AzFuseYAML", "AzFuseBlobClient"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "azfuse",
            dependencies: ["AzFuse", "AzFuseBlobClient"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "AzFuseEmulator",
            dependencies: ["AzFuse"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "azfuse-benchmark",
            dependencies: ["AzFuse", "AzFuseBlobClient", "AzFuseEmulator"],
            path: "Sources/azfuse-benchmark",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "azfuse-demo",
            dependencies: ["AzFuse", "AzFuseBlobClient", "AzFuseEmulator"],
            path: "Sources/azfuse-demo",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "azfuse-test-writer",
            dependencies: ["AzFuse"],
            path: "Tests/AzFuseTestWriter",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "azfuse-test-reader",
            dependencies: ["AzFuse"],
            path: "Tests/AzFuseTestReader",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "AzFuseTests",
            dependencies: [
                "AzFuse", "AzFuseSystem", "AzFuseYAML", "AzFuseBlobClient", "azfuse", "azfuse-test-writer", "azfuse-test-reader",
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .testTarget(
            name: "AzFuseClientModuleTests",
            dependencies: ["AzFuse"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)

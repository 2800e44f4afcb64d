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
        // The layers, bottom up: AzFuseYAML and AzFuseBlobClient depend on no other target (each states its contract
        // at the top of its main file: YAMLReader.swift, BlobClient.swift); the AzFuse library sits on both.
        .target(
            name: "AzFuseYAML",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "AzFuseBlobClient",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "AzFuse",
            dependencies: ["AzFuseYAML", "AzFuseBlobClient"],
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
                "AzFuse", "AzFuseYAML", "AzFuseBlobClient", "azfuse", "azfuse-test-writer", "azfuse-test-reader",
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

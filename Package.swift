// swift-tools-version:6.0
// A pure-Swift inference engine for TensorFlow Lite (.tflite) models.
// Zero package dependencies: the standard library, Foundation and Dispatch only.
import PackageDescription

let package = Package(
    name: "TFLiteEngine",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "TFLiteEngine", targets: ["TFLiteEngine"]),
        .executable(name: "infer", targets: ["infer"]),
        .executable(name: "bench", targets: ["bench"]),
        .executable(name: "soak", targets: ["soak"]),
    ],
    targets: [
        .target(name: "TFLiteEngine"),
        .executableTarget(name: "infer", dependencies: ["TFLiteEngine"]),
        .executableTarget(name: "bench", dependencies: ["TFLiteEngine"], path: "Benchmarks/bench"),
        .executableTarget(name: "soak", dependencies: ["TFLiteEngine"], path: "Benchmarks/soak"),
        .testTarget(
            name: "TFLiteEngineTests",
            dependencies: ["TFLiteEngine"],
            exclude: ["Fixtures"]
        ),
    ]
)

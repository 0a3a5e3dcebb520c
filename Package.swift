// swift-tools-version:6.0
// A pure-Swift inference engine for TensorFlow Lite (.tflite) models.
// Zero package dependencies: the standard library, Foundation and Dispatch only.
import PackageDescription

let package = Package(
    name: "TFLiteEngine",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        // The engine: reader, model, graph, planning, backends, kernels, interpreter.
        .library(name: "TFLiteEngine", targets: ["TFLiteEngine"]),
        // Readers and decoders of input files: images, .npy, IDX, gzip/inflate.
        .library(name: "InputFormats", targets: ["InputFormats"]),
        // Device-aware model selection: profile, catalogue, selector, adaptive runner.
        .library(name: "ModelSelection", targets: ["ModelSelection"]),
        .executable(name: "infer", targets: ["infer"]),
        .executable(name: "bench", targets: ["bench"]),
        .executable(name: "soak", targets: ["soak"]),
        .executable(name: "peak-rss", targets: ["peak-rss"]),
    ],
    targets: [
        // BuiltinModule (an experimental feature, not an unsafe flag) lets the
        // int8 kernels reach the integer multiply-add instructions; every use
        // sits in Kernels/GEMM/IntegerSIMD.swift behind a build-flavour condition.
        .target(name: "TFLiteEngine", swiftSettings: [.enableExperimentalFeature("BuiltinModule")]),
        .target(name: "InputFormats", dependencies: ["TFLiteEngine"]),
        .target(name: "ModelSelection", dependencies: ["TFLiteEngine", "InputFormats"]),
        // The logic of the command-line tools (infer, bench, soak), a library so that it can be tested;
        // the executables are thin mains calling it.
        .target(name: "CommandLineTools", dependencies: ["TFLiteEngine", "InputFormats", "ModelSelection"]),
        .executableTarget(name: "infer", dependencies: ["CommandLineTools"]),
        .executableTarget(name: "bench", dependencies: ["CommandLineTools"], path: "Benchmarks/bench"),
        .executableTarget(name: "soak", dependencies: ["CommandLineTools"], path: "Benchmarks/soak"),
        // Load, allocateTensors(), invoke and the resident memory after each: the engine alone (no tool code).
        .executableTarget(name: "peak-rss", dependencies: ["TFLiteEngine"], path: "Benchmarks/peak-rss"),
        .testTarget(name: "TFLiteEngineTests", dependencies: ["TFLiteEngine", "InputFormats"], exclude: ["Fixtures"]),
        .testTarget(name: "InputFormatsTests", dependencies: ["InputFormats"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelSelectionTests", dependencies: ["ModelSelection", "InputFormats", "TFLiteEngine"], exclude: ["Fixtures"]),
        // Runs the tools' commands in-process on the committed models, images and fixtures.
        .testTarget(name: "CommandLineToolsTests", dependencies: ["CommandLineTools", "InputFormats", "TFLiteEngine"]),
    ]
)

// infer: runs a .tflite model on an image or raw tensors, or describes a model (see infer --help).
// The logic lives in the CommandLineTools library (InferCommand), where it is tested.
// (An @main type rather than main.swift, so that git sees the old main.swift
// as moved to Sources/CommandLineTools and merges follow it there.)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CommandLineTools

@main
enum InferMain {
    static func main() {
        exit(InferCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}

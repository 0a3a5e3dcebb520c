// bench: latency benchmark of models and image decoding (see bench --help).
// The logic lives in the CommandLineTools library (BenchCommand), where it is tested.
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
enum BenchMain {
    static func main() {
        exit(BenchCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}

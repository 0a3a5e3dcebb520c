// soak: memory soak test: many invokes and interpreters, resident memory must stay flat.
// The logic lives in the CommandLineTools library (SoakCommand), where it is tested.
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
enum SoakMain {
    static func main() {
        exit(SoakCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}

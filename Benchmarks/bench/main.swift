// bench: latency benchmark of models and image decoding (see bench --help).
// The logic lives in the CommandLineTools library (BenchCommand), where it is tested.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CommandLineTools

exit(BenchCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))

// soak: memory soak test: many invokes and interpreters, resident memory must stay flat.
// The logic lives in the CommandLineTools library (SoakCommand), where it is tested.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CommandLineTools

exit(SoakCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))

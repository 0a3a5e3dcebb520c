// infer: runs a .tflite model on an image or raw tensors, or describes a model (see infer --help).
// The logic lives in the CommandLineTools library (InferCommand), where it is tested.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CommandLineTools

exit(InferCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))

// infer: runs a .tflite model on an image or raw tensors, or describes a model.
//
//   infer MODEL IMAGE [options]             classify a PGM image (top-k scores)
//   infer MODEL --input-npy X.npy [options] run on raw tensors
//   infer --inspect MODEL                   print the model's nodes and totals
//
// Exit codes: 0 success, 1 runtime failure (bad file, unsupported model…),
// 2 bad command line.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFLiteEngine

/// Every option of the main command. Later flags (`--backend NAME`,
/// `--auto DIR`, `--score`, `--preprocess mnist`) and subcommands (`eval`)
/// slot into this table and `Command.parse`.
let inferOptions: [OptionSpec] = [
    OptionSpec(name: "help", short: "h", help: "show this help and exit"),
    OptionSpec(name: "inspect", help: "print the model's nodes, options and totals instead of running it"),
    OptionSpec(name: "top-k", valueName: "N", help: "number of top scores to print (default 5)"),
    OptionSpec(name: "labels", valueName: "FILE", help: "label names, one per line (line i names class i)"),
    OptionSpec(name: "mean", valueName: "M", help: "subtract M after scaling pixels to [0,1] (default 0)"),
    OptionSpec(name: "std", valueName: "S", help: "then divide by S (default 1)"),
    OptionSpec(name: "invert", help: "invert the image (dark ink on light paper -> MNIST style)"),
    OptionSpec(name: "input-npy", valueName: "FILE", repeatable: true, help: "feed a .npy tensor instead of an image; once per model input, in order"),
    OptionSpec(name: "save-outputs", valueName: "DIR", help: "write each output as DIR/output_<i>.npy (DIR is created)"),
    OptionSpec(name: "threads", valueName: "N", help: "threads for the backend (default 1)"),
    OptionSpec(name: "json", help: "print the result as JSON"),
]

let usage = """
    usage: infer MODEL IMAGE [--top-k N] [--labels FILE] [--mean M] [--std S] [--invert] [--json]
           infer MODEL --input-npy FILE [--input-npy FILE ...] [--save-outputs DIR] [--json]
           infer --inspect MODEL [--json]

    Runs a TensorFlow Lite model with the pure-Swift TFLiteEngine.

    With an IMAGE (PGM, P2 or P5, 8 or 16 bit), the image is resized
    (bilinear) to the model's input height and width, replicated to 3 channels
    if the input has 3, scaled to [0,1], normalized as (x - mean) / std, and
    quantized with the input's scale and zero point if the input is int8 or
    uint8. The top-k entries of output 0 are printed (dequantized if needed),
    then the load, allocate and invoke times.

    options:
    \(ArgumentParser.optionHelp(inferOptions))

    exit status: 0 success, 1 runtime error, 2 usage error
    """

/// What the command line asks for.
enum Command {
    case help
    case inspect(model: String, json: Bool, threads: Int?)
    case run(RunRequest)

    static func parse(_ arguments: [String]) throws -> Command {
        // Subcommands (e.g. a future `infer eval ...`) are recognised here, by
        // the first argument, before the main command's options are parsed;
        // each has its own OptionSpec table and Command case.
        let args = try ArgumentParser.parse(arguments, specs: inferOptions)
        if args.has("help") { return .help }
        let threads = try args.int("threads", in: 1...1024)
        if args.has("inspect") {
            let runOnly = ["top-k", "labels", "mean", "std", "invert", "input-npy", "save-outputs"].filter(args.has)
            guard runOnly.isEmpty else {
                throw CLIError.usage("--inspect cannot be combined with " + runOnly.map { "--\($0)" }.joined(separator: ", "))
            }
            guard args.positionals.count == 1 else {
                throw CLIError.usage(args.positionals.isEmpty ? "--inspect needs a MODEL" : "--inspect takes one MODEL, got \(args.positionals.count) arguments")
            }
            return .inspect(model: args.positionals[0], json: args.has("json"), threads: threads)
        }
        let npy = args.strings("input-npy")
        guard let model = args.positionals.first else { throw CLIError.usage("missing MODEL") }
        var request = RunRequest(model: model)
        if npy.isEmpty {
            guard args.positionals.count >= 2 else { throw CLIError.usage("missing IMAGE (or --input-npy FILE)") }
            guard args.positionals.count == 2 else {
                throw CLIError.usage("unexpected argument '\(args.positionals[2])'")
            }
            request.image = args.positionals[1]
        } else {
            guard args.positionals.count == 1 else {
                throw CLIError.usage("with --input-npy no IMAGE is read; unexpected argument '\(args.positionals[1])'")
            }
            for option in ["mean", "std", "invert"] where args.has(option) {
                throw CLIError.usage("--\(option) applies to an IMAGE, not to --input-npy tensors")
            }
            request.npyInputs = npy
        }
        request.topK = try args.int("top-k", in: 1...1_000_000) ?? 5
        request.labelsPath = args.string("labels")
        request.mean = try args.float("mean") ?? 0
        request.std = try args.float("std") ?? 1
        guard request.std != 0 else { throw CLIError.usage("--std must not be 0") }
        request.invert = args.has("invert")
        request.saveOutputs = args.string("save-outputs")
        request.json = args.has("json")
        request.threads = threads
        return .run(request)
    }
}

func printError(_ message: String) {
    // One line: collapse any newline in a library message.
    let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    var text = "infer: error: \(line)\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

func main() -> Int32 {
    do {
        switch try Command.parse(Array(CommandLine.arguments.dropFirst())) {
        case .help:
            print(usage)
        case let .inspect(model, json, threads):
            try Inspect.run(modelPath: model, json: json, threads: threads)
        case let .run(request):
            try Runner.run(request)
        }
        return 0
    } catch let error as CLIError {
        printError(error.message + (error.exitCode == 2 ? " (see infer --help)" : ""))
        return error.exitCode
    } catch {
        // Errors from the library describe what and where.
        printError("\(error)")
        return 1
    }
}

exit(main())

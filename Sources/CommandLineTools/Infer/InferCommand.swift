// infer: runs a .tflite model on an image or raw tensors, or describes a model.
//
//   infer MODEL IMAGE [options]             classify a PNG, JPEG, PGM or PPM image (top-k scores)
//   infer MODEL --input-npy X.npy [options] run on raw tensors
//   infer --inspect MODEL                   print the model's nodes and totals
//   infer eval MODEL --images IDX --labels IDX   accuracy on MNIST IDX files
//   infer --auto DIR IMAGE [budgets]        choose a digit model for this device
//   infer --score                           measure this device
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
import ModelSelection

/// Every option of the main command. Later flags (`--backend NAME`,
/// `--auto DIR`, `--score`, `--preprocess mnist`) and subcommands (`eval`)
/// slot into this table and `Command.parse`.
let inferOptions: [OptionSpec] = [
    OptionSpec(name: "help", short: "h", help: "show this help and exit"),
    OptionSpec(name: "inspect", help: "print the model's nodes, options and totals instead of running it"),
    OptionSpec(name: "top-k", valueName: "N", help: "number of top scores to print (default 5)"),
    OptionSpec(name: "labels", valueName: "FILE", help: "label names, one per line (line i names class i); default: the model's own label file"),
    OptionSpec(name: "label-locale", valueName: "LANG", help: "of the model's label files, the one for LANG (e.g. fr)"),
    OptionSpec(name: "mean", valueName: "M", help: "subtract M after scaling pixels to [0,1] (default: the model's normalization, else 0)"),
    OptionSpec(name: "std", valueName: "S", help: "then divide by S (default: the model's normalization, else 1)"),
    OptionSpec(name: "invert", help: "invert the image (dark ink on light paper -> MNIST style)"),
    OptionSpec(name: "input-npy", valueName: "FILE", repeatable: true, help: "feed a .npy tensor instead of an image; once per model input, in order (with --signature: NAME=FILE)"),
    OptionSpec(name: "signature", valueName: "KEY", help: "run the model's signature KEY with named inputs (--input-npy NAME=FILE); --inspect lists the keys"),
    OptionSpec(name: "save-outputs", valueName: "DIR", help: "write each output as DIR/output_<i>.npy (DIR is created)"),
    OptionSpec(name: "preprocess", valueName: "mnist", help: "MNIST-style digit preprocessing of a photo (invert dark-on-light, crop, fit 20x20, centre of mass)"),
    OptionSpec(name: "threads", valueName: "N", help: "threads for the backend (default 1)"),
    OptionSpec(name: "backend", valueName: "NAME", help: "a registered backend: \(BackendRegistry.names.joined(separator: ", ")) (default: parallel with --threads N > 1, else cpu)"),
    OptionSpec(name: "json", help: "print the result as JSON"),
    OptionSpec(name: "auto", valueName: "DIR", help: "choose the model from DIR/models.json for this device, then classify IMAGE"),
    OptionSpec(name: "latency-budget", valueName: "T", help: "--auto: time per image, e.g. 5ms, 0.5ms, 800us, 2s (default 5ms)"),
    OptionSpec(name: "memory-budget", valueName: "SIZE", help: "--auto: memory, e.g. 50MB, 512KB, 1.5GB (decimal), 64MiB (binary); default: available memory"),
    OptionSpec(name: "min-accuracy", valueName: "A", help: "--auto: minimum test accuracy, 0...1 (e.g. 0.99)"),
    OptionSpec(name: "no-cache", help: "--auto, --score: do not read or write the cached device profile"),
    OptionSpec(name: "policy", valueName: "NAME", help: "--auto: 'selector' (default: measure, predict, confirm) or 'threshold' (the original app's fixed AI-score threshold)"),
    OptionSpec(name: "score-threshold", valueName: "S", help: "--policy threshold: AI score at or above which the big model is chosen (default 500)"),
    OptionSpec(name: "serve", valueName: "N", help: "--auto: serve N requests (cycling through the IMAGEs) with the adaptive runner, printing each switch"),
    OptionSpec(name: "interval", valueName: "T", help: "--serve: pause between requests, e.g. 2ms (default 0)"),
    OptionSpec(name: "arrive-every", valueName: "T", help: "--serve: requests arrive every T, as a camera's frames do (e.g. 1ms); latency counts from arrival; frames that arrive while one is served are dropped"),
    OptionSpec(name: "report-every", valueName: "N", help: "--serve: print a status line every N requests (default 500)"),
    OptionSpec(name: "trace", valueName: "FILE", help: "--serve: write one CSV line per request (request, unix_time_s, latency_ms, model)"),
    OptionSpec(name: "memory-warning-below", valueName: "SIZE", help: "--serve: memory pressure is 'warning' below this much available memory (default 256MiB)"),
    OptionSpec(name: "memory-critical-below", valueName: "SIZE", help: "--serve: memory pressure is 'critical' below this much available memory (default 64MiB)"),
    OptionSpec(name: "score", help: "measure this device: GFLOP/s, bandwidth, cores, memory, AI score"),
]

let usage = """
    usage: infer MODEL IMAGE [--top-k N] [--labels FILE | --label-locale LANG] [--mean M] [--std S] [--invert] [--json]
           infer MODEL --input-npy FILE [--input-npy FILE ...] [--save-outputs DIR] [--json]
           infer MODEL --signature KEY --input-npy NAME=FILE [...] [--save-outputs DIR] [--json]
           infer --inspect MODEL [--backend NAME] [--threads N] [--json]
           infer MODEL IMAGE --preprocess mnist [--top-k N]
           infer eval MODEL --images IDX --labels IDX [--limit N] [--save-predictions FILE] [--json]
           infer --auto DIR IMAGE [--latency-budget 5ms] [--memory-budget 50MB] [--min-accuracy 0.99]
                  [--threads N] [--preprocess mnist] [--no-cache] [--policy selector|threshold [--score-threshold S]]
           infer --auto DIR --serve N IMAGE [IMAGE ...] [--latency-budget T] [--interval T | --arrive-every T] [--report-every N]
                  [--memory-warning-below SIZE] [--memory-critical-below SIZE]
           infer selection-report DIR [MODEL ...] [--runs N] [--rounds N] [--write-doc FILE] [--write-readme FILE]
           infer --score [--json] [--no-cache]

    Runs a TensorFlow Lite model with the pure-Swift TFLiteEngine.

    With an IMAGE (PNG, JPEG, or PGM/PPM P2/P3/P5/P6, 8 or 16 bit; format from
    the file's first bytes), the image is converted to the input's channels
    (gray -> RGB by copying, RGB -> gray with Pillow's convert("L") weights),
    resized (bilinear) to the model's input height and width, scaled to
    [0,1], normalized as (x - mean) / std, and
    quantized with the input's scale and zero point if the input is int8 or
    uint8. The top-k entries of output 0 are printed (dequantized if needed),
    then the load, allocate and invoke times.

    A model with TFLite metadata describes itself: without --mean and --std
    its input normalization is used ((pixel - mean) / std per channel, pixels
    0...255), and without --labels the label file of output 0 from the zip
    archive appended to the model. --inspect prints the metadata and lists
    the associated files. With --preprocess mnist the
    image is treated as a photo of one digit and made to look like MNIST
    (inverted if dark on light, cropped to the ink, fitted into 20x20, centre
    of mass at the centre of 28x28), then padded/replicated/quantized for the
    digit model's input.

    eval: feeds every 28x28 image of an MNIST IDX file (plain or gzip) through
    a digit model (28x28x1 or 32x32x3, float or int8) and prints the accuracy,
    the confusion matrix, the worst classes by error rate and the slowest
    classes by mean latency. A progress bar is drawn when stderr is a terminal.

    --auto: measures this device once (cached for 7 days in
    $XDG_CACHE_HOME/tfliteengine/device-profile.json, else
    ~/.cache/tfliteengine/device-profile.json), predicts every model's latency
    and memory, picks the most accurate one within the budgets, confirms it by
    timing it, explains the choice and classifies IMAGE.
    Sizes: KB, MB, GB are powers of 1000; KiB, MiB, GiB powers of 1024.

    --serve N: after choosing, serves N requests through the adaptive runner
    (moves to a smaller model when requests miss the budget or memory
    pressure is critical, back up when there is headroom) and prints every
    switch with its reason.

    --score: measures and prints the device profile and its AI score.

    selection-report: measures this device, then every model of DIR/models.json
    and every MODEL: predicted against measured latency and memory, a budget
    sweep, and the selector against the threshold policy on simulated devices
    (see docs/selection.md).

    options:
    \(ArgumentParser.optionHelp(inferOptions))

    eval options:
    \(ArgumentParser.optionHelp(evalOptions))

    exit status: 0 success, 1 runtime error, 2 usage error
    """

/// What the command line asks for.
enum Command {
    case help
    case inspect(model: String, json: Bool, options: Interpreter.Options)
    case run(RunRequest)
    case eval(EvalRequest)
    case auto(AutoRequest)
    case score(json: Bool, useCache: Bool)
    case selectionReport(SelectionReportRequest)

    static func parse(_ arguments: [String]) throws -> Command {
        // Subcommands are recognised here, by the first argument, before the
        // main command's options are parsed; each has its own OptionSpec table
        // and Command case.
        if arguments.first == "eval" { return try EvalRequest.parse(Array(arguments.dropFirst())) }
        if arguments.first == "selection-report" { return try SelectionReportRequest.parse(Array(arguments.dropFirst())) }
        let args = try ArgumentParser.parse(arguments, specs: inferOptions)
        if args.has("help") { return .help }
        let threads = try args.int("threads", in: 1...1024)
        var backend: Interpreter.Backend?
        if let name = args.string("backend") {
            guard let b = BackendRegistry.backend(named: name) else {
                throw CLIError.usage("--backend expects one of \(BackendRegistry.names.joined(separator: ", ")), got '\(name)'")
            }
            backend = b
        }
        let autoOnly = ["latency-budget", "memory-budget", "min-accuracy", "policy", "score-threshold", "serve", "interval",
                        "arrive-every", "report-every", "memory-warning-below", "memory-critical-below"].filter(args.has)
        if !autoOnly.isEmpty && !args.has("auto") {
            throw CLIError.usage(autoOnly.map { "--\($0)" }.joined(separator: ", ") + " apply only to --auto")
        }
        let preprocessMNIST: Bool
        switch args.string("preprocess") {
        case nil: preprocessMNIST = false
        case "mnist": preprocessMNIST = true
        case let other?: throw CLIError.usage("--preprocess supports only 'mnist', got '\(other)'")
        }
        if args.has("score") {
            let others = ["auto", "inspect", "preprocess", "top-k", "labels", "input-npy"].filter(args.has)
            guard others.isEmpty, args.positionals.isEmpty else {
                throw CLIError.usage("--score takes no MODEL, IMAGE or other mode")
            }
            return .score(json: args.has("json"), useCache: !args.has("no-cache"))
        }
        if let dir = args.string("auto") {
            return .auto(try AutoRequest.parse(args, catalog: dir, threads: threads ?? 1, preprocessMNIST: preprocessMNIST))
        }
        if args.has("no-cache") { throw CLIError.usage("--no-cache applies to --auto and --score") }
        if args.has("inspect") {
            let runOnly = ["top-k", "labels", "label-locale", "mean", "std", "invert", "input-npy", "save-outputs", "preprocess", "signature"].filter(args.has)
            guard runOnly.isEmpty else {
                throw CLIError.usage("--inspect cannot be combined with " + runOnly.map { "--\($0)" }.joined(separator: ", "))
            }
            guard args.positionals.count == 1 else {
                throw CLIError.usage(args.positionals.isEmpty ? "--inspect needs a MODEL" : "--inspect takes one MODEL, got \(args.positionals.count) arguments")
            }
            return .inspect(model: args.positionals[0], json: args.has("json"), options: Interpreter.Options(threadCount: threads, backend: backend))
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
            for option in ["mean", "std", "invert", "preprocess"] where args.has(option) {
                throw CLIError.usage("--\(option) applies to an IMAGE, not to --input-npy tensors")
            }
            request.npyInputs = npy
        }
        request.topK = try args.int("top-k", in: 1...1_000_000) ?? 5
        request.labelsPath = args.string("labels")
        request.labelLocale = args.string("label-locale")
        if request.labelsPath != nil && request.labelLocale != nil {
            throw CLIError.usage("--label-locale chooses among the model's label files; it cannot be combined with --labels")
        }
        request.mean = try args.float("mean") ?? 0
        request.std = try args.float("std") ?? 1
        request.normalizationGiven = args.has("mean") || args.has("std")
        guard request.std != 0 else { throw CLIError.usage("--std must not be 0") }
        request.invert = args.has("invert")
        if preprocessMNIST {
            for option in ["mean", "std", "invert"] where args.has(option) {
                throw CLIError.usage("--\(option) cannot be combined with --preprocess mnist (it normalizes the image itself)")
            }
        }
        request.preprocessMNIST = preprocessMNIST
        request.saveOutputs = args.string("save-outputs")
        request.json = args.has("json")
        request.threads = threads
        request.backend = backend
        request.signature = args.string("signature")
        return .run(request)
    }
}

func printError(_ message: String) {
    // One line: collapse any newline in a library message.
    let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    printToStandardError("infer: error: \(line)\n")
}

func inferMain(_ arguments: [String]) -> Int32 {
    printBuildFlavourNote()
    do {
        switch try Command.parse(arguments) {
        case .help:
            print(usage)
        case let .inspect(model, json, options):
            try Inspect.run(modelPath: model, json: json, options: options)
        case let .run(request):
            try Runner.run(request)
        case let .eval(request):
            try Eval.run(request)
        case let .auto(request):
            try Auto.run(request)
        case let .score(json, useCache):
            Auto.score(json: json, useCache: useCache)
        case let .selectionReport(request):
            try SelectionReportCommand.run(request)
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

/// The `infer` command: runs a model on an image or tensors, inspects a
/// model, evaluates a digit model, chooses a model for this device.
public enum InferCommand {
    /// Runs `infer` with `arguments` (without the program name), writing to
    /// the process's standard output and error; returns the exit code
    /// (0 success, 1 runtime error, 2 usage error).
    public static func run(arguments: [String]) -> Int32 {
        CommandOutput.standard.run { inferMain(arguments) }
    }

    /// Runs `infer` with `arguments`, appending what it prints to `output`
    /// and its errors and warnings to `errors`; returns the exit code.
    public static func run(arguments: [String], output: inout some TextOutputStream, errors: inout some TextOutputStream) -> Int32 {
        CommandOutput.run({ inferMain(arguments) }, output: &output, errors: &errors)
    }
}

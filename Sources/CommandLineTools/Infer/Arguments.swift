/// A hand-written command-line parser: a table of option specifications, and
/// a parse that turns `argv` into positionals and option values, rejecting
/// unknown options, missing values and repeated single-use options.
///
/// Accepted spellings: `--name value`, `--name=value`, `-x value` for options
/// with a short alias, and `--` to end option parsing.

/// One option the command understands.
struct OptionSpec {
    /// Long name without dashes, e.g. `top-k`.
    let name: String
    /// Single-letter alias without the dash, e.g. `h`.
    var short: Character? = nil
    /// Placeholder shown in the usage text; nil for a flag that takes no value.
    var valueName: String? = nil
    /// Whether the option may be given several times (values kept in order).
    var repeatable = false
    /// One-line description for `--help`.
    let help: String
}

/// The outcome of parsing: positional arguments and option values.
struct ParsedArguments {
    var positionals: [String] = []
    private(set) var values: [String: [String]] = [:]

    mutating func add(_ name: String, _ value: String) { values[name, default: []].append(value) }

    /// Whether a flag (or any option) was given.
    func has(_ name: String) -> Bool { values[name] != nil }

    /// The value of a single-use option.
    func string(_ name: String) -> String? { values[name]?.last }

    /// All values of a repeatable option, in order.
    func strings(_ name: String) -> [String] { values[name] ?? [] }

    /// An integer option within `range`.
    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw CLIError.usage("--\(name) expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// A finite floating-point option.
    func float(_ name: String) throws -> Float? {
        guard let text = string(name) else { return nil }
        guard let value = Float(text), value.isFinite else {
            throw CLIError.usage("--\(name) expects a number, got '\(text)'")
        }
        return value
    }
}

enum ArgumentParser {
    static func parse(_ arguments: [String], specs: [OptionSpec]) throws -> ParsedArguments {
        var result = ParsedArguments()
        var byName: [String: OptionSpec] = [:]
        var byShort: [Character: OptionSpec] = [:]
        for spec in specs {
            byName[spec.name] = spec
            if let s = spec.short { byShort[s] = spec }
        }
        var i = 0
        var optionsEnded = false
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if optionsEnded || argument == "-" || !argument.hasPrefix("-") {
                result.positionals.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            let spec: OptionSpec
            var inlineValue: String?
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                if let eq = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard let s = byName[name] else { throw CLIError.usage("unknown option '--\(name)'") }
                spec = s
            } else {
                let letters = argument.dropFirst()
                guard letters.count == 1, let letter = letters.first, let s = byShort[letter] else {
                    throw CLIError.usage("unknown option '\(argument)'")
                }
                spec = s
            }
            if !spec.repeatable && result.has(spec.name) {
                throw CLIError.usage("option '--\(spec.name)' is given more than once")
            }
            if spec.valueName == nil {
                guard inlineValue == nil else { throw CLIError.usage("option '--\(spec.name)' takes no value") }
                result.add(spec.name, "")
                continue
            }
            if let inlineValue {
                result.add(spec.name, inlineValue)
            } else {
                guard i < arguments.count else {
                    throw CLIError.usage("option '--\(spec.name)' needs a value (\(spec.valueName ?? "VALUE"))")
                }
                result.add(spec.name, arguments[i])
                i += 1
            }
        }
        return result
    }

    /// The options section of the usage text, aligned in two columns.
    static func optionHelp(_ specs: [OptionSpec]) -> String {
        let left = specs.map { spec -> String in
            var s = spec.short.map { "-\($0), " } ?? "    "
            s += "--\(spec.name)"
            if let v = spec.valueName { s += " \(v)" }
            return s
        }
        let width = (left.map(\.count).max() ?? 0) + 2
        return zip(left, specs).map { l, spec in
            "  " + l + String(repeating: " ", count: width - l.count) + spec.help
        }.joined(separator: "\n")
    }
}

/// A failure the command reports as one line on stderr.
enum CLIError: Error {
    /// Bad command line (exit code 2).
    case usage(String)
    /// The command could not do its work (exit code 1).
    case runtime(String)

    var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .runtime: return 1
        }
    }

    var message: String {
        switch self {
        case let .usage(m), let .runtime(m): return m
        }
    }
}

/// Where the command-line tools write: standard output and standard error of
/// the process, or strings captured for a test.
///
/// The tools' code calls `print(...)` as an executable would; inside this
/// module that `print` is the one below, which sends the text to the
/// ``CommandOutput`` bound for the running command (task-local, so tests
/// running commands concurrently do not mix their output).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFLiteEngine

/// The destination of a command's standard output and standard error.
public final class CommandOutput: @unchecked Sendable {
    /// One of the two text streams of a command.
    public enum Stream: Sendable {
        /// Standard output: results.
        case output
        /// Standard error: errors, warnings, progress.
        case error
    }

    private let sink: (Stream, String) -> Void

    /// A destination that hands every piece of text to `sink`.
    ///
    /// The sink is called on the thread running the command, one call per
    /// `print`, never concurrently.
    public init(_ sink: @escaping (Stream, String) -> Void) {
        self.sink = sink
    }

    /// The process's standard output (buffered, as `print`) and standard
    /// error (unbuffered).
    public static let standard = CommandOutput { stream, text in
        switch stream {
        case .output:
            Swift.print(text, terminator: "")
        case .error:
            var bytes = text
            bytes.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
        }
    }

    /// Whether this is the process's own standard output and error (where
    /// terminal-only things such as a progress bar make sense).
    var isStandard: Bool { self === CommandOutput.standard }

    /// Writes `text` to `stream`.
    func send(_ text: String, to stream: Stream) { sink(stream, text) }

    /// The destination of the command running on this task or thread.
    @TaskLocal static var current: CommandOutput = .standard

    /// Runs `command` with its output going to `self`.
    func run(_ command: () -> Int32) -> Int32 {
        CommandOutput.$current.withValue(self) { command() }
    }

    /// Runs `command` and returns its exit code with everything it wrote.
    static func capture(_ command: () -> Int32) -> (code: Int32, output: String, errors: String) {
        final class Buffers: @unchecked Sendable { var output = "", errors = "" }
        let buffers = Buffers()
        let destination = CommandOutput { stream, text in
            switch stream {
            case .output: buffers.output += text
            case .error: buffers.errors += text
            }
        }
        let code = destination.run(command)
        return (code, buffers.output, buffers.errors)
    }

    /// Runs `command` capturing its output, then appends it to the two streams.
    static func run<Output: TextOutputStream, Errors: TextOutputStream>(
        _ command: () -> Int32, output: inout Output, errors: inout Errors
    ) -> Int32 {
        let result = capture(command)
        output.write(result.output)
        errors.write(result.errors)
        return result.code
    }
}

/// `Swift.print`, sent to the running command's ``CommandOutput``.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator) + terminator
    CommandOutput.current.send(text, to: .output)
}

/// Writes `text` as it is to the running command's standard error.
func printToStandardError(_ text: String) {
    CommandOutput.current.send(text, to: .error)
}

/// The one-line note that this CPU could run a faster build flavour, on the
/// running command's standard error (unless `TFLITEENGINE_NO_FLAVOUR_NOTE` is set).
func printBuildFlavourNote() {
    guard getenv("TFLITEENGINE_NO_FLAVOUR_NOTE") == nil, let line = BuildFlavourAdvice.message() else { return }
    printToStandardError(line + "\n")
}

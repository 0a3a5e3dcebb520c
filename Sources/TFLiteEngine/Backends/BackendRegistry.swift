extension Interpreter {
    /// Where the model's nodes run.
    public enum Backend: Hashable, Sendable, CustomStringConvertible {
        /// Every kernel on the calling thread.
        case cpu
        /// Heavy kernels' output tiles split over `threadCount` threads
        /// (default: the number of active processors); bit-identical to `.cpu`.
        case parallel
        /// Partitions of supported nodes run on `delegate`; the rest on the
        /// CPU (split over threads like `.parallel` when `threadCount` > 1).
        case delegate(any Delegate)

        /// Equal when both are `.cpu`, both `.parallel`, or both delegate to the same instance.
        public static func == (a: Backend, b: Backend) -> Bool {
            switch (a, b) {
            case (.cpu, .cpu), (.parallel, .parallel): return true
            case let (.delegate(x), .delegate(y)): return x === y
            default: return false
            }
        }

        /// Hashes the case and, for `.delegate`, the delegate's identity.
        public func hash(into hasher: inout Hasher) {
            switch self {
            case .cpu: hasher.combine(0)
            case .parallel: hasher.combine(1)
            case let .delegate(d): hasher.combine(2); hasher.combine(ObjectIdentifier(d))
            }
        }

        /// `cpu`, `parallel` or `delegate(<name>)`.
        public var description: String {
            switch self {
            case .cpu: return "cpu"
            case .parallel: return "parallel"
            case let .delegate(d): return "delegate(\(d.name))"
            }
        }

        /// Names accepted by ``init(name:)`` (the CLI's `--backend`):
        /// ``BackendRegistry/names``.
        public static var names: [String] { BackendRegistry.names }

        /// The backend registered as `name` in ``BackendRegistry``
        /// (`cpu` and `parallel` by default), or nil.
        public init?(name: String) {
            guard let backend = BackendRegistry.backend(named: name) else { return nil }
            self = backend
        }
    }
}

/// Backends selectable by name, such as `infer --backend NAME` and
/// `bench --backend NAME|all`. `cpu` and `parallel` are registered by
/// default; an application registers its own delegate under a name:
/// ```swift
/// BackendRegistry.register(name: "my-npu", summary: "convolutions on the NPU") {
///     .delegate(MyNPUDelegate())
/// }
/// let interpreter = try Interpreter(modelPath: path, options: .init(backend: Interpreter.Backend(name: "my-npu") ?? .cpu))
/// ```
/// Registration and lookup are thread-safe.
public enum BackendRegistry {
    private struct Entry {
        let name: String
        let summary: String
        let make: @Sendable () -> Interpreter.Backend
    }

    /// Entries in registration order, guarded by `lock`.
    private final class Storage: @unchecked Sendable {
        let lock = Lock()
        var entries = [
            Entry(name: "cpu", summary: "default single-threaded CPU kernels") { .cpu },
            Entry(name: "parallel", summary: "heavy kernels' output tiles split over the interpreter's threads") { .parallel },
        ]
    }

    private static let storage = Storage()

    /// Registers `make` under `name` (matched exactly). Registering a name
    /// again replaces the earlier entry in place. `make` is called on every
    /// lookup, so each interpreter can get its own delegate instance.
    public static func register(name: String, summary: String, make: @escaping @Sendable () -> Interpreter.Backend) {
        let entry = Entry(name: name, summary: summary, make: make)
        storage.lock.withLock {
            if let i = storage.entries.firstIndex(where: { $0.name == name }) {
                storage.entries[i] = entry
            } else {
                storage.entries.append(entry)
            }
        }
    }

    /// Registered names, in registration order (`cpu`, `parallel`, then the application's).
    public static var names: [String] { storage.lock.withLock { storage.entries.map(\.name) } }

    /// The one-line summary registered with `name`, or nil.
    public static func summary(of name: String) -> String? {
        storage.lock.withLock { storage.entries.first { $0.name == name }?.summary }
    }

    /// A backend made by the entry registered as `name`, or nil when no such entry exists.
    public static func backend(named name: String) -> Interpreter.Backend? {
        let make = storage.lock.withLock { storage.entries.first { $0.name == name }?.make }
        return make?()
    }
}

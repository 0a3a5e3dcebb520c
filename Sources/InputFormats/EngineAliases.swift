import TFLiteEngine

// The DEFLATE/gzip decoder and CRC-32 live in the engine (a model's associated
// files are a zip archive appended to the model) with `package` access. These
// aliases let every file of this module name them without importing the
// engine, as when they were declared here. tools/fuzz.sh compiles all sources
// as one module and leaves this file out.
typealias Inflate = TFLiteEngine.Inflate
typealias InflateError = TFLiteEngine.InflateError
typealias CRC32 = TFLiteEngine.CRC32

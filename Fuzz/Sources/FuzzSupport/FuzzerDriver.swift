// SPDX-License-Identifier: Apache-2.0
internal import CLibFuzzer

#if canImport(Glibc)
    internal import Glibc
#endif

/// One run of the code under test on libFuzzer's input; returns 0 (libFuzzer reserves other values).
public typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer with the command line as given (`-max_total_time=…`, corpus folders, or
/// crash files to replay). Each target's `main.swift` is this one call.
public func runFuzzer(_ test: FuzzTest) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    let status = LLVMFuzzerRunDriver(&argc, &argv, test)
    exit(status)
}

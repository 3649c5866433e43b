// SPDX-License-Identifier: Apache-2.0

/// Stops the process when an oracle fails. libFuzzer treats the trap as a crash: it prints the message
/// and the stack, and saves the input as `crash-…`, exactly as for a crash inside the code under test.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("oracle: \(message())") }
}

/// The input libFuzzer lends for one run, copied: the code under test takes arrays.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A cheap, stable choice among `count` variants from the input itself, so every input is replayed the same
/// way (a crash file reproduces) and a mutation may move it to another variant.
public func variant(of bytes: [UInt8], among count: Int) -> Int {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return Int(hash % UInt32(count))
}

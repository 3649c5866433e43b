// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the command line of `fabric-wire`, which `vdsm` may run through sudo, so every argument is
// hostile. The input is cut at NUL bytes into arguments, as the kernel hands them over. Oracles: nothing
// crashes; an accepted change reads back from its own arguments; no message carries a control character
// (a rejected value must not forge lines in VDSM's log).
import HostWiring
import WiringRules
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireArguments(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let arguments = splitOnNUL(inputBytes(data, size))
    do {
        let change = try HostChange(wireArguments: arguments)
        let again = try? HostChange(wireArguments: change.wireArguments)
        require(again == change, "\(arguments) reads as \(change), whose arguments read as \(String(describing: again))")
    } catch {
        require(!error.message.utf8.contains { $0 < 0x20 || $0 == 0x7F }, "a control character in: \(error.message)")
    }
    return 0
}

// SPDX-License-Identifier: Apache-2.0
// VDSM hook for before_vm_start: wires every provider vNIC of the domain, finding them through <metadata>
// (this hook point gets no device properties in its environment).
import WiringRules
import VDSMHook

Hook.run { input, environment in
    var notes: [String] = []
    let output = try DomainTransform.transform(
        input,
        settings: HookSettings.loadForWiring,
        notes: &notes
    )
    // The wired vNICs still go to libvirt; a vNIC left to another provider's hook is only worth a note.
    if let output { return .replaced(output) }
    return notes.isEmpty ? .unchanged : .leftAlone(reason: notes.joined(separator: "; "))
}

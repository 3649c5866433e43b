// SPDX-License-Identifier: Apache-2.0
// VDSM hook for before_vm_start: wires every provider vNIC of the domain, finding them through <metadata>
// (this hook point gets no device properties in its environment).
import FabricWiring
import VDSMHook

Hook.run { input, environment in
    let output = try DomainTransform.transform(
        input,
        configuration: { () throws(WiringError) in try WiringConfiguration.load(environment: environment.variables) }
    )
    return output.map(HookOutcome.replaced) ?? .unchanged
}

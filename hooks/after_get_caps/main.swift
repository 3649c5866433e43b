// SPDX-License-Identifier: Apache-2.0
import FabricPOSIX
// VDSM hook for after_get_caps: adds the fabric host table to the capabilities under
// `fabric_host_interfaces` (docs/agent.md), and this host's `openstack_binding_host_ids` as the reference
// hooks do (docs/hooks.md). It asks the running agent over its unix socket with a short deadline, and takes
// one instant snapshot itself (no rates; `sources.agent` says so) when the agent is down. getCapabilities
// must never fail because of fabric: every error leaves the file untouched and exits 0.
import VDSMHook

let environment = HookEnvironment.current.variables
let outcome = CapsHook.run(environment: environment)
if let message = outcome {
    StandardError.write("after_get_caps (fabric): \(message)\n")
}
HostSystem.exit(0)

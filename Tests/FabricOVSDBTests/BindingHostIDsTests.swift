// SPDX-License-Identifier: Apache-2.0
import FabricOVSDB
import Testing

/// The reference hooks' semantics, case by case (vdsm's openstacknet and ovirt-provider-ovn-driver's after_get_caps).
@Suite struct BindingHostIDsTests {
    @Test(arguments: [
        ([:], [:]),
        (["system-id": "c1"], ["OVIRT_PROVIDER_OVN": "c1"]),
        (["hostname": "h1"], ["OPEN_VSWITCH": "h1", "OPENSTACK_OVN": "h1"]),
        (["hostname": "h1", "odl_os_hostconfig_hostid": "odl1", "system-id": "c1"],
         ["OPEN_VSWITCH": "odl1", "OPENSTACK_OVN": "odl1", "OVIRT_PROVIDER_OVN": "c1"]),
        // An empty ODL id falls back to hostname; an empty hostname is still sent, as the reference does.
        (["hostname": "h1", "odl_os_hostconfig_hostid": ""], ["OPEN_VSWITCH": "h1", "OPENSTACK_OVN": "h1"]),
        (["hostname": ""], ["OPEN_VSWITCH": "", "OPENSTACK_OVN": ""]),
        (["odl_os_hostconfig_hostid": "odl1"], ["OPEN_VSWITCH": "odl1", "OPENSTACK_OVN": "odl1"]),
        (["ovn-remote": "tcp:1.2.3.4:6642", "rundir": "/x"], [:]),
    ] as [([String: String], [String: String])])
    func idsFollowTheReferenceHooks(externalIDs: [String: String], expected: [String: String]) {
        #expect(BindingHostIDs.from(openVSwitchExternalIDs: externalIDs) == expected)
    }

    @Test func onlyTheSourceKeysAreKept() {
        let ids = ["system-id": "c1", "hostname": "h1", "odl_os_hostconfig_hostid": "o", "ovn-remote": "x", "other": "y"]
        #expect(BindingHostIDs.sources(of: ids) == ["system-id": "c1", "hostname": "h1", "odl_os_hostconfig_hostid": "o"])
    }
}

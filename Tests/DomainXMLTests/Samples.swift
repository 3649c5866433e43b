// SPDX-License-Identifier: Apache-2.0

/// Inputs shaped like what VDSM hands to hooks (ElementTree: declaration in single quotes, double-quoted
/// attributes, 4-space indentation, ` />`), and like libvirt writes (no declaration, `/>`).
enum Samples {
    static let engineDomain = """
        <?xml version='1.0' encoding='utf-8'?>
        <domain xmlns:ns0="http://ovirt.org/vm/tune/1.0" xmlns:ovirt-vm="http://ovirt.org/vm/1.0" type="kvm">
            <name>vm-07</name>
            <title>Prüfstand — Café ☕ 日本語</title>
            <description>a &amp; b &lt;c&gt;</description>
            <metadata xmlns:ovirt-tune="http://ovirt.org/vm/tune/1.0" xmlns:ovirt-vm="http://ovirt.org/vm/1.0">
                <ns0:qos />
                <ovirt-vm:vm xmlns:ovirt-vm="http://ovirt.org/vm/1.0">
                    <ovirt-vm:custom>
                        <ovirt-vm:tier>gold</ovirt-vm:tier>
                    </ovirt-vm:custom>
                    <ovirt-vm:device mac_address="56:6F:1A:2B:00:07" alias="ua-5e0d">
                        <ovirt-vm:custom>
                            <ovirt-vm:vnic_id>8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f</ovirt-vm:vnic_id>
                        </ovirt-vm:custom>
                    </ovirt-vm:device>
                </ovirt-vm:vm>
            </metadata>
            <features>
                <acpi />
            </features>
            <devices>
                <interface type="bridge">
                    <model type="virtio" />
                    <source bridge="ovirtmgmt" />
                    <mac address="56:6f:1a:2b:00:07" />
                </interface>
                <!-- kept -->
                <memballoon model="virtio" />
            </devices>
        </domain>
        """

    /// The same namespace under an odd prefix, declared on the root and again deeper, plus a default namespace.
    static let oddPrefixes = """
        <domain xmlns:q="http://ovirt.org/vm/1.0" type="kvm"><metadata><q:vm><zz:custom \
        xmlns:zz="http://ovirt.org/vm/1.0"><zz:vnic_id>x</zz:vnic_id></zz:custom><custom>not ovirt</custom>\
        </q:vm><vm xmlns="http://ovirt.org/vm/1.0"><custom><vnic_id>y</vnic_id></custom></vm></metadata></domain>
        """

    static let hotplug =
        "<?xml version='1.0' encoding='utf-8'?><interface type=\"bridge\"><model type=\"virtio\" />"
        + "<source bridge=\"n\" /><mac address=\"56:6f:1a:2b:00:11\" /></interface>"

    static let libvirtStyle = """
        <domain type="kvm">
          <name>plain</name>
          <devices>
            <interface type="bridge">
              <source bridge="br0"/>
              <target dev="vnet0"/>
            </interface>
          </devices>
        </domain>

        """
}

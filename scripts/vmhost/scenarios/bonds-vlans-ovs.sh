#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# VM test host scenario: the link shapes the machine's own kernel cannot make, built with the
# host's own `ip` and Open vSwitch, then dumped for the tests to check.
# Run with: scripts/vmhost/run.sh scripts/vmhost/scenarios/bonds-vlans-ovs.sh RESULTS_DIR
#
# Builds:
#   dummy0..dummy3       dummy NICs
#   bond0                active-backup, miimon 100, slaves dummy0 dummy1
#   bond1                802.3ad, miimon 100, slaves dummy2 dummy3
#   bond0.100            VLAN 100 on bond0
#   br100                Linux bridge with port bond0.100
#   br-k                 OVS bridge on the kernel datapath (master ovs-system), port dummy4
#   bond2                balance-rr over veths vr0 vr1 (10000 Mb/s each: bond speed rules)
#   bond2.200, ovirtmgmt VLAN 200 on bond2 under a bridge: VDSM network "ovirtmgmt"; bond2 also
#                        carries the bridgeless VDSM network "storage" (VDSM config under
#                        /run/vdsmroot, passed to the agent with --root)
#   bond3                active-backup over veths vs0 vs1
#   br-int               OVS integration bridge (kernel datapath) with an internal vNIC port
#                        tapvnic carrying external_ids:iface-id
#
# In:  FABRIC_RESULTS  writable results folder (set by the VM's init; required)
#      FABRIC_AGENT    optional fabric-agent binary (run.sh ships it into the guest); when set, its
#                      `show --json --no-rates` output is saved as well
# Out (in FABRIC_RESULTS):
#   links.json                      ip -d -j link show
#   addrs.json                      ip -j addr show
#   proc-net-bonding/<bond>         /proc/net/bonding/<bond> for every bond
#   sys-bonding/<bond>/<attr>       /sys/class/net/<bond>/bonding/{mode,active_slave,slaves,miimon}
#   ovs-show.txt                    ovs-vsctl show
#   ovs-interfaces.json             ovs-vsctl -f json list Interface (name, type, ofport)
#   ovs-dpctl.txt                   ovs-dpctl show (the kernel datapath)
#   ovs-logs/*.log                  the private ovsdb-server and ovs-vswitchd logs
#   fabric-agent.json               stdout of "$FABRIC_AGENT" show --json --no-rates (if set)
#   fabric-agent-networks.json      stdout of "$FABRIC_AGENT" show --networks --json (if set)
#   fabric-agent-network-ovirtmgmt.txt  stdout of "$FABRIC_AGENT" network ovirtmgmt (if set)
#   fabric-agent.stderr             their stderr
#   fabric-agent.status             its exit status (the scenario itself does not fail on it)
#   scenario-done                   written last, only when every step succeeded
# Every command is traced (set -x) to the console; the first failing step ends the script
# with a message naming the line and command.
set -Eeuo pipefail
out="${FABRIC_RESULTS:?FABRIC_RESULTS must name the writable results folder}"
trap 'echo "SCENARIO FAILED at line $LINENO: $BASH_COMMAND (status $?)" >&2' ERR
PS4='+ ${EPOCHREALTIME} '
set -x

ovs="/run/ovs-scenario"
stop_ovs() {
    local pidfile
    for pidfile in "$ovs/ovs-vswitchd.pid" "$ovs/ovsdb-server.pid"; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    mkdir -p "$out/ovs-logs"
    cp "$ovs"/*.log "$out/ovs-logs/" 2>/dev/null || true
}
trap stop_ovs EXIT

# Bonds of dummies. Slaves must be down when enslaved; the bond brings them up.
for i in 0 1 2 3 4; do
    ip link add "dummy$i" type dummy
done
ip link add bond0 type bond mode active-backup miimon 100
ip link set dummy0 master bond0
ip link set dummy1 master bond0
ip link add bond1 type bond mode 802.3ad miimon 100
ip link set dummy2 master bond1
ip link set dummy3 master bond1
ip link set bond0 up
ip link set bond1 up

# Bonds of veths, whose driver reports a speed (10000), for the bond speed rules.
for v in vr0 vr1 vs0 vs1; do
    ip link add "$v" type veth peer name "${v}p"
    ip link set "${v}p" up
done
ip link add bond2 type bond mode balance-rr miimon 100
ip link set vr0 master bond2
ip link set vr1 master bond2
ip link add bond3 type bond mode active-backup miimon 100
ip link set vs0 master bond3
ip link set vs1 master bond3
ip link set bond2 up
ip link set bond3 up
ip link add link bond2 name bond2.200 type vlan id 200
ip link add ovirtmgmt type bridge
ip link set bond2.200 master ovirtmgmt
ip link set bond2.200 up
ip link set ovirtmgmt up

# VDSM's running network config for those, in a fake root whose sys and proc are the real ones.
vdsm="/run/vdsmroot/var/lib/vdsm/staging/netconf"
mkdir -p "$vdsm/nets" "$vdsm/bonds"
ln -s /sys /run/vdsmroot/sys
ln -s /proc /run/vdsmroot/proc
echo '{"bonding": "bond2", "vlan": 200, "bridged": true, "switch": "legacy", "mtu": 1500, "bootproto": "none",' \
    '"ipaddr": "10.35.1.20", "prefix": "24", "gateway": "10.35.1.254", "defaultRoute": true,' \
    '"nameservers": ["10.35.1.1"]}' >"$vdsm/nets/ovirtmgmt"
echo '{"bonding": "bond2", "bridged": false, "switch": "legacy", "ipv6autoconf": true,' \
    '"hostQos": {"out": {"ls": {"m2": 50}, "ul": {"m2": 2000}}}}' >"$vdsm/nets/storage"
echo '{"nics": ["vr0", "vr1"], "options": "mode=0 miimon=100", "switch": "legacy"}' >"$vdsm/bonds/bond2"

# VLAN 100 on bond0 under a Linux bridge.
ip link add link bond0 name bond0.100 type vlan id 100
ip link add br100 type bridge
ip link set bond0.100 master br100
ip link set bond0.100 up
ip link set br100 up

# Open vSwitch on the kernel datapath: private database and switch under /run (tmpfs).
mkdir -p "$ovs"
export OVS_RUNDIR="$ovs" OVS_LOGDIR="$ovs" OVS_DBDIR="$ovs"
ovsdb-tool create "$ovs/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$ovs/conf.db" --remote="punix:$ovs/db.sock" --pidfile="$ovs/ovsdb-server.pid" \
    --unixctl="$ovs/ovsdb-server.ctl" --log-file="$ovs/ovsdb-server.log" --detach
vsctl() { ovs-vsctl --db="unix:$ovs/db.sock" --timeout=120 "$@"; }
vsctl --no-wait init
ovs-vswitchd "unix:$ovs/db.sock" --pidfile="$ovs/ovs-vswitchd.pid" \
    --unixctl="$ovs/ovs-vswitchd.ctl" --log-file="$ovs/ovs-vswitchd.log" --detach
vsctl add-br br-k
vsctl add-port br-k dummy4
vsctl add-br br-int
vsctl add-port br-int tapvnic -- set Interface tapvnic type=internal \
    external_ids:iface-id=8f14e45f-ceea-467f-a0e6-2a9b3c4d5e6f external_ids:attached-mac=56:6f:1a:2b:00:07
ip link set tapvnic up
ip link set dummy4 up
ip link set br-k up

# miimon elects the active slave on its first tick after the slaves come up.
for _ in $(seq 50); do
    [ -n "$(cat /sys/class/net/bond0/bonding/active_slave)" ] && [ -n "$(cat /sys/class/net/bond3/bonding/active_slave)" ] &&
        break
    sleep 0.1
done

# Dumps.
ip -d -j link show >"$out/links.json"
for link in /sys/class/net/*; do
    mkdir -p "$out/speed"
    cat "$link/speed" >"$out/speed/${link##*/}" 2>/dev/null || true
done
ip -j addr show >"$out/addrs.json"
mkdir -p "$out/proc-net-bonding"
cp /proc/net/bonding/* "$out/proc-net-bonding/"
for bond in $(cat /sys/class/net/bonding_masters); do
    mkdir -p "$out/sys-bonding/$bond"
    for attr in mode active_slave slaves miimon; do
        cat "/sys/class/net/$bond/bonding/$attr" >"$out/sys-bonding/$bond/$attr"
    done
done
vsctl show >"$out/ovs-show.txt"
vsctl -f json --columns=name,type,ofport list Interface >"$out/ovs-interfaces.json"
ovs-dpctl show >"$out/ovs-dpctl.txt"

if [ -n "${FABRIC_AGENT:-}" ]; then
    agent_status=0
    "$FABRIC_AGENT" show --json --no-rates --ovsdb "unix:$ovs/db.sock" --root /run/vdsmroot \
        >"$out/fabric-agent.json" 2>"$out/fabric-agent.stderr" ||
        agent_status=$?
    echo "$agent_status" >"$out/fabric-agent.status"
    # The networks from the same inventory, as JSON and as `fabric-agent network NAME` prints one.
    "$FABRIC_AGENT" show --networks --json --ovsdb "unix:$ovs/db.sock" --root /run/vdsmroot \
        >"$out/fabric-agent-networks.json" 2>>"$out/fabric-agent.stderr" || echo "$?" >"$out/fabric-agent.status"
    "$FABRIC_AGENT" network ovirtmgmt --ovsdb "unix:$ovs/db.sock" --root /run/vdsmroot \
        >"$out/fabric-agent-network-ovirtmgmt.txt" 2>>"$out/fabric-agent.stderr" || echo "$?" >"$out/fabric-agent.status"
fi

set +x
ip -br link
touch "$out/scenario-done"

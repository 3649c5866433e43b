#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# A private Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath) in DIR, for manual tests.
# It never touches the system's OVS service: every socket, pidfile and log lives in DIR.
#
#   scripts/ovs-sandbox.sh start DIR   # then: export OVS_RUNDIR=DIR; ovs-vsctl --db=unix:DIR/db.sock show
#   scripts/ovs-sandbox.sh stop DIR    # stops both daemons by their pidfiles
#
# Bridges you add must use datapath_type=netdev (no kernel module needed).
set -eu

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2
schema=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}

stop_pidfile() {
    pidfile=$1
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" || true
    fi
    rm -f "$pidfile"
}

case $action in
start)
    command -v ovsdb-server >/dev/null || { echo "ovsdb-server not found (apt-get install openvswitch-switch)" >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir"
    [ -f "$dir/conf.db" ] || ovsdb-tool create "$dir/conf.db" "$schema"
    ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
        --pidfile="$dir/ovsdb-server.pid" --unixctl="$dir/ovsdb-server.ctl" \
        --log-file="$dir/ovsdb-server.log" -vconsole:off --detach
    ovs-vsctl --db="unix:$dir/db.sock" --no-wait init
    ovs-vswitchd "unix:$dir/db.sock" \
        --pidfile="$dir/ovs-vswitchd.pid" --unixctl="$dir/ovs-vswitchd.ctl" \
        --log-file="$dir/ovs-vswitchd.log" -vconsole:off --detach
    echo "OVS sandbox running in $dir: export OVS_RUNDIR=$dir; ovs-vsctl --db=unix:$dir/db.sock show"
    ;;
stop)
    # Deleting the bridges while ovs-vswitchd still runs removes their tun devices from the kernel;
    # without this they outlive the daemon.
    if [ -S "$dir/db.sock" ] && [ -f "$dir/ovs-vswitchd.pid" ]; then
        for br in $(ovs-vsctl --db="unix:$dir/db.sock" --timeout=5 list-br 2>/dev/null); do
            ovs-vsctl --db="unix:$dir/db.sock" --timeout=5 --if-exists del-br "$br" || true
        done
    fi
    stop_pidfile "$dir/ovs-vswitchd.pid"
    stop_pidfile "$dir/ovsdb-server.pid"
    ;;
*) usage ;;
esac

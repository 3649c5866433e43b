// SPDX-License-Identifier: Apache-2.0
// VDSM hook for after_update_device: placeholder that exits 0 without reading or writing anything. VDSM
// ignores this hook point's output, and after-hooks must never require their XML (it may be empty). The
// planned side effects — re-plugging the OVS port through FabricOVSDB
// (`OVSDBClient(endpoint: .default, timeout: .seconds(5)).plugPort(bridge:port:externalIDs:)`) and re-enslaving
// a Linux-bridge tap (`NetlinkSocket().setMaster(link:master:)`) — wait for those modules to land.

// SPDX-License-Identifier: Apache-2.0
// Small C helpers for what Swift cannot call on libnl 3.7 safely or at all. Every symbol is
// prefixed CNetlinkShims_ and says why it exists.
#ifndef FABRIC_CNETLINKSHIMS_H
#define FABRIC_CNETLINKSHIMS_H

#ifdef __linux__
#include <netlink/route/link.h>

/// libnl's typed VLAN getter asserts (and aborts the process) on a non-VLAN link; this returns -1 instead.
int CNetlinkShims_vlan_id(struct rtnl_link *link);
#endif

#endif

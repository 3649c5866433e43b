// SPDX-License-Identifier: Apache-2.0
// The libnl-3 / libnl-route-3 headers fabric uses. Paths are relative to the libnl3 include root
// that pkg-config (libnl-route-3.0) supplies, because the libnl headers include each other that way.
#ifndef FABRIC_CNETLINK_H
#define FABRIC_CNETLINK_H

#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <netlink/cache.h>
#include <netlink/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/addr.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/vxlan.h>

#endif

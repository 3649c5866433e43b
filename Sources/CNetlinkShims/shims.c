// SPDX-License-Identifier: Apache-2.0
#ifdef __linux__
// setns() and CLONE_NEWNET are GNU extensions in <sched.h>; must precede every system include.
#define _GNU_SOURCE 1
#include <sched.h>

#include "CNetlinkShims.h"
#include <netlink/route/link/vlan.h>

int CNetlinkShims_vlan_id(struct rtnl_link *link) {
    if (link == NULL || !rtnl_link_is_vlan(link)) {
        return -1;
    }
    return rtnl_link_vlan_get_id(link);
}

int CNetlinkShims_enter_network_namespace(int namespace_fd) {
    return setns(namespace_fd, CLONE_NEWNET);
}
#endif

// SPDX-License-Identifier: Apache-2.0
#ifdef __linux__
#include "CNetlinkShims.h"
#include <netlink/route/link/vlan.h>

int CNetlinkShims_vlan_id(struct rtnl_link *link) {
    if (link == NULL || !rtnl_link_is_vlan(link)) {
        return -1;
    }
    return rtnl_link_vlan_get_id(link);
}
#endif

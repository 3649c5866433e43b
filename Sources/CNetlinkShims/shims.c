// SPDX-License-Identifier: Apache-2.0
#ifdef __linux__
// setns() and CLONE_NEWNET are GNU extensions in <sched.h>; must precede every system include.
#define _GNU_SOURCE 1
#include <sched.h>

#include "CNetlinkShims.h"

int CNetlinkShims_enter_network_namespace(int namespace_fd) {
    return setns(namespace_fd, CLONE_NEWNET);
}
#endif

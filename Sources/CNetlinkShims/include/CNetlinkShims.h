// SPDX-License-Identifier: Apache-2.0
// Small C helpers for what Swift cannot call on libnl 3.7 safely or at all. Every symbol is
// prefixed CNetlinkShims_ and says why it exists.
#ifndef FABRIC_CNETLINKSHIMS_H
#define FABRIC_CNETLINKSHIMS_H

#ifdef __linux__
#include <netlink/route/link.h>

/// setns(fd, CLONE_NEWNET) for the calling thread. Glibc declares setns() and CLONE_NEWNET only under
/// _GNU_SOURCE, which the Swift Glibc module is not built with, so Swift cannot see either.
/// Returns 0, or -1 with errno set.
int CNetlinkShims_enter_network_namespace(int namespace_fd);
#endif

#endif

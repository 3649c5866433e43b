// SPDX-License-Identifier: Apache-2.0
// Linux headers that Swift's Glibc module does not cover, visible only to FabricPOSIX.
#pragma once
#include <sys/eventfd.h>

// Runs LeakSanitizer's exit-time check now, in a build with AddressSanitizer; does nothing in any other. A process
// that ends with _exit skips the exit handler that would run it (and the check ends the process with the
// sanitizer's status if anything leaked).
void fabric_check_leaks_if_sanitized(void);

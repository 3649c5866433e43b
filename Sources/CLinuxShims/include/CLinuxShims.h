// SPDX-License-Identifier: Apache-2.0
// Linux headers that Swift's Glibc module does not cover, visible only to FabricPOSIX.
#pragma once
#include <sys/eventfd.h>

// LeakSanitizer's exit-time check, defined only where AddressSanitizer's runtime is linked in: a weak reference,
// null in every other build. A process that ends with _exit skips the exit handler that runs the check, so it
// runs it here first (and the check ends the process with the sanitizer's status if anything leaked).
void __lsan_do_leak_check(void) __attribute__((weak));

static inline void fabric_check_leaks_if_sanitized(void) {
    if (__lsan_do_leak_check) __lsan_do_leak_check();
}

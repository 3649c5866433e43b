// SPDX-License-Identifier: Apache-2.0
// The header is the whole module but for the one function below; SwiftPM builds this file with the sanitizer a
// build asks for, so the check is compiled in only where its runtime is linked: release binaries make no
// reference to it at all.
#include "CLinuxShims.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FABRIC_ADDRESS_SANITIZER 1
#endif
#endif

#ifdef FABRIC_ADDRESS_SANITIZER
#include <sanitizer/lsan_interface.h>
#endif

void fabric_check_leaks_if_sanitized(void) {
#ifdef FABRIC_ADDRESS_SANITIZER
    __lsan_do_leak_check();
#endif
}

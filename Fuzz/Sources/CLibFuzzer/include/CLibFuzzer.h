// SPDX-License-Identifier: Apache-2.0
// libFuzzer's driver, which each target's main calls: SwiftPM links an executable's own main in place of
// libFuzzer's, so the targets start the driver themselves (the runtime comes with -sanitize=fuzzer).
#ifndef FABRIC_CLIBFUZZER_H
#define FABRIC_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif

// SPDX-License-Identifier: Apache-2.0
// Nothing to compile: the declaration in include/ is the point (SwiftPM wants a source file per C target).
#include "CLibFuzzer.h"

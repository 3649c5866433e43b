// SPDX-License-Identifier: Apache-2.0
// The header is the whole module; SwiftPM needs one source file to build a C target.
#include "CLinuxShims.h"

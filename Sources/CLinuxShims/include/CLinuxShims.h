// SPDX-License-Identifier: Apache-2.0
// Linux headers that Swift's Glibc module does not cover, visible only to FabricPOSIX.
#pragma once
#include <sys/eventfd.h>

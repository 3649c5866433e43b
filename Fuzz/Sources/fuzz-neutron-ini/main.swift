// SPDX-License-Identifier: Apache-2.0
import FuzzSupport

runFuzzer(fuzzNeutronINI)

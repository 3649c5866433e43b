// SPDX-License-Identifier: Apache-2.0
import FabricAgentCLI

FabricAgent.main()

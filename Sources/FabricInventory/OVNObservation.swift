// SPDX-License-Identifier: Apache-2.0
public import FabricOVSDB

/// What the agent last learnt from OVN itself, beside the Open vSwitch database: the southbound database
/// (or why it could not be read) and ovn-controller's health. Gathered by a service, never per request.
public struct OVNObservation: Sendable, Hashable {
    /// `nil` when it could not be read; ``southboundError`` says why.
    public var southbound: OVNSouthbound?
    public var southboundError: String?
    /// The southbound remote that was read (`unix:PATH`), when one is configured.
    public var southboundRemote: String?
    public var controller: OVNControllerStatus

    public init(
        southbound: OVNSouthbound?, southboundError: String? = nil, southboundRemote: String? = nil,
        controller: OVNControllerStatus
    ) {
        self.southbound = southbound
        self.southboundError = southboundError
        self.southboundRemote = southboundRemote
        self.controller = controller
    }
}

// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// What VDSM hands a hook through its environment: the data file path, the VM id and the custom properties.
///
/// Custom properties are plain environment variables, named exactly as the engine names them (`vnic_id`,
/// `provider_type`, …); VM-level properties already override device properties of the same name. So the
/// properties *are* the environment as given: a hook looks up the keys it knows and ignores the rest.
public struct HookEnvironment: Hashable, Sendable {
    /// Variable holding the path of the XML data file.
    public static let domainXMLVariable = "_hook_domxml"
    /// Variable holding the VM's UUID.
    public static let vmIDVariable = "vmId"

    /// Every variable, as given.
    public var variables: [String: String]

    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// The current process environment.
    public static var current: HookEnvironment {
        HookEnvironment(HostSystem.environment())
    }

    /// The path of the domain XML file, if this is an XML hook point.
    public var domainXMLPath: String? { variables[Self.domainXMLVariable].flatMap { $0.isEmpty ? nil : $0 } }

    /// The VM's UUID, if VDSM set it.
    public var vmID: String? { variables[Self.vmIDVariable] }

    /// A custom property (or any variable) by its exact name.
    public subscript(property name: String) -> String? { variables[name] }
}

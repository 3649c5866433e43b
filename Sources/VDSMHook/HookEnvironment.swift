// SPDX-License-Identifier: Apache-2.0
internal import FabricPOSIX

/// What VDSM hands a hook through its environment: the data file path, the VM id and the custom properties.
///
/// Custom properties are plain environment variables, named exactly as the engine names them (`vnic_id`,
/// `provider_type`, …); VM-level properties already override device properties of the same name. So the
/// properties *are* the environment as given: a hook looks up the keys it knows and ignores the rest.
public struct HookEnvironment: Sendable {
    /// Variable holding the path of the XML data file.
    public static let domainXMLVariable = "_hook_domxml"
    /// Variable holding the VM's UUID.
    public static let vmIDVariable = "vmId"

    /// Where the variables come from. A hook looks up a handful of names, so the process's environment is read
    /// with `getenv` per name: copying all of VDSM's environment into a dictionary took a hook's start 0.15 ms.
    private enum Source: Sendable {
        case process
        case given([String: String])
    }

    private let source: Source

    public init(_ variables: [String: String]) {
        source = .given(variables)
    }

    private init(source: Source) {
        self.source = source
    }

    /// The current process environment (nothing in a hook changes it).
    public static var current: HookEnvironment { HookEnvironment(source: .process) }

    /// Every variable, as given (for the process: a copy of its environment now).
    public var variables: [String: String] {
        switch source {
        case .process: HostSystem.environment()
        case .given(let variables): variables
        }
    }

    /// The path of the domain XML file, if this is an XML hook point.
    public var domainXMLPath: String? { self[property: Self.domainXMLVariable].flatMap { $0.isEmpty ? nil : $0 } }

    /// The VM's UUID, if VDSM set it.
    public var vmID: String? { self[property: Self.vmIDVariable] }

    /// A custom property (or any variable) by its exact name.
    public subscript(property name: String) -> String? {
        switch source {
        case .process: HostSystem.environmentVariable(name)
        case .given(let variables): variables[name]
        }
    }
}

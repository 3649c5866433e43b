// SPDX-License-Identifier: Apache-2.0
public import DomainXML

/// Applies a ``VNICWiring`` to one libvirt `<interface>` with the smallest edit that reaches the target shape.
///
/// Result: `type="bridge"`, exactly one `<source bridge=…/>`, exactly one `<target dev="tap…"/>` and, for Open
/// vSwitch, exactly one `<virtualport type="openvswitch"><parameters interfaceid="…"/></virtualport>`; for a
/// Linux bridge no virtualport at all. Elements already in that shape are left alone, an element in another
/// shape is replaced where it stands, extra copies are removed, and missing ones are appended at the end.
/// Everything else — mac, model, driver, mtu, address, alias, filterref, link, bandwidth, boot, unknown
/// children — is not touched. Running it on its own output changes nothing.
public enum InterfaceRewriter {
    public static func apply(_ wiring: VNICWiring, to interface: borrowing Element) {
        if interface.attribute("type") != "bridge" {
            interface.setAttribute("type", to: "bridge")
        }
        ensureSingle(in: interface, name: "source", attribute: ("bridge", wiring.bridge)) { element in
            element.replace(withElementNamed: "source", attributes: ["bridge": wiring.bridge])
        } append: {
            interface.appendChild(named: "source", attributes: ["bridge": wiring.bridge])
        }
        let tap = wiring.tapName
        ensureSingle(in: interface, name: "target", attribute: ("dev", tap)) { element in
            element.replace(withElementNamed: "target", attributes: ["dev": tap])
        } append: {
            interface.appendChild(named: "target", attributes: ["dev": tap])
        }
        switch wiring {
        case .openVSwitch(_, let port):
            ensureSingle(in: interface, name: "virtualport", attribute: ("type", "openvswitch")) { element in
                hasOnlyParameters(element, interfaceID: port.uuid)
            } replace: { element in
                element.replace(withElementNamed: "virtualport", attributes: ["type": "openvswitch"]) { virtualport in
                    virtualport.appendChild(named: "parameters", attributes: ["interfaceid": port.uuid])
                }
            } append: {
                interface.appendChild(named: "virtualport", attributes: ["type": "openvswitch"]) { virtualport in
                    virtualport.appendChild(named: "parameters", attributes: ["interfaceid": port.uuid])
                }
            }
        case .linuxBridge:
            interface.forEachChild(named: "virtualport") { $0.remove() }
        }
    }

    /// Keeps the first child `name` if `attribute` is its only attribute (and it passes `content`), else
    /// replaces it in place; removes every further child `name`; appends one if there was none.
    private static func ensureSingle(
        in parent: borrowing Element,
        name: String,
        attribute: (name: String, value: String),
        content: (borrowing Element) -> Bool = { isEmpty($0) },
        replace: (borrowing Element) -> Void,
        append: () -> Void
    ) {
        var seen = 0
        parent.forEachChild(named: name) { element in
            seen += 1
            if seen > 1 {
                element.remove()
                return
            }
            let same = element.hasOnlyAttribute(attribute.name, value: attribute.value)
            if !(same && content(element)) { replace(element) }
        }
        if seen == 0 { append() }
    }

    private static func isEmpty(_ element: borrowing Element) -> Bool {
        var children = 0
        element.forEachChildElement { _ in children += 1 }
        return children == 0
    }

    private static func hasOnlyParameters(_ virtualport: borrowing Element, interfaceID: String) -> Bool {
        var children = 0
        var isTheParameters = false
        virtualport.forEachChildElement { child in
            children += 1
            isTheParameters = child.name == "parameters" && child.hasOnlyAttribute("interfaceid", value: interfaceID)
        }
        return children == 1 && isTheParameters
    }
}
